"""Figures of a run: time paths over replicates with the regime periods, the paper and the record.

Every series is drawn as its mean over replicates with a 5–95% band; the regime in force for
most of each year is shaded and labelled; the paper's figures (`calibration/targets.toml`) are
marked where they apply, and the trade record (`sim.record`) is drawn beside the model with the
years fitted and the years held out for validation told apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.record import SERIES as RECORD_SERIES
from sim.record import record
from sim.targets import Target, load_targets, path_frame, path_years, targets_by_measure

if TYPE_CHECKING:
    from sim.runner import Results

SHADES = ("#f2f2f2", "#e3e8f0")


def regime_spans(model: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(regime, first year, last year) for each run of years under one regime."""
    years = model.drop_duplicates("year").sort_values("year")
    spans: list[tuple[str, int, int]] = []
    for year, regime in zip(years.year, years.regime, strict=True):
        if spans and spans[-1][0] == regime and spans[-1][2] == year - 1:
            spans[-1] = (regime, spans[-1][1], year)
        else:
            spans.append((regime, year, year))
    return spans


def shade_regimes(ax: Axes, model: pd.DataFrame) -> None:
    """Shade the regime periods and write their names along the top."""
    for i, (regime, first, last) in enumerate(regime_spans(model)):
        ax.axvspan(first - 0.5, last + 0.5, color=SHADES[i % 2], zorder=0, lw=0)
        ax.text(
            (first + last) / 2,
            0.99,
            regime.replace("_", " "),
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="center",
            va="top",
            fontsize=7,
            color="#555555",
        )


def band(ax: Axes, model: pd.DataFrame, column: str, label: str, color: str) -> None:
    """Mean over replicates with a 5–95% band."""
    grouped = model.groupby("year")[column]
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy(), color=color, lw=2, label=label)
    if model.replicate.nunique() > 1:
        lo, hi = grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, lo.to_numpy(), hi.to_numpy(), color=color, alpha=0.2, lw=0)


def mark_target(ax: Axes, target: Target | None, color: str) -> None:
    """Mark a paper figure: a point (with its tolerance), a range, or a bound over its years."""
    if target is None:
        return
    value = target.value
    first, last = target.years
    label = f"paper: {target.figure[:60]}{'…' if len(target.figure) > 60 else ''}"
    if target.kind == "lower_bound":
        ax.hlines(value, first - 0.5, last + 0.5, colors=color, linestyles="--", lw=1.5)
        ax.annotate("≥ paper", (last + 0.5, value), fontsize=7, color=color, va="bottom")
    elif target.kind == "range":
        ax.vlines((first + last) / 2, value, target.upper, colors=color, lw=4, alpha=0.6,
                  label=f"{label} (read as {value:g}–{target.upper:g})")  # fmt: skip
    else:
        ax.errorbar(
            (first + last) / 2,
            value,
            yerr=target.tolerance,
            fmt="D",
            color=color,
            ms=6,
            capsize=3,
            label=label,
        )


def _finish(fig: Figure, ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    # Below the axes, so that it hides neither the data nor the regime names.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    fig.tight_layout()


def turnover_figure(model: pd.DataFrame) -> Figure:
    """Recorded Russia–Kazakhstan turnover and its two directions, US$ bn."""
    targets = targets_by_measure()
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model)
    band(ax, model, "turnover_usd_bn", "turnover (recorded)", "#1f4e79")
    band(ax, model, "turnover_total_usd_bn", "turnover incl. unrecorded", "#7fa7d1")
    band(ax, model, "kz_exports_to_ru_usd_bn", "Kazakh exports to Russia", "#c55a11")
    band(ax, model, "kz_imports_from_ru_usd_bn", "Kazakh imports from Russia", "#548235")
    mark_target(ax, targets.get("turnover_usd_bn"), "#1f4e79")
    _finish(fig, ax, "Russia–Kazakhstan trade", "US$ bn (current)")
    return fig


