"""The firm population as columns: one slot per firm agent, refilled when a firm exits.

Each slot holds a Kazakh or Russian firm's home region, sector and productivity. Productivity is
Pareto distributed (heavy-tailed) with minimum 1; a firm's sales potential is
`size = phi**(sigma-1)`. The number of slots is fixed (the `n_firms` resolution, split between
the countries by `kz_agent_share`); a firm that exits frees its slot for an entrant of the same
country, located where demand is. (The partners' firms are not agents: they supply as a
continuum, see `sim.trade`.)

Agents sample the productivity law with an oversampled tail (importance sampling): they draw
from a Pareto law of a smaller `sampling_shape`, and each carries the weight `f(phi) / g(phi)`,
the true density over the sampling density, which scales its firm mass (see `sim.model`) and its
place in firm counts. The firms the agents stand for still follow the true law, but the few
productive firms that carry cross-border trade are represented by many light agents instead of a
handful of heavy ones, which keeps aggregates steady from seed to seed. With
`sampling_shape = pareto_shape` every weight is 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FirmColumns:
    """Columnar state of the firm agents (index = slot)."""

    market: np.ndarray  # home region (market index)
    sector: np.ndarray
    productivity: np.ndarray
    size: np.ndarray  # productivity ** (sigma - 1): sales potential, also used as capital
    weight: np.ndarray  # importance weight: the agent's firm mass relative to an unweighted one
    born: np.ndarray  # year of entry
    active: np.ndarray  # sold in at least one market in the last year

    def __len__(self) -> int:
        return len(self.market)


def draw_productivity(
    rng: np.random.Generator, n: int, shape: float, sampling_shape: float
) -> tuple[np.ndarray, np.ndarray]:
    """Productivities drawn from Pareto(`sampling_shape`), minimum 1, with their weights.

    The weight is the Pareto(`shape`) density over the sampling density, so weighted sums over
    the agents estimate sums over firms of the Pareto(`shape`) law; its mean is 1.
    """
    phi = (1.0 - rng.random(n)) ** (-1.0 / sampling_shape)
    return phi, (shape / sampling_shape) * phi ** (sampling_shape - shape)


def _locate(
    rng: np.random.Generator, country: np.ndarray, weights: np.ndarray, region_country: np.ndarray
) -> np.ndarray:
    """A region for each entry of `country`, drawn by `weights` inside that country."""
    market = np.empty(country.size, dtype=np.int32)
    for c in np.unique(country):
        inside = np.where(region_country == c, weights, 0.0)
        where = country == c
        market[where] = rng.choice(weights.size, size=int(where.sum()), p=inside / inside.sum())
    return market


def initial_firms(
    rng: np.random.Generator,
    n: int,
    region_weights: np.ndarray,
    region_country: np.ndarray,
    country_share: dict[int, float],
    sector_shares: np.ndarray,
    pareto_shape: float,
    sampling_shape: float,
    sigma: float,
    year: int,
) -> FirmColumns:
    """Create the initial population: agents per country by `country_share`, regions by weight.

    Args:
        rng: Random stream of the firm population.
        n: Number of firm agents.
        region_weights: Economic weight of each region (market index order).
        region_country: Country code of each market.
        country_share: Share of the agents of each country (sums to 1).
        sector_shares: Share of each sector.
        pareto_shape: Shape of the productivity distribution.
        sampling_shape: Shape of the distribution the agents' productivities are drawn from.
        sigma: Elasticity of substitution.
        year: Year of the initial state.
    """
    codes = np.array(list(country_share))
    counts = np.floor(np.array(list(country_share.values())) * n).astype(int)
    counts[-1] = n - counts[:-1].sum()
    country = np.repeat(codes, counts)
    sector = rng.choice(len(sector_shares), size=n, p=sector_shares).astype(np.int16)
    phi, weight = draw_productivity(rng, n, pareto_shape, sampling_shape)
    return FirmColumns(
        market=_locate(rng, country, region_weights, region_country),
        sector=sector,
        productivity=phi,
        size=phi ** (sigma - 1.0),
        weight=weight,
        born=np.full(n, year, dtype=np.int32),
        active=np.ones(n, dtype=bool),
    )


def exits(firms: FirmColumns, rng: np.random.Generator, exit_rate: float) -> np.ndarray:
    """Firms that leave this year: those that sold nowhere, and a random share of the rest."""
    return ~firms.active | (rng.random(len(firms)) < exit_rate)


def renew(
    firms: FirmColumns,
    rng: np.random.Generator,
    exiting: np.ndarray,
    region_weights: np.ndarray,
    region_country: np.ndarray,
    sector_shares: np.ndarray,
    pareto_shape: float,
    sampling_shape: float,
    sigma: float,
    year: int,
) -> np.ndarray:
    """Replace the firms in the `exiting` slots by entrants; return the renewed slots.

    An entrant takes the country of the slot it fills (so each country keeps its number of
    agents), locates by `region_weights` (current demand) and draws sector and productivity
    (with its weight, as `draw_productivity`).
    """
    slots = np.flatnonzero(exiting)
    if slots.size == 0:
        return slots
    country = region_country[firms.market[slots]]
    firms.market[slots] = _locate(rng, country, region_weights, region_country)
    firms.sector[slots] = rng.choice(len(sector_shares), size=slots.size, p=sector_shares)
    phi, weight = draw_productivity(rng, slots.size, pareto_shape, sampling_shape)
    firms.productivity[slots] = phi
    firms.weight[slots] = weight
    firms.size[slots] = phi ** (sigma - 1.0)
    firms.born[slots] = year
    firms.active[slots] = True
    return slots
