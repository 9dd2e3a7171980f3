"""What a class reads beside its run: the paper's figures, the trade record, the flows.

The tables and the comparison panel of the teaching app, for a run as far as it has gone: the
run so far beside each figure of the paper that the model is compared with (`paper_table`), the
latest year beside the trade record (`record_table`), the region pairs' flows (`pair_flows`),
and the lines that say which levers are in force and what the class changed. Every text is in
the language asked for (`lang`, one of `sim.i18n.LANGUAGES`).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.controls import LEVER_CONTROLS, baseline, control_phrase, control_text
from sim.i18n import N_, grouped, translator
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


def paper_table(model: TransfrontierModel, lang: str = "en") -> pd.DataFrame:
    """The run so far beside each figure of the paper that the model is compared with."""
    tables = run_tables(model)
    reached = model.year if model.records else model.spec.start_year - 1
    paper = [t for t in load_targets() if t.kind != "path"]
    return pd.DataFrame([_compare(t, tables, reached, lang) for t in paper])


def record_table(model: TransfrontierModel, lang: str = "en") -> pd.DataFrame:
    """The latest simulated year beside the trade record, for each series of a path target.

    A path target's own measure is a distance over many years, which a class cannot read off
    one run as it goes; the panel shows the model's and the record's values of the year
    instead, and how far the model is from the record's band (the two mirror readings of a
    bilateral flow).
    """
    paths = [t for t in load_targets() if t.kind == "path"]
    row = model.records[-1].model if model.records else None
    return pd.DataFrame([_against_record(t, row, lang) for t in paths])


def money(value: float, lang: str) -> str:
    """An amount in US$ bn, one decimal, as `lang` writes it."""
    _ = translator(lang)
    return _("US${value} bn").format(value=f"{value:.1f}")


def _record_fmt(value: float, unit: str, lang: str) -> str:
    return money(value, lang) if unit == "US$ bn" else f"{value:.0%}"


def _against_record(target: Target, row: dict[str, Any] | None, lang: str) -> dict[str, str]:
    _ = translator(lang)
    unit = RECORD_SERIES[target.record].unit
    (first, last), held = target.years, target.validation
    if not target.fitted:
        years = _("{first}–{last}, not fitted").format(first=first, last=held[1] if held else last)
    elif held:
        years = _("fitted {first}–{last}, held out {held_first}–{held_last}").format(
            first=first, last=last, held_first=held[0], held_last=held[1]
        )
    else:
        years = _("fitted {first}–{last}").format(first=first, last=last)
    out = {
        "figure": _(RECORD_SERIES[target.record].label),
        "record": "—",
        "years": years,
        "run": "—",
        "verdict": _("not reached yet"),
    }
    if row is None:
        return out
    value = row[target.measure] / (row[target.per] if target.per else 1.0)
    out["run"] = _record_fmt(value, unit, lang)
    year = row["year"]
    rec = record(target.record)
    if year not in rec.index:
        out["verdict"] = _("no record for {year}").format(year=year)
        return out
    low, high = rec.low[year], rec.high[year]
    out["record"] = _record_fmt(rec.value[year], unit, lang)
    band = (_record_fmt(low, unit, lang), _record_fmt(high, unit, lang))
    if band[0] != band[1]:  # the two readings differ at the precision shown
        out["record"] += " " + _("({low} to {high})").format(low=band[0], high=band[1])
    if low <= value <= high:
        out["verdict"] = _("within the record")
    else:
        gap = f"{value / (high if value > high else low) - 1.0:+.0%}"
        out["verdict"] = _("{gap} off the record").format(gap=gap)
    return out


def _fmt(value: float, target: Target, lang: str, signed: bool = False) -> str:
    if target.statistic == "growth":
        _ = translator(lang)
        rate = f"{value:+.0%}" if signed else f"{value:.0%}"
        return _("{rate} a year").format(rate=rate)
    if "share" in target.measure:
        return f"{value:.0%}"
    if "usd" in target.measure:
        return money(value, lang)
    return grouped(value, lang)


def _compare(
    target: Target, tables: dict[str, pd.DataFrame], reached: int, lang: str
) -> dict[str, str]:
    _ = translator(lang)
    first, last = target.years
    paper = _fmt(target.value, target, lang)
    if target.kind == "lower_bound":
        paper = _("more than {value}").format(value=paper)
    elif target.kind == "range":
        high = _fmt(target.upper or target.value, target, lang)
        paper = _("{low} to {high}").format(low=paper, high=high)
    elif target.tolerance:
        paper = f"{paper} (± {_fmt(target.tolerance, target, lang)})"
    row = {
        "figure": f"{_(target.figure)} ({_(target.section)})",
        "paper": paper,
        "years": f"{first}" if first == last else f"{first}–{last}",
        "run": "—",
        "verdict": _("not reached yet"),
    }
    if reached < first:
        return row
    if reached < last:
        if target.table != "model":
            row["verdict"] = _("in progress")
            return row
        frame = tables["model"]
        value = float(frame[frame.year.between(first, last)][target.measure].mean())
    else:
        value = float(measure_values(target, tables).iloc[0])
    row["run"] = _fmt(value, target, lang, signed=True)
    if target.met(value):
        verdict = N_("meets it") if target.kind == "lower_bound" else N_("within tolerance")
    else:
        verdict = N_("above") if target.gap(value) > 0 else N_("below")
    final = reached >= last
    row["verdict"] = _(verdict) if final else _("{verdict} so far").format(verdict=_(verdict))
    return row


def levers_text(model: TransfrontierModel, lang: str = "en") -> str:
    """The levers in force in the latest simulated year, one line."""
    if not model.records:
        return ""
    row = model.records[-1].model
    levers = {k: row[f"lever_{k}"] for k in LEVERS}
    parts = [f"{control_phrase(k, lang)} {control_text(k, levers, lang)}" for k in LEVER_CONTROLS]
    return "; ".join(parts)


def settings_text(model: TransfrontierModel, lang: str = "en") -> str:
    """What a class changed in the scenario of this run, one line (empty for a plain model)."""
    settings = getattr(model, "settings", None)
    if settings is None:
        return ""
    _ = translator(lang)
    base = baseline(settings.scenario)
    parts = []
    cu = settings.customs_union_year
    if cu is not None and cu != base.customs_union_year:
        moved = _("Customs Union in {year}").format(year=cu)
        parts.append(_("no Customs Union") if cu > base.spec.end_year else moved)
    controls = settings.internal_controls_removed
    if controls is not None and controls != base.internal_controls_removed:
        parts.append(_("internal controls removed") if controls else _("internal controls kept"))
    if settings.levers:
        policy = base.policy_year if settings.policy_year is None else settings.policy_year
        held = ", ".join(f"{control_phrase(k, lang)} {v:g}" for k, v in settings.levers.items())
        parts.append(_("from {year}: {levers}").format(year=policy, levers=held))
    if settings.forums != "as scheduled":
        parts.append(_("forums {choice}").format(choice=_(settings.forums)))
    changes = "; ".join(parts) if parts else _("none")
    return _("{scenario}, seed {seed}, {firms} firm agents; class changes: {changes}").format(
        scenario=base.name,
        seed=settings.seed,
        firms=grouped(model.params.n_firms, lang),
        changes=changes,
    )


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


def panel_html(model: TransfrontierModel, lang: str = "en") -> str:
    """The comparison panel as HTML: where the run is, the paper's figures and the record."""
    _ = translator(lang)
    labels = {r.name: r.label for r in model.spec.regimes}
    if model.records:
        name = model.records[-1].model["regime"]
        regime = _(labels.get(name, name))
        head = f"<b>{model.year}</b> — {html.escape(regime)}"
    else:
        head = _("{year}, before the first step").format(year=f"<b>{model.spec.start_year}</b>")
    paper = (N_("the paper's figure (section)"), N_("paper"), N_("years"), N_("this run"), "")
    record_head = (N_("the trade record"), N_("record"), N_("years compared"), N_("this run"), "")
    small = "<p style='font-size:12px;margin:6px 0'>{}</p>"
    parts = [
        f"<p style='margin:0 0 6px'>{head}</p>",
        _table_html(paper_table(model, lang), tuple(map(_, paper))),
        small.format(
            _(
                "One run with one seed: the model's calibration compares the paper's figures "
                "with the mean of many replicates, so expect a few points of difference from run "
                "to run."
            )
        ),
        _table_html(record_table(model, lang), tuple(map(_, record_head))),
        small.format(
            _(
                "The trade record (IMF DOTS, WDI) and this run in the latest simulated year; a "
                "bilateral flow has two readings, one by each country. The calibration compares "
                "the model with the record over the years given and keeps the years held out for "
                "a check it was not fitted to."
            )
        ),
    ]
    if model.records:
        levers = html.escape(levers_text(model, lang))
        parts.append(small.format(_("Levers in force: {levers}.").format(levers=levers)))
    summary = settings_text(model, lang)
    if summary:
        run = html.escape(summary)
        parts.append(small.format(_("This run: {summary}.").format(summary=run)))
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
