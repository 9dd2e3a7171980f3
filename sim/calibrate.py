"""Calibration against the paper's figures: the driver (Optuna search, evaluation, profile).

The driver asks Optuna for parameter sets of the search space (`sim.calibration_space`;
ask/tell), runs each over the same R search seeds on the `Executor` (this process, an embedded
dask cluster or a real one) and records every run in the ledger (`sim.experiments`) before
telling Optuna the trial's loss (`sim.calibration_loss`). Only the driver writes the ledger and
the study, so a killed calibration resumes with `--resume`: trials left open are finished from
the runs already recorded, and no recorded run is run again.

After the search, the best set is run on fresh evaluation seeds (never those of the search),
where each run also estimates gravity on its own flows (`sim.gravity`); the counterfactual
without the Customs Union's trade policy (`scenarios/no_customs_union.toml`) is run on the same
seeds, so the report can set its effect beside the ex-post studies; and the best set is
profiled one parameter at a time. `calibration/calibrated.toml` records it, and the shipped
scenarios take their structural parameters from it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from sim.calibration_loss import calibration_run, loss
from sim.calibration_space import CALIBRATED_FILE, SearchSpace, profile_sets
from sim.errors import InputError
from sim.executor import Executor, Task
from sim.experiments import (
    EVALUATION_STREAM,
    STUDY_STREAM,
    execute,
    measures_of,
    package_version,
    pending,
    refuse_overwrite,
    run_id_of,
    run_key,
    seeds_for,
)
from sim.ledger import Ledger
from sim.runner import resolve_spec
from sim.scenario import ScenarioSpec
from sim.targets import load_targets

DEFAULT_OUT = Path("results") / "calibration"
COUNTERFACTUAL = "no_customs_union"


@dataclass
class Study:
    """A calibration in progress: the ledger, the search space and the search seeds."""

    folder: Path
    space: SearchSpace
    search_seeds: list[int]
    ledger: Ledger

    def spec(self, params: dict[str, float], scenario: str | None = None) -> ScenarioSpec:
        """The scenario (default: the search's) with one parameter set and the firm count."""
        overrides = {**self.space.held, **params, "n_firms": self.space.n_firms}
        return resolve_spec(scenario or self.space.scenario, overrides, use_calibration=False)

    def tasks(
        self,
        kind: str,
        tag: str,
        params: dict[str, float],
        seeds: list[int],
        scenario: str | None = None,
        gravity: bool = False,
    ) -> list[Task]:
        """The runs of one parameter set over seeds (`calibration_run` tasks)."""
        spec = self.spec(params, scenario)
        return [
            Task(run_key(kind, tag, spec, params, seed), (spec, seed, gravity)) for seed in seeds
        ]

    def measures(self, params: dict[str, float], seeds: list[int]) -> pd.DataFrame:
        """The recorded measures of one parameter set over seeds (one row per ok run).

        Runs are found by id, so a parameter set proposed twice reuses the runs of the first.
        """
        spec = self.spec(params)
        ids = [run_id_of(spec, params, seed) for seed in seeds]
        return pd.DataFrame(list(measures_of(self.ledger, ids).values()))

    def run(self, executor: Executor, tasks: list[Task], desc: str) -> int:
        """Run the tasks the ledger lacks and record each outcome; return how many ran."""
        return execute(
            self.ledger, executor, calibration_run, pending(tasks, self.ledger), desc=desc,
            leave=False,
        )  # fmt: skip


def _optuna_study(folder: Path, resume: bool, seed: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = folder / "optuna.sqlite"
    refuse_overwrite(path, resume, "calibration", folder)
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
        p.name: trial.suggest_int(p.name, math.ceil(p.lo), math.floor(p.hi))
        if p.integer
        else trial.suggest_float(p.name, p.lo, p.hi, log=p.scale == "log")
        for p in space.parameters
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
        study = Study(out, space, seeds_for(seed, replicates, STUDY_STREAM), ledger)
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
            proposed = [(t.number, t.params) for t in open_trials]
            proposed += [(t.number, _suggest(t, space)) for t in asked]
            if not proposed:
                break
            tasks = [
                task
                for number, params in proposed
                for task in study.tasks("search", str(number), params, study.search_seeds)
            ]
            executed += study.run(executor, tasks, desc="search runs")
            for number, params in proposed:
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
        executed += study.run(
            executor,
            study.tasks("evaluation", "best", best_params, eval_seeds, gravity=True),
            desc="evaluation runs",
        )
        executed += study.run(
            executor,
            study.tasks("counterfactual", "best", best_params, eval_seeds, COUNTERFACTUAL),
            desc="counterfactual runs",
        )
        profile = profile_sets(space, best_params, profile_points)
        ledger.set_meta("profile", profile)
        tasks = [
            task
            for tag, params in profile.items()
            for task in study.tasks("profile", tag, params, study.search_seeds)
        ]
        executed += study.run(executor, tasks, desc="profile runs")
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
