"""Exogenous conditions per country and year: the data the economy is built on.

For Kazakhstan, Russia, China, the European Union and the world, from `sim/data/`: nominal GDP
in US$ and its US$ price level (the scenario's macro file), the shares of services and of
agriculture and manufacturing in GDP, and merchandise exports and imports with their fuel and
ores-and-metals shares (WDI); the Brent oil price. The rest of the world (`ROW`) is the world less
the four. From these the model takes, in current US$ bn: GDP, the services share, the goods
share (agriculture and manufacturing value added), commodity exports and imports (fuels plus
ores and metals) and the goods trade balance (merchandise exports less imports); see
`sim.economy` for how they close the economy.

Rules for years without data, each only where the scenario asks for it:
- `backcast = "hold"`: before a series' first observation its first observed ratio (to GDP, or
  the share) holds (1991–1994 have no trade statistics for the two new states);
- `extend = "trend"`: after the GDP data, real GDP grows at its average rate over the last
  `trend_years` years of data and the US$ price level stays at its last value; shares and
  trade ratios to GDP (and so the commodity shares of trade) hold their last observed values (a
  stated projection rule, not a forecast).
A year that needs a value the data lack, outside these rules, is an error naming the file, the
country, the indicator and the year.

Scenario adjustments (`[[macro.adjust]]`) multiply, over a span of years: a country's nominal
GDP (`gdp`) and/or its US$ price level (`price`), or, for `country = "WORLD"`, the oil price
(`oil_price`). A higher oil price raises every country's fuel export and import values in
proportion and an exporter's nominal GDP by the extra revenue (its US$ price level stays); a
goods balance keeps its ratio to GDP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data import DATA_DIR, load_indicators, load_macro
from sim.errors import InputError
from sim.scenario import ScenarioSpec
from sim.world import COUNTRIES

# The data hold the world, and the rest of the world is derived as the world less the others.
DATA_COUNTRIES = (*(c for c in COUNTRIES if c != "ROW"), "WORLD")
# model series -> (indicator in the WDI tables, divisor to US$ bn or to a fraction)
INDICATORS = {
    "services_share": ("services_value_added_pct_gdp", 100.0),
    "agriculture_share": ("agriculture_value_added_pct_gdp", 100.0),
    "manufacturing_share": ("manufacturing_value_added_pct_gdp", 100.0),
    "exports": ("merchandise_exports_usd_mn", 1000.0),
    "imports": ("merchandise_imports_usd_mn", 1000.0),
    "fuel_export_share": ("fuel_share_of_merchandise_exports_pct", 100.0),
    "ores_export_share": ("ores_metals_share_of_merchandise_exports_pct", 100.0),
    "fuel_import_share": ("fuel_share_of_merchandise_imports_pct", 100.0),
    "ores_import_share": ("ores_metals_share_of_merchandise_imports_pct", 100.0),
}
OIL_INDICATOR = "brent_usd_per_barrel"


@dataclass(frozen=True)
class MacroYear:
    """One year's exogenous conditions, arrays over `COUNTRIES` (US$ bn unless stated)."""

    gdp: np.ndarray
    price: np.ndarray  # US$ price level of GDP, 2010 = 1
    services_share: np.ndarray
    goods_share: np.ndarray  # agriculture and manufacturing value added over GDP
    balance: np.ndarray  # goods (merchandise) exports less imports
    fuel_exports: np.ndarray
    ores_exports: np.ndarray
    fuel_imports: np.ndarray
    ores_imports: np.ndarray
    oil_price: float  # Brent, US$ per barrel

    @property
    def commodity_exports(self) -> np.ndarray:
        """Fuels plus ores and metals exported."""
        return self.fuel_exports + self.ores_exports

    @property
    def commodity_imports(self) -> np.ndarray:
        """Fuels plus ores and metals imported."""
        return self.fuel_imports + self.ores_imports


