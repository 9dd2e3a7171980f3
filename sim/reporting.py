"""What a year leaves behind: the rows of the six output tables.

`model` has one row per year; `economy` one per country and year (the national accounts);
`partners` one per reporter (Kazakhstan, Russia), partner and year, as the trade statistics
report them; `regions` one per region and year; `flows` one per ordered pair of markets and year
(every pair of regions, domestic ones too, and every region with every partner); `ventures` one
per location, capital origin and year. Money is in current US$ bn. Recorded trade is what the
statistics see: all of it but the unrecorded (shadow) share of Kazakh–Russian trade in goods.
Column meanings are documented in `docs/outputs.md`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.economy import country_totals
from sim.forums import ForumOutcome
from sim.parameters import RegimeParameters
from sim.schema import TABLES
from sim.world import CN, COUNTRIES, EU, KZ, ROW, RU

if TYPE_CHECKING:
    from sim.model import TransfrontierModel


@dataclass(frozen=True)
class YearRecord:
    """One year's rows of each output table (column name -> values)."""

    model: dict[str, Any]
    economy: dict[str, np.ndarray]
    partners: dict[str, np.ndarray]
    regions: dict[str, np.ndarray]
    flows: dict[str, np.ndarray]
    ventures: dict[str, np.ndarray]
    region_cross_border_usd_bn: np.ndarray


def _share(part: float, whole: float) -> float:
    # Clipped: a part summed in another order than its whole can exceed it by a rounding error.
    return min(1.0, part / whole) if whole > 0 else 0.0


def venture_counts(model: TransfrontierModel) -> np.ndarray:
    """Active ventures per (location market, capital origin country)."""
    counts = np.zeros((model.n_markets, len(COUNTRIES)), dtype=np.int64)
    if model.ventures:
        host = np.fromiter((v.host_market for v in model.ventures), dtype=np.int64)
        inv = np.fromiter((v.investor_market for v in model.ventures), dtype=np.int64)
        np.add.at(counts, (host, model.country_of[inv]), 1)
    return counts


