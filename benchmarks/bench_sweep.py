"""Sweep throughput: 1 and 2 workers, parallel efficiency, and Mesa's batch_run on the same runs.

Usage::

    python benchmarks/bench_sweep.py                 # Morris, 8 trajectories, 2 replicates
    python benchmarks/bench_sweep.py --samples 2 --replicates 1     # a quick smoke test

Everything is measured in this one invocation, on the same runs: the Morris design of
`scenarios/sweeps/example.toml` (the historical scenario, 4 parameters) over the same
replicate seeds.

0. One untimed run in this process (first-run costs: imports, data files).
1. `sim.sweeps.run.sweep` with 1 worker (in this process) and with 2 workers (the embedded dask
   cluster, its start-up and shutdown included): wall time of the whole call, from the
   parameters file to the ledger and `runs.parquet`, and runs per minute.
2. Parallel efficiency at 2 workers: throughput at 2 / (2 x throughput at 1).
3. The same runs through Mesa's `batch_run` with 1 and 2 processes, the model wrapped by a thin
   adapter (`SweepPointModel`, below: batch_run wants a Model class taking keyword
   parameters). The adapter runs each design point's scenario with one seed and collects the
   same outputs; they are checked to equal the sweep's. Its time includes building the
   design points' scenarios, as the sweep's includes planning.

Each configuration is measured in `--rounds` interleaved rounds and the fastest is kept, with
the cores that other processes used during it (a measurement taken while other jobs ran on
the machine is slower for it, and that column says so).

Targets, printed with met / not met: parallel efficiency >= 85% at 2 workers; the sweep no
slower than batch_run with the same number of workers. batch_run's processes keep their
libraries' default settings, as a user calling it would have them.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from mesa.batchrunner import batch_run
from mesa.datacollection import DataCollector

from sim.model import TransfrontierModel
from sim.reporting import tables_of
from sim.scenario import TransfrontierScenario
from sim.sweeps.run import plan_sweep, sweep, sweep_run
from sim.sweeps.spec import load_params
from sim.varied import point_spec

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "scenarios" / "sweeps" / "example.toml"
TARGET_EFFICIENCY = 0.85


class SweepPointModel(TransfrontierModel):
    """batch_run adapter: one design point's scenario and one seed as keyword parameters.

    Args:
        design_point: (point index, its `ScenarioSpec`).
        outputs: The sweep's outputs (`sim.sweeps.spec.Output`), measured at the end of the run.
        rng: The run's seed.
    """

    def __init__(self, design_point: tuple[int, Any], outputs: tuple = (), rng: Any = None):
        # Free the previous run's model, as `sim.runner.run_one` frees each of its own (batch_run
        # has dropped it by now): otherwise the process grows by every run's agents.
        gc.collect()
        super().__init__(TransfrontierScenario(spec=design_point[1], rng=rng))
        self.point = design_point[0]
        self._table: pd.DataFrame | None = None
        self.datacollector = DataCollector(
            model_reporters={
                "point": lambda m: m.point,
                **{o.name: (lambda m, o=o: o.measure(m.model_table())) for o in outputs},
            }
        )
        gc.freeze()  # as `sim.runner.run_one` does: keep the agents out of GC scans

    def model_table(self) -> pd.DataFrame:
        """The run's model table (built once, at the end)."""
        if self._table is None:
            self._table = tables_of(self.records)["model"]
        return self._table

    def step(self) -> None:
        """One year; the outputs are collected after the last."""
        super().step()
        if not self.running:
            self.datacollector.collect(self)
            gc.unfreeze()


