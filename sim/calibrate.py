"""Calibration against the paper's figures: Optuna search, runs on the executor, a ledger.

The driver asks Optuna for parameter sets (ask/tell), runs each over the same R search seeds on
the `Executor` (this process, an embedded dask cluster or a real one) and records every run in
the ledger before telling Optuna the trial's loss. Only the driver writes the ledger and the
study, so a killed calibration resumes with `--resume`: trials left open are finished from the
runs already recorded, and no recorded run is run again.

Loss of a parameter set: the sum over the fitted targets of (gap / spread)^2, where gap is the
distance of the replicate mean from the figure in the target's terms (zero inside a bound; for a
path of the trade record, its RMS log distance over the fitted years) and spread the replicate
standard deviation of the measure, counted between half the target's tolerance and the
tolerance, so that a measure that barely varies cannot dominate and a noisy one cannot hide a
miss. Money is in US$ from the data, so there is no scale to fit; the
record's validation years (2013-2015) never enter the loss.

After the search, the best set is run on fresh evaluation seeds (never those of the search),
where each run also estimates gravity on its own flows (`sim.gravity`); the counterfactual
without the Customs Union's trade policy (`scenarios/no_customs_union.toml`) is run on the same
seeds, so the report can set its effect beside the ex-post studies; and the best set is
profiled one parameter at a time. `calibration/calibrated.toml` records it, and the shipped
scenarios take their structural parameters from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.errors import InputError
from sim.executor import Executor, Task
from sim.ledger import Ledger, run_id
from sim.parameters import ModelParameters, parameter_ranges
from sim.runner import package_version, resolve_spec, run_one
from sim.scenario import ScenarioSpec
from sim.targets import Target, load_targets, measure_all

CALIBRATION_DIR = Path(__file__).resolve().parent.parent / "calibration"
SEARCH_FILE = CALIBRATION_DIR / "search.toml"
CALIBRATED_FILE = CALIBRATION_DIR / "calibrated.toml"
DEFAULT_OUT = Path("results") / "calibration"
EVALUATION_STREAM = 1  # evaluation seeds come from another SeedSequence branch than search seeds
COUNTERFACTUAL = "no_customs_union"
GRAVITY_YEARS = (1995, 2005, 2012)
GRAVITY_FLOWS = ("goods_usd_bn", "total_usd_bn")
# Stored with every run's series besides the targeted ones, for the counterfactual's effects.
OUTCOMES = (
    "turnover_usd_bn",
    "kz_exports_to_ru_usd_bn",
    "kz_imports_from_ru_usd_bn",
    "kz_imports_from_cn_usd_bn",
    "kz_imports_from_eu_usd_bn",
    "kz_imports_from_row_usd_bn",
    "kz_imports_usd_bn",
)


@dataclass(frozen=True)
class SearchSpace:
    """What the calibration varies: structural parameters and their bounds."""

    scenario: str
    bounds: dict[str, tuple[float, float]]
    log: frozenset[str]
    n_firms: int
    # A second stage searches some parameters and holds the rest at an earlier calibrated set.
    held: dict[str, float] = field(default_factory=dict)
    held_from: dict[str, Any] = field(default_factory=dict)  # that set's [calibration] table

    @staticmethod
    def load(path: Path = SEARCH_FILE) -> SearchSpace:
        """Read and check `calibration/search.toml`."""
        try:
            raw = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source=str(path)) from exc
        ranges = parameter_ranges(ModelParameters)
        bounds = {}
        for name, pair in raw.get("parameters", {}).items():
            if name not in ranges:
                raise InputError(
                    f"unknown parameter {name!r}", source=str(path), key=f"parameters.{name}"
                )
            lo, hi = (float(x) for x in pair)
            allowed = ranges[name][1]
            if not (allowed.lo <= lo < hi <= allowed.hi):
                raise InputError(
                    f"bounds [{lo:g}, {hi:g}] must be increasing and inside {allowed}",
                    source=str(path),
                    key=f"parameters.{name}",
                )
            bounds[name] = (lo, hi)
        if not bounds:
            raise InputError("no [parameters] to search", source=str(path))
        search = raw.get("search", {})
        return SearchSpace(
            scenario=search.get("scenario", "historical"),
            bounds=bounds,
            log=frozenset(search.get("log_scale", [])),
            n_firms=int(search.get("n_firms", ModelParameters().n_firms)),
        )

    def second_stage(self, names: Iterable[str], calibrated: Path = CALIBRATED_FILE) -> SearchSpace:
        """Search only `names`; hold the other parameters at their values in `calibrated`.

        For a search whose targets fall into families that different parameters move: the
        held parameters keep what an earlier, wider search found.
        """
        names = list(dict.fromkeys(names))
        unknown = [n for n in names if n not in self.bounds]
        if unknown or not names:
            raise InputError(
                f"cannot search {', '.join(unknown) or 'nothing'}; "
                f"choose among {', '.join(self.bounds)}",
                key="--only",
            )
        try:
            raw = tomllib.loads(Path(calibrated).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source=str(calibrated), key="--only") from exc
        values = raw.get("parameters", {})
        held_names = [n for n in self.bounds if n not in names]
        missing = [n for n in held_names if n not in values]
        if missing:
            raise InputError(
                f"no calibrated value to hold for {', '.join(missing)}",
                source=str(calibrated),
                key="parameters",
            )
        return dataclasses.replace(
            self,
            bounds={n: self.bounds[n] for n in names},
            held={n: float(values[n]) for n in held_names},
            held_from={
                k: v for k, v in raw.get("calibration", {}).items() if not isinstance(v, dict)
            },
        )


def standardized_errors(targets: Iterable[Target], measures: pd.DataFrame) -> dict[str, float]:
    """Each target's gap of the replicate mean over the replicate spread.

    The spread counts between half the tolerance and the tolerance (where there is one): a
    measure that barely varies cannot dominate, and a noisy one cannot hide a miss.
    """
    out = {}
    for target in targets:
        values = measures[target.id].to_numpy(float)
        spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        if target.tolerance > 0:
            spread = min(spread, target.tolerance)
        scale = max(spread, target.tolerance / 2, 1e-9 * max(abs(target.value), 1.0))
        out[target.id] = target.gap(float(np.mean(values))) / scale
    return out


def loss(targets: Iterable[Target], measures: pd.DataFrame) -> float:
    """Sum of squared standardized errors of the fitted targets (0 when each mean meets its figure).

    Targets marked `fitted = false` are reported, not fitted.
    """
    targets = list(targets)
    errors = standardized_errors(targets, measures)
    return float(sum(errors[t.id] ** 2 for t in targets if t.fitted))


def seeds_for(master: int, count: int, stream: int = 0) -> list[int]:
    """`count` run seeds from a master seed (stream 0: search, 1: evaluation)."""
    children = np.random.SeedSequence([int(master), stream]).spawn(count)
    return [int(c.generate_state(1, np.uint32)[0]) for c in children]


def calibration_run(spec: ScenarioSpec, seed: int, gravity: bool = False) -> dict[str, Any]:
    """Run one parameter set with one seed; return its target measures and series (a task).

    With `gravity`, the measures also hold the gravity estimates on the run's own flows, keyed
    `gravity:<flow>:<year>:distance` and `...:border_effect`.
    """
    tables = run_one(spec, seed)
    measures = measure_all(tables).iloc[0].to_dict()
    if gravity:
        from sim.gravity import estimate

        years = [y for y in GRAVITY_YEARS if spec.start_year <= y <= spec.end_year]
        for flow in GRAVITY_FLOWS:
            for year in years:
                fit = estimate(tables["flows"], year, flow)
                measures[f"gravity:{flow}:{year}:distance"] = fit.distance_elasticity
                measures[f"gravity:{flow}:{year}:border_effect"] = fit.border_effect
    return {"measures": measures, "series": targeted_series(tables)}


def targeted_series(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per year, the series each target is measured on (for the report's time paths)."""
    model = tables["model"].set_index("year")
    out = pd.DataFrame(index=model.index)
    regions = tables["regions"]
    for target in load_targets():
        if target.kind == "path":
            out[target.id] = model[target.measure] / (model[target.per] if target.per else 1.0)
        elif target.table == "model":
            out[target.id] = model[target.measure]
        else:
            chosen = regions[regions.region_id.isin(target.regions)]
            out[target.id] = chosen.groupby("year")[target.measure].sum()
    for column in OUTCOMES:
        out[column] = model[column]
    return out.reset_index()


