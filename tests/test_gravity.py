"""PPML gravity on region-pair flows: known answers, invariances and a real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import gravity
from sim.errors import InputError
from sim.runner import resolve_spec, run_one

DISTANCE, BORDER = -1.1, -1.5
PARTNERS = ("cn", "eu", "row")


def synthetic_flows(
    seed: int,
    n_kz: int = 6,
    n_ru: int = 9,
    years: tuple[int, ...] = (2000,),
    replicates: int = 1,
    counts: float | None = None,
) -> pd.DataFrame:
    """A flows table like the model's, from an exact gravity model with random fixed effects.

    With `counts=None` the flows are the expectations themselves; otherwise Poisson draws with
    about `counts` events per average pair, scaled back to the expectations' units.
    """
    rng = np.random.default_rng(seed)
    regions = [f"kz-r{i}" for i in range(n_kz)] + [f"ru-r{i}" for i in range(n_ru)]
    # The Kazakh regions are shifted off the Russian ones, so that the border and distance are
    # correlated as on the map (the estimator has to separate them).
    kz_xy = rng.uniform(0, 1500, (n_kz, 2)) + np.array([800.0, 0.0])
    xy = np.vstack([kz_xy, rng.uniform(0, 2500, (n_ru, 2))])
    markets = regions + list(PARTNERS)
    rows = []
    for replicate in range(replicates):
        for year in years:
            a = rng.normal(0, 1, len(regions))
            b = rng.normal(0, 1, len(regions))
            for i, o in enumerate(markets):
                for j, d in enumerate(markets):
                    if i == j or (i >= len(regions) and j >= len(regions)):
                        continue
                    if i < len(regions) and j < len(regions):
                        km = 50.0 + float(np.hypot(*(xy[i] - xy[j])))
                        cross = o[:2] != d[:2]
                        mean = math.exp(DISTANCE * math.log(km) + BORDER * cross + a[i] + b[j])
                    else:  # partner pairs: noise the estimator must leave out
                        km, mean = 4000.0, float(rng.exponential(5.0))
                    rows.append((replicate, year, o, d, km, mean))
    flows = pd.DataFrame(
        rows, columns=["replicate", "year", "origin", "destination", "distance_km", "mean"]
    )
    mean = flows.pop("mean").to_numpy()
    if counts is None:
        goods = mean
    else:
        regions = flows["origin"].str[:3].isin(["kz-", "ru-"])
        regions &= flows["destination"].str[:3].isin(["kz-", "ru-"])
        scale = counts / mean[regions.to_numpy()].mean()
        goods = rng.poisson(mean * scale) / scale
    flows["goods_usd_bn"] = goods
    flows["commodities_usd_bn"] = 0.0
    flows["total_usd_bn"] = goods
    flows["recorded_usd_bn"] = goods
    flows["agreement"] = False
    flows.insert(0, "scenario", "synthetic")
    flows.insert(2, "seed", seed)
    return flows


def test_recovers_exact_gravity_coefficients():
    """With flows equal to their gravity expectations, the slopes come back exactly."""
    result = gravity.estimate(synthetic_flows(1))
    assert result.distance_elasticity == pytest.approx(DISTANCE, abs=1e-8)
    assert result.border_coefficient == pytest.approx(BORDER, abs=1e-8)
    assert result.border_effect == pytest.approx(math.exp(-BORDER), rel=1e-7)
    assert result.pairs == 15 * 14
    assert result.years == (2000,)
    assert result.distance_se < 1e-6  # no residual, no uncertainty


def test_recovers_pooled_coefficients_across_years_and_replicates():
    """Pooled years and replicates, each with their own fixed effects, give the same slopes."""
    flows = synthetic_flows(2, years=(2000, 2001, 2002), replicates=2)
    result = gravity.estimate(flows)
    assert result.distance_elasticity == pytest.approx(DISTANCE, abs=1e-8)
    assert result.border_coefficient == pytest.approx(BORDER, abs=1e-8)
    assert result.pairs == 15 * 14 * 3 * 2
    assert result.years == (2000, 2001, 2002)
    one = gravity.estimate(flows, year=2001)
    assert one.distance_elasticity == pytest.approx(DISTANCE, abs=1e-8)
    assert one.pairs == 15 * 14 * 2


def test_recovers_coefficients_under_poisson_noise():
    """Poisson draws around the gravity expectations (with zeros) give the slopes roughly."""
    flows = synthetic_flows(3, n_kz=10, n_ru=20, years=(2000, 2001), counts=20.0)
    regions = flows["origin"].str[:3].isin(["kz-", "ru-"]) & flows["destination"].str[:3].isin(
        ["kz-", "ru-"]
    )
    assert (flows.loc[regions, "goods_usd_bn"] == 0).any()  # the zeros are kept, not logged
    result = gravity.estimate(flows)
    assert result.distance_elasticity == pytest.approx(DISTANCE, abs=0.1)
    assert result.border_coefficient == pytest.approx(BORDER, abs=0.1)
    assert abs(result.distance_elasticity - DISTANCE) < 4 * result.distance_se
    assert abs(result.border_coefficient - BORDER) < 4 * result.border_se


def test_partner_rows_are_left_out():
    """Flows to and from cn, eu and row do not change the estimates."""
    flows = synthetic_flows(4, counts=50.0)
    partner = flows["origin"].isin(PARTNERS) | flows["destination"].isin(PARTNERS)
    with_partners = gravity.estimate(flows)
    without = gravity.estimate(flows[~partner])
    assert with_partners == without


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(1e-6, 1e6),
    zero_share=st.floats(0.0, 0.3),
)
def test_scaling_the_flows_leaves_the_coefficients_unchanged(seed, scale, zero_share):
    """Multiplying every flow by a positive constant only shifts the fixed effects."""
    flows = synthetic_flows(seed, n_kz=4, n_ru=5, counts=30.0)
    rng = np.random.default_rng(seed + 1)
    flows.loc[rng.random(len(flows)) < zero_share, "goods_usd_bn"] = 0.0
    base = gravity.estimate(flows)
    scaled = flows.assign(goods_usd_bn=flows["goods_usd_bn"] * scale)
    again = gravity.estimate(scaled)
    assert again.distance_elasticity == pytest.approx(base.distance_elasticity, abs=1e-7)
    assert again.border_coefficient == pytest.approx(base.border_coefficient, abs=1e-7)
    assert again.distance_se == pytest.approx(base.distance_se, rel=1e-5)
    assert again.pairs == base.pairs


def test_a_region_without_trade_is_dropped():
    """An origin whose flows are all zero is dropped rather than breaking the fit."""
    flows = synthetic_flows(5)
    flows.loc[flows["origin"] == "kz-r0", "goods_usd_bn"] = 0.0
    result = gravity.estimate(flows)
    assert result.dropped == 14
    assert result.distance_elasticity == pytest.approx(DISTANCE, abs=1e-8)


def test_unidentified_border_is_an_input_error():
    """Without a cross-border pair the border coefficient cannot be estimated."""
    flows = synthetic_flows(6)
    russian = flows["origin"].str.startswith("ru-") & flows["destination"].str.startswith("ru-")
    with pytest.raises(InputError, match="cross-border"):
        gravity.estimate(flows[russian])
    with pytest.raises(InputError, match="year"):
        gravity.estimate(flows, year=1990)


def test_gravity_table_has_a_row_per_year_and_a_pooled_row():
    """The report table: one row per year requested, then the pooled row over those years."""
    flows = synthetic_flows(7, years=(2000, 2001, 2002))
    table = gravity.gravity_table(flows, [2000, 2002])
    assert list(table["sample"]) == ["2000", "2002", "pooled"]
    assert table.loc[2, "first_year"] == 2000
    assert table.loc[2, "last_year"] == 2002
    assert table.loc[2, "pairs"] == 2 * table.loc[0, "pairs"]
    assert np.allclose(table["distance_elasticity"], DISTANCE)


def test_literature_values_are_cited():
    """Every reference value has a citation and says whether it is a meta-analysis mean."""
    assert gravity.LITERATURE
    for ref in gravity.LITERATURE:
        assert ref.quantity in ("distance_elasticity", "border_effect")
        assert ref.kind in ("meta-analysis mean", "former Soviet Union")
        assert ref.citation and ref.sample
        assert (ref.value < 0) == (ref.quantity == "distance_elasticity")


@pytest.mark.slow
def test_model_run_has_negative_distance_elasticity_and_a_border_effect():
    """On a small real run, trade falls with distance and the border reduces it."""
    spec = resolve_spec("historical", {"n_firms": 2000}, use_calibration=False)
    flows = run_one(spec, seed=3)["flows"]
    years = sorted(flows["year"].unique())
    for value in ("goods_usd_bn", "total_usd_bn"):
        table = gravity.gravity_table(flows, [years[0], years[len(years) // 2], years[-1]], value)
        assert np.all(np.isfinite(table["distance_elasticity"]))
        assert np.all(table["distance_elasticity"] < 0)
        assert np.all(table["border_effect"] > 1)
