"""Directional behaviour: levers and shocks move the outcomes the way the model claims."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.runner import resolve_spec, run
from sim.scenario import load_scenario

SEEDS = (1, 2, 3)


def _means(path_or_name, years: tuple[int, int], columns: list[str]) -> pd.Series:
    spec = resolve_spec(load_scenario(path_or_name), {"n_firms": 2000})
    frames = [run(spec, seed=s).model for s in SEEDS]  # the same seeds for both arms
    model = pd.concat(frames)
    return model[model.year.between(*years)][columns].mean()


@pytest.mark.slow
def test_removing_border_formalities_raises_cross_border_trade(write_scenario):
    """With no border formalities, Russia–Kazakhstan trade is higher."""
    path = write_scenario(
        """
        extends = "historical"
        [[regimes]]
        name = "disintegration"
        border_formalities = 0.0
        [[regimes]]
        name = "internal_controls_removed"
        border_formalities = 0.0
        """
    )
    cols = ["turnover_usd_bn", "turnover_total_usd_bn", "exporters_cross_border"]
    base = _means("historical", (1995, 2009), cols)
    free = _means(path, (1995, 2009), cols)
    assert (free > base).all(), (base, free)


@pytest.mark.slow
def test_common_external_tariff_shifts_kazakh_imports_from_china_to_russia(write_scenario):
    """Without the 2010 rise of the external tariff: more from China, less from Russia."""
    path = write_scenario(
        """
        extends = "historical"
        [[regimes]]
        name = "customs_union_tariff"
        external_tariff_kz_cn = 0.053
        external_tariff_kz_eu = 0.053
        external_tariff_kz_row = 0.053
        """
    )
    cols = ["kz_imports_from_ru_usd_bn", "kz_imports_from_cn_usd_bn", "ru_share_of_kz_imports"]
    with_cet = _means("historical", (2010, 2015), cols)
    without = _means(path, (2010, 2015), cols)
    assert with_cet.kz_imports_from_cn_usd_bn < without.kz_imports_from_cn_usd_bn
    assert with_cet.kz_imports_from_ru_usd_bn > without.kz_imports_from_ru_usd_bn
    assert with_cet.ru_share_of_kz_imports > without.ru_share_of_kz_imports


def _oil_price_shock(write_scenario, factor: float, cols: list[str]):
    """History and history with oil at `factor` times its price from 2005: 2005-2015 means."""
    path = write_scenario(
        f"""
        extends = "historical"
        [[macro.adjust]]
        country = "WORLD"
        from_year = 2005
        to_year = 2015
        oil_price = {factor}
        """
    )
    cols = [*cols, "oil_price_usd_bbl"]
    base, shocked = _means("historical", (2005, 2015), cols), _means(path, (2005, 2015), cols)
    assert shocked.oil_price_usd_bbl == pytest.approx(factor * base.oil_price_usd_bbl)
    return base, shocked


@pytest.mark.slow
def test_a_higher_oil_price_raises_kazakh_income_and_imports(write_scenario):
    """Oil at 1.5 times its price from 2005: Kazakhstan's GDP and its imports are higher."""
    base, dear = _oil_price_shock(write_scenario, 1.5, ["kz_gdp_usd_bn", "kz_imports_usd_bn"])
    assert dear.kz_gdp_usd_bn > base.kz_gdp_usd_bn
    assert dear.kz_imports_usd_bn > base.kz_imports_usd_bn


@pytest.mark.slow
def test_a_fall_in_income_lowers_imports(write_scenario):
    """Oil at 60% of its price from 2005: Russia's income and imports fall, from Kazakhstan too.

    (A GDP adjustment alone is not a fall in income here: the goods balance and the commodity
    trade come from the data, so imports less exports stay as the data say.)
    """
    cols = ["ru_gdp_usd_bn", "ru_imports_usd_bn", "kz_exports_to_ru_usd_bn"]
    base, poorer = _oil_price_shock(write_scenario, 0.6, cols)
    assert poorer.ru_gdp_usd_bn < base.ru_gdp_usd_bn
    assert poorer.ru_imports_usd_bn < base.ru_imports_usd_bn
    assert poorer.kz_exports_to_ru_usd_bn < base.kz_exports_to_ru_usd_bn


@pytest.mark.slow
def test_better_legal_framework_raises_joint_venture_formation(write_scenario):
    """A legal framework 0.2 better in every regime creates more joint ventures."""
    spec = load_scenario("historical")
    lines = ['extends = "historical"']
    for regime in spec.regimes:
        better = min(1.0, regime.levers.legal_framework + 0.2)
        lines += ["[[regimes]]", f'name = "{regime.name}"', f"legal_framework = {better}"]
    path = write_scenario("\n".join(lines))
    base = _means("historical", (1995, 2015), ["jv_founded", "jv_kz"])
    better = _means(path, (1995, 2015), ["jv_founded", "jv_kz"])
    assert (better > base).all(), (base, better)
