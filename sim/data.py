"""Input data: regions, sectors and macro series, read from `sim/data/` with their sources.

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

DATA_DIR = Path(__file__).resolve().parent / "data"
ROW_ID = "row"
SIZE_YEAR = 2010


def _read_csv(name: str, required: list[str], directory: Path = DATA_DIR) -> pd.DataFrame:
    path = directory / name
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
    """Macro series per country and year, indexed by (country, year).

    Columns: `gdp_usd_bn` (current US$) and `price_level` (US$ price level of output relative
    to 2010, from nominal over real GDP; 1 where no real series exists). `ROW` is the world
    less Kazakhstan and Russia.
    """
    file = Path(path) if path else DATA_DIR / "macro.csv"
    frame = _read_csv(file.name, ["country", "year", "gdp_usd_bn"], file.parent)
    wide = frame.pivot(index="year", columns="country", values="gdp_usd_bn")
    for country in ("KZ", "RU", "WORLD"):
        if country not in wide.columns:
            raise InputError(f"no series for country {country}", source=str(file))
    wide["ROW"] = wide["WORLD"] - wide["KZ"] - wide["RU"]
    out = wide[["KZ", "RU", "ROW"]].stack().rename("gdp_usd_bn").to_frame()
    out.index = out.index.swaplevel()
    out.index.names = ["country", "year"]
    out = out.sort_index()
    out["price_level"] = 1.0
    if "gdp_real_index" in frame.columns:
        real = frame.pivot(index="year", columns="country", values="gdp_real_index")
        for country in real.columns.intersection(["KZ", "RU", "WORLD"]):
            nominal = wide[country] / wide.loc[SIZE_YEAR, country]
            level = (nominal / real[country]).dropna()
            # The world's US$ deflator stands in for the rest of the world's.
            target = "ROW" if country == "WORLD" else country
            out.loc[[(target, int(y)) for y in level.index], "price_level"] = level.to_numpy()
    return out


@cache
def load_sectors() -> pd.DataFrame:
    """Sectors with their expenditure shares and distance sensitivity (model assumptions)."""
    frame = _read_csv(
        "sectors.csv",
        [
            "sector",
            "label",
            "expenditure_share",
            "distance_multiplier",
            "row_productivity_multiplier",
        ],
    )
    total = frame["expenditure_share"].sum()
    if not np.isclose(total, 1.0):
        raise InputError(
            f"expenditure_share must sum to 1, sums to {total:g}",
            source=str(DATA_DIR / "sectors.csv"),
            key="expenditure_share",
        )
    return frame


@cache
def load_gateways() -> list[str]:
    """Region ids through which goods reach the Rest-of-World market."""
    frame = _read_csv("row_gateways.csv", ["region_id"])
    known = set(load_regions().region_id)
    unknown = sorted(set(frame.region_id) - known)
    if unknown:
        raise InputError(f"unknown region ids {unknown}", source=str(DATA_DIR / "row_gateways.csv"))
    return list(frame.region_id)
