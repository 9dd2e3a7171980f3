"""Where runs execute: in this process, on an embedded dask cluster, or on a real one.

Replicates, comparisons, sweeps and calibration all hand their runs to an `Executor`. A run is a
`Task` (a key and the arguments of `sim.runner.run_one`); tasks are grouped into batches so that
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
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError


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
        batch_size: Runs per task; by default enough for about four batches per worker.
        retries: How often a batch is resubmitted after its worker died.
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        batch_size: int | None = None,
        retries: int = 2,
    ):
        if workers is not None and workers < 1:
            raise InputError(f"workers must be >= 1, got {workers}", key="workers")
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
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: a busy 8787 must not fail the run
                silence_logs=logging.ERROR,
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
        size = self.batch_size or max(1, len(tasks) // (4 * self.workers))
        return [tasks[i : i + size] for i in range(0, len(tasks), size)]

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
