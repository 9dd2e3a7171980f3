"""Joint ventures: formation by matching investors with host firms, and dissolution.

Joint ventures are counted in real units (one agent per venture), whatever the number of firm
agents. New ventures between investor region i and host region j across the border arrive as a
Poisson count with mean

    lambda_ij = rate * G_ij * legal^e_L * mobility^e_M * attraction
                * (1 + agreement_effect * A_ij + forum_effect * C_ij + trade_effect * trade_ij),

    G_ij = m_i * m_j * (1 + d_ij / 1000 km) ** (-distance_elasticity) / sum(...),

where m are the regions' shares of their country's active firm mass, A whether the pair is
linked by an agreement, C its forum contacts and trade_ij its recorded trade over the
G-weighted mean of all pairs (so sum(G * trade) = 1: trade ties steer ventures toward trading
pairs without changing their total, however concentrated trade is). Rest-of-World
capital enters Kazakh regions in proportion to m_j (no capital-mobility term: that lever concerns
Russia–Kazakhstan capital). Protocols of intent signed at business forums convert into ventures
with probability `protocol_conversion`. A venture dissolves with hazard
`jv_dissolution * (1 - jv_legal_protection * legal)`, or when its host firm exits.

Host and investor firms are drawn inside their regions with probability proportional to size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.firms import FirmColumns
from sim.parameters import ModelParameters, RegimeParameters


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
) -> np.ndarray:
    """Expected new ventures per (investor region, host region) pair this year."""
    m_i = mass_investor / max(mass_investor.sum(), 1e-300)
    m_j = mass_host / max(mass_host.sum(), 1e-300)
    gravity = np.outer(m_i, m_j) * (1.0 + distance_km / 1000.0) ** (-params.jv_distance_elasticity)
    gravity /= max(gravity.sum(), 1e-300)
    weighted = (gravity * pair_trade).sum()
    relative_trade = pair_trade / weighted if weighted > 0 else np.zeros_like(pair_trade)
    climate = (
        levers.legal_framework**params.jv_legal_elasticity
        * levers.capital_mobility**params.jv_mobility_elasticity
        * levers.investment_attraction
    )
    boost = (
        1.0
        + params.jv_agreement_effect * agreements
        + params.jv_forum_effect * contacts
        + params.jv_trade_effect * relative_trade
    )
    return rate * gravity * climate * boost


def row_rates(
    rate: float, mass_host: np.ndarray, levers: RegimeParameters, params: ModelParameters
) -> np.ndarray:
    """Expected new ventures with Rest-of-World capital per host region this year."""
    m_j = mass_host / max(mass_host.sum(), 1e-300)
    climate = levers.legal_framework**params.jv_legal_elasticity * levers.investment_attraction
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
