"""What a year leaves behind: the rows of the four output tables.

`model` has one row per year, `regions` one per region and year, `flows` one per international
region pair and year, `ventures` one per location, capital origin and year. Money is in US$ bn:
model units times `money_scale`. Column meanings are documented in `docs/outputs.md`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.agents import COUNTRY_CODES
from sim.forums import ForumOutcome
from sim.parameters import RegimeParameters

if TYPE_CHECKING:
    from sim.model import TransfrontierModel

KZ, RU, ROW = 0, 1, 2


@dataclass(frozen=True)
class YearRecord:
    """One year's rows of each output table (column name -> values)."""

    model: dict[str, Any]
    regions: dict[str, np.ndarray]
    flows: dict[str, np.ndarray]
    ventures: dict[str, np.ndarray]
    region_cross_border_usd_bn: np.ndarray


def _share(part: float, whole: float) -> float:
    # Clipped: a part summed in another order than its whole can exceed it by a rounding error.
    return min(1.0, part / whole) if whole > 0 else 0.0


def venture_counts(model: TransfrontierModel) -> np.ndarray:
    """Active ventures per (location market, capital origin country)."""
    counts = np.zeros((model.n_markets, 3), dtype=np.int64)
    if model.ventures:
        host = np.fromiter((v.host_market for v in model.ventures), dtype=np.int64)
        inv = np.fromiter((v.investor_market for v in model.ventures), dtype=np.int64)
        np.add.at(counts, (host, model.country_of[inv]), 1)
    return counts


