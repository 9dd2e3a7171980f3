"""Sensitivity sweeps: SALib designs run on the executor, recorded in a resumable run ledger.

A sweep varies some scenario parameters over the ranges of a parameters file, runs every
design point over the same replicate seeds (common random numbers) on the `Executor` (this
process, an embedded dask cluster or a running one) and records every run in the ledger as it
completes. Only the driver writes the ledger, and a run is found by its deterministic id, so a
sweep killed at any point resumes with `--resume` by skipping every recorded run. At the end the
folder holds the ledger and `runs.parquet` (one row per run); `transfrontier sweep-report DIR`
(`sim.sweep_report`) computes the indices and plots from the ledger alone.

The parameters file::

    [sweep]                          # optional
    scenario = "historical"          # shipped name or path (the CLI's --scenario wins)
    n_firms = 20000                  # firm agents per run (default: the scenario's)
    seed = 0                         # master seed of the design and of the replicate seeds
    end_year = 2015                  # shorter runs: regimes and forums after it are dropped

    [parameters]                     # name = [low, high], inside the parameter's allowed range
    distance_elasticity = [0.3, 1.2]                              # structural parameter
    "regimes.internal_controls_removed.border_formalities" = [0.0, 0.1]  # a regime's lever
    "regimes.customs_union_tariff.start" = [2009.0, 2011.0]       # a regime's start year

    [[outputs]]                      # what the analysis explains
    column = "turnover_usd_bn"       # a numeric column of the model table
    years = [2013, 2015]             # mean over the window; or `year = 2015`
    name = "turnover"                # optional (default "turnover_usd_bn@2013-2015")

A lever set on a regime holds until a later regime of the timeline sets it again; a start year
may be fractional (2010.5 is 2 July 2010) and must stay between the starts of the regimes
before and after it, so that the order of the timeline never changes.

Designs (`--samples N`, `k` parameters):

- ``morris``: N trajectories of k + 1 points on a 4-level grid (N(k + 1) points);
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence for first and total order
  indices, N a power of 2 (N(k + 2) points);
- ``lhs``: a Latin hypercube of N points;
- ``grid``: N evenly spaced values of each parameter, every combination (N^k points).

From a Python script, call `sweep` under ``if __name__ == "__main__":``: the embedded cluster's
worker processes import the script's main module when they start.

On a cluster of one's own (``--scheduler``), start the workers with ``dask worker --no-nanny``
(one per core, ``--nthreads 1``): a nanny starts its worker with a memory setting that makes
the model's runs much slower (see `sim.executor.CLUSTER_CONFIG`, which the embedded cluster
uses instead).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.calibrate import _record, seeds_for
from sim.choices import DESIGNS
from sim.errors import InputError
from sim.executor import MAX_BATCH, Executor, Task
from sim.ledger import Ledger, run_id
from sim.parameters import ModelParameters, RegimeParameters, parameter_ranges
from sim.runner import package_version, resolve_spec, run_one
from sim.scenario import ScenarioSpec, _merge, _start_as_year, _validate
from sim.schema import numeric_columns

KIND = "sweep"
MORRIS_LEVELS = 4
LEDGER_FILE = "ledger.sqlite"
RUNS_FILE = "runs.parquet"
MAX_RUNS = 1_000_000
TOP_KEYS = {"sweep", "parameters", "outputs"}
SWEEP_KEYS = {"scenario", "n_firms", "seed", "end_year"}
OUTPUT_KEYS = {"column", "year", "years", "name"}
# Columns of the model table that are labels, not outcomes.
# Columns of runs.parquet that neither a parameter nor an output may be named after.
RUN_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error")


@dataclass(frozen=True)
class SweepParameter:
    """One varied parameter: its name in the parameters file, its bounds and where it applies.

    Attributes:
        name: As written in the parameters file (`sigma`, `regimes.eaeu.legal_framework`,
            `regimes.eaeu.start`).
        lo: Lower bound of the design.
        hi: Upper bound of the design.
        kind: ``structural`` (a `ModelParameters` field), ``lever`` (a `RegimeParameters`
            field of one regime) or ``start`` (a regime's start year).
        field: The field name (``start`` for a start year).
        regime: The regime's name, for levers and starts.
        integer: Whether the scenario takes an integer (design values are rounded).
    """

    name: str
    lo: float
    hi: float
    kind: str
    field: str
    regime: str = ""
    integer: bool = False

    def applied(self, value: float) -> Any:
        """The value the scenario receives for the design value `value`."""
        if self.kind == "start":
            return year_to_date(value)
        return round(value) if self.integer else float(value)


@dataclass(frozen=True)
class Output:
    """An analysed output: a model-table column at a year or averaged over a window."""

    name: str
    column: str
    first: int
    last: int

    def measure(self, model: pd.DataFrame) -> float:
        """The output's value in one run's model table."""
        window = model[(model.year >= self.first) & (model.year <= self.last)]
        return float(window[self.column].mean())


@dataclass(frozen=True)
class SweepConfig:
    """A validated parameters file, with the scenario it applies to."""

    source: str
    base: ScenarioSpec
    seed: int
    parameters: tuple[SweepParameter, ...]
    outputs: tuple[Output, ...]
    text: str = ""


def year_to_date(year: float) -> dt.date:
    """The date of a fractional year (2010.5 -> 2 July 2010), to the nearest day."""
    whole = math.floor(year)
    days = (dt.date(whole + 1, 1, 1) - dt.date(whole, 1, 1)).days
    return dt.date(whole, 1, 1) + dt.timedelta(days=round((year - whole) * days))


def _hint(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted names of a table: TOML reads `regimes.eaeu.start = ...` as nested tables."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _read(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text()
        return tomllib.loads(text), text
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", source=str(path)) from exc


def _check_keys(table: Any, allowed: set[str], source: str, where: str) -> None:
    if not isinstance(table, dict):
        raise InputError("must be a table", source=source, key=where)
    for key in table:
        if key not in allowed:
            raise InputError(
                f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})"
                f"{_hint(key, sorted(allowed))}",
                source=source,
                key=f"{where}.{key}" if where else key,
            )


def load_params(
    path: Path | str, scenario: str | Path | None = None, seed: int | None = None
) -> SweepConfig:
    """Read and validate a parameters file against its scenario, before anything runs.

    Args:
        path: The parameters file.
        scenario: Scenario name or path; overrides the file's `[sweep] scenario`.
        seed: Master seed; overrides the file's `[sweep] seed`.

    Returns:
        The validated sweep configuration.

    Raises:
        InputError: Naming the file, the key and what is allowed.
    """
    path = Path(path)
    source = str(path)
    raw, text = _read(path)
    _check_keys(raw, TOP_KEYS, source, "")
    settings = raw.get("sweep", {})
    _check_keys(settings, SWEEP_KEYS, source, "sweep")
    if scenario is None:
        scenario = settings.get("scenario", "historical")
        if not isinstance(scenario, str):
            raise InputError("must be a scenario name or path", source=source, key="sweep.scenario")
        if scenario.endswith(".toml") and (path.parent / scenario).is_file():
            scenario = path.parent / scenario  # a file named in the file: next to it
    if seed is None:
        seed = settings.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"must be an integer >= 0, got {seed!r}", source=source, key="sweep.seed")
    base = resolve_spec(scenario)  # an unknown scenario names itself
    fixed = {k: settings[k] for k in ("n_firms", "end_year") if k in settings}
    try:
        base = base.with_overrides(fixed)
    except InputError as exc:
        raise InputError(f"invalid [sweep] setting: {exc}", source=source, key="sweep") from exc
    parameters = _parse_parameters(raw.get("parameters"), base, source)
    outputs = _parse_outputs(raw.get("outputs"), base, source)
    taken = {p.name for p in parameters} | set(RUN_COLUMNS)
    for out in outputs:
        if out.name in taken:
            raise InputError(
                f"output name '{out.name}' is already a parameter or a column of runs.parquet",
                source=source,
                key="outputs",
            )
    return SweepConfig(source, base, int(seed), parameters, outputs, text)


def _catalogue(base: ScenarioSpec) -> dict[str, tuple[str, str, str]]:
    """Every name a parameters file may vary: name -> (kind, field, regime)."""
    out = {name: ("structural", name, "") for name in parameter_ranges(ModelParameters)}
    for regime in base.regimes:
        for lever in parameter_ranges(RegimeParameters):
            out[f"regimes.{regime.name}.{lever}"] = ("lever", lever, regime.name)
        out[f"regimes.{regime.name}.start"] = ("start", "start", regime.name)
    return out


def _parse_parameters(table: Any, base: ScenarioSpec, source: str) -> tuple[SweepParameter, ...]:
    if not isinstance(table, dict) or not table:
        raise InputError(
            "a [parameters] table with at least one `name = [low, high]` is required",
            source=source,
            key="parameters",
        )
    catalogue = _catalogue(base)
    out = []
    for name, bounds in _flatten(table).items():
        key = f"parameters.{name}"
        if name not in catalogue:
            raise InputError(
                f"unknown parameter '{name}' (a structural parameter, "
                f"regimes.<regime>.<lever> or regimes.<regime>.start of scenario "
                f"'{base.name}'){_hint(name, sorted(catalogue))}",
                source=source,
                key=key,
            )
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(map(_number, bounds))):
            raise InputError(f"must be [low, high], got {bounds!r}", source=source, key=key)
        lo, hi = float(bounds[0]), float(bounds[1])
        kind, field, regime = catalogue[name]
        if kind == "start":
            _check_start(base, regime, lo, hi, source, key)
            out.append(SweepParameter(name, lo, hi, kind, field, regime))
            continue
        sheet = ModelParameters if kind == "structural" else RegimeParameters
        typ, allowed = parameter_ranges(sheet)[field]
        if not (allowed.lo <= lo < hi <= allowed.hi):
            raise InputError(
                f"bounds [{lo:g}, {hi:g}] must be increasing and inside the allowed range "
                f"{allowed}",
                source=source,
                key=key,
            )
        out.append(SweepParameter(name, lo, hi, kind, field, regime, integer=typ is int))
    _check_adjacent_starts(out, base, source)
    return tuple(out)


def _start_window(base: ScenarioSpec, regime: str) -> tuple[float, float, str]:
    """The open interval a regime's start may move in, and how to describe it."""
    names = [r.name for r in base.regimes]
    i = names.index(regime)
    if i == 0:
        return math.nan, math.nan, "the first regime starts with the run and cannot move"
    before = base.regimes[i - 1]
    after = base.regimes[i + 1] if i + 1 < len(base.regimes) else None
    hi = after.start if after else base.end_year + 1.0
    what = f"'{after.name}' starts" if after else "the run ends"
    text = f"strictly between {before.start:.4f} ('{before.name}' starts) and {hi:.4f} ({what})"
    return before.start, hi, text


def _check_start(base: ScenarioSpec, regime: str, lo: float, hi: float, source: str, key: str):
    low, high, allowed = _start_window(base, regime)
    if math.isnan(low):
        raise InputError(allowed, source=source, key=key)
    # Compare the dates actually applied (rounded to the day), as the scenario will see them.
    applied = [_start_as_year(year_to_date(x), source, key) for x in (lo, hi)]
    if not (lo < hi and low < applied[0] and applied[1] < high):
        raise InputError(
            f"bounds [{lo:g}, {hi:g}] must be increasing and {allowed}", source=source, key=key
        )


def _check_adjacent_starts(params: list[SweepParameter], base: ScenarioSpec, source: str):
    """Two neighbouring regimes whose starts both vary must not be able to swap."""
    starts = {p.regime: p for p in params if p.kind == "start"}
    names = [r.name for r in base.regimes]
    for first, second in itertools.pairwise(names):
        if first in starts and second in starts and starts[first].hi >= starts[second].lo:
            raise InputError(
                f"the range of {second}'s start must lie after the range of {first}'s start "
                f"(upper bound {starts[first].hi:g})",
                source=source,
                key=f"parameters.{starts[second].name}",
            )


def _parse_outputs(table: Any, base: ScenarioSpec, source: str) -> tuple[Output, ...]:
    if not isinstance(table, list) or not table:
        raise InputError(
            "at least one [[outputs]] table with a column and a year or years is required",
            source=source,
            key="outputs",
        )
    columns = numeric_columns()
    period = f"[{base.start_year}, {base.end_year}]"
    out: list[Output] = []
    for i, entry in enumerate(table):
        where = f"outputs[{i}]"
        _check_keys(entry, OUTPUT_KEYS, source, where)
        column = entry.get("column")
        if column not in columns:
            raise InputError(
                f"unknown column {column!r} (a numeric column of the model table, see "
                f"docs/outputs.md){_hint(str(column), columns)}",
                source=source,
                key=f"{where}.column",
            )
        if ("year" in entry) == ("years" in entry):
            raise InputError(
                f"give either `year = Y` or `years = [first, last]`, years in {period}",
                source=source,
                key=where,
            )
        years = [entry["year"]] * 2 if "year" in entry else entry["years"]
        ok = (
            isinstance(years, list)
            and len(years) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        )
        if not ok or not (base.start_year <= years[0] <= years[1] <= base.end_year):
            got = entry.get("year", entry.get("years"))
            raise InputError(
                f"years must be increasing integers in the run's period {period}, got {got!r}",
                source=source,
                key=f"{where}.{'year' if 'year' in entry else 'years'}",
            )
        first, last = years
        default = f"{column}@{first}" if first == last else f"{column}@{first}-{last}"
        name = entry.get("name", default)
        if not isinstance(name, str) or not name or name in {o.name for o in out}:
            raise InputError(
                f"output names must be distinct non-empty strings, got {name!r}",
                source=source,
                key=f"{where}.name",
            )
        out.append(Output(name, column, first, last))
    return tuple(out)


def point_spec(
    base: ScenarioSpec, parameters: Sequence[SweepParameter], values: Sequence[float]
) -> ScenarioSpec:
    """The scenario of one design point, merged and validated by the scenario module's rules."""
    structural: dict[str, Any] = {}
    regimes: dict[str, dict[str, Any]] = {}
    for param, value in zip(parameters, values, strict=True):
        if param.kind == "structural":
            structural[param.field] = param.applied(value)
        else:
            regimes.setdefault(param.regime, {"name": param.regime})[param.field] = param.applied(
                value
            )
    raw = _merge(base.resolved, {"parameters": structural, "regimes": list(regimes.values())})
    return _validate(raw, source=f"{base.source} (sweep point)")


def design_matrix(
    design: str, parameters: Sequence[SweepParameter], samples: int, seed: int
) -> np.ndarray:
    """The design points (one row per point, one column per parameter).

    Args:
        design: One of `DESIGNS`.
        parameters: The varied parameters.
        samples: Trajectories (morris), base samples (sobol, a power of 2), points (lhs) or
            values per parameter (grid).
        seed: Seed of the design's randomness.
    """
    if design not in DESIGNS:
        raise InputError(f"design {design!r} not one of {DESIGNS}", key="design")
    if not isinstance(samples, int) or samples < 2:
        raise InputError(f"samples must be an integer >= 2, got {samples!r}", key="samples")
    problem = {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[p.lo, p.hi] for p in parameters],
    }
    k = len(parameters)
    sizes = {"morris": samples * (k + 1), "sobol": samples * (k + 2), "lhs": samples}
    if sizes.get(design, samples**k) > MAX_RUNS:
        raise InputError(f"more than {MAX_RUNS:,} design points; lower --samples", key="samples")
    if design == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    if design == "sobol":
        if samples & (samples - 1):
            raise InputError(
                f"the sobol design needs a power of 2 (2, 4, 8, 16, ...), got {samples}",
                key="samples",
            )
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    if design == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, samples, seed=seed)
    axes = [np.linspace(p.lo, p.hi, samples) for p in parameters]
    return np.array(list(itertools.product(*axes)), dtype=float)


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
        row = self.points[point]
        return {p.name: float(x) for p, x in zip(self.config.parameters, row, strict=True)}

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
            "parameters": [dataclasses.asdict(p) for p in self.config.parameters],
            "outputs": [dataclasses.asdict(o) for o in self.config.outputs],
            "package_version": package_version(),
        }
        return json.loads(json.dumps(meta))

    def tasks(self, done: set[str]) -> list[Task]:
        """One task per run not yet recorded; key: (run id, kind, tag, params, seed, scenario)."""
        base, params = self.config.base, self.config.parameters
        outputs = self.config.outputs
        tasks, queued = [], set(done)
        for point, ids in enumerate(self.run_ids):
            values = self.values(point)
            row = tuple(float(x) for x in self.points[point])
            for rid, seed in zip(ids, self.seeds, strict=True):
                if rid in queued:
                    continue
                queued.add(rid)
                key = (rid, KIND, str(point), json.dumps(values), seed, base.name)
                tasks.append(Task(key, (base, params, row, seed, outputs)))
        return tasks


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
    seeds = seeds_for(config.seed, replicates)
    version = package_version()
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
        values = {p.name: float(x) for p, x in zip(config.parameters, row, strict=True)}
        run_ids.append([run_id(config.base.resolved, values, s, version) for s in seeds])
    return Plan(config, design, samples, replicates, points, seeds, run_ids)


