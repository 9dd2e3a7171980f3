"""The targets (`calibration/targets.toml`): the paper's figures and the trade record.

A target names a model measure; `measure_values` computes it for every replicate of a run's
tables, and `gap` says how far a mean is from the figure in the target's own terms. Two sorts:

- a figure of the paper (kinds `point`, `lower_bound`, `range`), measured over a window of years;
- a path of the trade record (kind `path`, `sim.record`): the model's yearly series (a `model`
  column, divided by `per` when given) against a record series. Its measure is the root mean
  square, over the fitted `years`, of the log distance of the model from the record's band (the
  two mirror readings of a bilateral flow; 0 inside it), so a path is met when the model stays
  within `tolerance` of the record in that sense. The `validation` years are never in the loss:
  they are reported beside the fitted ones as an out-of-sample check.

The file also lists the paper's figures used as inputs and those not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import schema
from sim.errors import InputError
from sim.inputs import (
    check_keys,
    did_you_mean,
    flag,
    interval,
    number,
    one_of,
    read_toml,
    require_keys,
    text,
    text_list,
)
from sim.parameters import Range

TARGETS_FILE = Path(__file__).resolve().parent.parent / "calibration" / "targets.toml"
KINDS = ("point", "lower_bound", "range", "path")
TABLES = ("model", "regions")
STATISTICS = ("mean", "growth")


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
    table: str = "model"
    regions: tuple[str, ...] = ()
    statistic: str = "mean"
    note: str = ""
    upper: float | None = None  # for kind = "range"
    fitted: bool = True  # counts in the calibration's loss (false: reported only)
    record: str = ""  # for kind = "path": the record series (`sim.record.SERIES`)
    per: str = ""  # for kind = "path": a model column the measure is divided by
    validation: tuple[int, int] | None = None  # for kind = "path": out-of-sample years
    exclude: tuple[int, ...] = ()  # for kind = "path": years left out of both (no record)

    def gap(self, mean: float) -> float:
        """Signed distance of a model mean from the figure (0 inside a bound or range).

        For a path the mean is already a distance from the record (its RMS log gap).
        """
        if self.kind == "path":
            return mean
        if self.kind == "lower_bound":
            return min(0.0, mean - self.value)
        if self.kind == "range":
            return min(0.0, mean - self.value) + max(0.0, mean - (self.upper or self.value))
        return mean - self.value

    def met(self, mean: float) -> bool:
        """Whether a model mean matches the figure within the tolerance."""
        return abs(self.gap(mean)) <= self.tolerance + 1e-12


TARGET_KEYS = {f.name for f in fields(Target)}
REQUIRED = ("id", "section", "figure", "measure", "value", "kind", "years", "tolerance")
AT_LEAST_0 = Range(0.0, float("inf"))
# The figures that are not targets, with the keys each entry has.
ACCOUNTS = {"inputs": {"section", "figure", "use"}, "not_modelled": {"section", "figure", "reason"}}


@dataclass(frozen=True)
class Catalogue:
    """Every figure of the paper, by what the model does with it."""

    targets: tuple[Target, ...]
    inputs: tuple[dict, ...] = field(default_factory=tuple)
    not_modelled: tuple[dict, ...] = field(default_factory=tuple)


def _target(entry: Any, where: str, source: str) -> Target:
    check_keys(entry, TARGET_KEYS, source, where)
    require_keys(entry, REQUIRED, source, where)

    def key(name: str) -> str:
        return f"{where}.{name}"

    table = one_of(entry.get("table", "model"), TABLES, source, key("table"), "table")
    kind = one_of(entry["kind"], KINDS, source, key("kind"), "kind")
    target = Target(
        id=text(entry["id"], source, key("id")),
        section=text(entry["section"], source, key("section")),
        figure=text(entry["figure"], source, key("figure")),
        measure=_column(entry["measure"], table, source, key("measure"), "measure"),
        value=float(number(entry["value"], source, key("value"))),
        kind=kind,
        years=_years(entry["years"], source, key("years")),
        tolerance=float(number(entry["tolerance"], source, key("tolerance"), allowed=AT_LEAST_0)),
        table=table,
        regions=text_list(entry.get("regions", []), source, key("regions")),
        statistic=one_of(
            entry.get("statistic", "mean"), STATISTICS, source, key("statistic"), "statistic"
        ),
        note=text(entry.get("note", ""), source, key("note")),
        upper=float(number(entry["upper"], source, key("upper"))) if "upper" in entry else None,
        fitted=flag(entry.get("fitted", True), source, key("fitted")),
        record=text(entry.get("record", ""), source, key("record")),
        per=_column(entry.get("per", ""), table, source, key("per"), "per"),
        validation=_years(entry["validation"], source, key("validation"))
        if "validation" in entry
        else None,
        exclude=tuple(
            int(number(y, source, key("exclude"), kind=int)) for y in entry.get("exclude", [])
        ),
    )
    if target.table == "regions" and not target.regions:
        raise InputError("a regions-table target needs `regions`", source=source, key=where)
    if target.kind == "path":
        from sim.record import SERIES

        one_of(target.record, sorted(SERIES), source, key("record"), "record")
        if target.table != "model":
            raise InputError(
                "a path target is measured on the model table", source=source, key=key("table")
            )
        if target.validation and target.validation[0] <= target.years[1]:
            raise InputError(
                f"validation years {target.validation} must come after the fitted years "
                f"{target.years}",
                source=source,
                key=key("validation"),
            )
    return target


def _years(value: Any, source: str, key: str) -> tuple[int, int]:
    first, last = interval(value, source, key, kind=int, strict=False, what="years")
    return int(first), int(last)


def _column(value: Any, table: str, source: str, key: str, name: str) -> str:
    """A numeric column of `table` (or nothing, for an optional one)."""
    columns = schema.numeric_columns(table)
    if value and value not in columns:
        raise InputError(
            f"{name} {value!r} is not a numeric column of the {table} table "
            f"(sim/schema.py){did_you_mean(str(value), columns)}",
            source=source,
            key=key,
        )
    return text(value, source, key)


@cache
def load_catalogue(path: Path = TARGETS_FILE) -> Catalogue:
    """Read and check the targets file."""
    source = str(path)
    raw, _ = read_toml(path)
    check_keys(raw, {"targets", *ACCOUNTS}, source)
    targets = tuple(
        _target(entry, f"targets[{i}]", source) for i, entry in enumerate(raw.get("targets", []))
    )
    ids = [t.id for t in targets]
    if len(set(ids)) != len(ids):
        raise InputError("target ids must be unique", source=source, key="targets")
    for kind, needed in ACCOUNTS.items():
        for i, entry in enumerate(raw.get(kind, [])):
            check_keys(entry, needed, source, f"{kind}[{i}]")
            require_keys(entry, needed, source, f"{kind}[{i}]")
    return Catalogue(targets, tuple(raw.get("inputs", [])), tuple(raw.get("not_modelled", [])))


def load_targets(path: Path = TARGETS_FILE) -> tuple[Target, ...]:
    """The targets of the catalogue."""
    return load_catalogue(path).targets


def targets_by_measure() -> dict[str, Target]:
    """The paper's model-table targets keyed by the column they are measured on."""
    return {t.measure: t for t in load_targets() if t.table == "model" and t.kind != "path"}


