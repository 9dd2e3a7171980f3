"""The firm population as columns: one slot per firm agent, refilled when a firm exits.

Each slot holds a Kazakh or Russian firm's home region, sector and productivity. Productivity is
Pareto distributed (heavy-tailed) with minimum 1; a firm's sales potential is
`size = phi**(sigma-1)`. The number of slots is fixed (the `n_firms` resolution, split between the
countries by `kz_agent_share`); a firm that exits frees its slot for an entrant of the same
country, located where demand is. (Rest-of-World firms are not
agents: they supply as a continuum, see `sim.trade`.)
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
    born: np.ndarray  # year of entry
    active: np.ndarray  # sold in at least one market in the last year

    def __len__(self) -> int:
        return len(self.market)


def draw_productivity(rng: np.random.Generator, n: int, shape: float) -> np.ndarray:
    """Pareto(shape) productivities with minimum 1."""
    return (1.0 - rng.random(n)) ** (-1.0 / shape)


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
        sigma: Elasticity of substitution.
        year: Year of the initial state.
    """
    codes = np.array(list(country_share))
    counts = np.floor(np.array(list(country_share.values())) * n).astype(int)
    counts[-1] = n - counts[:-1].sum()
    country = np.repeat(codes, counts)
    sector = rng.choice(len(sector_shares), size=n, p=sector_shares).astype(np.int16)
    phi = draw_productivity(rng, n, pareto_shape)
    return FirmColumns(
        market=_locate(rng, country, region_weights, region_country),
        sector=sector,
        productivity=phi,
        size=phi ** (sigma - 1.0),
        born=np.full(n, year, dtype=np.int32),
        active=np.ones(n, dtype=bool),
    )


def renew(
    firms: FirmColumns,
    rng: np.random.Generator,
    exiting: np.ndarray,
    region_weights: np.ndarray,
    region_country: np.ndarray,
    sector_shares: np.ndarray,
    pareto_shape: float,
    sigma: float,
    year: int,
) -> np.ndarray:
    """Replace the firms in the `exiting` slots by entrants; return the renewed slots.

    An entrant takes the country of the slot it fills (so each country keeps its number of
    agents), locates by `region_weights` (current demand) and draws sector and productivity.
    """
    slots = np.flatnonzero(exiting)
    if slots.size == 0:
        return slots
    country = region_country[firms.market[slots]]
    firms.market[slots] = _locate(rng, country, region_weights, region_country)
    firms.sector[slots] = rng.choice(len(sector_shares), size=slots.size, p=sector_shares)
    phi = draw_productivity(rng, slots.size, pareto_shape)
    firms.productivity[slots] = phi
    firms.size[slots] = phi ** (sigma - 1.0)
    firms.born[slots] = year
    firms.active[slots] = True
    return slots