def sweep_run(
    base: ScenarioSpec,
    parameters: Sequence[SweepParameter],
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
        params_file: The parameters file (see the module docstring).
        design: ``morris``, ``sobol``, ``lhs`` or ``grid``.
        samples: Size of the design (see `design_matrix`).
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
    if path.exists() and not resume:
        raise InputError(
            f"a sweep already exists in {folder}; use --resume to continue it or choose "
            "another --out",
            key="resume",
        )
    with Ledger(path) as ledger:
        _claim(ledger, plan, folder)
        tasks = plan.tasks(ledger.done_ids())
        executed = _execute(ledger, plan, tasks, workers, scheduler, progress, batch_size)
        export_runs(ledger, folder / RUNS_FILE)
        runs = plan.unique_runs
        failed = _failed(ledger, runs)
    return SweepSummary(folder, len(plan.points), len(runs), executed, failed)


def _failed(ledger: Ledger, runs: list[str]) -> int:
    """How many of the sweep's runs are recorded as failed."""
    mine = set(runs)
    return sum(1 for r in ledger.records(kind=KIND) if not r.ok and r.run_id in mine)


def _claim(ledger: Ledger, plan: Plan, folder: Path) -> None:
    """Store the sweep's definition, or check that a resumed ledger holds the same sweep."""
    mine = plan.fingerprint()
    stored = ledger.get_meta("sweep")
    if stored is None and ledger.count():
        raise InputError(f"{folder} holds a ledger that is not a sweep's", key="out")
    if stored is not None and stored != mine:
        differs = sorted(k for k in mine.keys() | stored.keys() if mine.get(k) != stored.get(k))
        raise InputError(
            f"{folder} holds a different sweep (differs in: {', '.join(differs)}); resume it "
            "with the same file and options or choose another --out",
            key="resume",
        )
    # The rest follows from the fingerprint; writing it again heals a driver killed in between.
    ledger.set_meta("sweep", mine)
    ledger.set_meta("points", plan.points.tolist())
    ledger.set_meta("run_ids", plan.run_ids)
    ledger.set_meta(
        "params_file", {"name": Path(plan.config.source).name, "text": plan.config.text}
    )


def _execute(
    ledger: Ledger,
    plan: Plan,
    tasks: list[Task],
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    batch_size: int,
) -> int:
    """Run the tasks and record each outcome as it arrives; return how many ran."""
    if not tasks:
        return 0
    runs = plan.unique_runs
    failed = _failed(ledger, runs)
    with (
        Executor(workers, scheduler, batch_size=batch_size) as executor,
        tqdm(
            total=len(runs),
            initial=len(runs) - len(tasks),
            desc=f"{plan.design} sweep",
            unit="run",
            disable=not progress,
            dynamic_ncols=True,
        ) as bar,
    ):
        bar.set_postfix(failed=failed)
        for outcome in executor.run(sweep_run, tasks):
            _record(ledger, outcome)
            if not outcome.ok:
                failed += 1
                bar.set_postfix(failed=failed, refresh=False)
            bar.update()
    return len(tasks)


def runs_frame(ledger: Ledger) -> pd.DataFrame:
    """One row per recorded run of the sweep, in design order.

    Columns: run id, point (the first design point that uses the run), replicate, seed,
    status, the parameter values, the analysed outputs and the error (a traceback, if failed).
    """
    fingerprint = ledger.get_meta("sweep")
    if fingerprint is None:
        raise InputError("the ledger holds no sweep", source=str(ledger.path))
    names = [p["name"] for p in fingerprint["parameters"]]
    outputs = [o["name"] for o in fingerprint["outputs"]]
    records = {r.run_id: r for r in ledger.records(kind=KIND)}
    rows, seen = [], set()
    for point, ids in enumerate(ledger.get_meta("run_ids")):
        for replicate, rid in enumerate(ids):
            record = records.get(rid)
            if record is None or rid in seen:
                continue
            seen.add(rid)
            rows.append(
                {
                    "run_id": rid,
                    "point": point,
                    "replicate": replicate,
                    "seed": record.seed,
                    "status": record.status,
                    **{n: record.params.get(n) for n in names},
                    **{o: record.measures.get(o, math.nan) for o in outputs},
                    "error": record.error,
                }
            )
    columns = [*RUN_COLUMNS[:5], *names, *outputs, "error"]
    return pd.DataFrame(rows, columns=columns)


def export_runs(ledger: Ledger, path: Path) -> Path:
    """Write `runs_frame` to Parquet (atomically: the old file stays until the new one is whole)."""
    tmp = path.with_suffix(".tmp")
    runs_frame(ledger).to_parquet(tmp, index=False)
    tmp.replace(path)
    return path
