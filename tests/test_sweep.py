"""Sensitivity sweeps: parameters files, designs, execution on dask, the ledger, resuming, report.

The slow tests share one small Morris sweep (500 firm agents, runs ending in 2001) run on the
embedded cluster, and compare every other way of running it with it: on a real scheduler and
worker started as separate processes, after killing the driver and resuming, and after
killing a worker mid-sweep. The model is deterministic given its inputs and seed, so every
way must give the same outputs for the same run ids.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.sweeps.run as sweep_module
from sim.choices import DESIGNS
from sim.cli import main
from sim.errors import InputError
from sim.inputs import date_of_year
from sim.ledger import Ledger
from sim.sweeps.design import design_matrix
from sim.sweeps.report import build_report
from sim.sweeps.run import plan_sweep, sweep
from sim.sweeps.spec import load_params
from sim.sweeps.store import load_series
from sim.varied import point_spec

# The shared executor's embedded cluster starts its scheduler's HTTP server on port 8787
# whatever its dashboard setting; when another dask cluster on the machine holds that port,
# dask warns, leaves the socket of its failed attempt to the garbage collector and takes
# another port. Harmless for the sweep; the cure is a free port in the executor.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning"),
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

SMALL = """
[sweep]
n_firms = 500
end_year = 2001
seed = 3

[parameters]
jv_rate = [200.0, 600.0]
regimes.before_customs_union.mutual_ntb = [0.05, 0.2]
"regimes.eurasec.start" = [1999.0, 2001.5]

[[outputs]]
column = "turnover_usd_bn"
years = [1999, 2001]

