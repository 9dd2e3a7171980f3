"""Joint ventures: formation by matching investors with host firms, and dissolution.

Joint ventures are counted in real units (one agent per venture), whatever the number of firm
agents. New ventures between investor region i and host region j across the border arrive as a
Poisson count with mean

    lambda_ij = rate * G_ij * legal^e_L * mobility^e_M * (attraction + a_j)
                * (1 + agreement_effect * A_ij + forum_effect * C_ij + trade_effect * trade_ij),

    G_ij = m_i * m_j * (1 + d_ij / 1000 km) ** (-distance_elasticity) / sum(...),

where m are the regions' shares of their country's active firm mass, A whether the pair is
linked by an agreement, C its forum contacts and trade_ij its recorded trade over the
G-weighted mean of all pairs (so sum(G * trade) = 1: trade ties steer ventures toward trading
pairs without changing their total, however concentrated trade is), and a_j the investment
attraction the host region adds with its programme budget (0 unless its administration
decides its own levers, `sim.policy.RegionLevers`). Capital from third countries
(China, the European Union and the rest of the world, pooled: the sources give no split) enters
Kazakh regions in proportion to m_j (no capital-mobility term: that lever concerns
Russia–Kazakhstan capital). Protocols of intent signed at business forums convert into ventures
with probability `protocol_conversion`. A venture dissolves with hazard
`jv_dissolution * (1 - jv_legal_protection * legal)`, or when its host firm exits.

Host and investor firms are drawn inside their regions with probability proportional to size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agents import JointVenture, firm_slots_of
from sim.firms import FirmColumns
from sim.parameters import ModelParameters, RegimeParameters
from sim.trade import Ties
from sim.world import COUNTRIES, KZ, ROW, RU

if TYPE_CHECKING:
    from sim.model import TransfrontierModel


def pair_rates(
    rate: float,
    mass_investor: np.ndarray,
    mass_host: np.ndarray,
    distance_km: np.ndarray,
    agreements: np.ndarray,
    contacts: np.ndarray,
    pair_trade: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
    attraction: np.ndarray,
) -> np.ndarray:
    """Expected new ventures per (investor region, host region) pair this year.

    `attraction` is the investment attraction each host region adds to the national level
    (its programme budget, `sim.policy.RegionLevers`).
    """
    m_i = mass_investor / max(mass_investor.sum(), 1e-300)
    m_j = mass_host / max(mass_host.sum(), 1e-300)
    gravity = np.outer(m_i, m_j) * (1.0 + distance_km / 1000.0) ** (-params.jv_distance_elasticity)
    gravity /= max(gravity.sum(), 1e-300)
    weighted = (gravity * pair_trade).sum()
    relative_trade = pair_trade / weighted if weighted > 0 else np.zeros_like(pair_trade)
    climate = (
        levers.legal_framework**params.jv_legal_elasticity
        * levers.capital_mobility**params.jv_mobility_elasticity
        * (levers.investment_attraction + attraction[None, :])
    )
    boost = (
        1.0
        + params.jv_agreement_effect * agreements
        + params.jv_forum_effect * contacts
        + params.jv_trade_effect * relative_trade
    )
    return rate * gravity * climate * boost


def row_rates(
    rate: float,
    mass_host: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
    attraction: np.ndarray,
) -> np.ndarray:
    """Expected new ventures with third-country capital per host region this year.

    `attraction` is what each host region adds to the national investment attraction.
    """
    m_j = mass_host / max(mass_host.sum(), 1e-300)
    attract = levers.investment_attraction + attraction
    climate = levers.legal_framework**params.jv_legal_elasticity * attract
    return rate * m_j * climate


def dissolution_probability(levers: RegimeParameters, params: ModelParameters) -> float:
    """Probability that a venture dissolves this year."""
    hazard = params.jv_dissolution * (1.0 - params.jv_legal_protection * levers.legal_framework)
    return float(-np.expm1(-hazard))


def foreign_shares(rng: np.random.Generator, n: int, mean: float) -> np.ndarray:
    """Foreign investor's share of a venture's capital: Beta with the given mean."""
    concentration = 6.0
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)


@dataclass(frozen=True)
class RegionSampler:
    """Draws active firm agents inside a region in proportion to their sales potential.

    An agent's potential is its size times its weight (the firms it stands for, `sim.firms`).
    """

    order: np.ndarray
    csum: np.ndarray
    bounds: np.ndarray

    @staticmethod
    def build(firms: FirmColumns, n_markets: int) -> RegionSampler:
        """Index the active firms by home market (once per year)."""
        order = np.argsort(firms.market, kind="stable")
        weight = np.where(firms.active, firms.size * firms.weight, 0.0)[order]
        csum = np.concatenate(([0.0], np.cumsum(weight)))
        bounds = np.searchsorted(firms.market[order], np.arange(n_markets + 1))
        return RegionSampler(order, csum, bounds)

    def mass(self) -> np.ndarray:
        """Active sales potential per market."""
        return self.csum[self.bounds[1:]] - self.csum[self.bounds[:-1]]

    def draw(self, rng: np.random.Generator, markets: np.ndarray) -> np.ndarray:
        """One firm slot per entry of `markets`."""
        lo = self.csum[self.bounds[markets]]
        hi = self.csum[self.bounds[markets + 1]]
        target = lo + rng.random(markets.size) * (hi - lo)
        pos = np.searchsorted(self.csum, target, side="right") - 1
        return self.order[np.clip(pos, self.bounds[markets], self.bounds[markets + 1] - 1)]


def close_hosted(
    ventures: list[JointVenture], gone: np.ndarray, country_of: np.ndarray, n_markets: int
) -> tuple[list[JointVenture], np.ndarray]:
    """Close the ventures whose host firm left; an exited investor's capital stays.

    Returns the ventures kept and the count closed per (location, capital origin country).
    """
    closed = np.zeros((n_markets, len(COUNTRIES)), dtype=np.int64)
    keep = []
    for venture in ventures:
        if gone[venture.host_slot]:
            closed[venture.host_market, country_of[venture.investor_market]] += 1
            venture.remove()
            continue
        if venture.investor_slot >= 0 and gone[venture.investor_slot]:
            venture.investor_slot = -1
        keep.append(venture)
    return keep, closed


def dissolve(
    ventures: list[JointVenture],
    rng: np.random.Generator,
    levers: RegimeParameters,
    params: ModelParameters,
    country_of: np.ndarray,
    n_markets: int,
) -> tuple[list[JointVenture], np.ndarray]:
    """Dissolve ventures with their hazard; return those kept and the count per location, origin."""
    prob = dissolution_probability(levers, params)
    draw = rng.random(len(ventures))
    counts = np.zeros((n_markets, len(COUNTRIES)), dtype=np.int64)
    keep = []
    for venture, u in zip(ventures, draw, strict=True):
        if u < prob:
            counts[venture.host_market, country_of[venture.investor_market]] += 1
            venture.remove()
        else:
            keep.append(venture)
    return keep, counts


def found(
    model: TransfrontierModel,
    levers: RegimeParameters,
    protocols: np.ndarray,
    attraction: np.ndarray,
) -> np.ndarray:
    """Form this year's new ventures as agents of `model`; return the count per (location, origin).

    Investors from Russian regions in Kazakh regions, from Kazakh regions in Russian regions,
    and third-country capital (pooled, located in the rest-of-the-world market) in Kazakh
    regions; protocols of intent add Russian-capital ventures in Kazakhstan. `attraction` is
    the investment attraction each market adds with its programme budget (`RegionLevers`).
    """
    p = model.params
    rng = model.streams["ventures"]
    world = model.world
    ru, kz = world.of(RU), world.of(KZ)
    sampler = RegionSampler.build(model.firms, world.n_markets)
    mass = sampler.mass()
    distance = model.distance
    ru_kz = pair_rates(
        p.jv_rate, mass[ru], mass[kz], distance[np.ix_(ru, kz)],
        model.linked, model.contacts, model.pair_trade, levers, p, attraction[kz],
    )  # fmt: skip
    kz_ru = pair_rates(
        p.jv_ru_rate, mass[kz], mass[ru], distance[np.ix_(kz, ru)],
        model.linked.T, model.contacts.T, model.pair_trade.T, levers, p, attraction[ru],
    )  # fmt: skip
    third = world.of(ROW)[0]
    n_ru_kz = rng.poisson(ru_kz) + rng.binomial(protocols, p.protocol_conversion)
    n_kz_ru = rng.poisson(kz_ru)
    n_row = rng.poisson(row_rates(p.jv_row_rate, mass[kz], levers, p, attraction[kz]))

    inv_parts, host_parts = [], []
    for counts, inv_idx, host_idx in ((n_ru_kz, ru, kz), (n_kz_ru, kz, ru)):
        i, j = np.nonzero(counts)
        k = counts[i, j]
        inv_parts.append(np.repeat(inv_idx[i], k))
        host_parts.append(np.repeat(host_idx[j], k))
    inv_parts.append(np.full(n_row.sum(), third))
    host_parts.append(np.repeat(kz, n_row))
    investor_market = np.concatenate(inv_parts).astype(np.int64)
    host_market = np.concatenate(host_parts).astype(np.int64)
    counts = np.zeros((world.n_markets, len(COUNTRIES)), dtype=np.int64)
    if host_market.size == 0:
        return counts
    host_slot = sampler.draw(rng, host_market)
    from_firm = investor_market != third
    investor_slot = np.full(host_market.size, -1, dtype=np.int64)
    investor_slot[from_firm] = sampler.draw(rng, investor_market[from_firm])
    share = foreign_shares(rng, host_market.size, p.jv_foreign_share)
    created = JointVenture.create_agents(
        model, host_market.size, host_slot, investor_slot, host_market, investor_market, share,
        model.year,
    )  # fmt: skip
    model.ventures.extend(created)
    np.add.at(counts, (host_market, world.country[investor_market]), 1)
    return counts


def ties(
    ventures: list[JointVenture], firms: FirmColumns, country_of: np.ndarray, reduction: float
) -> Ties:
    """Firms tied by ventures, with the markets of their partner countries."""
    n_markets = len(country_of)
    if not ventures:
        return Ties.none(n_markets)
    host, inv = firm_slots_of(ventures)
    host_country = country_of[firms.market[host]]
    inv_country = np.fromiter(
        (country_of[v.investor_market] for v in ventures), dtype=np.int64, count=len(ventures)
    )
    has_inv = inv >= 0
    slots = np.concatenate((host, inv[has_inv]))
    partner_country = np.concatenate((inv_country, host_country[has_inv]))
    partner = country_of[None, :] == partner_country[:, None]
    order = np.argsort(slots, kind="stable")
    slots, partner = slots[order], partner[order]
    unique, start = np.unique(slots, return_index=True)
    merged = np.logical_or.reduceat(partner, start, axis=0)
    return Ties(unique, merged, reduction)
