"""Invariants over random parameter draws (Hypothesis): shares, signs, accounting identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.agents import JointVenture
from sim.model import TransfrontierModel
from sim.reporting import tables_of
from sim.runner import resolve_spec
from sim.scenario import TransfrontierScenario

PARAMS = st.fixed_dictionaries(
    {
        "sigma": st.floats(2.5, 6.0),
        "distance_elasticity": st.floats(0.1, 1.2),
        "fixed_cost_cross_border": st.floats(0.01, 1.0),
        "sunk_cost_ratio": st.floats(0.0, 5.0),
        "agreement_rate": st.floats(0.0, 0.1),
        "jv_rate": st.floats(0.0, 500.0),
        "jv_dissolution": st.floats(0.0, 0.5),
        "shadow_max": st.floats(0.0, 1.0),
        "price_passthrough": st.floats(0.0, 1.0),
        "tail_oversampling": st.floats(0.0, 1.0),
    }
)


def _run(params: dict, seed: int, years: int):
    params = {**params, "pareto_shape": params["sigma"] + 0.6, "n_firms": 600}
    spec = resolve_spec("historical", params)
    model = TransfrontierModel(TransfrontierScenario(spec=spec, rng=seed))
    model.run_for(years)
    return model, tables_of(model.records)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking of whole runs
)
@given(params=PARAMS, seed=st.integers(0, 2**31 - 1), years=st.integers(3, 24))
def test_invariants_hold_for_any_parameters(params, seed, years):
    """Shares in [0, 1], flows >= 0, exports of one = imports of the other, ventures add up."""
    model, tables = _run(params, seed, years)
    m, regions, flows, ventures = (tables[k] for k in ("model", "regions", "flows", "ventures"))

    for col in ("interregional_share", "border_region_share", "shadow_share",
                "jv_kz_russian_share", "exporter_share"):  # fmt: skip
        assert m[col].between(0.0, 1.0).all(), col
    money = [c for c in m.columns if c.endswith("_usd_bn")]
    assert (m[money] >= 0).all().all()
    assert (flows[["total_usd_bn", "recorded_usd_bn"]] >= 0).all().all()
    assert (flows.recorded_usd_bn <= flows.total_usd_bn + 1e-12).all()
    assert (m.turnover_usd_bn <= m.turnover_total_usd_bn + 1e-9).all()

    # Kazakh exports to Russia are Russian imports from Kazakhstan, seen three ways.
    by_year = regions.groupby(["year", "country"])[
        ["exports_cross_border_usd_bn", "imports_cross_border_usd_bn"]
    ].sum()
    kz_out = by_year.xs("KZ", level="country").exports_cross_border_usd_bn.to_numpy()
    ru_in = by_year.xs("RU", level="country").imports_cross_border_usd_bn.to_numpy()
    np.testing.assert_allclose(kz_out, ru_in, rtol=1e-9)
    np.testing.assert_allclose(kz_out, m.kz_exports_to_ru_usd_bn.to_numpy(), rtol=1e-9)
    kz_ids = set(regions.region_id[regions.country == "KZ"])
    kz_to_ru = flows[flows.origin.isin(kz_ids) & flows.destination.str.startswith("ru-")]
    np.testing.assert_allclose(
        kz_to_ru.groupby("year").recorded_usd_bn.sum().to_numpy(),
        m.kz_exports_to_ru_usd_bn.to_numpy(),
        rtol=1e-9,
    )

    # Venture counts agree with the ventures' capital shares.
    assert (m.jv_kz == m.jv_kz_russian + m.jv_kz_row).all()
    live = list(model.agents_by_type.get(JointVenture, []))
    in_kz = [v for v in live if v.host_country == "KZ"]
    assert sum(1 for v in in_kz if v.capital_shares.get("RU", 0) > 0) == m.jv_kz_russian.iloc[-1]
    assert sum(1 for v in live if v.host_country == "RU") == m.jv_ru.iloc[-1]
    for venture in live:
        assert sum(venture.capital_shares.values()) == pytest.approx(1.0)
        assert 0 < venture.foreign_share < 1
    active = ventures.groupby(["year", "location_country"]).active.sum().unstack(fill_value=0)
    np.testing.assert_array_equal(active.get("KZ", 0), m.jv_kz.to_numpy())
    # Stocks and flows: last year's ventures + founded - dissolved = this year's.
    stock = (m.jv_kz + m.jv_ru).to_numpy()
    np.testing.assert_array_equal(np.diff(stock), (m.jv_founded - m.jv_dissolved).to_numpy()[1:])

    # Firm counts: exporters are active firms; each country's firm mass is its real output.
    assert (m.exporters_cross_border <= m.firms).all()
    assert (regions.exporters_cross_border <= regions.firms).all()
    demand_c, price_c = model.macro.at(model.year)
    real_output = np.bincount(model.country_of, weights=model.size) * demand_c / price_c
    country = model.country_of[model.firms.market]
    np.testing.assert_allclose(
        np.bincount(country, weights=model.supply.mass, minlength=3)[:2], real_output[:2]
    )

    # Agreements: counts per region agree with the pair matrix.
    assert (m.linked_ru_regions <= 83).all() and (m.linked_kz_regions <= 16).all()
    assert (m.agreements >= 0).all()
    last = regions[regions.year == regions.year.max()]
    assert last[last.country == "RU"].agreements.sum() == m.agreements.iloc[-1]
    assert last[last.country == "KZ"].agreements.sum() == m.agreements.iloc[-1]


def test_sales_in_a_market_never_exceed_its_spending(small_spec):
    """Every market's purchases (at buyer prices) add up to its spending on the firm sector."""
    model = TransfrontierModel(TransfrontierScenario(spec=small_spec, rng=2))
    model.run_for(20)
    demand_c, _ = model.macro.at(model.year)
    spending = model._demand(demand_c).sum(axis=0)
    from sim.policy import levers_for_year

    levers, _ = levers_for_year(small_spec.regimes, model.year)
    costs = model._costs(levers, *model.macro.at(model.year))
    bought = (model.trade.flows * (1.0 + costs.tariff)).sum(axis=0)
    np.testing.assert_allclose(bought, spending, rtol=1e-9)
