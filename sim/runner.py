"""Running scenarios: one (scenario, parameters, seed) in, tidy tables out.

`run_one` is the single function that runs a model; the CLI, replicates, sweeps and calibration
all go through it. `run` adds replicates (their seeds and tasks from `sim.experiments`) and
returns a `Results`; `write_results` stores them atomically (all files or none).
"""

from __future__ import annotations

import gc
import json
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.choices import FORMATS
from sim.draws import NO_DRAW
from sim.errors import InputError
from sim.executor import Executor, Task
from sim.experiments import package_version, replicate_tasks, seeds_for
from sim.model import TransfrontierModel
from sim.reporting import tables_of
from sim.scenario import ScenarioSpec, TransfrontierScenario, calibrated_parameters, load_scenario
from sim.schema import KEY_OUTCOMES, TABLES

SPREADSHEET_ROWS = 1_048_576  # the most rows a spreadsheet opens: larger tables get no CSV


@dataclass
class Results:
    """The tables of a set of replicates of one scenario, with their metadata."""

    tables: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> pd.DataFrame:
        """One row per replicate and year."""
        return self.tables["model"]

    def summary(self, years: list[int] | None = None) -> pd.DataFrame:
        """Mean over replicates of the key outcomes at a few years."""
        frame = self.model
        if years is None:
            first, last = int(frame.year.min()), int(frame.year.max())
            years = sorted({first, *range(first - first % 5 + 5, last, 5), last})
        return frame[frame.year.isin(years)].groupby("year")[list(KEY_OUTCOMES)].mean()


def resolve_spec(
    scenario: str | Path | ScenarioSpec,
    parameters: dict[str, Any] | None = None,
    n_firms: int | None = None,
    use_calibration: bool = True,
    calibration: dict[str, Any] | None = None,
) -> ScenarioSpec:
    """A validated scenario from a name, path or spec, with parameter overrides applied.

    A scenario loaded by name or path takes the calibrated parameters first (see
    `load_scenario`; `calibration` replaces some of them, e.g. with a posterior draw's) unless
    `use_calibration` is off. For a spec, `calibration` replaces the parameters that still hold
    their calibrated values.
    """
    if isinstance(scenario, ScenarioSpec):
        spec = scenario
        if calibration:
            # A spec no longer says which values came from the calibration: a draw replaces
            # those that still hold the calibrated value.
            calibrated = calibrated_parameters()
            spec = spec.with_overrides({
                k: v for k, v in calibration.items()
                if k in calibrated and getattr(spec.parameters, k) == calibrated[k]
            })  # fmt: skip
    else:
        spec = load_scenario(scenario, use_calibration=use_calibration, calibration=calibration)
    overrides = dict(parameters or {})
    if n_firms is not None:
        overrides["n_firms"] = n_firms
    return spec.with_overrides(overrides)


def run_one(
    spec: ScenarioSpec, seed: int, replicate: int = 0, draw: int = NO_DRAW
) -> dict[str, pd.DataFrame]:
    """Run one scenario with one seed; return its six tables (with its run columns).

    `draw` is recorded: the posterior draw whose parameters `spec` carries, if any.
    """
    # The model is a web of reference cycles (agents and model point at each other) that only a
    # full collection frees. Freezing the interpreter's long-lived objects (modules, caches)
    # first keeps them out of every scan, so that the collection at the end, which frees the
    # model at once, scans only this run's objects: without it a process that runs one model
    # after another (a worker, a notebook) grows by the agents of every run, and slows down.
    gc.freeze()
    try:
        model = TransfrontierModel(TransfrontierScenario(spec=spec, rng=int(seed)))
        model.run_for(spec.end_year - spec.start_year + 1)
        tables = tables_of(model.records)
        del model
        gc.collect()
    finally:
        gc.unfreeze()
    for frame in tables.values():
        frame.insert(0, "draw", int(draw))
        frame.insert(0, "seed", int(seed))
        frame.insert(0, "replicate", replicate)
        frame.insert(0, "scenario", spec.name)
    return tables


def run(
    scenario: str | Path | ScenarioSpec = "historical",
    *,
    parameters: dict[str, Any] | None = None,
    seed: int = 0,
    replicates: int = 1,
    n_firms: int | None = None,
    posterior: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> Results:
    """Run a scenario (shipped name, file path or spec) over replicates.

    Args:
        scenario: Scenario name (see `transfrontier scenarios`), path to a TOML file, or spec.
        parameters: Overrides of structural parameters (names of `ModelParameters`).
        seed: Master seed; replicate seeds derive from it.
        replicates: Number of replicates.
        n_firms: Number of firm agents (overrides the scenario's `n_firms`).
        posterior: Run over this many posterior draws, each over the same replicate seeds (see
            `draw_specs`); the tables' `draw` column says which.
        workers: Worker processes (default: all cores when there are several replicates).
        scheduler: Address of a dask scheduler to run on instead of local processes.
        progress: Show a progress bar over replicates.

    Returns:
        The tables `model`, `regions`, `flows`, `ventures` and the run's metadata.
    """
    if not isinstance(replicates, int) or replicates < 1:
        raise InputError(
            f"replicates must be an integer >= 1, got {replicates!r}", key="replicates"
        )
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}", key="seed")
    specs, draws = draw_specs(scenario, parameters, n_firms, posterior)
    seeds = seeds_for(seed, replicates)
    tasks = replicate_tasks(specs, seeds, draws)
    tables = collect(tasks, workers, scheduler, progress, desc=specs[0].name)
    return Results(tables, metadata_of(specs[0], seed, seeds, draws))