def record_year(
    model: TransfrontierModel,
    *,
    regime: str,
    levers: RegimeParameters,
    shadow: float,
    exporters: np.ndarray,
    forum: ForumOutcome,
    signed: int,
    lapsed: int,
    founded: np.ndarray,
    dissolved: np.ndarray,
    entered: int,
    exited: int,
) -> YearRecord:
    """Build the year's rows from the model's state after the year's step."""
    scale = model.params.money_scale
    flows = model.trade.flows * scale  # producer prices, US$ bn, all trade (incl. unrecorded)
    c = model.country_of
    kz, ru, row = c == KZ, c == RU, c == ROW
    recorded = flows.copy()
    recorded[model.cross_border] *= 1.0 - shadow

    kz_to_ru = recorded[np.ix_(kz, ru)].sum()
    ru_to_kz = recorded[np.ix_(ru, kz)].sum()
    turnover = kz_to_ru + ru_to_kz
    pair = model.pair_trade * scale  # recorded, per (RU region, KZ region)
    border_ru = model.border[model.ru]
    counts = venture_counts(model)
    jv_kz = counts[kz].sum(axis=0)
    jv_ru = counts[ru].sum(axis=0)
    firms_home = (model.active_firms_by_market[~row]).sum()
    exporters_total = exporters[~row].sum()

    model_row: dict[str, Any] = {
        "year": model.year,
        "regime": regime,
        "turnover_usd_bn": turnover,
        "turnover_total_usd_bn": flows[np.ix_(kz, ru)].sum() + flows[np.ix_(ru, kz)].sum(),
        "kz_exports_to_ru_usd_bn": kz_to_ru,
        "kz_imports_from_ru_usd_bn": ru_to_kz,
        "kz_exports_to_row_usd_bn": flows[np.ix_(kz, row)].sum(),
        "kz_imports_from_row_usd_bn": flows[np.ix_(row, kz)].sum(),
        "kz_row_trade_usd_bn": flows[np.ix_(kz, row)].sum() + flows[np.ix_(row, kz)].sum(),
        "ru_exports_to_row_usd_bn": flows[np.ix_(ru, row)].sum(),
        "ru_imports_from_row_usd_bn": flows[np.ix_(row, ru)].sum(),
        "ru_row_trade_usd_bn": flows[np.ix_(ru, row)].sum() + flows[np.ix_(row, ru)].sum(),
        "interregional_share": _share(pair[model.linked].sum(), pair.sum()),
        "border_region_share": _share(pair[border_ru].sum(), pair.sum()),
        "shadow_share": shadow,
        "jv_kz": int(jv_kz[RU] + jv_kz[ROW]),
        "jv_kz_russian": int(jv_kz[RU]),
        "jv_kz_row": int(jv_kz[ROW]),
        "jv_kz_russian_share": _share(jv_kz[RU], jv_kz[RU] + jv_kz[ROW]),
        "jv_ru": int(jv_ru[KZ]),
        "jv_founded": int(founded.sum()),
        "jv_dissolved": int(dissolved.sum()),
        "agreements": int(model.agreements.sum()),
        "agreements_signed": signed,
        "agreements_lapsed": lapsed,
        "linked_ru_regions": int(model.linked.any(axis=1).sum()),
        "linked_kz_regions": int(model.linked.any(axis=0).sum()),
        "firms": round(firms_home),
        "firms_entered": entered,
        "firms_exited": exited,
        "exporters_cross_border": round(exporters_total),
        "exporter_share": _share(exporters_total, firms_home),
        "forums": forum.held,
        "forum_participants": forum.participants,
        "forum_protocols": int(forum.protocols.sum()),
    }
    model_row.update({f"lever_{k}": v for k, v in dataclasses.asdict(levers).items()})

    n = model.n_markets - 1  # regions without the Rest of World
    other = model.cross_border[:n, :]
    exports_cb = (recorded[:n] * other).sum(axis=1)
    imports_cb = (recorded[:, :n] * model.cross_border[:, :n]).sum(axis=0)
    partners = np.zeros(n, dtype=np.int64)
    partners[model.ru] = model.agreements.sum(axis=1)
    partners[model.kz] = model.agreements.sum(axis=0)
    demand_c, _ = model.macro.at(model.year)
    regions = {
        "year": np.full(n, model.year),
        "region_id": model.region_ids[:n],
        "country": np.array([COUNTRY_CODES[x] for x in c[:n]]),
        "border": model.border[:n],
        "gdp_usd_bn": model.size[:n] * demand_c[c[:n]],
        "firms": np.rint(model.active_firms_by_market[:n]).astype(np.int64),
        "exporters_cross_border": np.rint(exporters[:n]).astype(np.int64),
        "exports_cross_border_usd_bn": exports_cb,
        "imports_cross_border_usd_bn": imports_cb,
        "cross_border_turnover_usd_bn": exports_cb + imports_cb,
        "exports_row_usd_bn": flows[:n, n],
        "imports_row_usd_bn": flows[n, :n],
        "agreements": partners,
        "jv_hosted": counts[:n].sum(axis=1),
    }

    o, d = np.nonzero(model.cross_border | (row[:, None] ^ row[None, :]))
    linked = np.zeros((model.n_markets, model.n_markets), dtype=bool)
    linked[np.ix_(model.ru, model.kz)] = model.linked
    linked |= linked.T
    flow_rows = {
        "year": np.full(o.size, model.year),
        "origin": model.region_ids[o],
        "destination": model.region_ids[d],
        "total_usd_bn": flows[o, d],
        "recorded_usd_bn": recorded[o, d],
        "agreement": linked[o, d],
    }

    loc, origin = np.nonzero(counts + founded + dissolved)
    venture_rows = {
        "year": np.full(loc.size, model.year),
        "location": model.region_ids[loc],
        "location_country": np.array([COUNTRY_CODES[x] for x in c[loc]], dtype=object),
        "capital_origin": np.array([COUNTRY_CODES[x] for x in origin], dtype=object),
        "active": counts[loc, origin],
        "founded": founded[loc, origin],
        "dissolved": dissolved[loc, origin],
    }
    cross = np.zeros(model.n_markets)
    cross[:n] = exports_cb + imports_cb
    return YearRecord(model_row, regions, flow_rows, venture_rows, cross)


TABLES = ("model", "regions", "flows", "ventures")


def tables_of(records: list[YearRecord]) -> dict[str, pd.DataFrame]:
    """Assemble the year records of one run into the four tidy tables."""
    out = {"model": pd.DataFrame([r.model for r in records])}
    for name in TABLES[1:]:
        parts = [getattr(r, name) for r in records]
        out[name] = pd.DataFrame({key: np.concatenate([p[key] for p in parts]) for key in parts[0]})
    return out
