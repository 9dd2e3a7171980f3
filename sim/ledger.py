"""The run ledger: one SQLite file per study, written only by the driver process.

Every run of a sweep or calibration is recorded under a deterministic run id (a hash of the
resolved scenario, the parameters, the seed and the package version), with its inputs, its
status (ok, or failed with the traceback) and its outputs: a few scalar measures and its time
series (the `model` table, stored as Parquet bytes). A study killed at any point resumes by
skipping the runs already recorded, and a run is never recorded twice (the id is the primary
key). Analysis reads the ledger and never re-runs the model.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    tag TEXT NOT NULL,
    scenario TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    measures TEXT,
    series BLOB,
    error TEXT,
    version TEXT NOT NULL,
    recorded TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS runs_kind_tag ON runs (kind, tag);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# The columns a `Record` is read from, in its fields' order.
RECORD_COLUMNS = "run_id, kind, tag, scenario, params, seed, status, measures, error"


def run_id(scenario: dict[str, Any], params: dict[str, Any], seed: int, version: str) -> str:
    """Deterministic id of a run: the same inputs always give the same id."""
    payload = json.dumps(
        {"scenario": scenario, "params": params, "seed": int(seed), "version": version},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Record:
    """One recorded run."""

    run_id: str
    kind: str
    tag: str
    scenario: str
    params: dict[str, Any]
    seed: int
    status: str
    measures: dict[str, float]
    error: str

    @property
    def ok(self) -> bool:
        """Whether the run succeeded."""
        return self.status == "ok"

    @staticmethod
    def from_row(row: tuple) -> Record:
        """A record from a row of `RECORD_COLUMNS`."""
        rid, kind, tag, scenario, params, seed, status, measures, error = row
        return Record(
            rid, kind, tag, scenario, json.loads(params), seed, status,
            json.loads(measures or "{}"), error or "",
        )  # fmt: skip


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def bytes_to_frame(data: bytes) -> pd.DataFrame:
    """The table stored by `frame_to_bytes`."""
    return pd.read_parquet(io.BytesIO(data))


class Ledger:
    """A study's run ledger (SQLite). Open it in the driver only."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(SCHEMA)
        self._db.commit()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, rid: str) -> bool:
        """Whether a run is already recorded (ok or failed)."""
        row = self._db.execute("SELECT 1 FROM runs WHERE run_id = ?", (rid,)).fetchone()
        return row is not None

    def done_ids(self) -> set[str]:
        """Ids of every recorded run."""
        return {row[0] for row in self._db.execute("SELECT run_id FROM runs")}

    def record(
        self,
        rid: str,
        *,
        kind: str,
        tag: str,
        scenario: str,
        params: dict[str, Any],
        seed: int,
        version: str,
        measures: dict[str, float] | None = None,
        series: pd.DataFrame | None = None,
        error: str = "",
    ) -> None:
        """Record one run (once: a second record of the same id is ignored)."""
        self._db.execute(
            "INSERT OR IGNORE INTO runs (run_id, kind, tag, scenario, params, seed, status, "
            "measures, series, error, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rid,
                kind,
                tag,
                scenario,
                json.dumps(params, sort_keys=True),
                int(seed),
                "failed" if error else "ok",
                json.dumps(measures or {}, sort_keys=True),
                None if series is None else frame_to_bytes(series),
                error,
                version,
            ),
        )
        self._db.commit()

    def records(self, kind: str | None = None, tag: str | None = None) -> Iterator[Record]:
        """Recorded runs, optionally of one kind and tag, in recording order."""
        query = f"SELECT {RECORD_COLUMNS} FROM runs"
        clauses, args = [], []
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        if tag is not None:
            clauses.append("tag = ?")
            args.append(tag)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        for row in self._db.execute(query + " ORDER BY rowid", args):
            yield Record.from_row(row)

    def get(self, rid: str) -> Record | None:
        """The record of one run, if recorded."""
        query = f"SELECT {RECORD_COLUMNS} FROM runs WHERE run_id = ?"
        row = self._db.execute(query, (rid,)).fetchone()
        return None if row is None else Record.from_row(row)

    def series(self, rid: str) -> pd.DataFrame:
        """The stored time series of a run."""
        row = self._db.execute("SELECT series FROM runs WHERE run_id = ?", (rid,)).fetchone()
        if row is None or row[0] is None:
            raise KeyError(f"no series recorded for run {rid}")
        return bytes_to_frame(row[0])

    def count(self, kind: str | None = None) -> int:
        """Number of recorded runs (of one kind)."""
        if kind is None:
            return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM runs WHERE kind = ?", (kind,)).fetchone()[0]

    def recorded_times(self, kind: str) -> pd.Series:
        """When each run of one kind was recorded (UTC, to the second), in recording order."""
        rows = self._db.execute(
            "SELECT recorded FROM runs WHERE kind = ? ORDER BY rowid", (kind,)
        ).fetchall()
        return pd.to_datetime(pd.Series([r[0] for r in rows], dtype="object"))

    def set_meta(self, key: str, value: Any) -> None:
        """Store a study-level value (JSON)."""
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )
        self._db.commit()

    def meta_items(self, prefix: str) -> dict[str, Any]:
        """Every study-level value whose key starts with `prefix`."""
        rows = self._db.execute("SELECT key, value FROM meta WHERE key LIKE ?", (f"{prefix}%",))
        return {key: json.loads(value) for key, value in rows}

    def get_meta(self, key: str, default: Any = None) -> Any:
        """Read a study-level value."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])
