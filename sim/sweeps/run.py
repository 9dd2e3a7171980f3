"""Running a sweep: plan every run, execute what the ledger lacks, export `runs.parquet`.

Every design point runs over the same replicate seeds (common random numbers) on the
`Executor` (this process, an embedded dask cluster or a running one), and every run is recorded
in the ledger as it completes (`sim.experiments`). Only the driver writes the ledger, and a run is
found by its deterministic id, so a sweep killed at any point resumes with `--resume` by
skipping every recorded run.

From a Python script, call `sweep` under ``if __name__ == "__main__":``: the embedded cluster's
worker processes import the script's main module when they start.

On a cluster of one's own (``--scheduler``), start the workers with ``dask worker --no-nanny``
(one per core, ``--nthreads 1``): a nanny starts its worker with a memory setting that makes
the model's runs much slower (see `sim.executor.CLUSTER_CONFIG`, which the embedded cluster
uses instead).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.executor import MAX_BATCH, Executor, Task
from sim.experiments import (
    STUDY_STREAM,
    execute,
    failed_count,
    package_version,
    pending,
    refuse_overwrite,
    run_id_of,
    run_key,
    seeds_for,
)
from sim.ledger import Ledger
from sim.runner import run_one
from sim.scenario import ScenarioSpec
from sim.sweeps.design import MORRIS_LEVELS, design_matrix
from sim.sweeps.spec import Output, SweepConfig, load_params
from sim.sweeps.store import KIND, LEDGER_FILE, RUNS_FILE, export_runs, save_definition
from sim.varied import VariedParameter, point_spec


@dataclass
class Plan:
    """Every run of a sweep: the design, the common seeds and each run's id."""

    config: SweepConfig
    design: str
    samples: int
    replicates: int
    points: np.ndarray
    seeds: list[int]
    run_ids: list[list[str]]  # [point][replicate]; a point met twice shares its runs

    def values(self, point: int) -> dict[str, float]:
        """The design values of one point, by parameter name."""
        return _values(self.config.parameters, self.points[point])

    @property
    def unique_runs(self) -> list[str]:
        """Run ids in design order, each once."""
        return list(dict.fromkeys(rid for ids in self.run_ids for rid in ids))

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the sweep: a resumed sweep must match it exactly."""
        base = self.config.base
        scenario = json.dumps(base.resolved, sort_keys=True, default=str)
        meta = {
            "design": self.design,
            "samples": self.samples,
            "replicates": self.replicates,
            "seed": self.config.seed,
            "seeds": self.seeds,
            "scenario": base.name,
            "scenario_hash": hashlib.sha256(scenario.encode()).hexdigest()[:24],
            "start_year": base.start_year,
            "end_year": base.end_year,
            "n_firms": base.parameters.n_firms,
            "morris_levels": MORRIS_LEVELS,
            "parameters": [p.record() for p in self.config.parameters],
            "outputs": [asdict(o) for o in self.config.outputs],
            "package_version": package_version(),
        }
        return json.loads(json.dumps(meta))

    def tasks(self) -> list[Task]:
        """One task per run of the design (a run shared by two points comes twice)."""
        base, params = self.config.base, self.config.parameters
        outputs = self.config.outputs
        tasks = []
        for point in range(len(self.points)):
            values = self.values(point)
            row = tuple(float(x) for x in self.points[point])
            for seed in self.seeds:
                key = run_key(KIND, str(point), base, values, seed)
                tasks.append(Task(key, (base, params, row, seed, outputs)))
        return tasks


def _values(parameters: Sequence[VariedParameter], row: Sequence[float]) -> dict[str, float]:
    return {p.name: float(x) for p, x in zip(parameters, row, strict=True)}


def plan_sweep(
    params_file: Path | str,
    *,
    design: str,
    samples: int,
    replicates: int,
    scenario: str | Path | None = None,
    seed: int | None = None,
) -> Plan:
    """Validate a sweep completely and list its runs, before anything runs.

    Every design point's scenario is built and validated here, so a point that the scenario
    rules reject (e.g. `pareto_shape <= sigma - 1`) stops the sweep before its first run.
    """
    if not isinstance(replicates, int) or replicates < 1:
        raise InputError(
            f"replicates must be an integer >= 1, got {replicates!r}", key="replicates"
        )
    config = load_params(params_file, scenario, seed)
    points = design_matrix(design, config.parameters, samples, config.seed)
    seeds = seeds_for(config.seed, replicates, STUDY_STREAM)
    run_ids, checked = [], set()
    for i, row in enumerate(points):
        try:
            if tuple(row) not in checked:  # designs revisit points (Morris often does)
                point_spec(config.base, config.parameters, row)
                checked.add(tuple(row))
        except InputError as exc:
            values = ", ".join(
                f"{p.name}={x:g}" for p, x in zip(config.parameters, row, strict=True)
            )
            raise InputError(
                f"design point {i} ({values}) is not a valid scenario: {exc}",
                source=config.source,
                key="parameters",
            ) from exc
        values = _values(config.parameters, row)
        run_ids.append([run_id_of(config.base, values, s) for s in seeds])
    return Plan(config, design, samples, replicates, points, seeds, run_ids)


def sweep_run(
    base: ScenarioSpec,
    parameters: Sequence[VariedParameter],
    values: Sequence[float],
    seed: int,
    outputs: Sequence[Output],
) -> dict[str, Any]:
    """Run one design point with one seed (a worker task).

    Returns:
        ``measures`` (the analysed outputs by name) and ``series`` (the run's model table).
    """
    model = run_one(point_spec(base, parameters, values), seed)["model"]
    return {"measures": {o.name: o.measure(model) for o in outputs}, "series": model}


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did."""

    folder: Path
    points: int
    runs: int
    executed: int
    failed: int


def default_out(params_file: Path | str, design: str, seed: int) -> Path:
    """`results/sweep-<params file stem>-<design>-s<seed>`."""
    return Path("results") / f"sweep-{Path(params_file).stem}-{design}-s{seed}"


def sweep(
    params_file: Path | str,
    *,
    design: str,
    samples: int,
    replicates: int,
    scenario: str | Path | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    out: Path | str | None = None,
    resume: bool = False,
    progress: bool = True,
    batch_size: int = MAX_BATCH,
) -> SweepSummary:
    """Run (or resume) a sweep and export `runs.parquet`.

    Args:
        params_file: The parameters file (see `sim.sweeps.spec`).
        design: ``morris``, ``sobol``, ``lhs`` or ``grid``.
        samples: Size of the design (see `sim.sweeps.design.design_matrix`).
        replicates: Seeds per design point, the same for every point.
        scenario: Scenario name or path (default: the file's, else ``historical``).
        seed: Master seed (default: the file's, else 0).
        workers: Local worker processes (default all cores; 1 runs in this process).
        scheduler: Address of a running dask scheduler.
        out: Sweep folder (default `default_out`).
        resume: Continue the sweep in `out`, skipping every recorded run.
        progress: Show a progress bar.
        batch_size: The most runs per task (default `sim.executor.MAX_BATCH`).

    Returns:
        The folder, the number of points and runs, how many ran now and how many failed.
    """
    plan = plan_sweep(
        params_file,
        design=design,
        samples=samples,
        replicates=replicates,
        scenario=scenario,
        seed=seed,
    )
    folder = Path(out) if out else default_out(params_file, design, plan.config.seed)
    path = folder / LEDGER_FILE
    refuse_overwrite(path, resume, "sweep", folder)
    runs = plan.unique_runs
    with Ledger(path) as ledger:
        params_file_meta = {"name": Path(plan.config.source).name, "text": plan.config.text}
        save_definition(
            ledger, folder, plan.fingerprint(), plan.points, plan.run_ids, params_file_meta
        )
        tasks = pending(plan.tasks(), ledger)
        executed = 0
        if tasks:
            with Executor(workers, scheduler, batch_size=batch_size) as executor:
                executed = execute(
                    ledger, executor, sweep_run, tasks,
                    desc=f"{plan.design} sweep", total=len(runs), progress=progress,
                    failed=failed_count(ledger, KIND, runs),
                )  # fmt: skip
        export_runs(ledger, folder / RUNS_FILE)
        failed = failed_count(ledger, KIND, runs)
    return SweepSummary(folder, len(plan.points), len(runs), executed, failed)