@dataclass
class Study:
    """A calibration in progress: the ledger, the Optuna study and the seeds."""

    folder: Path
    space: SearchSpace
    search_seeds: list[int]
    ledger: Ledger

    def spec(self, params: dict[str, float], scenario: str | None = None) -> ScenarioSpec:
        """The scenario (default: the search's) with one parameter set and the firm count."""
        overrides = {**self.space.held, **params, "n_firms": self.space.n_firms}
        return resolve_spec(scenario or self.space.scenario, overrides, use_calibration=False)

    def run_ids(
        self, params: dict[str, float], seeds: list[int], scenario: str | None = None
    ) -> list[str]:
        """Run ids of one parameter set over seeds."""
        resolved = self.spec(params, scenario).resolved
        return [run_id(resolved, params, seed, package_version()) for seed in seeds]

    def tasks(
        self,
        kind: str,
        tag: str,
        params: dict[str, float],
        seeds: list[int],
        scenario: str | None = None,
        gravity: bool = False,
    ) -> list[Task]:
        """The runs of one parameter set not yet in the ledger."""
        spec = self.spec(params, scenario)
        return [
            Task((rid, kind, tag, json.dumps(params), seed, spec.name), (spec, seed, gravity))
            for rid, seed in zip(self.run_ids(params, seeds, scenario), seeds, strict=True)
            if not self.ledger.has(rid)
        ]

    def measures(self, params: dict[str, float], seeds: list[int]) -> pd.DataFrame:
        """The recorded measures of one parameter set over seeds (one row per ok run).

        Runs are found by id, so a parameter set proposed twice reuses the runs of the first.
        """
        records = [self.ledger.get(rid) for rid in self.run_ids(params, seeds)]
        return pd.DataFrame([r.measures for r in records if r is not None and r.ok])


