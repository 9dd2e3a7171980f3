"""The paper's figures that the model is compared with (`calibration/targets.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim.errors import InputError

TARGETS_FILE = Path(__file__).resolve().parent.parent / "calibration" / "targets.toml"
KINDS = ("point", "lower_bound", "range")


@dataclass(frozen=True)
class Target:
    """One figure of the paper and the model measure it corresponds to."""

    id: str
    section: str
    figure: str
    measure: str
    value: float
    kind: str
    years: tuple[int, int]
    tolerance: float
    note: str = ""


@cache
def load_targets(path: Path = TARGETS_FILE) -> tuple[Target, ...]:
    """Read and check the targets file."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read targets: {exc}", source=str(path)) from exc
    out = []
    for i, entry in enumerate(raw.get("targets", [])):
        try:
            target = Target(
                id=entry["id"],
                section=entry["section"],
                figure=entry["figure"],
                measure=entry["measure"],
                value=float(entry["value"]),
                kind=entry["kind"],
                years=(int(entry["years"][0]), int(entry["years"][1])),
                tolerance=float(entry["tolerance"]),
                note=entry.get("note", ""),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(
                f"incomplete target: {exc}", source=str(path), key=f"targets[{i}]"
            ) from exc
        if target.kind not in KINDS:
            raise InputError(
                f"kind {target.kind!r} not one of {KINDS}",
                source=str(path),
                key=f"targets[{i}].kind",
            )
        out.append(target)
    return tuple(out)


def targets_by_measure() -> dict[str, Target]:
    """The targets keyed by the model column they are measured on."""
    return {t.measure: t for t in load_targets()}
