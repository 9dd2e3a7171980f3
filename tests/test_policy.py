"""The regime timeline turned into yearly levers."""

from __future__ import annotations

import pytest

from sim.policy import levers_for_year, regime_weights
from sim.scenario import load_scenario


def test_mid_year_regime_is_weighted_by_the_part_of_the_year_it_covers():
    """1 July 2011: half of 2011 under the old regime, half under the new one."""
    regimes = load_scenario("historical").regimes
    weights = regime_weights(regimes, 2011)
    names = [r.name for r in regimes]
    assert weights.sum() == pytest.approx(1.0)
    assert weights[names.index("internal_controls_removed")] == pytest.approx(0.5, abs=0.01)
    levers, _ = levers_for_year(regimes, 2011)
    old = regimes[names.index("customs_union_tariff")].levers.border_formalities
    new = regimes[names.index("internal_controls_removed")].levers.border_formalities
    assert levers.border_formalities == pytest.approx((old + new) / 2, abs=0.01)


def test_regime_of_a_year_is_the_one_in_force_most_of_it():
    """The reported regime changes with the anchor dates."""
    regimes = load_scenario("historical").regimes
    assert levers_for_year(regimes, 2009)[1] == "cross_border_agreement"
    assert levers_for_year(regimes, 2010)[1] == "customs_union_tariff"
    assert levers_for_year(regimes, 2015)[1] == "eaeu"
    assert levers_for_year(regimes, 1991)[1] == "soviet_single_market"


@pytest.mark.parametrize("partner", ["cn", "eu", "row"])
def test_external_tariff_rises_with_the_customs_union(partner):
    """Kazakhstan's external tariff follows the sourced 5.3% -> 9.5% trade-weighted step."""
    regimes = load_scenario("historical").regimes
    lever = f"external_tariff_kz_{partner}"
    assert getattr(levers_for_year(regimes, 2009)[0], lever) == pytest.approx(0.053)
    assert getattr(levers_for_year(regimes, 2010)[0], lever) == pytest.approx(0.095)