def cpu_busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (Linux `/proc/stat`), or None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children (workers, pool processes).

    Finished children count through `os.times`; a child still running, such as the fork
    server that starts the embedded cluster's workers, counts with its own finished children
    (the workers) through `/proc`.
    """
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid; utime, stime, cutime, cstime follow
            total += sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Timing:
    """One timed measurement: wall time and the cores other processes kept busy meanwhile."""

    wall_s: float
    others_cores: float | None


def timed(fn: Callable[[], object]) -> Timing:
    """Time `fn`; also measure the cores that other processes kept busy meanwhile.

    Another job on the machine slows a measurement down; this says how much there was. The
    processes this one starts (workers, pool processes) count as its own once finished.
    """
    busy, own, started = cpu_busy_seconds(), own_cpu_seconds(), time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    after = cpu_busy_seconds()
    if busy is None or after is None:
        return Timing(wall, None)
    return Timing(wall, max(0.0, (after - busy) - (own_cpu_seconds() - own)) / wall)


def run_sweep(params: Path, samples: int, replicates: int, workers: int, out: Path) -> None:
    """One whole sweep, from the parameters file to the ledger and runs.parquet."""
    shutil.rmtree(out, ignore_errors=True)
    sweep(params, design="morris", samples=samples, replicates=replicates, workers=workers,
          out=out, progress=False)  # fmt: skip


def run_batch(params: Path, samples: int, replicates: int, processes: int, results: dict) -> None:
    """The same runs through batch_run; their outputs go into `results` by (point, seed)."""
    plan = plan_sweep(params, design="morris", samples=samples, replicates=replicates)
    config = plan.config
    # The sweep runs a point met twice once; give batch_run the same distinct runs.
    first: dict[tuple[float, ...], int] = {}
    for i, row in enumerate(plan.points):
        first.setdefault(tuple(row), i)
    points = [(i, point_spec(config.base, config.parameters, plan.points[i]))
              for i in sorted(first.values())]  # fmt: skip
    rows = batch_run(
        SweepPointModel,
        parameters={"design_point": points, "outputs": [config.outputs]},
        number_processes=processes,
        rng=plan.seeds,
        data_collection_period=-1,
        max_steps=10_000,
        display_progress=False,
    )
    names = [o.name for o in config.outputs]
    results.clear()
    results.update({(row["point"], row["rng"]): [row[n] for n in names] for row in rows})


def sweep_results(folder: Path, names: list[str]) -> dict[tuple[int, int], list[float]]:
    """The sweep's outputs by (first point of the run, seed)."""
    runs = pd.read_parquet(folder / "runs.parquet")
    return {
        (int(point), int(seed)): list(values)
        for point, seed, *values in runs[["point", "seed", *names]].itertuples(index=False)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", type=Path, default=EXAMPLE, help="parameters file")
    parser.add_argument("--samples", type=int, default=8, help="Morris trajectories")
    parser.add_argument("--replicates", type=int, default=2, help="seeds per design point")
    parser.add_argument(
        "--rounds", type=int, default=2, help="measurements of each configuration (best kept)"
    )
    args = parser.parse_args()

    config = load_params(args.params)
    plan = plan_sweep(args.params, design="morris", samples=args.samples,
                      replicates=args.replicates)  # fmt: skip
    runs = len(plan.unique_runs)
    base = config.base
    names = [o.name for o in config.outputs]
    print(f"Sweep benchmark: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Design: Morris, {len(config.parameters)} parameters of {args.params.name}, "
          f"{args.samples} trajectories = {len(plan.points)} points x {args.replicates} "
          f"replicates = {runs} distinct runs; scenario '{base.name}' "
          f"{base.start_year}-{base.end_year}, {base.parameters.n_firms:,} firm agents; "
          f"best of {args.rounds} rounds")  # fmt: skip

    # One untimed run in this process first, so that neither in-process measurement pays the
    # one-off costs of a first run (imports, data files); worker processes pay theirs in both.
    sweep_run(base, config.parameters, plan.points[0], plan.seeds[0], config.outputs)

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    measurements: dict[str, list[Timing]] = {}
    same = {"sweep 1 vs 2 workers": True, "sweep vs batch_run": True}
    try:
        # Rounds interleave the configurations, so that a burst of other work on the machine
        # hits one measurement of a configuration rather than all of them.
        for _ in range(args.rounds):
            for workers in (1, 2):
                name = f"sweep, {workers} worker{'s' * (workers > 1)}"
                out = tmp / f"w{workers}"
                measurements.setdefault(name, []).append(timed(
                    lambda w=workers, o=out: run_sweep(
                        args.params, args.samples, args.replicates, w, o)
                ))  # fmt: skip
            reference = sweep_results(tmp / "w1", names)
            same["sweep 1 vs 2 workers"] &= reference == sweep_results(tmp / "w2", names)
            for processes in (1, 2):
                name = f"batch_run, {processes} process{'es' * (processes > 1)}"
                results: dict = {}
                measurements.setdefault(name, []).append(timed(
                    lambda p=processes, r=results: run_batch(
                        args.params, args.samples, args.replicates, p, r)
                ))  # fmt: skip
                same["sweep vs batch_run"] &= results == reference
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    best = {name: min(times, key=lambda t: t.wall_s) for name, times in measurements.items()}
    per_minute = {name: runs / (t.wall_s / 60) for name, t in best.items()}
    print()
    print(f"{'':24} {'wall s':>8} {'runs/min':>9}   other processes (cores)  all rounds (s)")
    for name, t in best.items():
        others = "n/a" if t.others_cores is None else f"{t.others_cores:.2f}"
        rounds = ", ".join(f"{m.wall_s:.1f}" for m in measurements[name])
        print(f"{name:24} {t.wall_s:8.1f} {per_minute[name]:9.1f}   {others:>23}  {rounds}")
    efficiency = per_minute["sweep, 2 workers"] / (2 * per_minute["sweep, 1 worker"])
    batch_efficiency = per_minute["batch_run, 2 processes"] / (
        2 * per_minute["batch_run, 1 process"]
    )
    ratio1 = per_minute["sweep, 1 worker"] / per_minute["batch_run, 1 process"]
    ratio2 = per_minute["sweep, 2 workers"] / per_minute["batch_run, 2 processes"]
    print()
    print("same outputs: " + "; ".join(f"{k} {'yes' if v else 'NO'}" for k, v in same.items()))
    print(f"parallel efficiency at 2 workers: {efficiency:.0%} (batch_run: {batch_efficiency:.0%})")

    def verdict(ok: bool) -> str:
        return "met" if ok else "not met"

    print()
    print("Targets:")
    print(f"  parallel efficiency >= {TARGET_EFFICIENCY:.0%} at 2 workers: {efficiency:.0%} "
          f"-> {verdict(efficiency >= TARGET_EFFICIENCY)}")  # fmt: skip
    print(f"  no slower than batch_run, 1 worker: {ratio1:.2f}x batch_run's throughput "
          f"-> {verdict(ratio1 >= 1.0)}")  # fmt: skip
    print(f"  no slower than batch_run, 2 workers: {ratio2:.2f}x batch_run's throughput "
          f"-> {verdict(ratio2 >= 1.0)}")  # fmt: skip


if __name__ == "__main__":
    main()
