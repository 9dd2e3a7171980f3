"""Scenario comparison and the shipped scenarios of the policy questions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.compare import compare, summarise
from sim.runner import resolve_spec, run
from sim.scenario import available_scenarios, load_scenario
from sim.schema import KEY_OUTCOMES

SHIPPED = (
    "historical",
    "no_customs_union",
    "early_customs_union",
    "border_formalities_kept",
    "eaeu_prospects_2030",
    "paper_recommendations_2030",
    "no_crisis_2009",
    "no_devaluation_2014",
)


def test_the_policy_scenarios_are_shipped_with_their_questions():
    """Every scenario the analysts asked for exists and says what it answers."""
    assert set(SHIPPED) <= set(available_scenarios())
    for name in SHIPPED:
        spec = load_scenario(name)
        assert spec.question.endswith("?") and spec.description.strip()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_runs(name):
    """A short smoke run of each scenario (few firms) completes and reports its years."""
    spec = resolve_spec(name, {"n_firms": 400})
    model = run(spec, seed=1).model
    assert model.year.min() == spec.start_year and model.year.max() == spec.end_year
    assert np.isfinite(model.turnover_usd_bn).all()


def test_inheritance_resolves_as_documented():
    """Shipped variants change what they say and inherit the rest."""
    history = {r.name: r for r in load_scenario("historical").regimes}
    # Without the union's trade policy: its regimes keep their dates but not its trade levers.
    none = {r.name: r for r in load_scenario("no_customs_union").regimes}
    for name in ("customs_union_tariff", "internal_controls_removed", "eaeu"):
        levers, before = none[name].levers, history["cross_border_agreement"].levers
        assert levers.external_tariff_kz_cn == before.external_tariff_kz_cn == 0.053
        assert levers.border_formalities == before.border_formalities
        assert levers.mutual_ntb == 0.10
    assert none["common_economic_space"].levers.legal_framework == 0.6  # history's
    early = {r.name: r for r in load_scenario("early_customs_union").regimes}
    assert early["customs_union_tariff"].start == 2000.0
    for lever in ("external_tariff_kz_cn", "mutual_ntb", "legal_framework"):  # levers it sets
        assert getattr(early["customs_union_tariff"].levers, lever) == getattr(
            history["customs_union_tariff"].levers, lever
        )
    kept = {r.name: r for r in load_scenario("border_formalities_kept").regimes}
    assert kept["internal_controls_removed"].levers.border_formalities == 0.04
    recs = load_scenario("paper_recommendations_2030")
    assert recs.end_year == 2030 and recs.macro_extend == "trend"
    assert recs.regimes[-1].levers.human_capital_exchange == 1.0


def test_trend_extension_continues_the_macro_path():
    """Beyond the data, real output grows at trend and the price level is held."""
    from sim.macro import macro_path

    path = macro_path(load_scenario("eaeu_prospects_2030"))
    gdp, price = path.gdp[:4], path.price[:4]  # the rest of the world is a difference
    i2016, i2030 = 2016 - 1991, 2030 - 1991
    assert np.all(price[:, i2030] == price[:, i2016])
    growth = gdp[:, i2016 + 1 :] / gdp[:, i2016:-1]
    assert np.allclose(growth, growth[:, :1])  # constant growth per country
    share = path.services_share[:2, i2016:]  # Kazakhstan's and Russia's data end in 2016
    assert np.allclose(share, share[:, :1])  # shares and ratios hold their last values


def test_summary_reports_paired_differences():
    """Differences to the first scenario are taken replicate by replicate."""
    model = pd.DataFrame(
        {
            "scenario": ["a"] * 4 + ["b"] * 4,
            "replicate": [0, 1, 0, 1] * 2,
            "year": [2009, 2009, 2015, 2015] * 2,
            "turnover_usd_bn": [1.0, 3.0, 2.0, 4.0, 2.0, 4.0, 2.0, 4.0],
        }
    )
    summary = summarise(model, ["a", "b"], [2009, 2015], outcomes=("turnover_usd_bn",))
    b2009 = summary[(summary.scenario == "b") & (summary.year == 2009)].iloc[0]
    assert b2009["mean"] == 3.0 and b2009.diff_mean == 1.0
    assert b2009.diff_p05 == b2009.diff_p95 == 1.0  # the same +1 in every replicate
    a2015 = summary[(summary.scenario == "a") & (summary.year == 2015)].iloc[0]
    assert a2015.diff_mean == 0.0


@pytest.mark.slow
def test_no_customs_union_lowers_late_trade_and_diverts_kazakh_imports():
    """Without the union's trade policy Kazakh imports turn from Russia to China, 2012–2015.

    Turnover and imports from Russia are lower than in history, imports from China higher.
    """
    result = compare(["historical", "no_customs_union"], replicates=3, seed=3, years=[2013, 2015],
                     n_firms=2000, workers=2)  # fmt: skip
    model = result.model
    late = model[model.year.between(2012, 2015)]
    cols = ["turnover_usd_bn", "kz_imports_from_ru_usd_bn", "kz_imports_from_cn_usd_bn"]
    means = late.groupby("scenario")[cols].mean()
    history, without = means.loc["historical"], means.loc["no_customs_union"]
    assert without.turnover_usd_bn < history.turnover_usd_bn, means
    assert without.kz_imports_from_ru_usd_bn < history.kz_imports_from_ru_usd_bn, means
    assert without.kz_imports_from_cn_usd_bn > history.kz_imports_from_cn_usd_bn, means
    cols = {"scenario", "year", "outcome", "mean", "p05", "p95", "diff_mean", "diff_p05",
            "diff_p95", "replicates"}  # fmt: skip
    assert cols <= set(result.summary.columns)
    assert set(result.summary.outcome) == set(KEY_OUTCOMES)


@pytest.mark.slow
def test_compare_command_writes_tables_and_overlay_plots(tmp_path, capsys):
    """`transfrontier compare` prints the summary and writes tables and plots."""
    out = tmp_path / "cmp"
    code = main(["compare", "historical", "no_crisis_2009", "--replicates", "2", "--firms", "500",
                 "--workers", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.parquet", "summary.csv", "model.parquet", "meta.json"} <= names
    assert "compare-turnover_usd_bn.png" in names
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary.year) == {2009, 2015}  # 2030 only where a scenario runs so far
    printed = capsys.readouterr().out
    assert "turnover_usd_bn" in printed and "no_crisis_2009" in printed


def test_compare_rejects_bad_input_before_running(tmp_path, capsys):
    """An unknown scenario among several stops everything with exit 2."""
    out = tmp_path / "cmp"
    assert main(["compare", "historical", "nosuch", "--out", str(out)]) == 2
    assert "unknown scenario 'nosuch'" in capsys.readouterr().err
    assert not out.exists()