def shares_figure(model: pd.DataFrame) -> Figure:
    """The two cooperation shares of recorded turnover."""
    targets = targets_by_measure()
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model)
    band(ax, model, "interregional_share", "between regions linked by agreements", "#1f4e79")
    band(ax, model, "border_region_share", "with a Russian border region", "#c55a11")
    mark_target(ax, targets.get("interregional_share"), "#1f4e79")
    mark_target(ax, targets.get("border_region_share"), "#c55a11")
    ax.set_ylim(0, 1)
    _finish(fig, ax, "Shares of recorded Russia–Kazakhstan turnover", "share")
    return fig


def ventures_figure(model: pd.DataFrame) -> Figure:
    """Joint ventures by location and capital origin."""
    targets = targets_by_measure()
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model)
    band(ax, model, "jv_kz", "in Kazakhstan, all foreign capital", "#1f4e79")
    band(ax, model, "jv_kz_russian", "in Kazakhstan, Russian capital", "#c55a11")
    band(ax, model, "jv_kz_row", "in Kazakhstan, third-country capital", "#7f7f7f")
    band(ax, model, "jv_ru", "in Russia, Kazakh capital", "#548235")
    mark_target(ax, targets.get("jv_kz"), "#1f4e79")
    share = targets.get("jv_kz_russian_share")
    total = targets.get("jv_kz")
    if share is not None and total is not None:
        first, last = share.years
        ax.plot(
            (first + last) / 2,
            share.value * total.value,
            "D",
            color="#c55a11",
            ms=6,
            label="paper: 85% of them (1,790) with Russian capital",
        )
    _finish(fig, ax, "Joint ventures (active, real count)", "joint ventures")
    return fig


def agreements_figure(model: pd.DataFrame) -> Figure:
    """Interregional agreements and Russian regions linked with Kazakh partners."""
    targets = targets_by_measure()
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model)
    band(ax, model, "agreements", "active agreements", "#1f4e79")
    band(ax, model, "linked_ru_regions", "Russian regions with a Kazakh partner", "#c55a11")
    band(ax, model, "linked_kz_regions", "Kazakh regions with a Russian partner", "#548235")
    mark_target(ax, targets.get("agreements"), "#1f4e79")
    mark_target(ax, targets.get("linked_ru_regions"), "#c55a11")
    _finish(fig, ax, "Interregional cooperation agreements", "count")
    return fig


PARTNER_COLUMNS = {
    "kz_imports_from_ru_usd_bn": ("from Russia", "#c00000"),
    "kz_imports_from_cn_usd_bn": ("from China", "#bf9000"),
    "kz_imports_from_eu_usd_bn": ("from the European Union", "#2e75b6"),
    "kz_imports_from_row_usd_bn": ("from the rest of the world", "#7f7f7f"),
}


def partners_figure(model: pd.DataFrame) -> Figure:
    """Kazakhstan's recorded imports by partner, US$ bn."""
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model)
    for column, (label, color) in PARTNER_COLUMNS.items():
        band(ax, model, column, label, color)
    _finish(fig, ax, "Kazakhstan's imports by partner (recorded)", "US$ bn (current)")
    return fig


def _record_targets() -> list[Target]:
    return [t for t in load_targets() if t.kind == "path"]


