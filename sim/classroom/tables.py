"""What a class reads beside its run: the paper's figures, the trade record, the flows.

The tables and the comparison panel of the teaching app, for a run as far as it has gone: the
run so far beside each figure of the paper that the model is compared with (`paper_table`), the
latest year beside the trade record (`record_table`), the region pairs' flows (`pair_flows`),
and the lines that say which levers are in force and what the class changed.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.controls import LEVER_CONTROLS, baseline, control_text
from sim.model import TransfrontierModel
from sim.record import SERIES as RECORD_SERIES
from sim.record import record
from sim.scenario import LEVERS
from sim.targets import Target, load_targets, measure_values


def model_frame(model: TransfrontierModel) -> pd.DataFrame:
    """The `model` table of the run so far (one row per simulated year)."""
    return pd.DataFrame([r.model for r in model.records])


def run_tables(model: TransfrontierModel) -> dict[str, pd.DataFrame]:
    """The `model` and `regions` tables of the run so far, as one replicate."""
    tables = {"model": model_frame(model).assign(replicate=0)}
    if model.records:
        parts = [r.regions for r in model.records]
        regions = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        tables["regions"] = pd.DataFrame(regions).assign(replicate=0)
    return tables


def paper_table(model: TransfrontierModel) -> pd.DataFrame:
    """The run so far beside each figure of the paper that the model is compared with."""
    tables = run_tables(model)
    reached = model.year if model.records else model.spec.start_year - 1
    paper = [t for t in load_targets() if t.kind != "path"]
    return pd.DataFrame([_compare(t, tables, reached) for t in paper])


def record_table(model: TransfrontierModel) -> pd.DataFrame:
    """The latest simulated year beside the trade record, for each series of a path target.

    A path target's own measure is a distance over many years, which a class cannot read off
    one run as it goes; the panel shows the model's and the record's values of the year
    instead, and how far the model is from the record's band (the two mirror readings of a
    bilateral flow).
    """
    paths = [t for t in load_targets() if t.kind == "path"]
    row = model.records[-1].model if model.records else None
    return pd.DataFrame([_against_record(t, row) for t in paths])


def _record_fmt(value: float, unit: str) -> str:
    return f"US${value:.1f} bn" if unit == "US$ bn" else f"{value:.0%}"


def _against_record(target: Target, row: dict[str, Any] | None) -> dict[str, str]:
    unit = RECORD_SERIES[target.record].unit
    (first, last), held = target.years, target.validation
    if not target.fitted:
        years = f"{first}–{held[1] if held else last}, not fitted"
    else:
        years = f"fitted {first}–{last}" + (f", held out {held[0]}–{held[1]}" if held else "")
    out = {
        "figure": RECORD_SERIES[target.record].label,
        "record": "—",
        "years": years,
        "run": "—",
        "verdict": "not reached yet",
    }
    if row is None:
        return out
    value = row[target.measure] / (row[target.per] if target.per else 1.0)
    out["run"] = _record_fmt(value, unit)
    year = row["year"]
    rec = record(target.record)
    if year not in rec.index:
        out["verdict"] = f"no record for {year}"
        return out
    low, high = rec.low[year], rec.high[year]
    out["record"] = _record_fmt(rec.value[year], unit)
    band = (_record_fmt(low, unit), _record_fmt(high, unit))
    if band[0] != band[1]:  # the two readings differ at the precision shown
        out["record"] += f" ({band[0]} to {band[1]})"
    if low <= value <= high:
        out["verdict"] = "within the record"
    else:
        out["verdict"] = f"{value / (high if value > high else low) - 1.0:+.0%} off the record"
    return out


def _fmt(value: float, target: Target, signed: bool = False) -> str:
    if target.statistic == "growth":
        return f"{value:+.0%} a year" if signed else f"{value:.0%} a year"
    if "share" in target.measure:
        return f"{value:.0%}"
    if "usd" in target.measure:
        return f"US${value:.1f} bn"
    return f"{value:,.0f}"


def _compare(target: Target, tables: dict[str, pd.DataFrame], reached: int) -> dict[str, str]:
    first, last = target.years
    paper = _fmt(target.value, target)
    if target.kind == "lower_bound":
        paper = f"more than {paper}"
    elif target.kind == "range":
        paper = f"{paper} to {_fmt(target.upper or target.value, target)}"
    elif target.tolerance:
        paper = f"{paper} (± {_fmt(target.tolerance, target)})"
    row = {
        "figure": f"{target.figure} ({target.section})",
        "paper": paper,
        "years": f"{first}" if first == last else f"{first}–{last}",
        "run": "—",
        "verdict": "not reached yet",
    }
    if reached < first:
        return row
    if reached < last:
        if target.table != "model":
            row["verdict"] = "in progress"
            return row
        frame = tables["model"]
        value = float(frame[frame.year.between(first, last)][target.measure].mean())
    else:
        value = float(measure_values(target, tables).iloc[0])
    row["run"] = _fmt(value, target, signed=True)
    if target.met(value):
        verdict = "meets it" if target.kind == "lower_bound" else "within tolerance"
    else:
        verdict = "above" if target.gap(value) > 0 else "below"
    row["verdict"] = verdict if reached >= last else f"{verdict} so far"
    return row


def levers_text(model: TransfrontierModel) -> str:
    """The levers in force in the latest simulated year, one line."""
    if not model.records:
        return ""
    row = model.records[-1].model
    levers = {k: row[f"lever_{k}"] for k in LEVERS}
    parts = [
        f"{label.lower()} {control_text(k, levers)}" for k, (label, _) in LEVER_CONTROLS.items()
    ]
    return "; ".join(parts)


def settings_text(model: TransfrontierModel) -> str:
    """What a class changed in the scenario of this run, one line (empty for a plain model)."""
    settings = getattr(model, "settings", None)
    if settings is None:
        return ""
    base = baseline(settings.scenario)
    parts = []
    cu = settings.customs_union_year
    if cu is not None and cu != base.customs_union_year:
        parts.append("no Customs Union" if cu > base.spec.end_year else f"Customs Union in {cu}")
    controls = settings.internal_controls_removed
    if controls is not None and controls != base.internal_controls_removed:
        parts.append("internal controls " + ("removed" if controls else "kept"))
    if settings.levers:
        policy = base.policy_year if settings.policy_year is None else settings.policy_year
        held = ", ".join(
            f"{LEVER_CONTROLS[k][0].lower()} {v:g}" for k, v in settings.levers.items()
        )
        parts.append(f"from {policy}: {held}")
    if settings.forums != "as scheduled":
        parts.append(f"forums {settings.forums}")
    changes = "; ".join(parts) if parts else "none"
    firms = model.params.n_firms
    return f"{base.name}, seed {settings.seed}, {firms:,} firm agents; class changes: {changes}"


def _table_html(table: pd.DataFrame, header: tuple[str, ...]) -> str:
    """A table of the panel: its five columns of text under `header`."""
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td style='padding:2px 6px;border-bottom:1px solid #ddd'>{html.escape(v)}</td>"
            for v in row
        )
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    heads = "".join(f"<th style='text-align:left;padding:2px 6px'>{h}</th>" for h in header)
    return f"<table style='border-collapse:collapse;font-size:12px'><tr>{heads}</tr>{cells}</table>"


def panel_html(model: TransfrontierModel) -> str:
    """The comparison panel as HTML: where the run is, the paper's figures and the record."""
    labels = {r.name: r.label for r in model.spec.regimes}
    if model.records:
        row = model.records[-1].model
        head = f"<b>{model.year}</b> — {html.escape(labels.get(row['regime'], row['regime']))}"
    else:
        head = f"<b>{model.spec.start_year}</b>, before the first step"
    paper = ("the paper's figure (section)", "paper", "years", "this run", "")
    record_head = ("the trade record", "record", "years compared", "this run", "")
    parts = [
        f"<p style='margin:0 0 6px'>{head}</p>",
        _table_html(paper_table(model), paper),
        "<p style='font-size:12px;margin:6px 0'>One run with one seed: the model's calibration "
        "compares the paper's figures with the mean of many replicates, so expect a few points "
        "of difference from run to run.</p>",
        _table_html(record_table(model), record_head),
        "<p style='font-size:12px;margin:6px 0'>The trade record (IMF DOTS, WDI) and this run "
        "in the latest simulated year; a bilateral flow has two readings, one by each country. "
        "The calibration compares the model with the record over the years given and keeps the "
        "years held out for a check it was not fitted to.</p>",
    ]
    if model.records:
        parts.append(
            f"<p style='font-size:12px;margin:6px 0'>Levers in force: "
            f"{html.escape(levers_text(model))}.</p>"
        )
    summary = settings_text(model)
    if summary:
        parts.append(
            f"<p style='font-size:12px;margin:6px 0'>This run: {html.escape(summary)}.</p>"
        )
    return "\n".join(parts)


def pair_flows(model: TransfrontierModel) -> pd.DataFrame:
    """This year's recorded trade of every Kazakh–Russian region pair, both directions, US$ bn.

    Recorded goods and commodities, as the model's turnover counts them (`pair_trade`); `a` is
    the Russian region's market index, `b` the Kazakh region's.
    """
    ru, kz = np.nonzero(model.pair_trade)
    return pd.DataFrame(
        {
            "a": model.ru[ru],
            "b": model.kz[kz],
            "usd_bn": model.pair_trade[ru, kz],
            "agreement": model.linked[ru, kz],
        }
    ).sort_values("usd_bn", ascending=False, ignore_index=True)