@dataclass(frozen=True)
class MacroPath:
    """The exogenous conditions of a run: arrays (country, year) over the run's years."""

    years: np.ndarray
    gdp: np.ndarray
    price: np.ndarray
    services_share: np.ndarray
    goods_share: np.ndarray
    balance: np.ndarray
    fuel_exports: np.ndarray
    ores_exports: np.ndarray
    fuel_imports: np.ndarray
    ores_imports: np.ndarray
    oil_price: np.ndarray

    def at(self, year: int) -> MacroYear:
        """The conditions of `year`."""
        i = int(year - self.years[0])
        return MacroYear(
            self.gdp[:, i],
            self.price[:, i],
            self.services_share[:, i],
            self.goods_share[:, i],
            self.balance[:, i],
            self.fuel_exports[:, i],
            self.ores_exports[:, i],
            self.fuel_imports[:, i],
            self.ores_imports[:, i],
            float(self.oil_price[i]),
        )


def extend_by_trend(series: pd.DataFrame, last_year: int, trend_years: int) -> pd.DataFrame:
    """Continue a country's GDP to `last_year`: trend real growth, constant price level."""
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


def _missing(what: str, source: str, years: list[int], hint: str, spec: ScenarioSpec) -> InputError:
    shown = ", ".join(str(y) for y in years[:5]) + (" ..." if len(years) > 5 else "")
    return InputError(
        f"{source}: no value for {what} in {shown}; {hint}", source=spec.source, key="macro"
    )