def draw_specs(
    scenario: str | Path | ScenarioSpec,
    parameters: dict[str, Any] | None,
    n_firms: int | None,
    posterior: int | None,
) -> tuple[list[ScenarioSpec], list[int]]:
    """The scenario at the calibrated point, or at each of the first `posterior` draws.

    A draw's parameters replace the calibrated ones (the scenario's own and `parameters` still
    apply on top). Returns the specs and their draw numbers.
    """
    if not posterior:
        return [resolve_spec(scenario, parameters, n_firms)], [NO_DRAW]
    from sim.draws import posterior_draws

    chosen = posterior_draws(posterior)
    specs = [resolve_spec(scenario, parameters, n_firms, calibration=p) for _, p in chosen]
    return specs, [d for d, _ in chosen]


def collect(
    tasks: list[Task],
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    desc: str = "runs",
) -> dict[str, pd.DataFrame]:
    """Execute `run_one` tasks and concatenate their tables in task order.

    A failed run raises, with the run's own traceback in the message.
    """
    if workers is None and scheduler is None and len(tasks) == 1:
        workers = 1
    results: dict[Any, dict[str, pd.DataFrame]] = {}
    with (
        Executor(workers, scheduler) as executor,
        tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress, leave=False) as bar,
    ):
        for outcome in executor.run(run_one, tasks):
            if not outcome.ok:
                raise RuntimeError(f"run {outcome.key} failed:\n{outcome.error}")
            results[outcome.key] = outcome.value
            bar.update()
    ordered = [results[task.key] for task in tasks]
    return {name: pd.concat([r[name] for r in ordered], ignore_index=True) for name in TABLES}


def metadata_of(
    spec: ScenarioSpec, seed: int, seeds: list[int], draws: list[int] | None = None
) -> dict[str, Any]:
    """Everything needed to reproduce a set of runs (`draws`: the posterior draws they took)."""
    return {
        "scenario": spec.name,
        "title": spec.title,
        "scenario_source": Path(spec.source).name,
        "resolved_scenario": _jsonable(spec.resolved),
        "parameters": asdict(spec.parameters),
        "start_year": spec.start_year,
        "end_year": spec.end_year,
        "master_seed": int(seed),
        "replicate_seeds": seeds,
        "package_version": package_version(),
        "mesa_version": metadata.version("mesa"),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "money_unit": "US$ bn (current)",
        **(
            {
                "posterior_draws": draws,
                "posterior_file": "calibration/posterior.parquet",
                "parameters_note": "`parameters` are the first draw's; each draw replaces the "
                "calibrated values with its own",
            }
            if draws and draws != [NO_DRAW]
            else {}
        ),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # dates


def default_out_dir(
    spec_name: str,
    seed: int,
    replicates: int,
    posterior: int | None = None,
    root: Path = Path("results"),
) -> Path:
    """`results/<scenario>-s<seed>[x<replicates>][p<draws>]`."""
    suffix = f"s{seed}" if replicates == 1 else f"s{seed}x{replicates}"
    return root / f"{spec_name}-{suffix}{f'p{posterior}' if posterior else ''}"


def write_results(
    results: Results, out_dir: Path, fmt: str = "both", plots: bool = True, lang: str = "en"
) -> list[Path]:
    """Write a run's tables, `meta.json` and plots into `out_dir`, atomically; plots in `lang`."""

    def figures(folder: Path) -> None:
        from sim.plots import save_plots  # matplotlib only when plots are wanted

        save_plots(results, folder, lang)

    return write_outputs(results.tables, results.meta, out_dir, fmt, figures if plots else None)


def write_outputs(
    tables: dict[str, pd.DataFrame],
    meta: dict[str, Any],
    out_dir: Path,
    fmt: str = "both",
    figures: Callable[[Path], object] | None = None,
) -> list[Path]:
    """Write tables, `meta.json` and figures into `out_dir`: all files or none.

    Everything is written into a temporary folder next to `out_dir` and moved into place at
    the end, so a failure leaves no half-written output. A table too long for a spreadsheet
    (the `flows` of many replicates) is written as Parquet only, and `meta.json` says so.
    """
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} not one of {FORMATS}", key="format")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        parquet_only = []
        for name, frame in tables.items():
            csv = fmt in ("csv", "both")
            if csv and len(frame) > SPREADSHEET_ROWS:
                parquet_only.append(name)
                csv = False
            if fmt in ("parquet", "both") or not csv:
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
            if csv:
                frame.to_csv(tmp / f"{name}.csv", index=False)
        if parquet_only:
            meta = {**meta, "parquet_only": parquet_only}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        if figures is not None:
            figures(tmp)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out_dir.iterdir())
