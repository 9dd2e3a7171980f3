"""The experiments layer: the seed rule, run keys, resuming and recording in the ledger."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.draws import NO_DRAW
from sim.errors import InputError
from sim.executor import Executor, Task
from sim.experiments import (
    ANALYSIS_STREAM,
    EVALUATION_STREAM,
    STUDY_STREAM,
    claim,
    execute,
    failed_count,
    measures_of,
    pending,
    refuse_overwrite,
    replicate_tasks,
    run_id_of,
    run_key,
    seeds_for,
)
from sim.ledger import Ledger
from sim.runner import resolve_spec


def test_the_seed_rule_keeps_its_values():
    """The seeds every experiment ran with so far: replicates, study and analysis streams.

    Run ids, the docking reference and every recorded study depend on these numbers.
    """
    assert seeds_for(7, 1) == [7]  # one replicate runs the master seed itself
    assert seeds_for(4, 3) == [367776961, 3166742020, 1587198119]  # `run --seed 4 --replicates 3`
    assert seeds_for(0, 2, STUDY_STREAM) == [3757552657, 673228719]  # calibration search seeds
    assert seeds_for(0, 2, EVALUATION_STREAM) == [2821894394, 1959213352]
    assert seeds_for(11, 2, ANALYSIS_STREAM) == [2772917392, 4032333960]
    assert seeds_for(7, 1, STUDY_STREAM) != [7]  # a study's one seed is a child, not the master
    assert seeds_for(5, 4) == seeds_for(5, 4) and len(set(seeds_for(5, 40))) == 40


def _spec():
    return resolve_spec("historical", {"n_firms": 500, "end_year": 1993})


def test_run_ids_depend_on_what_runs_not_on_the_label():
    """Same scenario, parameters and seed: same id, whatever the kind and tag."""
    spec = _spec()
    key = run_key("search", "3", spec, {"jv_rate": 1.0}, 5)
    assert key == run_key("search", "3", spec, {"jv_rate": 1.0}, 5)
    assert key.run_id == run_key("profile", "x", spec, {"jv_rate": 1.0}, 5).run_id
    assert key.run_id == run_id_of(spec, {"jv_rate": 1.0}, 5)
    assert key.run_id != run_id_of(spec, {"jv_rate": 2.0}, 5) != run_id_of(spec, {}, 6)
    assert (key.kind, key.tag, key.params, key.seed, key.scenario) == (
        "search", "3", '{"jv_rate": 1.0}', 5, "historical",
    )  # fmt: skip
    hash(key)  # keys travel as tuples and are hashable


def test_replicate_tasks_share_the_seeds_across_scenarios():
    """Common random numbers: replicate k of every scenario runs seed k, at the calibrated point."""
    a, b = _spec(), _spec().with_name("other")
    tasks = replicate_tasks([a, b], [11, 12])
    assert [t.key for t in tasks] == [("historical", NO_DRAW, 0), ("historical", NO_DRAW, 1),
                                      ("other", NO_DRAW, 0), ("other", NO_DRAW, 1)]  # fmt: skip
    assert [t.args[1:] for t in tasks] == [(11, 0, NO_DRAW), (12, 1, NO_DRAW), (11, 0, NO_DRAW),
                                           (12, 1, NO_DRAW)]  # fmt: skip


def _measure(value: float) -> dict:
    if value < 0:
        raise ValueError("negative")
    return {"measures": {"x": value * 2}, "series": pd.DataFrame({"year": [1], "x": [value]})}


def test_recorded_runs_are_skipped_and_failures_are_recorded(tmp_path):
    """Every outcome is recorded; `pending` drops what is recorded and repeated tasks."""
    spec = _spec()
    tasks = [Task(run_key("toy", str(v), spec, {"v": v}, 1), (v,)) for v in (1.0, 2.0, -1.0)]
    with Ledger(tmp_path / "ledger.sqlite") as ledger, Executor(workers=1) as executor:
        assert pending([*tasks, tasks[0]], ledger) == tasks  # a run met twice runs once
        assert execute(ledger, executor, _measure, tasks, desc="toy", progress=False) == 3
        assert pending(tasks, ledger) == []
        assert execute(ledger, executor, _measure, [], desc="toy") == 0
        ids = [t.key.run_id for t in tasks]
        assert measures_of(ledger, ids) == {ids[0]: {"x": 2.0}, ids[1]: {"x": 4.0}}
        assert failed_count(ledger, "toy", ids) == 1 and failed_count(ledger, "other", ids) == 0
        failed = ledger.get(ids[2])
        assert failed.status == "failed" and "ValueError: negative" in failed.error
        recorded = (failed.kind, failed.tag, failed.params, failed.seed)
        assert recorded == ("toy", "-1.0", {"v": -1.0}, 1)
        assert ledger.series(ids[1]).x.tolist() == [2.0]


def test_a_study_claims_its_folder(tmp_path):
    """A new study does not write over an old one; a resumed one must be the same study."""
    path = tmp_path / "ledger.sqlite"
    refuse_overwrite(path, resume=False, what="sweep", folder=tmp_path)  # nothing there yet
    with Ledger(path) as ledger:
        claim(ledger, "sweep", {"design": "lhs", "samples": 2}, tmp_path)
        claim(ledger, "sweep", {"design": "lhs", "samples": 2}, tmp_path)  # the same: fine
        with pytest.raises(InputError, match=r"different sweep \(differs in: samples\)"):
            claim(ledger, "sweep", {"design": "lhs", "samples": 3}, tmp_path)
    with pytest.raises(InputError, match=r"a sweep already exists .* use --resume"):
        refuse_overwrite(path, resume=False, what="sweep", folder=tmp_path)
    refuse_overwrite(path, resume=True, what="sweep", folder=tmp_path)
    with Ledger(tmp_path / "other.sqlite") as ledger:
        ledger.record("r", kind="search", tag="0", scenario="h", params={}, seed=1, version="x")
        with pytest.raises(InputError, match="not a sweep's"):
            claim(ledger, "sweep", {"design": "lhs"}, tmp_path)