def _gdp_paths(spec: ScenarioSpec, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nominal GDP (US$ bn) and real GDP (2010 US$ bn) per data country over `years`."""
    table = load_macro(spec.macro_file)
    file = spec.macro_file or str(DATA_DIR / "macro.csv")
    nominal = np.empty((len(DATA_COUNTRIES), len(years)))
    real = np.empty_like(nominal)
    for c, country in enumerate(DATA_COUNTRIES):
        if country not in table.index.get_level_values(0):
            raise InputError(f"no series for country {country}", source=file)
        series = table.loc[country]
        if spec.macro_extend == "trend":
            series = extend_by_trend(series, int(years[-1]), spec.trend_years)
        gaps = sorted(set(years) - set(series.dropna().index))
        if gaps:
            raise _missing(
                f"{country} GDP and its real index",
                file,
                gaps,
                'give a macro file covering the run or set extend = "trend"',
                spec,
            )
        nominal[c] = series.loc[years, "gdp_usd_bn"].to_numpy()
        real[c] = nominal[c] / series.loc[years, "price_level"].to_numpy()
    return nominal, real


def _filled(
    series: pd.Series, years: np.ndarray, what: str, file: str, spec: ScenarioSpec
) -> np.ndarray:
    """A series (a share or a ratio) over `years`, with the scenario's fill rules applied."""
    series = series.dropna().sort_index()
    if series.empty:
        raise _missing(what, file, list(years), "the series is absent", spec)
    first, last = int(series.index.min()), int(series.index.max())
    inside = years[(years >= first) & (years <= last)]
    gaps = sorted(int(y) for y in set(inside) - set(series.index))
    if gaps:
        raise _missing(what, file, gaps, "a gap inside the data", spec)
    early = years[years < first]
    if early.size and spec.macro_backcast != "hold":
        raise _missing(what, file, list(early), 'set backcast = "hold" under [macro]', spec)
    late = years[years > last]
    if late.size and spec.macro_extend != "trend":
        raise _missing(what, file, list(late), 'set extend = "trend" under [macro]', spec)
    # Fill over the data's years too: a run may end before a series' first observation.
    span = series.index.union(pd.Index(years))
    return series.reindex(span).ffill().bfill().loc[years].to_numpy(float, copy=True)


def _indicators(spec: ScenarioSpec, years: np.ndarray, gdp: np.ndarray) -> dict[str, np.ndarray]:
    """The WDI series per data country: shares as fractions, trade as US$ bn.

    Trade levels are filled as ratios to GDP, so the rules hold a ratio, not a level.
    """
    frame = load_indicators()
    data_gdp = load_macro(spec.macro_file).gdp_usd_bn
    out = {name: np.empty((len(DATA_COUNTRIES), len(years))) for name in INDICATORS}
    for c, country in enumerate(DATA_COUNTRIES):
        for name, (indicator, divisor) in INDICATORS.items():
            rows = frame[(frame.country == country) & (frame.indicator == indicator)]
            file = str(DATA_DIR / (rows.file.iloc[0] if len(rows) else "world-economy-wdi.csv"))
            series = rows.set_index("year").value / divisor
            level = name in ("exports", "imports")
            if level:  # over the data's years, whatever the run's
                series = series / data_gdp.loc[country].reindex(series.index)
            values = _filled(series, years, f"{country} {indicator}", file, spec)
            out[name][c] = values * gdp[c] if level else values
    return out


def _oil_price(spec: ScenarioSpec, years: np.ndarray) -> np.ndarray:
    frame = load_indicators()
    rows = frame[frame.indicator == OIL_INDICATOR]
    file = str(DATA_DIR / (rows.file.iloc[0] if len(rows) else "trade-national-wdi.csv"))
    return _filled(rows.set_index("year").value, years, OIL_INDICATOR, file, spec)


def macro_path(spec: ScenarioSpec) -> MacroPath:
    """Build the exogenous conditions of a scenario over its years, adjustments applied."""
    years = np.arange(spec.start_year, spec.end_year + 1)
    nominal, real = _gdp_paths(spec, years)
    series = _indicators(spec, years, nominal)
    oil = _oil_price(spec, years)
    exports, imports = series["exports"], series["imports"]
    levels = {
        "fuel_exports": exports * series["fuel_export_share"],
        "ores_exports": exports * series["ores_export_share"],
        "fuel_imports": imports * series["fuel_import_share"],
        "ores_imports": imports * series["ores_import_share"],
    }
    # The rest of the world is the world less the four; its balance closes the world's.
    world = DATA_COUNTRIES.index("WORLD")
    n = len(COUNTRIES)

    def with_rest(data: np.ndarray) -> np.ndarray:
        return np.vstack((data[:world], data[world] - data[:world].sum(axis=0)))

    gdp = with_rest(nominal)
    real_gdp = with_rest(real)
    services = with_rest(series["services_share"] * nominal) / gdp
    goods = with_rest((series["agriculture_share"] + series["manufacturing_share"]) * nominal) / gdp
    balance = np.vstack((exports[:world] - imports[:world], np.zeros((1, len(years)))))
    balance[n - 1] = -balance[: n - 1].sum(axis=0)
    commodity = {name: with_rest(value) for name, value in levels.items()}
    if (gdp <= 0).any() or (real_gdp <= 0).any():
        raise InputError("the rest of the world's GDP comes out non-positive", source=spec.source)
    price = gdp / real_gdp

    for adj in spec.macro_adjust:
        span = (years >= adj.from_year) & (years <= adj.to_year)
        if adj.country == "WORLD":
            extra = (adj.oil_price - 1.0) * commodity["fuel_exports"][:, span]
            oil[span] *= adj.oil_price
            commodity["fuel_imports"][:, span] *= adj.oil_price
            commodity["fuel_exports"][:, span] += extra
            scale = (gdp[:, span] + extra) / gdp[:, span]
            gdp[:, span] *= scale
        else:
            c = COUNTRIES.index(adj.country)
            gdp[c, span] *= adj.gdp
            price[c, span] *= adj.price
            scale = np.ones_like(gdp[:, span])
            scale[c] = adj.gdp
        # A goods balance keeps its ratio to GDP; the rest of the world's closes the world's.
        balance[: n - 1, span] *= scale[: n - 1]
        balance[n - 1, span] = -balance[: n - 1, span].sum(axis=0)
    return MacroPath(
        years,
        gdp,
        price,
        services,
        goods,
        balance,
        commodity["fuel_exports"],
        commodity["ores_exports"],
        commodity["fuel_imports"],
        commodity["ores_imports"],
        oil,
    )
