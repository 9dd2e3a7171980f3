"""Input data: regions, partners, macro series and the trade record, read from `sim/data/`.

Every figure in these files carries a source key explained in the `SOURCES` markdown files next
to them. Where this module derives a number (an economic size for a region without a sourced
GRP), it marks the result as an estimate in the `size_source` column.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.i18n import check_language

DATA_DIR = Path(__file__).resolve().parent / "data"
ROW_ID = "row"
SIZE_YEAR = 2010


def _read_csv(name: str, required: list[str], directory: Path | None = None) -> pd.DataFrame:
    path = (directory or DATA_DIR) / name
    try:
        frame = pd.read_csv(path, comment=None)
    except FileNotFoundError as exc:
        raise InputError("data file not found", source=str(path)) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed CSV: {exc}", source=str(path)) from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"missing columns {missing}", source=str(path))
    return frame


@cache
def region_names(lang: str = "en") -> dict[str, str]:
    """Every region's name in `lang` by `region_id`: the `name_<lang>` column of the region data.

    A language without such a column (or a region without a name in it) gets the English name.
    """
    regions = _read_csv("regions.csv", ["region_id", "name_en"])
    names = regions.get(f"name_{check_language(lang)}", regions["name_en"])
    return dict(zip(regions["region_id"], names.fillna(regions["name_en"]), strict=True))


@cache
def load_regions() -> pd.DataFrame:
    """The 99 regions of Kazakhstan and Russia (2010 borders) with an economic size.

    Returns one row per region with `region_id, name, country, federal_district, lat, lon,
    population, border, neighbours, size_usd_bn, size_source`. `size_usd_bn` is 2010 gross
    regional product in US$ bn:
    - Kazakhstan: BNS GRP at market prices (sums to GDP).
    - Russia: Rosstat GRP (via DOSE) at basic prices; where a source gives only an oblast
      together with its okrugs, the oblast gets its federal district's median GRP per head
      and the okrugs share the rest by population; a region with no source gets its federal
      district's median GRP per head (both marked `estimate`). Russia's figures are then
      scaled to its GDP so that both countries are at market prices.
    """
    regions = _read_csv(
        "regions.csv",
        ["region_id", "name_en", "country", "lat", "lon", "population", "grp_usd_bn"],
    )
    grp_extra = _read_csv("grp_ru_2010.csv", ["region_id", "grp_usd_bn"])
    macro = load_macro()
    frame = pd.DataFrame(
        {
            "region_id": regions["region_id"],
            "name": regions["name_en"],
            "country": regions["country"],
            "federal_district": regions["federal_district"].fillna(""),
            "lat": regions["lat"].astype(float),
            "lon": regions["lon"].astype(float),
            "population": regions["population"].astype(float),
            "border": regions["border_with_other_country"].astype(str).str.lower() == "true",
            "neighbours": regions["border_neighbours"].fillna("").astype(str),
        }
    )
    extra = grp_extra.set_index("region_id")["grp_usd_bn"].astype(float)
    size = regions["grp_usd_bn"].astype(float)
    size = size.fillna(frame["region_id"].map(extra))
    source = pd.Series(np.where(size.notna(), "grp", ""), index=frame.index, dtype=object)

    sourced = size.notna() & (frame.country == "RU")
    per_head = (size / frame.population)[sourced].groupby(frame.federal_district[sourced])
    district_median = frame.federal_district.map(per_head.median())

    keys = regions["source_keys"].fillna("").astype(str)
    for combined_id, total in extra[extra.index.str.contains("-with-")].items():
        parent = combined_id.split("-with-")[0]
        is_parent = frame.region_id == parent
        okrugs = keys.str.contains(f"nest-in-{parent}") & size.isna()
        parent_size = min(float((district_median * frame.population)[is_parent].iloc[0]), total)
        size[is_parent] = parent_size
        pop = frame.population[okrugs]
        size[okrugs] = (total - parent_size) * pop / pop.sum()
        source[is_parent] = (
            f"estimate: federal-district median GRP per head (part of {combined_id})"
        )
        source[okrugs] = f"estimate: rest of {combined_id} shared by population"

    missing = size.isna()
    if (missing & (frame.country == "KZ")).any():
        raise InputError(
            "every Kazakh region needs a sourced GRP", source=str(DATA_DIR / "regions.csv")
        )
    size[missing] = (district_median * frame.population)[missing]
    source[missing] = "estimate: federal-district median GRP per head"

    ru = frame.country == "RU"
    # GRP at basic prices sums to less than GDP at market prices (taxes on products).
    size[ru] *= macro.loc[("RU", SIZE_YEAR), "gdp_usd_bn"] / size[ru].sum()
    source[ru] = source[ru] + "; scaled to GDP at market prices"
    frame["size_usd_bn"] = size.to_numpy()
    frame["size_source"] = source.to_numpy()
    return frame


@cache
def load_macro(path: str | None = None) -> pd.DataFrame:
    """GDP per country and year, indexed by (country, year).

    Columns: `gdp_usd_bn` (current US$) and `price_level` (US$ price level of GDP relative to
    2010: nominal over real GDP, each relative to 2010; NaN where the real index is missing).
    The file holds Kazakhstan, Russia, China, the European Union and the world (`WORLD`).
    """
    file = Path(path) if path else DATA_DIR / "macro.csv"
    frame = _read_csv(file.name, ["country", "year", "gdp_usd_bn", "gdp_real_index"], file.parent)
    frame = frame.set_index(["country", "year"]).sort_index()
    nominal = frame.gdp_usd_bn.astype(float)
    base = nominal.xs(SIZE_YEAR, level="year")
    relative = nominal / nominal.index.get_level_values("country").map(base).to_numpy()
    out = pd.DataFrame(
        {"gdp_usd_bn": nominal, "price_level": relative / frame.gdp_real_index.astype(float)}
    )
    return out


@cache
def load_partners() -> pd.DataFrame:
    """The partner markets (China, the European Union, the rest of the world) and their centres."""
    frame = _read_csv("partners.csv", ["partner_id", "country", "name", "lat", "lon", "source"])
    return frame


@cache
def load_gateways() -> pd.DataFrame:
    """Gateway regions through which each partner market is reached (`partner_id, region_id`)."""
    path = str(DATA_DIR / "gateways.csv")
    frame = _read_csv("gateways.csv", ["partner_id", "region_id", "route", "source"])
    known = set(load_regions().region_id)
    for i, row in frame.iterrows():
        if row.region_id not in known:
            raise InputError(f"row {i + 2}: unknown region id {row.region_id!r}", source=path)
    partners = set(load_partners().partner_id)
    for pid in sorted(set(frame.partner_id) - partners):
        raise InputError(f"unknown partner id {pid!r}", source=path)
    for pid in sorted(partners - set(frame.partner_id)):
        raise InputError(f"partner {pid!r} has no gateway", source=path)
    return frame


@cache
def load_trade_record() -> pd.DataFrame:
    """IMF DOTS bilateral trade of Kazakhstan and Russia by partner (US$ bn, current).

    Columns: `reporter, partner, flow, year, value_usd_bn, imf_estimate, source_key` (see
    `sim/data/trade-record-SOURCES.md`).
    """
    frame = _read_csv(
        "trade-bilateral-dots.csv",
        ["reporter", "partner", "flow", "year", "value_usd_mn", "imf_estimate", "source_key"],
    )
    frame = frame.rename(columns={"value_usd_mn": "value"})
    frame = _checked(frame, "trade-bilateral-dots.csv", ["reporter", "partner", "flow", "year"])
    frame["value_usd_bn"] = frame.pop("value") / 1000.0
    return frame


def _checked(frame: pd.DataFrame, name: str, keys: list[str]) -> pd.DataFrame:
    path = str(DATA_DIR / name)
    blank = frame.source_key.isna() | (frame.source_key.astype(str).str.strip() == "")
    if blank.any():
        raise InputError(f"row {int(np.flatnonzero(blank)[0]) + 2}: no source_key", source=path)
    values = pd.to_numeric(frame.value, errors="coerce")
    if values.isna().any():
        row = int(np.flatnonzero(values.isna())[0])
        raise InputError(f"row {row + 2}: value is not a number", source=path)
    frame = frame.assign(value=values)
    repeated = frame.duplicated(keys)
    if repeated.any():
        raise InputError(f"row {int(np.flatnonzero(repeated)[0]) + 2}: repeats {keys}", source=path)
    return frame


@cache
def load_indicators() -> pd.DataFrame:
    """National accounts and trade indicators per (country, year, indicator), long format.

    Joins the WDI table of the trade record (`trade-national-wdi.csv`: Kazakhstan and Russia,
    and the Brent price under `WORLD`) with `world-economy-wdi.csv` (China, the European Union,
    the world, and the series Kazakhstan and Russia lack in the first). An indicator present in
    both for the same country and year is an error.
    """
    parts = []
    for name in ("trade-national-wdi.csv", "world-economy-wdi.csv"):
        frame = _read_csv(name, ["country", "year", "indicator", "value", "source_key"])
        parts.append(_checked(frame, name, ["country", "year", "indicator"]).assign(file=name))
    both = pd.concat(parts, ignore_index=True)
    repeated = both.duplicated(["country", "year", "indicator"])
    if repeated.any():
        row = both[repeated].iloc[0]
        raise InputError(
            f"{row.country} {row.indicator} {row.year} is given in both indicator files",
            source=str(DATA_DIR / row.file),
        )
    return both
