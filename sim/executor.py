"""Where runs execute: in this process, on an embedded dask cluster, or on a real one.

Replicates, comparisons, sweeps and calibration all hand their runs to an `Executor`. A run is a
`Task` (a key and the arguments of the function that runs it: `sim.runner.run_one`, or an
experiment's worker function, see `sim.experiments`); tasks are grouped into batches so that
scheduling overhead stays small against a run's cost, and batches are submitted with retries, so
a worker that dies does not lose the work. Results come back as they complete, each as a
`Outcome` that is either ok (the run's tables) or failed (the traceback), so that a run that
raises never stops the others.

One worker and no scheduler means no cluster at all: the runs execute in this process, which is
the fastest choice on a laptop for a handful of runs. Results do not depend on where a run
executes: every run is determined by its scenario, parameters and seed.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError

# Settings of the embedded cluster, for tasks of whole seconds of CPU on every core:
# - Where the platform has it (Linux), the workers are forked from a fork server: a clean,
#   single-threaded process started once per driver, which imports dask and the numerical
#   libraries once (dask's own list: adding the model's modules made runs slower). Forking
#   the driver itself would start workers faster, but the driver runs dask's event loop in a
#   thread, and a child forked while another thread holds a lock can hang for ever (seen
#   here: a worker stuck at start-up). Elsewhere the workers are spawned.
# - dask's nanny spawns each worker with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
#   adaptive mmap threshold: every large numpy array is then mapped and unmapped afresh, and a
#   run takes about 1.7 times as long as in a plain process. The workers keep dask's
#   one-thread numerical libraries (one worker per core), without that variable.
# - dask's housekeeping wakes every 20 to 500 ms in every process (event-loop watchdog, system
#   and memory monitors, work stealing, statistical profiler): about a tenth of a core in all,
#   taken from the runs. Coarser intervals lose nothing here, and with one task per worker at a
#   time (which also keeps a task from waiting behind a running one while another worker sits
#   idle at the end) there is nothing to steal.
METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": METHOD,
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.scheduler.worker-saturation": 1.0,
}
# Guided batching: each batch holds about 1/BATCHES_AHEAD of the runs left per worker, so that
# batches are large while much remains and single runs at the end, when an idle worker waits
# for the last ones; and at most MAX_BATCH runs, so that a killed driver loses little and
# results (and progress bars) arrive steadily. A run costs a second or more at the default
# size, so even one run per task keeps dask's few milliseconds of scheduling negligible.
BATCHES_AHEAD = 4
MAX_BATCH = 8


@dataclass(frozen=True)
class Task:
    """One run to execute: `fn(*args)` identified by `key`."""

    key: Any
    args: tuple


@dataclass(frozen=True)
class Outcome:
    """The result of a task: `value` if ok, else the traceback in `error`."""

    key: Any
    ok: bool
    value: Any = None
    error: str = ""


def execute_batch(fn: Callable[..., Any], batch: list[Task]) -> list[Outcome]:
    """Run the tasks of one batch in turn, catching each run's failure."""
    out = []
    for task in batch:
        try:
            out.append(Outcome(task.key, True, fn(*task.args)))
        except Exception:  # a failed run is data: it is recorded, the rest go on
            out.append(Outcome(task.key, False, error=traceback.format_exc()))
    return out


def default_workers() -> int:
    """All cores of this machine."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class Executor:
    """Executes tasks locally or on dask.distributed; use as a context manager.

    Args:
        workers: Number of worker processes of the embedded cluster (default: all cores).
            With 1 and no scheduler, tasks run in this process.
        scheduler: Address of a running dask scheduler (e.g. ``tcp://10.0.0.5:8786``); the
            cluster's own workers are then used and `workers` only sizes the batches.
        batch_size: The most runs per task (default `MAX_BATCH`). Batches shrink as the runs
            left do, down to one run each at the end.
        retries: How often a batch is resubmitted after its worker died.
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        batch_size: int = MAX_BATCH,
        retries: int = 2,
    ):
        if workers is not None and workers < 1:
            raise InputError(f"workers must be >= 1, got {workers}", key="workers")
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}", key="batch_size")
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.batch_size = batch_size
        self.retries = retries
        self._client = None
        self._cluster = None

    @property
    def local(self) -> bool:
        """Whether tasks run in this process."""
        return self.scheduler is None and self.workers == 1

    def __enter__(self) -> Executor:
        if self.local:
            return self
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="20s")
            except OSError as exc:
                raise InputError(
                    f"cannot reach the dask scheduler at {self.scheduler}: {exc}", key="scheduler"
                ) from exc
        else:
            import dask

            with dask.config.set(CLUSTER_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: a busy 8787 must not fail the run
                    # Failed runs come back as outcomes and lost workers are retried; what
                    # else the workers log is noise to a user, such as a heartbeat racing the
                    # cluster's own shutdown at the end of a successful run.
                    silence_logs=logging.CRITICAL,
                )
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def _batches(self, tasks: list[Task]) -> list[list[Task]]:
        batches, i = [], 0
        while i < len(tasks):
            size = math.ceil((len(tasks) - i) / (BATCHES_AHEAD * self.workers))
            size = min(size, self.batch_size)
            batches.append(tasks[i : i + size])
            i += size
        return batches

    def run(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Execute `fn` over `tasks`; yield outcomes as they complete."""
        tasks = list(tasks)
        if not tasks:
            return
        if self.local:
            for task in tasks:
                yield from execute_batch(fn, [task])
            return
        if self._client is None:
            raise RuntimeError("use the Executor as a context manager")
        from dask.distributed import as_completed

        futures = [
            self._client.submit(execute_batch, fn, batch, retries=self.retries, pure=False)
            for batch in self._batches(tasks)
        ]
        for future in as_completed(futures):
            yield from future.result()