def country_flows(country: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """(C, C) flows between countries from (M, M) flows between markets."""
    onehot = np.eye(len(COUNTRIES))[country]
    return onehot.T @ flows @ onehot


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
    world = model.world
    c = world.country
    goods = model.trade.flows  # producer prices, all trade (incl. unrecorded)
    total = goods + model.commodities
    recorded_goods = np.where(model.costs.cross_border, goods * (1.0 - shadow), goods)
    recorded = recorded_goods + model.commodities
    by_country = country_flows(c, recorded)
    commodity = country_flows(c, model.commodities)
    true = country_flows(c, total)
    n_c = len(COUNTRIES)
    off = ~np.eye(n_c, dtype=bool)
    exports = (by_country * off).sum(axis=1)
    imports = (by_country * off).sum(axis=0)

    turnover = by_country[KZ, RU] + by_country[RU, KZ]
    pair = model.pair_trade  # recorded, per (RU region, KZ region)
    border_ru = model.border[model.ru]
    counts = venture_counts(model)
    jv_kz = counts[c == KZ].sum(axis=0)
    jv_ru = counts[c == RU].sum(axis=0)
    jv_third = jv_kz[CN] + jv_kz[EU] + jv_kz[ROW]
    home = c <= RU
    firms_home = model.active_firms_by_market[home].sum()
    exporters_total = exporters[home].sum()
    accounts = model.accounts

    model_row: dict[str, Any] = {
        "year": model.year,
        "regime": regime,
        "turnover_usd_bn": turnover,
        "turnover_total_usd_bn": true[KZ, RU] + true[RU, KZ],
        "kz_exports_to_ru_usd_bn": by_country[KZ, RU],
        "kz_imports_from_ru_usd_bn": by_country[RU, KZ],
        "kz_exports_usd_bn": exports[KZ],
        "kz_imports_usd_bn": imports[KZ],
        "kz_imports_from_cn_usd_bn": by_country[CN, KZ],
        "kz_imports_from_eu_usd_bn": by_country[EU, KZ],
        "kz_imports_from_row_usd_bn": by_country[ROW, KZ],
        "ru_exports_usd_bn": exports[RU],
        "ru_imports_usd_bn": imports[RU],
        "kz_gdp_usd_bn": accounts.gdp[KZ],
        "ru_gdp_usd_bn": accounts.gdp[RU],
        "ru_share_of_kz_imports": _share(by_country[RU, KZ], imports[KZ]),
        "cn_share_of_kz_imports": _share(by_country[CN, KZ], imports[KZ]),
        "eu_share_of_kz_imports": _share(by_country[EU, KZ], imports[KZ]),
        "cn_share_of_kz_exports": _share(by_country[KZ, CN], exports[KZ]),
        "eu_share_of_kz_exports": _share(by_country[KZ, EU], exports[KZ]),
        "cn_share_of_ru_imports": _share(by_country[CN, RU], imports[RU]),
        "eu_share_of_ru_imports": _share(by_country[EU, RU], imports[RU]),
        "kz_commodity_exports_usd_bn": accounts.commodity_exports[KZ],
        "ru_commodity_exports_usd_bn": accounts.commodity_exports[RU],
        "commodity_turnover_usd_bn": commodity[KZ, RU] + commodity[RU, KZ],
        "oil_price_usd_bbl": model.macro.at(model.year).oil_price,
        "interregional_share": _share(pair[model.linked].sum(), pair.sum()),
        "border_region_share": _share(pair[border_ru].sum(), pair.sum()),
        "shadow_share": shadow,
        "jv_kz": int(jv_kz[RU] + jv_third),
        "jv_kz_russian": int(jv_kz[RU]),
        "jv_kz_row": int(jv_third),
        "jv_kz_russian_share": _share(jv_kz[RU], jv_kz[RU] + jv_third),
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

    sales, revenue = country_totals(world, goods, model.tariff)
    true_x = (true * off).sum(axis=1)
    true_m = (true * off).sum(axis=0)
    economy = {
        "year": np.full(n_c, model.year),
        "country": np.array(COUNTRIES),
        "gdp_usd_bn": accounts.gdp,
        "income_usd_bn": (
            accounts.nontraded
            + accounts.commodity_exports
            - accounts.commodity_inputs
            + sales
            + revenue
        ),
        "nontraded_usd_bn": accounts.nontraded,
        "commodity_exports_usd_bn": accounts.commodity_exports,
        "commodity_imports_usd_bn": accounts.commodity_imports,
        "commodity_inputs_usd_bn": accounts.commodity_inputs,
        "goods_spending_usd_bn": accounts.goods_spending,
        "goods_income_usd_bn": accounts.goods_income,
        "goods_sales_usd_bn": sales,
        "tariff_revenue_usd_bn": revenue,
        "exports_usd_bn": true_x,
        "imports_usd_bn": true_m,
        "balance_target_usd_bn": accounts.balance,
        "balance_usd_bn": true_x - true_m,
        "unit_cost": model.unit_cost,
        "price_level": accounts.price,
    }

    reporters = np.repeat([KZ, RU], n_c - 1)
    partner_of = np.array([p for r in (KZ, RU) for p in range(n_c) if p != r])
    partners = {
        "year": np.full(reporters.size, model.year),
        "reporter": np.array(COUNTRIES)[reporters],
        "partner": np.array(COUNTRIES)[partner_of],
        "exports_usd_bn": by_country[reporters, partner_of],
        "imports_usd_bn": by_country[partner_of, reporters],
        "exports_commodities_usd_bn": commodity[reporters, partner_of],
        "imports_commodities_usd_bn": commodity[partner_of, reporters],
    }

    regions_idx = np.flatnonzero(home)
    n = regions_idx.size
    cross = model.costs.cross_border
    to_partner = (c[None, :] > RU) & home[:, None]
    exports_cb = (recorded * cross)[regions_idx].sum(axis=1)
    imports_cb = (recorded * cross)[:, regions_idx].sum(axis=0)
    agreements_of = np.zeros(model.n_markets, dtype=np.int64)
    agreements_of[model.ru] = model.agreements.sum(axis=1)
    agreements_of[model.kz] = model.agreements.sum(axis=0)
    regions = {
        "year": np.full(n, model.year),
        "region_id": model.region_ids[regions_idx],
        "country": np.array(COUNTRIES)[c[regions_idx]],
        "border": model.border[regions_idx],
        "gdp_usd_bn": accounts.gdp[c[regions_idx]] * world.gdp_share[regions_idx],
        "firms": np.rint(model.active_firms_by_market[regions_idx]).astype(np.int64),
        "exporters_cross_border": np.rint(exporters[regions_idx]).astype(np.int64),
        "exports_cross_border_usd_bn": exports_cb,
        "imports_cross_border_usd_bn": imports_cb,
        "cross_border_turnover_usd_bn": exports_cb + imports_cb,
        "exports_partners_usd_bn": (recorded * to_partner)[regions_idx].sum(axis=1),
        "imports_partners_usd_bn": (recorded * to_partner.T)[:, regions_idx].sum(axis=0),
        "agreements": agreements_of[regions_idx],
        "jv_hosted": counts[regions_idx].sum(axis=1),
    }

    # Every ordered pair but a market with itself and a partner with another partner.
    keep = ~np.eye(model.n_markets, dtype=bool) & (home[:, None] | home[None, :])
    o, d = np.nonzero(keep)
    linked = np.zeros((model.n_markets, model.n_markets), dtype=bool)
    linked[np.ix_(model.ru, model.kz)] = model.linked
    linked |= linked.T
    flow_rows = {
        "year": np.full(o.size, model.year),
        "origin": model.region_ids[o],
        "destination": model.region_ids[d],
        "distance_km": model.distance[o, d],
        "goods_usd_bn": goods[o, d],
        "commodities_usd_bn": model.commodities[o, d],
        "total_usd_bn": total[o, d],
        "recorded_usd_bn": recorded[o, d],
        "agreement": linked[o, d],
    }

    loc, origin = np.nonzero(counts + founded + dissolved)
    venture_rows = {
        "year": np.full(loc.size, model.year),
        "location": model.region_ids[loc],
        "location_country": np.array(COUNTRIES, dtype=object)[c[loc]],
        "capital_origin": np.array(_capital_origin(), dtype=object)[origin],
        "active": counts[loc, origin],
        "founded": founded[loc, origin],
        "dissolved": dissolved[loc, origin],
    }
    cross_turnover = np.zeros(model.n_markets)
    cross_turnover[regions_idx] = exports_cb + imports_cb
    return YearRecord(
        model_row, economy, partners, regions, flow_rows, venture_rows, cross_turnover
    )


def _capital_origin() -> tuple[str, ...]:
    # Third-country capital is pooled in the rest-of-the-world market (`sim.ventures`).
    return tuple(code if code in ("KZ", "RU") else "ROW" for code in COUNTRIES)


def tables_of(records: list[YearRecord]) -> dict[str, pd.DataFrame]:
    """Assemble the year records of one run into the tidy tables."""
    out = {"model": pd.DataFrame([r.model for r in records])}
    for name in list(TABLES)[1:]:
        parts = [getattr(r, name) for r in records]
        out[name] = pd.DataFrame({key: np.concatenate([p[key] for p in parts]) for key in parts[0]})
    return out