def record_figure(paths: pd.DataFrame) -> Figure:
    """The model against the trade record, one panel per record path of the targets.

    `paths` holds `year`, a run column (`replicate`) and one column per path target (see
    `sim.targets.path_frame`). The record is the line with its band of the two mirror
    readings; the fitted years are shaded light, the validation years (never fitted) darker.
    """
    targets = _record_targets()
    run = "replicate" if "replicate" in paths else "seed"
    cols = 3
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.1 * rows), squeeze=False)
    for ax, target in zip(axes.flat, targets, strict=False):
        frame = paths[["year"]].assign(value=paths[target.id], replicate=paths[run])
        fitted, held = path_years(target), path_years(target, "validation")
        if fitted.size:
            ax.axvspan(fitted[0] - 0.5, fitted[-1] + 0.5, color="#eef3ea", lw=0, zorder=0)
        if held.size:
            ax.axvspan(held[0] - 0.5, held[-1] + 0.5, color="#fbe5d6", lw=0, zorder=0)
        band(ax, frame, "value", "model", "#1f4e79")
        rec = record(target.record)
        rec = rec[rec.index.isin(paths.year.unique())]
        ax.plot(rec.index, rec.value, "o-", color="#c00000", ms=3, lw=1.2, label="record")
        ax.fill_between(rec.index, rec.low, rec.high, color="#c00000", alpha=0.15, lw=0)
        series = RECORD_SERIES[target.record]
        ax.set_title(series.label + ("" if target.fitted else " (not fitted)"), fontsize=8.5)
        ax.set_ylabel(series.unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(targets) :]:
        ax.set_visible(False)
    handles = [
        plt.Line2D([], [], color="#1f4e79", lw=2, label="model (mean, 5–95% of replicates)"),
        plt.Line2D(
            [], [], color="#c00000", marker="o", ms=3, label="record (band: mirror readings)"
        ),
        plt.Rectangle((0, 0), 1, 1, color="#eef3ea", label="fitted years"),
        plt.Rectangle((0, 0), 1, 1, color="#fbe5d6", label="validation years (not fitted)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle("The model against the trade record (IMF DOTS, WDI)", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


FIGURES = {
    "turnover": turnover_figure,
    "shares": shares_figure,
    "ventures": ventures_figure,
    "agreements": agreements_figure,
    "partners": partners_figure,
    "record": record_figure,
}


PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#7f7f7f", "#c00000")
LABELS = {
    "turnover_usd_bn": ("Recorded Russia–Kazakhstan turnover", "US$ bn (current)"),
    "interregional_share": ("Share of turnover between regions linked by agreements", "share"),
    "border_region_share": ("Share of turnover with a Russian border region", "share"),
    "jv_kz": ("Joint ventures in Kazakhstan", "joint ventures"),
    "jv_kz_russian_share": ("Share of Kazakh joint ventures with Russian capital", "share"),
    "agreements": ("Active interregional agreements", "agreements"),
    "kz_imports_usd_bn": ("Kazakhstan's recorded goods imports", "US$ bn (current)"),
    "kz_imports_from_ru_usd_bn": ("Kazakh imports from Russia", "US$ bn (current)"),
    "kz_imports_from_cn_usd_bn": ("Kazakh imports from China", "US$ bn (current)"),
    "kz_imports_from_eu_usd_bn": ("Kazakh imports from the European Union", "US$ bn (current)"),
    "ru_share_of_kz_imports": ("Russia's share of Kazakhstan's imports", "share"),
}


def comparison_figure(model: pd.DataFrame, order: list[str], outcome: str) -> Figure:
    """One outcome for several scenarios, each as mean and 5–95% band over replicates.

    The shaded periods are the regimes of the first (reference) scenario.
    """
    title, ylabel = LABELS.get(outcome, (outcome, outcome))
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model[model.scenario == order[0]])
    for i, name in enumerate(order):
        band(ax, model[model.scenario == name], outcome, name, PALETTE[i % len(PALETTE)])
    mark_target(ax, targets_by_measure().get(outcome), "#000000")
    _finish(fig, ax, f"{title} — regimes shaded: {order[0]}", ylabel)
    return fig


def save_comparison_plots(model: pd.DataFrame, order: list[str], folder: Path) -> list[Path]:
    """Write one overlay figure per compared outcome into `folder`."""
    from sim.compare import OUTCOMES

    paths = []
    for outcome in OUTCOMES:
        fig = comparison_figure(model, order, outcome)
        path = Path(folder) / f"compare-{outcome}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def save_plots(results: Results, folder: Path) -> list[Path]:
    """Write every figure of `results` as PNG into `folder` (the record's only for history)."""
    paths = []
    years = results.model.year
    for name, make in FIGURES.items():
        if name == "record" and not (years.min() <= 1995 and years.max() >= 2012):
            continue
        fig = (record_figure(path_frame(results.model)) if name == "record"
               else make(results.model))  # fmt: skip
        title = results.meta.get("title", "")
        if title:
            fig.suptitle(title, fontsize=9, x=0.99, ha="right", color="#555555")
        path = Path(folder) / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
