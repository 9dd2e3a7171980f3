"""Policy: the timeline of national levers and the border regions' own levers, year by year.

A regime that starts during a year (e.g. internal customs controls removed on 1 July 2011)
applies to that year in proportion to the part of the year it covers; every lever is averaged
with those weights. The regime reported for a year is the one in force for most of it.

A border region's administration may also decide its own levers for a year (a scenario's
`[[decisions]]`, made by a class): proposals of agreements to regions across the border,
whether to send a delegation to the forums, and how to split its programme budget between state
funding of cross-border programmes and investment attraction. `region_levers_for_year` turns
the year's decisions into arrays over the markets; a year without decisions gives levers that
change nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.parameters import RegimeParameters
from sim.scenario import Regime, RegionDecision
from sim.world import KZ, RU, World


def regime_weights(regimes: list[Regime], year: int) -> np.ndarray:
    """Share of calendar year `year` covered by each regime (sums to 1)."""
    starts = np.array([r.start for r in regimes], dtype=float)
    ends = np.append(starts[1:], np.inf)
    lo = np.clip(starts, year, year + 1)
    hi = np.clip(ends, year, year + 1)
    weights = hi - lo
    if starts[0] > year:
        # Before the first regime starts, the first regime applies.
        weights[0] += min(starts[0], year + 1) - year
    return weights / weights.sum()


def levers_for_year(regimes: list[Regime], year: int) -> tuple[RegimeParameters, str]:
    """Levers in force in `year` (time-weighted) and the name of the main regime."""
    weights = regime_weights(regimes, year)
    values = {}
    for field in dataclasses.fields(RegimeParameters):
        column = np.array([getattr(r.levers, field.name) for r in regimes])
        values[field.name] = float(weights @ column)
    return RegimeParameters(**values), regimes[int(np.argmax(weights))].name


@dataclass(frozen=True)
class RegionLevers:
    """The border regions' own levers in force in one year.

    Attributes:
        funding: (n_ru, n_kz) state funding added to each pair across the border: the sum of
            what both regions' programme budgets give to funding.
        attraction: (M,) investment attraction each region adds for the ventures it hosts.
        delegation: (M,) 1 sends a delegation to the year's forums, 0 stays away, -1 follows
            the model's attendance rule.
        agreed: (n_ru, n_kz) pairs whose proposal the partner region accepted (or that
            proposed to each other).
        offered: (n_ru, n_kz) pairs proposed to a region that decided nothing this year: the
            model's own rule accepts or declines (`sim.agreements.decided_agreements`).
    """

    funding: np.ndarray
    attraction: np.ndarray
    delegation: np.ndarray
    agreed: np.ndarray
    offered: np.ndarray


def region_levers_for_year(
    decisions: Iterable[RegionDecision], year: int, world: World, budget: float
) -> RegionLevers:
    """The levers the border regions decided for `year` (`budget`: `region_budget`)."""
    m = world.n_markets
    ru, kz = world.of(RU), world.of(KZ)
    index = {rid: i for i, rid in enumerate(world.market_ids)}
    funding, attraction = np.zeros(m), np.zeros(m)
    delegation = np.full(m, -1, dtype=np.int8)
    proposed = np.zeros((m, m), dtype=bool)  # proposer -> partner
    accepts = np.zeros((m, m), dtype=bool)  # partner -> proposer it accepts
    deciding = np.zeros(m, dtype=bool)
    for d in decisions:
        if d.year != year:
            continue
        i = index[d.region]
        deciding[i] = True
        if d.delegation is not None:
            delegation[i] = int(d.delegation)
        if d.funding_share is not None:
            funding[i] = budget * d.funding_share
            attraction[i] = budget * (1.0 - d.funding_share)
        proposed[i, [index[r] for r in d.proposals]] = True
        accepts[i, [index[r] for r in d.accepted]] = True
    agreed = (proposed & accepts.T) | (proposed & proposed.T)
    offered = proposed & ~deciding[None, :]
    # Either direction of a pair counts once: Russian rows, Kazakh columns.
    pair = np.ix_(ru, kz)
    agreed_pair = agreed[pair] | agreed.T[pair]
    offered_pair = (offered[pair] | offered.T[pair]) & ~agreed_pair
    pair_funding = funding[ru][:, None] + funding[kz][None, :]
    return RegionLevers(pair_funding, attraction, delegation, agreed_pair, offered_pair)