def _record(ledger: Ledger, outcome: Any) -> None:
    rid, kind, tag, params, seed, scenario = outcome.key
    value = outcome.value if outcome.ok else {}
    ledger.record(
        rid,
        kind=kind,
        tag=tag,
        scenario=scenario,
        params=json.loads(params),
        seed=seed,
        version=package_version(),
        measures=value.get("measures"),
        series=value.get("series"),
        error=outcome.error,
    )


def execute(study: Study, executor: Executor, tasks: list[Task], desc: str) -> int:
    """Run tasks on the executor and record each outcome as it arrives; return how many ran."""
    if not tasks:
        return 0
    with tqdm(total=len(tasks), desc=desc, unit="run", leave=False) as bar:
        for outcome in executor.run(calibration_run, tasks):
            _record(study.ledger, outcome)
            bar.update()
    return len(tasks)


def _optuna_study(folder: Path, resume: bool, seed: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = folder / "optuna.sqlite"
    if path.exists() and not resume:
        raise InputError(
            f"a calibration already exists in {folder}; use --resume to continue it or "
            "choose another --out",
            key="resume",
        )
    storage = f"sqlite:///{path}"
    done = len(optuna.load_study(study_name="transfrontier", storage=storage).trials) if (
        resume and path.exists()
    ) else 0  # fmt: skip
    # A resumed sampler continues from a stream of its own, not the start of the first one.
    return optuna.create_study(
        study_name="transfrontier",
        storage=storage,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed + done),
        load_if_exists=resume,
    )


def _suggest(trial: Any, space: SearchSpace) -> dict[str, float]:
    return {
        name: trial.suggest_float(name, lo, hi, log=name in space.log)
        for name, (lo, hi) in space.bounds.items()
    }


