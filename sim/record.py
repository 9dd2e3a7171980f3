"""The trade record: the official series the model is fitted to and validated against.

Built from `sim/data/` (IMF DOTS bilateral trade, WDI national trade, World Bank GDP; see
`trade-record-SOURCES.md`). Each series has, per year, a `value`, the two readings it comes
from (`low`, `high`: the mirror sides of a bilateral flow, otherwise equal to the value) and a
`note`.

How the bilateral flows are read:
- **Mirror statistics.** Kazakhstan's exports to Russia are reported by Kazakhstan (FOB) and,
  as imports from Kazakhstan, by Russia (CIF); likewise the other direction. The two readings
  differ (freight and insurance, timing, classification). The record takes their mean and keeps
  both as the band a model value is judged against. The gaps are small and change sign from
  year to year, so they are not evidence of unrecorded trade the shadow submodel could be
  fitted to: trade that escapes customs escapes both sides.
- **The 2010 break.** With the Customs Union, customs controls between the members moved off
  the internal border, and Kazakhstan's recorded imports from Russia fall to half of what
  Russia reports (5.1 against 10.2 US$ bn); Kazakhstan's total imports in DOTS fall below the
  WDI figure too. Kazakh-side intra-union figures of 2010 are a recording break: that year the
  bilateral record uses Russia's side only, and the partner shares of Kazakh imports, which
  need Kazakh-side figures, have no 2010 value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from sim.data import load_indicators, load_macro, load_trade_record

BREAK_YEAR = 2010


@dataclass(frozen=True)
class RecordSeries:
    """How one series of the record is built, and what it is."""

    id: str
    label: str
    unit: str  # "US$ bn" or "share"


SERIES = {
    s.id: s
    for s in (
        RecordSeries("ru_kz_turnover", "Russia–Kazakhstan turnover (mirror mean)", "US$ bn"),
        RecordSeries("kz_exports_to_ru", "Kazakh exports to Russia (mirror mean)", "US$ bn"),
        RecordSeries("kz_imports_from_ru", "Kazakh imports from Russia (mirror mean)", "US$ bn"),
        RecordSeries("kz_exports_gdp", "Kazakh goods exports / GDP (WDI)", "share"),
        RecordSeries("kz_imports_gdp", "Kazakh goods imports / GDP (WDI)", "share"),
        RecordSeries("ru_exports_gdp", "Russian goods exports / GDP (WDI)", "share"),
        RecordSeries("ru_imports_gdp", "Russian goods imports / GDP (WDI)", "share"),
        RecordSeries("ru_share_of_kz_imports", "Russia's share of Kazakh imports (DOTS)", "share"),
        RecordSeries("cn_share_of_kz_imports", "China's share of Kazakh imports (DOTS)", "share"),
        RecordSeries("eu_share_of_kz_imports", "EU's share of Kazakh imports (DOTS)", "share"),
        RecordSeries("cn_share_of_kz_exports", "China's share of Kazakh exports (DOTS)", "share"),
        RecordSeries("eu_share_of_kz_exports", "EU's share of Kazakh exports (DOTS)", "share"),
        RecordSeries("cn_share_of_ru_imports", "China's share of Russian imports (DOTS)", "share"),
        RecordSeries("eu_share_of_ru_imports", "EU's share of Russian imports (DOTS)", "share"),
    )
}


def _dots(reporter: str, partner: str, flow: str) -> pd.Series:
    frame = load_trade_record()
    rows = frame[(frame.reporter == reporter) & (frame.partner == partner) & (frame.flow == flow)]
    return rows.set_index("year").value_usd_bn.sort_index()


def _mirror(kz_side: pd.Series, ru_side: pd.Series, note: str) -> pd.DataFrame:
    both = pd.concat({"kz": kz_side, "ru": ru_side}, axis=1).dropna()
    kz = both.kz.where(both.index != BREAK_YEAR)
    sides = pd.concat({"kz": kz, "ru": both.ru}, axis=1)
    out = pd.DataFrame(
        {
            "value": sides.mean(axis=1),
            "low": sides.min(axis=1),
            "high": sides.max(axis=1),
            "note": note,
        }
    )
    out.loc[out.index == BREAK_YEAR, "note"] = "Russian side only: Kazakh-side recording break"
    return out


def _single(values: pd.Series, note: str) -> pd.DataFrame:
    values = values.dropna()
    return pd.DataFrame({"value": values, "low": values, "high": values, "note": note})


def _wdi(country: str, indicator: str) -> pd.Series:
    frame = load_indicators()
    rows = frame[(frame.country == country) & (frame.indicator == indicator)]
    return rows.set_index("year").value.sort_index()


@cache
def record(series_id: str) -> pd.DataFrame:
    """One series of the record, indexed by year: `value, low, high, note`."""
    if series_id not in SERIES:
        raise KeyError(f"unknown record series {series_id!r}; known: {sorted(SERIES)}")
    if series_id in ("kz_exports_to_ru", "kz_imports_from_ru", "ru_kz_turnover"):
        exports = _mirror(
            _dots("KZ", "RU", "exports_fob"), _dots("RU", "KZ", "imports_cif"), "mirror mean"
        )
        imports = _mirror(
            _dots("KZ", "RU", "imports_cif"), _dots("RU", "KZ", "exports_fob"), "mirror mean"
        )
        if series_id == "kz_exports_to_ru":
            return exports
        if series_id == "kz_imports_from_ru":
            return imports
        total = exports[["value", "low", "high"]] + imports[["value", "low", "high"]]
        return total.assign(note=exports.note)
    if series_id.endswith("_gdp"):
        country, flow = series_id.split("_")[:2]
        gdp = load_macro().loc[country.upper()].gdp_usd_bn
        trade = _wdi(country.upper(), f"merchandise_{flow}_usd_mn") / 1000.0
        return _single(trade / gdp, "WDI merchandise trade over World Bank GDP")
    partner, _, _, reporter, flow = series_id.split("_")
    column = "imports_cif" if flow == "imports" else "exports_fob"
    part = _dots(reporter.upper(), partner.upper(), column)
    total = _dots(reporter.upper(), "WORLD", column)
    share = part / total
    if reporter == "kz":
        share = share.where(share.index != BREAK_YEAR)
    return _single(share, "DOTS, reporter's side")


def record_table() -> pd.DataFrame:
    """Every series of the record in one tidy table (`series, year, value, low, high, note`)."""
    parts = [record(s).assign(series=s).rename_axis("year").reset_index() for s in SERIES]
    out = pd.concat(parts, ignore_index=True)
    return out[["series", "year", "value", "low", "high", "note"]]


def log_gaps(model: pd.Series, series_id: str, years: np.ndarray) -> pd.Series:
    """Per year, how far a model series lies outside the record's band, in logs (0 inside)."""
    rec = record(series_id).reindex(years)
    value = model.reindex(years)
    below = np.log(value / rec.low).clip(upper=0.0)
    above = np.log(value / rec.high).clip(lower=0.0)
    return (below + above).dropna()