def path_series(target: Target, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A path target's model series: one row per replicate and year (`replicate, year, value`)."""
    frame = tables["model"]
    value = frame[target.measure] / (frame[target.per] if target.per else 1.0)
    return pd.DataFrame({"replicate": frame.replicate, "year": frame.year, "value": value})


def path_frame(model: pd.DataFrame) -> pd.DataFrame:
    """Every path target's model series from a `model` table: `year, replicate, <target ids>`."""
    out = model[["year", "replicate"]].copy()
    for target in (t for t in load_targets() if t.kind == "path"):
        out[target.id] = model[target.measure] / (model[target.per] if target.per else 1.0)
    return out


def path_years(target: Target, which: str = "fitted") -> np.ndarray:
    """The years of a path target that are fitted (or, with `which="validation"`, held out)."""
    span = target.years if which == "fitted" else target.validation
    if span is None:
        return np.array([], dtype=int)
    years = np.arange(span[0], span[1] + 1)
    return years[~np.isin(years, target.exclude)]


def path_gap(target: Target, series: pd.Series, which: str = "fitted") -> float:
    """RMS log distance of one model series (indexed by year) from the record's band."""
    from sim.record import log_gaps

    gaps = log_gaps(series.clip(lower=1e-12), target.record, path_years(target, which))
    return float(np.sqrt(np.mean(gaps**2))) if len(gaps) else float("nan")


def measure_values(target: Target, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """The target's measure for every replicate of a run's tables (indexed by replicate)."""
    first, last = target.years
    if target.kind == "path":
        series = path_series(target, tables)
        return series.groupby("replicate").apply(
            lambda g: path_gap(target, g.set_index("year").value)
        )
    if target.table == "model":
        frame = tables["model"]
        window = frame[frame.year.between(first, last)]
        return window.groupby("replicate")[target.measure].mean()
    frame = tables["regions"]
    chosen = frame[frame.region_id.isin(target.regions)]
    totals = chosen.groupby(["replicate", "year"])[target.measure].sum().unstack("year")
    if target.statistic == "growth":
        span = last - first
        ratio = totals[last] / totals[first].where(totals[first] > 0)
        return (ratio ** (1.0 / span) - 1.0).fillna(0.0)
    return totals[last]


def measure_all(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every target's measure: one row per replicate, one column per target id."""
    return pd.DataFrame({t.id: measure_values(t, tables) for t in load_targets()})


def summary_row(target: Target, values: np.ndarray) -> dict:
    """Mean, 90% interval and fit of a target over replicate values."""
    mean = float(np.mean(values))
    return {
        "target": target.id,
        "figure": target.value,
        "kind": target.kind,
        "mean": mean,
        "p05": float(np.quantile(values, 0.05)),
        "p95": float(np.quantile(values, 0.95)),
        "gap": target.gap(mean),
        "tolerance": target.tolerance,
        "met": target.met(mean),
    }
