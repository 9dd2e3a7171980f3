"""Exogenous macro conditions per country and year: demand and US$ price level.

Demand of a market is its 2010 size times its country's nominal US$ GDP relative to 2010, so
crises and devaluations in the data (2009, 2014–2015) reach the model as they happened. The US$
price level (nominal over real GDP, 2010 = 1) moves the competitiveness of a country's exports.
A scenario may scale either series for any country and span of years. Years after the data
are an error unless the scenario asks for `extend = "trend"`: real output then grows at its
average rate over the last `trend_years` years of data and the US$ price level stays at its last
value (a stated projection rule, not a forecast).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data import SIZE_YEAR, load_macro
from sim.errors import InputError
from sim.scenario import ScenarioSpec

MACRO_COUNTRIES = ("KZ", "RU", "ROW")


@dataclass(frozen=True)
class MacroPath:
    """Demand index and price level, arrays of shape (country, year) over the run's years."""

    years: np.ndarray
    demand: np.ndarray
    price: np.ndarray

    def at(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Demand index and price level per country (KZ, RU, ROW) in `year`."""
        i = int(year - self.years[0])
        return self.demand[:, i], self.price[:, i]


def extend_by_trend(series: pd.DataFrame, last_year: int, trend_years: int) -> pd.DataFrame:
    """Continue a country's series to `last_year`: trend real growth, constant price level."""
    end = int(series.index.max())
    if last_year <= end:
        return series
    real = series.gdp_usd_bn / series.price_level
    growth = (real.loc[end] / real.loc[end - trend_years]) ** (1.0 / trend_years)
    extra = np.arange(end + 1, last_year + 1)
    level = series.loc[end, "price_level"]
    added = pd.DataFrame(
        {
            "gdp_usd_bn": real.loc[end] * growth ** (extra - end) * level,
            "price_level": level,
        },
        index=pd.Index(extra, name=series.index.name),
    )
    return pd.concat([series, added])


def macro_path(spec: ScenarioSpec) -> MacroPath:
    """Build the macro inputs of a scenario over its years, with its adjustments applied."""
    table = load_macro(spec.macro_file)
    years = np.arange(spec.start_year, spec.end_year + 1)
    demand = np.empty((len(MACRO_COUNTRIES), len(years)))
    price = np.empty_like(demand)
    for c, country in enumerate(MACRO_COUNTRIES):
        series = table.loc[country]
        if spec.macro_extend == "trend":
            series = extend_by_trend(series, int(years[-1]), spec.trend_years)
        missing = sorted(set(years) - set(series.index))
        if missing:
            raise InputError(
                f"macro series of {country} has no value for years {missing[:5]}"
                f"{'...' if len(missing) > 5 else ''}; give a macro file covering "
                f'{years[0]}-{years[-1]} or set extend = "trend"',
                source=spec.source,
                key="macro.file",
            )
        nominal = series.loc[years, "gdp_usd_bn"].to_numpy()
        demand[c] = nominal / series.loc[SIZE_YEAR, "gdp_usd_bn"]
        price[c] = series.loc[years, "price_level"].to_numpy()
    for adj in spec.macro_adjust:
        c = MACRO_COUNTRIES.index(adj.country)
        span = (years >= adj.from_year) & (years <= adj.to_year)
        demand[c, span] *= adj.demand
        price[c, span] *= adj.price
    return MacroPath(years, demand, price)
