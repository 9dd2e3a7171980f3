"""Experiments: many runs of the model, their seeds, their tasks, their ledger and resuming.

Every experiment here runs the model over sets of inputs and seeds: replicates of one scenario
(`sim.runner.run`), a comparison of scenarios (`sim.compare`), a sensitivity sweep
(`sim.sweeps`) and the calibration (`sim.calibrate`). They share, from this module and nowhere
else:

- the seed rule (`seeds_for`): one master seed gives every run seed, by
  `numpy.random.SeedSequence`, in named streams so that no two roles share seeds;
- the tasks handed to the executor: `replicate_tasks` for runs collected in memory, and for a
  study recorded in a ledger a `RunKey` (the run's deterministic id and what the ledger records
  beside it) built by `run_key`;
- recording and resuming: `pending` drops the runs the ledger already holds, `execute` runs
  the rest and records each outcome as it arrives (`record`), `claim` keeps a resumed study from
  mixing with another, `refuse_overwrite` keeps a new one from writing over an old one.

Only the driver process writes the ledger; a worker only runs a task's function on its
arguments and returns ``{"measures": {...}, "series": DataFrame}``.

Adding a kind of experiment takes a design and an analysis, nothing more:

1. the design: the parameter sets to run (a dict of values each, as the ledger records them),
   the scenario each runs, and the seeds (`seeds_for` with a stream of its own);
2. a worker function ``fn(*args) -> {"measures": ..., "series": ...}`` that runs one of them
   with `sim.runner.run_one`, and ``Task(run_key(kind, tag, spec, params, seed), args)`` for each
   run;
3. ``execute(ledger, executor, fn, pending(tasks, ledger), desc=...)`` inside a
   `sim.executor.Executor`, which also makes the experiment resumable;
4. the analysis, which reads the ledger alone (`Ledger.records`, `measures_of`,
   `Ledger.series`) and never runs the model again.

See `sim.sweeps.run` for a design fixed in advance and `sim.calibrate` for one that adapts
(Optuna asks for the next parameter sets once the last ones are recorded).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from tqdm.auto import tqdm

from sim.draws import NO_DRAW
from sim.errors import InputError
from sim.executor import Executor, Outcome, Task
from sim.ledger import Ledger, run_id

if TYPE_CHECKING:
    from sim.scenario import ScenarioSpec

# Seed streams: each role draws its seeds from its own branch of the master seed's sequence.
STUDY_STREAM = 0  # the seeds every point of a study runs: calibration search, sweep replicates
EVALUATION_STREAM = 1  # the calibrated set's evaluation on fresh seeds
ANALYSIS_STREAM = 2  # the bootstrap of a sweep's indices


@cache  # looked up once: every run id of a large study needs it
def package_version() -> str:
    """Installed version of the transfrontier package (part of every run id)."""
    try:
        return metadata.version("transfrontier")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def seeds_for(master: int, count: int, stream: int | None = None) -> list[int]:
    """`count` run seeds from a master seed: the seed rule of every experiment.

    Without a stream (replicates of `sim.runner.run` and `sim.compare`), one replicate runs the
    master seed itself and several the children of ``SeedSequence(master)``; with a stream, the
    children of ``SeedSequence([master, stream])`` (a study's search, evaluation or analysis
    seeds). A seed is the first 32-bit word of its child's state.
    """
    if stream is None and count == 1:
        return [int(master)]
    entropy = [int(master)] if stream is None else [int(master), int(stream)]
    children = np.random.SeedSequence(entropy).spawn(count)
    return [int(c.generate_state(1, np.uint32)[0]) for c in children]


def replicate_tasks(
    specs: Sequence[ScenarioSpec], seeds: Sequence[int], draws: Sequence[int] | None = None
) -> list[Task]:
    """`sim.runner.run_one` tasks: every scenario over the same seeds (common random numbers).

    `draws` gives each spec's posterior draw (default: none, the calibrated point), so that the
    specs of one scenario at several draws run over the same seeds too. Keyed by (scenario name,
    draw, replicate); the arguments are (spec, seed, replicate, draw).
    """
    draws = [NO_DRAW] * len(specs) if draws is None else list(draws)
    return [
        Task((spec.name, draw, rep), (spec, seed, rep, draw))
        for spec, draw in zip(specs, draws, strict=True)
        for rep, seed in enumerate(seeds)
    ]


class RunKey(NamedTuple):
    """What identifies a recorded run and what the ledger stores beside its outputs.

    A tuple, so that it is hashable and travels to the workers and back unchanged.
    """

    run_id: str
    kind: str  # the experiment and its phase: "sweep", "search", "evaluation", ...
    tag: str  # within the kind: the design point, the trial number, "best", ...
    params: str  # the varied values as JSON (a dict would not be hashable)
    seed: int
    scenario: str


def run_id_of(spec: ScenarioSpec, params: dict[str, Any], seed: int) -> str:
    """The id of one run of `params` with `seed`, on the scenario `spec`.

    It hashes ``spec.resolved``, the parameters, the seed and the package version, so the same
    run always gets the same id: that is what resuming relies on.
    """
    return run_id(spec.resolved, params, seed, package_version())


def run_key(kind: str, tag: str, spec: ScenarioSpec, params: dict[str, Any], seed: int) -> RunKey:
    """The key of one run of `params` with `seed`, on the scenario `spec` (see `run_id_of`)."""
    return RunKey(run_id_of(spec, params, seed), kind, tag, json.dumps(params), seed, spec.name)


def pending(tasks: Iterable[Task], ledger: Ledger) -> list[Task]:
    """The tasks whose run the ledger does not hold yet, each run once (the resume rule)."""
    done = ledger.done_ids()
    out = []
    for task in tasks:
        if task.key.run_id not in done:
            done.add(task.key.run_id)
            out.append(task)
    return out


def record(ledger: Ledger, outcome: Outcome) -> None:
    """Record one outcome of a `RunKey` task: its measures and series, or its traceback."""
    key = RunKey(*outcome.key)
    value = outcome.value if outcome.ok else {}
    ledger.record(
        key.run_id,
        kind=key.kind,
        tag=key.tag,
        scenario=key.scenario,
        params=json.loads(key.params),
        seed=key.seed,
        version=package_version(),
        measures=value.get("measures"),
        series=value.get("series"),
        error=outcome.error,
    )


def execute(
    ledger: Ledger,
    executor: Executor,
    fn: Any,
    tasks: list[Task],
    *,
    desc: str,
    total: int | None = None,
    failed: int | None = None,
    progress: bool = True,
    leave: bool = True,
) -> int:
    """Run `fn` over the tasks and record each outcome as it arrives; return how many ran.

    Args:
        ledger: Where outcomes are recorded.
        executor: An entered `Executor`.
        fn: The worker function.
        tasks: `RunKey` tasks (usually `pending` ones).
        desc: The progress bar's label.
        total: All runs of the experiment, when the bar should count those done before.
        failed: Failed runs so far, to show (and count on) beside the bar; None shows nothing.
        progress: Show the bar.
        leave: Keep the bar on screen when done.
    """
    if not tasks:
        return 0
    total = len(tasks) if total is None else total
    with tqdm(
        total=total,
        initial=total - len(tasks),
        desc=desc,
        unit="run",
        disable=not progress,
        leave=leave,
        dynamic_ncols=True,
    ) as bar:
        if failed is not None:
            bar.set_postfix(failed=failed)
        for outcome in executor.run(fn, tasks):
            record(ledger, outcome)
            if failed is not None and not outcome.ok:
                failed += 1
                bar.set_postfix(failed=failed, refresh=False)
            bar.update()
    return len(tasks)


def measures_of(ledger: Ledger, run_ids: Iterable[str]) -> dict[str, dict[str, float]]:
    """The measures of the runs among `run_ids` that are recorded and ok, by run id, in order."""
    out = {}
    for rid in dict.fromkeys(run_ids):
        found = ledger.get(rid)
        if found is not None and found.ok:
            out[rid] = found.measures
    return out


def failed_count(ledger: Ledger, kind: str, run_ids: Iterable[str]) -> int:
    """How many of `run_ids` are recorded as failed."""
    mine = set(run_ids)
    return sum(1 for r in ledger.records(kind=kind) if not r.ok and r.run_id in mine)


def refuse_overwrite(path: Path, resume: bool, what: str, folder: Path) -> None:
    """Stop a new study from writing into the folder of an existing one (unless resuming)."""
    if path.exists() and not resume:
        raise InputError(
            f"a {what} already exists in {folder}; use --resume to continue it or choose "
            "another --out",
            key="resume",
        )


def claim(ledger: Ledger, what: str, fingerprint: dict[str, Any], folder: Path) -> None:
    """Store what defines the study, or check that a resumed ledger holds the same study.

    Args:
        ledger: The study's ledger.
        what: The experiment's name, also the meta key the fingerprint is stored under.
        fingerprint: Everything that identifies the study (JSON).
        folder: The study's folder, for messages.
    """
    stored = ledger.get_meta(what)
    if stored is None and ledger.count():
        raise InputError(f"{folder} holds a ledger that is not a {what}'s", key="out")
    if stored is not None and stored != fingerprint:
        keys = fingerprint.keys() | stored.keys()
        differs = sorted(k for k in keys if fingerprint.get(k) != stored.get(k))
        raise InputError(
            f"{folder} holds a different {what} (differs in: {', '.join(differs)}); resume it "
            "with the same file and options or choose another --out",
            key="resume",
        )
    ledger.set_meta(what, fingerprint)
