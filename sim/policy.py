"""Policy regimes: the timeline of levers, turned into the levers in force each year.

A regime that starts during a year (e.g. internal customs controls removed on 1 July 2011)
applies to that year in proportion to the part of the year it covers; every lever is averaged
with those weights. The regime reported for a year is the one in force for most of it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.parameters import RegimeParameters
from sim.scenario import Regime


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
