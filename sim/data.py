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

    Returns one row per region with `region_id, name, country, lat, lon, population, border,
    neighbours, size_usd_bn, size_source`. `size_usd_bn` is the 2010 gross regional product in
    US$ bn where a source gives it; the rest of Russia's GDP is shared among the remaining
    regions by population (marked `estimate`).
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
            "lat": regions["lat"].astype(float),
            "lon": regions["lon"].astype(float),
            "population": regions["population"].astype(float),
            "border": regions["border_with_other_country"].astype(str).str.lower() == "true",
            "neighbours": regions["border_neighbours"].fillna("").astype(str),
        }
    )
    size = regions["grp_usd_bn"].astype(float)
    source = np.where(size.notna(), "grp", "")
    extra = grp_extra.set_index("region_id")["grp_usd_bn"].astype(float)
    fill = frame["region_id"].map(extra)
    use = size.isna() & fill.notna()
    size = size.where(~use, fill)
    source = np.where(use, "grp", source)

    keys = regions["source_keys"].fillna("").astype(str)
    for combined_id, total in extra[extra.index.str.contains("-with-")].items():
        # One sourced figure covers an oblast with its nested okrugs; share it by population.
        parent = combined_id.split("-with-")[0]
        part = (frame["region_id"] == parent) | keys.str.contains(f"nest-in-{parent}")
        part &= size.isna()
        pop = frame.loc[part, "population"]
        size[part] = total * pop / pop.sum()
        source = np.where(
            part, f"estimate: sourced {combined_id} total shared by population", source
        )

    for country in ("RU", "KZ"):
        rows = frame["country"] == country
        missing = rows & size.isna()
        if not missing.any():
            continue
        national = macro.loc[(country, SIZE_YEAR), "gdp_usd_bn"]
        residual = national - size[rows & size.notna()].sum()
        if residual <= 0:
            raise InputError(
                f"sourced GRP of {country} exceeds national GDP {SIZE_YEAR}",
                source=str(DATA_DIR / "grp_ru_2010.csv"),
            )
        pop = frame.loc[missing, "population"]
        size[missing] = residual * pop / pop.sum()
        source = np.where(missing, "estimate: rest of national GDP shared by population", source)
    frame["size_usd_bn"] = size.to_numpy()
    frame["size_source"] = source
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
