"""Calibration: the targets file, the loss, a small end-to-end run, resuming, the report."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import kill_when_recorded

from sim.calibrate import Study, calibrate, write_calibrated_file
from sim.calibration_loss import loss
from sim.calibration_report import build_report
from sim.calibration_space import SearchSpace, profile_sets
from sim.errors import InputError
from sim.experiments import EVALUATION_STREAM, STUDY_STREAM, seeds_for
from sim.inputs import read_toml
from sim.ledger import Ledger
from sim.targets import load_catalogue, load_targets
from sim.varied import VariedParameter

LISTED = {
    "interregional_share": 0.70,
    "border_region_share": 0.50,
    "jv_kz": 2100,
    "jv_kz_russian_share": 0.85,
    "turnover": 12.8,
    "linked_ru_regions": 76,
    "agreements": 250,
    "leading_regions_agreements": 200,
    "saratov_growth": 0.50,
    "uralsk_forum_protocols": 46,
}


def test_targets_file_covers_the_papers_figures():
    """Every figure the calibration must match is a target with its section and window."""
    catalogue = load_catalogue()
    targets = {t.id: t for t in catalogue.targets}
    assert LISTED.keys() <= targets.keys()
    for name, value in LISTED.items():
        target = targets[name]
        assert target.value == value
        assert target.section and target.figure and target.years[0] <= target.years[1]
    assert targets["turnover"].years == (2006, 2006)
    assert targets["interregional_share"].kind == "lower_bound"
    assert (targets["agreements"].kind, targets["agreements"].upper) == ("range", 500)
    assert any("20%" in n["figure"] for n in catalogue.not_modelled)  # CIS share: not modelled
    assert any("150" in i["figure"] for i in catalogue.inputs)  # Uralsk participants: input


def _synthetic(shift: dict[str, float] | None = None, n: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = {}
    for target in load_targets():
        centre = target.value + (shift or {}).get(target.id, 0.0)
        noise = rng.normal(0, max(target.tolerance, 0.01 * abs(target.value)) / 4, n)
        rows[target.id] = centre + noise - noise.mean()  # mean exactly at the centre
    return pd.DataFrame(rows)


def test_loss_is_zero_at_the_optimum_and_rises_away_from_it():
    """Means on every figure give loss 0; moving one away raises it, further raises it more."""
    targets = load_targets()
    assert loss(targets, _synthetic()) == pytest.approx(0.0, abs=1e-9)
    near = loss(targets, _synthetic({"jv_kz": 300}))
    far = loss(targets, _synthetic({"jv_kz": 900}))
    assert 0 < near < far
    # Inside a range or above a lower bound costs nothing; below it does.
    assert loss(targets, _synthetic({"agreements": 80})) == pytest.approx(0.0, abs=1e-9)
    assert loss(targets, _synthetic({"agreements": -80})) > 0
    assert loss(targets, _synthetic({"interregional_share": 0.1})) == pytest.approx(0.0, abs=1e-9)
    # A path costs its distance from the record, fitted years only.
    assert loss(targets, _synthetic({"turnover_path": 0.3})) > 0
    # A reported-only target (fitted = false) costs nothing, however far off.
    reported = {t.id for t in targets if not t.fitted}
    assert "saratov_growth" in reported and "cn_share_of_kz_exports_path" in reported
    assert loss(targets, _synthetic({"saratov_growth": -0.4})) == pytest.approx(0.0, abs=1e-9)


def test_search_space_errors_name_file_and_key(tmp_path):
    """A bad search space is refused before anything runs."""
    bad = tmp_path / "space.toml"
    bad.write_text("[parameters]\njv_rate = [200.0, 100.0]\n")
    with pytest.raises(InputError, match=r"space\.toml \[parameters\.jv_rate\].*increasing"):
        SearchSpace.load(bad)
    bad.write_text("[parameters]\nsigmaa = [2.0, 3.0]\n")
    with pytest.raises(InputError, match=r"unknown parameter 'sigmaa'"):
        SearchSpace.load(bad)


def _structural(**bounds: tuple[float, float]) -> tuple[VariedParameter, ...]:
    return tuple(VariedParameter(n, lo, hi, "structural", n) for n, (lo, hi) in bounds.items())


def test_profile_moves_one_parameter_at_a_time():
    """Each profile point differs from the optimum in exactly one parameter."""
    space = SearchSpace("historical", _structural(a=(0.0, 1.0), b=(10.0, 20.0)), 500)
    best = {"a": 0.5, "b": 12.0}
    sets = profile_sets(space, best, 2)
    assert len(sets) == 8
    for params in sets.values():
        assert sum(params[k] != best[k] for k in best) == 1


def test_second_stage_searches_the_named_parameters_and_holds_the_rest(tmp_path):
    """`--only`: the held parameters take the earlier calibrated values into every run."""
    space = SearchSpace(
        "historical", _structural(jv_rate=(100.0, 600.0), protocol_rate=(0.004, 0.02)), 500
    )
    earlier = tmp_path / "calibrated.toml"
    earlier.write_text(
        "[calibration]\ntrials = 7\nsearch_loss = 3.5\n[parameters]\njv_rate = 321.0\n"
    )
    stage = space.second_stage(["protocol_rate"], earlier)
    assert stage.bounds == {"protocol_rate": (0.004, 0.02)}
    assert stage.held == {"jv_rate": 321.0}
    assert stage.held_from == {"trials": 7, "search_loss": 3.5}
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        study = Study(tmp_path, stage, [1], ledger)
        spec = study.spec({"protocol_rate": 0.01})
    assert (spec.parameters.jv_rate, spec.parameters.protocol_rate) == (321.0, 0.01)
    written = tmp_path / "out.toml"
    result = {"params": {"protocol_rate": 0.01}, "trials": 2, "search_loss": 1.0,
              "evaluation_loss": 2.0, "search_seeds": [1], "evaluation_seeds": [2]}  # fmt: skip
    write_calibrated_file(written, result, stage)
    text = tomllib.loads(written.read_text())
    assert text["parameters"] == {"jv_rate": 321.0, "protocol_rate": 0.01}
    assert text["calibration"]["held"] == ["jv_rate"]
    assert text["calibration"]["first_stage"] == {"trials": 7, "search_loss": 3.5}
    with pytest.raises(InputError, match=r"--only.*cannot search sigma"):
        space.second_stage(["sigma"], earlier)
    with pytest.raises(InputError, match=r"missing\.toml \[--only\]: cannot read"):
        space.second_stage(["protocol_rate"], tmp_path / "missing.toml")
    earlier.write_text("[parameters]\nprotocol_rate = 0.01\n")
    with pytest.raises(InputError, match=r"calibrated\.toml \[parameters\].*hold for jv_rate"):
        space.second_stage(["protocol_rate"], earlier)


SMALL_SPACE = """
[search]
scenario = "historical"
n_firms = 500
[parameters]
fixed_cost_cross_border = [0.1, 0.5]
jv_rate = [100.0, 600.0]
"""


@pytest.mark.slow
def test_small_calibration_runs_end_to_end_and_reports(tmp_path):
    """A tiny calibration on the local cluster: trials, evaluation, profile, file, report."""
    space_file = tmp_path / "space.toml"
    space_file.write_text(SMALL_SPACE)
    out = tmp_path / "study"
    target = tmp_path / "calibrated.toml"
    result = calibrate(trials=3, replicates=2, evaluation_seeds=2, profile_points=1, workers=2,
                       out=out, space=SearchSpace.load(space_file),
                       write_calibrated=target)  # fmt: skip
    assert result["trials"] == 3
    assert set(result["params"]) == {"fixed_cost_cross_border", "jv_rate"}
    seeds = [set(result[k]) for k in ("search_seeds", "evaluation_seeds")]
    assert len(set().union(*seeds)) == 2 + 2  # two disjoint sets of seeds
    with Ledger(out / "ledger.sqlite") as ledger:
        assert ledger.count("search") == 3 * 2
        assert ledger.count("evaluation") == 2
        assert ledger.count("counterfactual") == 2
        assert ledger.count("profile") == 2 * 2 * 2  # 2 parameters x 2 sides x 2 seeds
    text = target.read_text()
    assert "[parameters]" in text and "jv_rate" in text and "evaluation_loss" in text
    report = build_report(out)
    body = report.read_text()
    assert "| uralsk_forum_protocols |" in body and "of the paper's figures met" in body
    assert "validation years" in body and "Gravity" in body and "counterfactual" in body
    for name in ("paths.png", "record.png", "loss.png", "profile.png"):
        assert (report.parent / name).stat().st_size > 0
    # Money is in US$ from the data: 2006 turnover is of the record's order without any scale.
    table = pd.read_csv(report.parent / "targets.csv").set_index("target")
    assert 4.0 < table.loc["turnover", "mean"] < 40.0
    record = pd.read_csv(report.parent / "record.csv").set_index("target")
    assert record.loc["turnover_path", "validation_years"] == "2013-2015"
    gravity = pd.read_csv(report.parent / "gravity.csv")
    assert (gravity[gravity.statistic == "distance"]["mean"] < 0).all()
    effects = pd.read_csv(report.parent / "customs_union.csv").set_index("outcome")
    assert np.isfinite(effects.loc["turnover_usd_bn", "effect"])


@pytest.mark.slow
def test_killed_calibration_resumes_without_rerunning(tmp_path):
    """Kill the driver mid-search; --resume completes it and runs no recorded run again."""
    space_file = tmp_path / "space.toml"
    space_file.write_text(SMALL_SPACE)
    out = tmp_path / "study"
    args = [sys.executable, "-m", "sim", "calibrate", "--trials", "4", "--replicates", "2",
            "--evaluation-seeds", "2", "--profile-points", "0",
            "--workers", "1",
            "--space", str(space_file), "--out", str(out), "--no-write"]  # fmt: skip
    ledger_path = out / "ledger.sqlite"
    before = kill_when_recorded(args, ledger_path, 3)
    done = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Ledger(ledger_path) as ledger:
        total = ledger.count()
        ids = [r.run_id for r in ledger.records()]
    assert len(ids) == len(set(ids)) == total == 4 * 2 + 2 + 2, done.stdout  # + counterfactual
    executed = int(done.stdout.split("runs executed now: ")[1].split(";")[0])
    assert executed == total - before  # nothing recorded before the kill ran again


def test_report_needs_a_ledger(tmp_path):
    """The report is built from a ledger, and says so when there is none."""
    with pytest.raises(InputError, match="no calibration ledger"):
        build_report(tmp_path)


def test_evaluation_seeds_differ_from_search_seeds():
    """Fresh seeds for the evaluation, reproducible from the master seed."""
    assert seeds_for(0, 4, STUDY_STREAM) == seeds_for(0, 4, STUDY_STREAM)
    assert not set(seeds_for(0, 20, EVALUATION_STREAM)) & set(seeds_for(0, 20, STUDY_STREAM))


def test_scenarios_take_the_calibrated_parameters(tmp_path, monkeypatch):
    """A shipped scenario starts from calibrated.toml; `calibrated = false` opts out."""
    import sim.scenario as scenario

    calibrated = tmp_path / "calibrated.toml"
    calibrated.write_text("[parameters]\njv_rate = 123.4\n")
    monkeypatch.setattr(scenario, "CALIBRATED_FILE", calibrated)
    monkeypatch.setattr(
        scenario, "calibrated_parameters",
        lambda path=calibrated: read_toml(path)[0]["parameters"],
    )  # fmt: skip
    assert scenario.load_scenario("historical").parameters.jv_rate == 123.4
    own = tmp_path / "own.toml"
    own.write_text(
        textwrap.dedent("""
        extends = "historical"
        calibrated = false
    """)
    )
    assert scenario.load_scenario(own).parameters.jv_rate != 123.4


def test_report_evaluates_only_the_current_best_set(tmp_path):
    """A resumed study whose best set changed: the report reads that set's evaluation runs."""
    from sim.calibration_report import evaluation_table

    ids = [t.id for t in load_targets()]
    old, new = {"jv_rate": 300.0}, {"jv_rate": 400.0}
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for params, jv in ((old, 100.0), (new, 2100.0)):
            for seed in (1, 2, 3):
                measures = {i: 0.0 for i in ids} | {"jv_kz": jv + seed}
                ledger.record(f"{jv}-{seed}", kind="evaluation", tag="best", scenario="h",
                              params=params, seed=seed, version="x", measures=measures)  # fmt: skip
        ledger.set_meta("best", {"trial": 9, "params": new, "loss": 0.0})
        ledger.set_meta("evaluation_seeds", [2, 3])  # seed 1 belongs to another evaluation
        table = evaluation_table(ledger).set_index("target")
    assert table.attrs["replicates"] == 2
    assert table.loc["jv_kz", "mean"] == pytest.approx(2102.5)


