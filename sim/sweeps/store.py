"""What a sweep keeps in its folder: the ledger, `runs.parquet` and each run's series.

The folder holds `ledger.sqlite` (every run under its id, with its inputs, outputs, time series
and status; and the sweep's definition: its fingerprint, design points and run ids) and
`runs.parquet`, one row per run exported from the ledger. Everything after the runs (the
analysis, the report, `load_series`) reads the folder alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiments import claim
from sim.ledger import Ledger

KIND = "sweep"  # the kind of every run a sweep records, and the meta key of its fingerprint
LEDGER_FILE = "ledger.sqlite"
RUNS_FILE = "runs.parquet"
# Columns of runs.parquet that neither a parameter nor an output may be named after.
RUN_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error")


def save_definition(
    ledger: Ledger,
    folder: Path,
    fingerprint: dict[str, Any],
    points: np.ndarray,
    run_ids: list[list[str]],
    params_file: dict[str, str],
) -> None:
    """Store the sweep's definition, or check that a resumed ledger holds the same sweep."""
    claim(ledger, KIND, fingerprint, folder)
    # The rest follows from the fingerprint; writing it again heals a driver killed in between.
    ledger.set_meta("points", points.tolist())
    ledger.set_meta("run_ids", run_ids)
    ledger.set_meta("params_file", params_file)


def runs_frame(ledger: Ledger) -> pd.DataFrame:
    """One row per recorded run of the sweep, in design order.

    Columns: run id, point (the first design point that uses the run), replicate, seed,
    status, the parameter values, the analysed outputs and the error (a traceback, if failed).
    """
    fingerprint = ledger.get_meta(KIND)
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


def ledger_path(folder: Path | str) -> Path:
    """The ledger of the sweep in `folder` (an error if there is none)."""
    path = Path(folder) / LEDGER_FILE
    if not path.is_file():
        raise InputError(
            "no sweep ledger here; run `transfrontier sweep` first", source=str(folder)
        )
    return path


def load_series(folder: Path | str, run_ids: list[str] | None = None) -> pd.DataFrame:
    """The yearly model tables of the sweep's successful runs, with their run id and point.

    Args:
        folder: The sweep folder.
        run_ids: Only these runs (default: every successful run).
    """
    with Ledger(ledger_path(folder)) as ledger:
        runs = runs_frame(ledger)
        runs = runs[runs.status == "ok"]
        if run_ids is not None:
            runs = runs[runs.run_id.isin(run_ids)]
        parts = []
        for rid, point in zip(runs.run_id, runs.point, strict=True):
            series = ledger.series(rid)
            series.insert(0, "point", point)
            series.insert(0, "run_id", rid)
            parts.append(series)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass
class SweepData:
    """A sweep as recorded: its definition, design and the outputs of every run.

    Attributes:
        meta: The sweep's definition (design, seeds, parameters, outputs, scenario).
        points: The design (one row per point).
        values: Outputs per point, replicate and output (NaN where a run failed or is missing).
        runs: One row per recorded run (`runs_frame`).
        run_ids: Run ids per point and replicate.
    """

    meta: dict[str, Any]
    points: np.ndarray
    values: np.ndarray
    runs: pd.DataFrame
    run_ids: list[list[str]]

    @property
    def parameters(self) -> list[str]:
        """Names of the varied parameters."""
        return [p["name"] for p in self.meta["parameters"]]

    @property
    def outputs(self) -> list[str]:
        """Names of the analysed outputs."""
        return [o["name"] for o in self.meta["outputs"]]

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem definition."""
        bounds = [[p["lo"], p["hi"]] for p in self.meta["parameters"]]
        return {"num_vars": len(bounds), "names": self.parameters, "bounds": bounds}

    @property
    def means(self) -> np.ndarray:
        """Replicate means per point and output (NaN where no replicate succeeded)."""
        counts = np.isfinite(self.values).sum(axis=1)
        sums = np.where(np.isfinite(self.values), self.values, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    @staticmethod
    def load(ledger: Ledger) -> SweepData:
        """Read a sweep from its ledger."""
        meta = ledger.get_meta(KIND)
        if meta is None:
            raise InputError("the ledger holds no sweep", source=str(ledger.path))
        run_ids = ledger.get_meta("run_ids")
        points = np.asarray(ledger.get_meta("points"), dtype=float)
        outputs = [o["name"] for o in meta["outputs"]]
        measures = {r.run_id: r.measures for r in ledger.records(kind=KIND) if r.ok}
        values = np.full((len(run_ids), meta["replicates"], len(outputs)), np.nan)
        for i, ids in enumerate(run_ids):
            for j, rid in enumerate(ids):
                if rid in measures:
                    values[i, j] = [measures[rid].get(o, np.nan) for o in outputs]
        return SweepData(meta, points, values, runs_frame(ledger), run_ids)
