"""The firm population as columns: one slot per firm agent, refilled when a firm exits.

Each slot holds a Kazakh or Russian firm's home region, sector and productivity. Productivity is
Pareto distributed (heavy-tailed) with minimum 1; a firm's sales potential is
`size = phi**(sigma-1)`. The number of slots is fixed (the `n_firms` resolution); a firm that
exits frees its slot for an entrant, located where demand is. (Rest-of-World firms are not
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


def initial_firms(
    rng: np.random.Generator,
    n: int,
    region_weights: np.ndarray,
    sector_shares: np.ndarray,
    pareto_shape: float,
    sigma: float,
    year: int,
) -> FirmColumns:
    """Create the initial population, located by the regions' economic weight.

    Args:
        rng: Random stream of the firm population.
        n: Number of firm agents.
        region_weights: Weight of each region (market index order).
        sector_shares: Share of each sector.
        pareto_shape: Shape of the productivity distribution.
        sigma: Elasticity of substitution.
        year: Year of the initial state.
    """
    market = rng.choice(len(region_weights), size=n, p=region_weights / region_weights.sum())
    sector = rng.choice(len(sector_shares), size=n, p=sector_shares).astype(np.int16)
    phi = draw_productivity(rng, n, pareto_shape)
    return FirmColumns(
        market=market.astype(np.int32),
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
    sector_shares: np.ndarray,
    pareto_shape: float,
    sigma: float,
    year: int,
) -> np.ndarray:
    """Replace the firms in the `exiting` slots by entrants; return the renewed slots.

    Entrants locate by `region_weights` (current demand) and draw sector and productivity anew.
    """
    slots = np.flatnonzero(exiting)
    if slots.size == 0:
        return slots
    firms.market[slots] = rng.choice(
        len(region_weights), size=slots.size, p=region_weights / region_weights.sum()
    )
    firms.sector[slots] = rng.choice(len(sector_shares), size=slots.size, p=sector_shares)
    phi = draw_productivity(rng, slots.size, pareto_shape)
    firms.productivity[slots] = phi
    firms.size[slots] = phi ** (sigma - 1.0)
    firms.born[slots] = year
    firms.active[slots] = True
    return slots