def calibrate(
    *,
    trials: int = 60,
    replicates: int = 4,
    evaluation_seeds: int = 20,
    profile_points: int = 2,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    seed: int = 0,
    out: Path = DEFAULT_OUT,
    space: SearchSpace | None = None,
    write_calibrated: Path | None = CALIBRATED_FILE,
) -> dict[str, Any]:
    """Search, evaluate and profile; write the calibrated parameter set.

    Args:
        trials: Number of Optuna trials in all (a resumed study counts the ones it has).
        replicates: Search seeds per trial (the same for every trial).
        evaluation_seeds: Fresh seeds for the best set's evaluation (at least 20 to accept).
        profile_points: Points each side of the optimum in the one-at-a-time loss profile.
        workers: Local worker processes (default all cores).
        scheduler: Address of a dask scheduler.
        resume: Continue the study in `out`.
        seed: Master seed of the search seeds, the evaluation seeds and the sampler.
        out: Folder of the ledger and the Optuna study.
        space: What to search (default `calibration/search.toml`).
        write_calibrated: Where to write the calibrated set (None: do not write).

    Returns:
        The best parameters, their loss and the evaluation summary.
    """
    if replicates < 2:
        raise InputError("replicates must be >= 2 (the loss needs a spread)", key="replicates")
    space = space or SearchSpace.load()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    optuna_study = _optuna_study(out, resume, seed)
    with Ledger(out / "ledger.sqlite") as ledger, Executor(workers, scheduler) as executor:
        study = Study(out, space, seeds_for(seed, replicates), ledger)
        ledger.set_meta(
            "space",
            {
                "scenario": space.scenario,
                "bounds": space.bounds,
                "n_firms": space.n_firms,
                "held": space.held,
            },
        )
        ledger.set_meta("search_seeds", study.search_seeds)
        targets = load_targets()
        batch = max(1, executor.workers)
        executed = 0
        bar = tqdm(total=trials, desc="trials", unit="trial")
        bar.update(sum(t.state.is_finished() for t in optuna_study.trials))
        while True:
            open_trials = [t for t in optuna_study.trials if not t.state.is_finished()]
            finished = sum(t.state.is_finished() for t in optuna_study.trials)
            wanted = max(0, min(batch, trials - finished) - len(open_trials))
            asked = [optuna_study.ask() for _ in range(wanted)]
            pending = [(t.number, t.params) for t in open_trials]
            pending += [(t.number, _suggest(t, space)) for t in asked]
            if not pending:
                break
            tasks = [
                task
                for number, params in pending
                for task in study.tasks("search", str(number), params, study.search_seeds)
            ]
            executed += execute(study, executor, tasks, desc="search runs")
            for number, params in pending:
                measures = study.measures(params, study.search_seeds)
                if len(measures) < replicates:
                    optuna_study.tell(number, state=_failed())
                    continue
                value = loss(targets, measures)
                optuna_study.tell(number, value)
                ledger.set_meta(f"trial:{number}", {"params": params, "loss": value})
                bar.update()
        bar.close()
        best = optuna_study.best_trial
        best_params = dict(best.params)
        ledger.set_meta(
            "best",
            {"trial": best.number, "params": best_params, "searched": best_params,
             "loss": best.value},
        )  # fmt: skip

        eval_seeds = seeds_for(seed, evaluation_seeds, EVALUATION_STREAM)
        ledger.set_meta("evaluation_seeds", eval_seeds)
        executed += execute(
            study, executor,
            study.tasks("evaluation", "best", best_params, eval_seeds, gravity=True),
            desc="evaluation runs",
        )  # fmt: skip
        executed += execute(
            study, executor,
            study.tasks("counterfactual", "best", best_params, eval_seeds, COUNTERFACTUAL),
            desc="counterfactual runs",
        )  # fmt: skip
        profile = profile_sets(space, best_params, profile_points)
        ledger.set_meta("profile", profile)
        tasks = [
            task
            for tag, params in profile.items()
            for task in study.tasks("profile", tag, params, study.search_seeds)
        ]
        executed += execute(study, executor, tasks, desc="profile runs")
        evaluation = study.measures(best_params, eval_seeds)
        result = {
            "params": best_params,
            "held": space.held,
            "search_loss": best.value,
            "evaluation_loss": loss(targets, evaluation) if len(evaluation) > 1 else math.nan,
            "trials": len([t for t in optuna_study.trials if t.state.is_finished()]),
            "search_seeds": study.search_seeds,
            "evaluation_seeds": eval_seeds,
            "runs_executed": executed,
            "runs_recorded": ledger.count(),
        }
    if write_calibrated is not None:
        write_calibrated_file(write_calibrated, result, space)
    return result


def _failed():
    import optuna

    return optuna.trial.TrialState.FAIL


def profile_sets(
    space: SearchSpace, best: dict[str, float], points: int
) -> dict[str, dict[str, float]]:
    """Parameter sets one step at a time around the optimum (tag -> parameters).

    Each parameter moves to `points` values each side of its optimum, spread evenly over half
    the distance to its bound, the others staying at the optimum.
    """
    sets: dict[str, dict[str, float]] = {}
    for name, (lo, hi) in space.bounds.items():
        centre = best[name]
        for side, edge in (("-", lo), ("+", hi)):
            for k in range(1, points + 1):
                value = centre + (edge - centre) * 0.5 * k / points
                sets[f"{name}{side}{k}"] = {**best, name: value}
    return sets


def _toml_value(value: Any) -> str:
    """A TOML literal for the scalars and lists of numbers a [calibration] table holds."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def write_calibrated_file(path: Path, result: dict[str, Any], space: SearchSpace) -> None:
    """Write the calibrated parameter set with how it was obtained."""
    lines = [
        "# Calibrated structural parameters (written by `transfrontier calibrate`).",
        "# The shipped scenarios take these values unless they set a parameter themselves.",
        f"# Search space: calibration/search.toml (scenario {space.scenario!r}, "
        f"{space.n_firms} firm agents).",
        "",
        "[calibration]",
        f'date = "{dt.date.today().isoformat()}"',
        f'package_version = "{package_version()}"',
        f"trials = {result['trials']}",
        f"search_loss = {result['search_loss']:.6g}",
        f"evaluation_loss = {result['evaluation_loss']:.6g}",
        f"search_seeds = {result['search_seeds']}",
        f"evaluation_seeds = {result['evaluation_seeds']}",
        "",
    ]
    if space.held:
        lines += [
            f"searched = {sorted(space.bounds)}",
            f"held = {sorted(space.held)}",
            "",
            "# The held parameters keep the values of this earlier calibration.",
            "[calibration.first_stage]",
            *(f"{key} = {_toml_value(value)}" for key, value in space.held_from.items()),
        ]
    lines += ["", "[parameters]"]
    values = {**space.held, **result["params"]}
    lines += [f"{name} = {value:.6g}" for name, value in sorted(values.items())]
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)