def test_reach_tells_an_unreachable_target_from_a_traded_off_one(tmp_path):
    """reach_table: how many trials met each target, and the trial that came closest."""
    from sim.calibration_report import reach_table

    ids = [t.id for t in load_targets()]
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for trial, (jv, saratov) in enumerate(((2100.0, 0.30), (1500.0, 0.40))):
            params = {"jv_rate": 100.0 * (trial + 1)}
            for seed in (1, 2):
                measures = {i: 0.0 for i in ids} | {"jv_kz": jv, "saratov_growth": saratov}
                ledger.record(f"{trial}-{seed}", kind="search", tag=f"trial-{trial}",
                              scenario="h", params=params, seed=seed, version="x",
                              measures=measures)  # fmt: skip
            ledger.set_meta(f"trial:{trial}", {"params": params, "loss": 1.0})
        reach = reach_table(ledger).set_index("target")
    assert reach.loc["jv_kz", "trials_met"] == 1
    assert reach.loc["jv_kz", "closest_trial"] == 0
    assert reach.loc["saratov_growth", "trials_met"] == 0  # lower bound 0.5: out of reach
    assert reach.loc["saratov_growth", "closest_mean"] == pytest.approx(0.40)
    assert reach.loc["saratov_growth", "trials"] == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('kind = "exact"', "kind 'exact' not one of"),
        ('fitted = "yes"', "must be true or false"),
        ('measure = "jv_total"', "'jv_total' is not a numeric column of the model table"),
    ],
)
def test_bad_targets_file_names_file_and_key(tmp_path, line, message):
    """A malformed target is refused with the file, the entry and what is allowed."""
    fields = {
        "id": '"t"', "section": '"s"', "figure": '"f"', "measure": '"jv_kz"', "value": "1",
        "kind": '"point"', "years": "[2015, 2015]", "tolerance": "0.1",
    }  # fmt: skip
    key = line.split(" = ")[0]
    fields[key] = line.split(" = ")[1]
    path = tmp_path / "targets.toml"
    path.write_text("[[targets]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()))
    with pytest.raises(InputError, match=message) as err:
        load_catalogue(path)
    assert str(path) in str(err.value) and "targets[0]" in str(err.value)


def test_the_validation_years_never_enter_the_loss(small_results):
    """The record paths' measures (what the loss sums) ignore the validation years.

    Moving a run's 2013-2015 values leaves every path measure as it is; moving a fitted year
    changes them.
    """
    from sim.targets import measure_all

    targets = load_targets()
    model = small_results.tables["model"]
    base = measure_all(small_results.tables)
    paths = [t for t in targets if t.kind == "path" and t.validation]
    assert paths
    columns = sorted({t.measure for t in paths})
    held_out = model.year.between(*paths[0].validation)
    moved = model.copy()
    moved.loc[held_out, columns] *= 7.0
    again = measure_all({**small_results.tables, "model": moved})
    path_ids = [t.id for t in paths]
    pd.testing.assert_frame_equal(again[path_ids], base[path_ids])
    fitted = model.copy()
    fitted.loc[fitted.year == 2005, columns] *= 7.0
    changed = measure_all({**small_results.tables, "model": fitted})
    assert not np.allclose(changed[path_ids], base[path_ids])