[[outputs]]
column = "jv_kz"
year = 2001
"""
SAMPLES, REPLICATES = 2, 2
RUNS = SAMPLES * (3 + 1) * REPLICATES  # Morris: trajectories x (k + 1) points x replicates
OUTPUTS = ("turnover_usd_bn@1999-2001", "jv_kz@2001")
DASK = str(Path(sys.executable).with_name("dask"))


def write(folder: Path, text: str, name: str = "params.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def ledger_outputs(folder: Path) -> dict[str, dict[str, float]]:
    """Run id -> outputs of every recorded run, with a check that each is recorded once."""
    with Ledger(folder / "ledger.sqlite") as ledger:
        records = list(ledger.records())
    ids = [r.run_id for r in records]
    assert len(ids) == len(set(ids))
    assert all(r.ok for r in records), [r.error for r in records if not r.ok]
    return {r.run_id: r.measures for r in records}


def ledger_count(path: Path) -> int:
    """Recorded runs, read without disturbing the driver that writes the ledger."""
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=1)) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return 0


# --- Parameters files: every bad input stops the sweep before any run -------------------------


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("jv_rate = [200.0, 600.0]", "jv_ratee = [200.0, 600.0]"),
         "parameters.jv_ratee", "did you mean 'jv_rate'"),
        (("jv_rate = [200.0, 600.0]", "jv_rate = [600.0, 200.0]"),
         "parameters.jv_rate", "must be increasing and inside the allowed range [0, 5000]"),
        (("jv_rate = [200.0, 600.0]", "jv_rate = [200.0, 6000.0]"),
         "parameters.jv_rate", "allowed range [0, 5000]"),
        (("jv_rate = [200.0, 600.0]", "jv_rate = 200.0"), "parameters.jv_rate",
         "must be [low, high]"),
        (("before_customs_union.mutual_ntb", "before_custom_union.mutual_ntb"),
         "parameters.regimes.before_custom_union.mutual_ntb",
         "did you mean 'regimes.before_customs_union.mutual_ntb'"),
        (("before_customs_union.mutual_ntb", "before_customs_union.mutual_tarif"),
         "parameters.regimes.before_customs_union.mutual_tarif",
         "did you mean 'regimes.before_customs_union.mutual_tariff'"),
        (("mutual_ntb = [0.05, 0.2]", "mutual_ntb = [0.05, 3.5]"),
         "parameters.regimes.before_customs_union.mutual_ntb", "allowed range [0, 3]"),
        (('"regimes.eurasec.start" = [1999.0, 2001.5]',
          '"regimes.eurasec.start" = [1999.0, 2005.0]'),
         "parameters.regimes.eurasec.start", "strictly between 1995.0521"),
        (('"regimes.eurasec.start" = [1999.0, 2001.5]',
          '"regimes.eurasec.start" = [2001.5, 1999.0]'),
         "parameters.regimes.eurasec.start", "must be increasing"),
        (('"regimes.eurasec.start"', '"regimes.soviet_single_market.start"'),
         "parameters.regimes.soviet_single_market.start", "cannot move"),
        (('column = "jv_kz"', 'column = "jv_kzz"'), "outputs[1].column", "did you mean 'jv_kz'"),
        (("\nyear = 2001", "\nyear = 2010"), "outputs[1].year", "in the run's period [1991, 2001]"),
        (("years = [1999, 2001]", "years = [2001, 1999]"), "outputs[0].years", "increasing"),
        (("[sweep]", "[sweeps]"), "sweeps", "did you mean 'sweep'"),
        (("n_firms = 500", "n_firms = 5"), "sweep", "allowed [200, 5e+06]"),
    ],
)  # fmt: skip
def test_bad_parameters_file_names_file_key_and_range(tmp_path, monkeypatch, change, key, message):
    """Each mistake names the file, the key and what is allowed, and nothing runs."""
    monkeypatch.setattr(sweep_module, "Executor", None)  # any run would fail loudly
    path = write(tmp_path, SMALL.replace(*change))
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        sweep(path, design="morris", samples=2, replicates=2, workers=1, out=out)
    text = str(caught.value)
    assert text.startswith(f"{path} [{key}]"), text
    assert message in text, text
    assert not out.exists()


def test_malformed_or_incomplete_files_are_refused(tmp_path):
    """Bad TOML, no parameters, no outputs, a point that breaks a scenario rule."""
    for text, expected in [
        ("[parameters\n", "malformed TOML"),
        ("[[outputs]]\ncolumn = 'jv_kz'\nyear = 2015\n", "a [parameters] table"),
        ("[parameters]\nsigma = [2.0, 3.0]\n", "at least one [[outputs]]"),
        # pareto_shape must exceed sigma - 1: the corner sigma = 8 breaks it.
        ("[parameters]\nsigma = [2.0, 8.0]\n[[outputs]]\ncolumn = 'jv_kz'\nyear = 2015\n",
         "is not a valid scenario"),
    ]:  # fmt: skip
        path = write(tmp_path, text)
        with pytest.raises(InputError, match=r"params\.toml") as caught:
            plan_sweep(path, design="grid", samples=2, replicates=1)
        assert expected in str(caught.value)


def test_cli_refuses_bad_input_with_exit_status_2(tmp_path, capsys):
    """The sweep command prints one line naming the file and key, exits 2, writes nothing."""
    path = write(tmp_path, SMALL.replace("jv_rate = [200.0, 600.0]", "jv_rate = [600.0, 200.0]"))
    out = tmp_path / "out"
    args = ["sweep", "--design", "morris", "--params", str(path), "--samples", "2",
            "--replicates", "2", "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "params.toml [parameters.jv_rate]" in err and "[0, 5000]" in err
    assert not out.exists()
    args[args.index("--samples") + 1] = "3"
    args[args.index("morris")] = "sobol"
    path.write_text(textwrap.dedent(SMALL))
    assert main(args) == 2
    assert "power of 2" in capsys.readouterr().err


# --- Designs and design points ------------------------------------------------------------------


def test_design_sizes_and_reproducibility(tmp_path):
    """Each design has its documented size, inside the bounds, the same for the same seed."""
    config = load_params(write(tmp_path, SMALL))
    params, k = config.parameters, len(config.parameters)
    sizes = {"morris": 4 * (k + 1), "sobol": 4 * (k + 2), "lhs": 4, "grid": 4**k}
    assert set(sizes) == set(DESIGNS)  # every design the command line offers
    for design, size in sizes.items():
        points = design_matrix(design, params, 4, seed=3)
        assert points.shape == (size, k)
        assert np.array_equal(points, design_matrix(design, params, 4, seed=3))
        for i, p in enumerate(params):
            assert p.lo <= points[:, i].min() and points[:, i].max() <= p.hi
    with pytest.raises(InputError, match="power of 2"):
        design_matrix("sobol", params, 6, seed=3)


def test_point_spec_sets_structural_parameters_levers_and_dates(tmp_path):
    """A design point changes exactly the named parameter, regime lever and start date."""
    config = load_params(write(tmp_path, SMALL))
    base = config.base
    spec = point_spec(base, config.parameters, [450.0, 0.15, 2001.5])
    assert spec.parameters.jv_rate == 450.0
    regimes = {r.name: r for r in spec.regimes}
    assert regimes["before_customs_union"].levers.mutual_ntb == 0.15
    assert regimes["eurasec"].start == pytest.approx(2001.5, abs=1 / 365)
    assert date_of_year(2001.5).isoformat() == "2001-07-02"
    # eurasec sets its own mutual_ntb; the regimes around keep theirs.
    before = {r.name: r for r in base.regimes}
    assert regimes["eurasec"].levers == before["eurasec"].levers
    assert regimes["disintegration"] == before["disintegration"]
    assert [r.name for r in spec.regimes] == [r.name for r in base.regimes]
    assert base.end_year == spec.end_year == 2001 and spec.parameters.n_firms == 500


def test_scenario_named_in_the_file_is_found_next_to_it(tmp_path):
    """`[sweep] scenario` may name a scenario file beside the parameters file; --scenario wins."""
    folder = tmp_path / "sweeps"
    folder.mkdir()
    write(folder, 'extends = "historical"\nname = "own"\n', name="own.toml")
    path = write(folder, SMALL.replace("[sweep]", '[sweep]\nscenario = "own.toml"'))
    assert load_params(path).base.name == "own"  # found although the working folder differs
    assert load_params(path, scenario="historical").base.name == "historical"


def test_every_point_uses_the_same_replicate_seeds(tmp_path):
    """Common random numbers: R seeds from the master seed, shared by every design point."""
    plan = plan_sweep(write(tmp_path, SMALL), design="morris", samples=2, replicates=3)
    assert len(plan.seeds) == len(set(plan.seeds)) == 3
    tasks = plan.tasks()
    assert {task.args[3] for task in tasks} == set(plan.seeds)
    again = plan_sweep(write(tmp_path, SMALL), design="morris", samples=2, replicates=3)
    assert again.run_ids == plan.run_ids  # deterministic ids: what --resume relies on


# --- Execution: the local cluster, a real scheduler, killed driver and worker ------------------


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> Path:
    """The small Morris sweep on the embedded cluster with two workers."""
    folder = tmp_path_factory.mktemp("local")
    path = write(folder, SMALL)
    summary = sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES, workers=2,
                    out=folder / "sweep", progress=False)  # fmt: skip
    assert (summary.points, summary.runs, summary.executed, summary.failed) == (8, RUNS, RUNS, 0)
    return folder / "sweep"


@pytest.mark.slow
def test_local_morris_sweep_end_to_end(local_sweep, capsys):
    """Ledger, runs.parquet, per-run series and the report, from one sweep on the cluster."""
    outputs = ledger_outputs(local_sweep)
    assert len(outputs) == RUNS
    assert all(set(m) == set(OUTPUTS) and all(np.isfinite(list(m.values())))
               for m in outputs.values())  # fmt: skip
    runs = pd.read_parquet(local_sweep / "runs.parquet")
    assert len(runs) == RUNS and runs.run_id.is_unique and (runs.status == "ok").all()
    assert {"run_id", "seed", "status", "jv_rate", "regimes.eurasec.start", *OUTPUTS} <= set(
        runs.columns
    )
    assert runs.groupby("point").seed.apply(sorted).map(tuple).nunique() == 1  # common seeds
    series = load_series(local_sweep)
    assert len(series) == RUNS * (2001 - 1991 + 1)
    one = series[series.run_id == runs.run_id[0]]
    window = one[one.year.between(1999, 2001)].turnover_usd_bn.mean()
    assert window == pytest.approx(runs.loc[0, "turnover_usd_bn@1999-2001"])

    assert main(["sweep-report", str(local_sweep)]) == 0
    report = local_sweep / "report"
    for name in ("report.md", "indices.csv", "noise.csv", "points.csv", "morris.png",
                 "scatter.png"):  # fmt: skip
        assert (report / name).stat().st_size > 0, name
    indices = pd.read_csv(report / "indices.csv")
    assert list(indices.columns) == ["design", "output", "parameter", "index", "value", "conf",
                                     "seed_se", "stands_out"]  # fmt: skip
    mu_star = indices[indices["index"] == "mu_star"]
    assert len(mu_star) == 3 * len(OUTPUTS) and mu_star.value.notna().all()
    # jv_rate drives the joint ventures: the strongest mu*, clearly above seed noise.
    jv = mu_star[mu_star.output == "jv_kz@2001"].set_index("parameter")
    assert jv.value.idxmax() == "jv_rate" and bool(jv.loc["jv_rate", "stands_out"])
    noise = pd.read_csv(report / "noise.csv")
    assert {"noise_sd", "across_sd", "noise_ratio", "paired_noise_sd"} <= set(noise.columns)
    text = (report / "report.md").read_text()
    assert "Seed-to-seed noise" in text and "stands out from seed noise" in text
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.slow
def test_resume_of_a_finished_sweep_runs_nothing_and_checks_the_sweep(local_sweep, monkeypatch):
    """--resume skips every recorded run; another design or no --resume is refused."""
    path = local_sweep.parent / "params.toml"
    before = ledger_outputs(local_sweep)
    monkeypatch.setattr(sweep_module, "Executor", None)  # nothing may run
    summary = sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES,
                    out=local_sweep, resume=True, progress=False)  # fmt: skip
    assert summary.executed == 0 and ledger_outputs(local_sweep) == before
    with pytest.raises(InputError, match=r"differs in: .*samples"):
        sweep(path, design="morris", samples=3, replicates=REPLICATES, out=local_sweep,
              resume=True, progress=False)  # fmt: skip
    with pytest.raises(InputError, match="use --resume"):
        sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES, out=local_sweep)


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int, nanny: bool = True):
    """A `dask scheduler` and `dask worker` processes on loopback; always stopped."""
    scheduler_file = folder / "scheduler.json"
    procs: list[subprocess.Popen] = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        command = [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
                   "127.0.0.1:0", "--scheduler-file", str(scheduler_file)]  # fmt: skip
        procs.append(subprocess.Popen(command, **quiet))
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        options = ["--nworkers", "1"] if nanny else ["--no-nanny"]
        for _ in range(workers):
            command = [DASK, "worker", *options, "--nthreads", "1", "--host", "127.0.0.1", address]
            procs.append(subprocess.Popen(command, **quiet))
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
        yield address, procs[1:]
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.mark.slow
def test_sweep_on_a_real_scheduler_matches_the_local_run(local_sweep, tmp_path):
    """The same sweep on a scheduler and worker started apart gives the same ledger."""
    path = write(tmp_path, SMALL)
    with dask_cluster(tmp_path, workers=1) as (address, _):
        summary = sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES,
                        scheduler=address, out=tmp_path / "sweep", progress=False)  # fmt: skip
    assert summary.executed == RUNS and summary.failed == 0
    assert ledger_outputs(tmp_path / "sweep") == ledger_outputs(local_sweep)


@pytest.mark.slow
def test_killed_driver_resumes_without_running_a_run_twice(local_sweep, tmp_path):
    """SIGKILL the driver mid-sweep; --resume records every run exactly once, same results."""
    path = write(tmp_path, SMALL)
    out = tmp_path / "sweep"
    args = [sys.executable, "-m", "sim", "sweep", "--design", "morris", "--params",
            str(path), "--samples", str(SAMPLES), "--replicates", str(REPLICATES),
            "--workers", "1", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ledger_count(out / "ledger.sqlite") >= 4:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = ledger_count(out / "ledger.sqlite")
    assert 4 <= before < RUNS, "the driver was not killed mid-sweep"
    assert not (out / "runs.parquet").exists()
    done = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"({RUNS - before} executed now, 0 failed in all)" in done.stdout
    assert ledger_outputs(out) == ledger_outputs(local_sweep)
    assert len(pd.read_parquet(out / "runs.parquet")) == RUNS


@pytest.mark.slow
def test_sweep_completes_when_a_worker_dies(local_sweep, tmp_path):
    """Kill one of two worker processes mid-sweep: its work moves to the other, nothing is lost."""
    path = write(tmp_path, SMALL)
    out = tmp_path / "sweep"
    killed: list[int] = []
    with dask_cluster(tmp_path, workers=2, nanny=False) as (address, workers):

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                count = ledger_count(out / "ledger.sqlite")
                if count >= 2:
                    workers[0].send_signal(signal.SIGKILL)
                    killed.append(count)
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_one_worker)
        killer.start()
        summary = sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES,
                        scheduler=address, out=out, progress=False)  # fmt: skip
        killer.join(timeout=30)
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert killed and killed[0] < RUNS, "the worker was not killed mid-sweep"
    assert summary.executed == RUNS and summary.failed == 0
    assert ledger_outputs(out) == ledger_outputs(local_sweep)


@pytest.mark.slow
def test_a_run_that_raises_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, monkeypatch):
    """A failing run is recorded with its traceback; the others run; the report says so."""
    path = write(tmp_path, SMALL.replace('"regimes.eurasec.start" = [1999.0, 2001.5]\n', ""))
    real_run_one = sweep_module.run_one

    def fragile_run_one(spec, seed, replicate=0):
        if spec.parameters.jv_rate > 400:
            raise RuntimeError(f"injected failure at jv_rate={spec.parameters.jv_rate:g}")
        return real_run_one(spec, seed, replicate)

    monkeypatch.setattr(sweep_module, "run_one", fragile_run_one)
    out = tmp_path / "sweep"
    summary = sweep(path, design="morris", samples=SAMPLES, replicates=REPLICATES, workers=1,
                    out=out, progress=False)  # fmt: skip
    with Ledger(out / "ledger.sqlite") as ledger:
        records = list(ledger.records())
    failed = [r for r in records if not r.ok]
    assert len(records) == summary.runs == summary.executed
    assert failed and len(failed) == summary.failed < len(records)
    for record in failed:
        assert record.status == "failed" and record.params["jv_rate"] > 400
        assert record.error.startswith("Traceback") and "injected failure" in record.error
        assert "fragile_run_one" in record.error and record.measures == {}
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs.status == "failed").sum() == len(failed)
    assert runs[runs.status == "failed"].error.str.contains("injected failure").all()
    report = build_report(out).read_text()
    assert "## Failed runs" in report and "injected failure" in report
    assert "left out" in report
