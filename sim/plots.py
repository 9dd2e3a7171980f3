"""Figures of a run: time paths over replicates with the regime periods, the paper and the record.

Every series is drawn as its mean over replicates with a 5–95% band; the regime in force for
most of each year is shaded and labelled; the paper's figures (`calibration/targets.toml`) are
marked where they apply, and the trade record (`sim.record`) is drawn beside the model with the
years fitted and the years held out for validation told apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim import schema
from sim.i18n import N_, translator
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


def regime_title(regime: str) -> str:
    """The English name of a regime as a figure writes it (its message id): no underscores."""
    return regime.replace("_", " ")


def shade_regimes(ax: Axes, model: pd.DataFrame, lang: str = "en") -> None:
    """Shade the regime periods and write their names along the top."""
    _ = translator(lang)
    for i, (regime, first, last) in enumerate(regime_spans(model)):
        ax.axvspan(first - 0.5, last + 0.5, color=SHADES[i % 2], zorder=0, lw=0)
        ax.text(
            (first + last) / 2,
            0.99,
            _(regime_title(regime)),
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="center",
            va="top",
            fontsize=7,
            color="#555555",
        )


def band(ax: Axes, model: pd.DataFrame, column: str, label: str, color: str, ls: str = "-") -> None:
    """Mean over runs (replicates, and posterior draws if any) with a 5–95% band."""
    grouped = model.groupby("year")[column]
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy(), color=color, lw=2, ls=ls, label=label)
    if len(model) > model.year.nunique():  # more than one run
        lo, hi = grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, lo.to_numpy(), hi.to_numpy(), color=color, alpha=0.2, lw=0)


def mark_target(ax: Axes, target: Target | None, color: str, lang: str = "en") -> None:
    """Mark a paper figure: a point (with its tolerance), a range, or a bound over its years."""
    if target is None:
        return
    _ = translator(lang)
    value = target.value
    first, last = target.years
    figure = _(target.figure)
    label = _("paper: {figure}").format(figure=f"{figure[:60]}{'…' if len(figure) > 60 else ''}")
    if target.kind == "lower_bound":
        ax.hlines(value, first - 0.5, last + 0.5, colors=color, linestyles="--", lw=1.5)
        ax.annotate(_("≥ paper"), (last + 0.5, value), fontsize=7, color=color, va="bottom")
    elif target.kind == "range":
        read = _("{label} (read as {low}–{high})").format(
            label=label, low=f"{value:g}", high=f"{target.upper:g}"
        )
        ax.vlines((first + last) / 2, value, target.upper, colors=color, lw=4, alpha=0.6,
                  label=read)  # fmt: skip
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


def _finish(fig: Figure, ax: Axes, title: str, ylabel: str, lang: str) -> None:
    _ = translator(lang)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(_("year"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    # Below the axes, so that it hides neither the data nor the regime names.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    fig.tight_layout()


@dataclass(frozen=True)
class SeriesView:
    """What one time-path figure shows: `model` columns, the paper's figures, the record.

    Drawn over replicates by `view_figure` (a run's PNG figures) and year by year by the app's
    live chart; the lines take their labels from the output schema. The texts are English,
    the message ids of the catalogues (`sim.i18n`): `text` and `label` give them in a language.
    """

    title: str
    ylabel: str
    columns: dict[str, str]  # column -> colour
    targets: dict[str, str]  # measure -> colour
    records: dict[str, str] = field(default_factory=dict)  # column -> colour of its record
    top: float | None = None  # fixed upper limit of the y axis (None: follows the data)
    regime_names: bool = False  # in the app: write the regimes' names over their shading
    right: dict[str, str] = field(default_factory=dict)  # columns on a right axis -> colour
    right_label: str = ""
    right_top: float = 1.0  # fixed upper limit of the right axis
    right_targets: dict[str, str] = field(default_factory=dict)

    def label(self, column: str, lang: str = "en") -> str:
        """The legend entry of a column (its schema label) in `lang`."""
        return translator(lang)(schema.column(column).label)

    def text(self, lang: str = "en") -> tuple[str, str, str]:
        """The title, y-axis label and right-axis label in `lang`."""
        _ = translator(lang)
        return _(self.title), _(self.ylabel), _(self.right_label) if self.right_label else ""


SERIES: dict[str, SeriesView] = {
    "trade": SeriesView(
        N_("Russia–Kazakhstan trade"),
        N_("US$ bn (current)"),
        {
            "turnover_usd_bn": "#1f4e79",
            "kz_exports_to_ru_usd_bn": "#c55a11",
            "kz_imports_from_ru_usd_bn": "#548235",
            "turnover_total_usd_bn": "#9dc3e6",
        },
        {"turnover_usd_bn": "#1f4e79"},
        regime_names=True,
    ),
    "shares": SeriesView(
        N_("Cooperation shares of recorded turnover"),
        N_("share"),
        {"interregional_share": "#1f4e79", "border_region_share": "#c55a11"},
        {"interregional_share": "#1f4e79", "border_region_share": "#c55a11"},
        top=1.0,
    ),
    "ventures": SeriesView(
        N_("Joint ventures by capital origin"),
        N_("active joint ventures (real count)"),
        {
            "jv_kz": "#1f4e79",
            "jv_kz_russian": "#c55a11",
            "jv_kz_row": "#7f7f7f",
            "jv_ru": "#548235",
        },
        {"jv_kz": "#1f4e79"},
    ),
    "agreements": SeriesView(
        N_("Agreements and linked regions"),
        N_("active agreements"),
        {"agreements": "#1f4e79"},
        {"agreements": "#1f4e79"},
        right={"linked_ru_regions": "#c55a11", "linked_kz_regions": "#548235"},
        right_label=N_("regions with a partner across the border"),
        right_top=85.0,  # 83 Russian regions
        right_targets={"linked_ru_regions": "#c55a11"},
    ),
    # The record has Kazakh imports from China only as a share of all Kazakh imports, so only
    # the imports from Russia are set beside it here.
    "imports": SeriesView(
        N_("Kazakh imports by partner (recorded)"),
        N_("US$ bn (current)"),
        {
            "kz_imports_from_ru_usd_bn": "#c00000",
            "kz_imports_from_cn_usd_bn": "#bf9000",
            "kz_imports_from_eu_usd_bn": "#2e75b6",
            "kz_imports_from_row_usd_bn": "#7f7f7f",
        },
        {},
        records={"kz_imports_from_ru_usd_bn": "#c00000"},
    ),
}


def record_target(column: str) -> Target | None:
    """The path target that sets a `model` column itself (not a ratio) beside the record."""
    paths = (t for t in load_targets() if t.kind == "path" and t.measure == column and not t.per)
    return next(paths, None)


def mark_record(ax: Axes, target: Target, years: range, colour: str, lang: str = "en") -> float:
    """Draw a path target's record series over `years`, with its band; return its highest value.

    The band spans the two mirror readings of a bilateral flow.
    """
    rec = record(target.record)
    rec = rec[rec.index.isin(years)]
    _ = translator(lang)
    label = _("record: {series}").format(series=_(RECORD_SERIES[target.record].label))
    ax.fill_between(rec.index, rec.low, rec.high, color=colour, alpha=0.15, lw=0)
    ax.plot(rec.index, rec.value, "o:", color=colour, ms=3, lw=1, label=label)
    return float(rec.high.max()) if len(rec) else 0.0


def decorate(
    ax: Axes, view: SeriesView, regimes: pd.DataFrame, name_regimes: bool, lang: str = "en"
) -> tuple[Axes | None, float]:
    """Everything of a view's figure but its lines: shading, paper's figures, record, axes.

    `regimes` holds the `year` and `regime` of every year the figure spans. Returns the right
    axis (if the view has one) and the least upper limit of the y axis that shows every mark.
    """
    _ = translator(lang)
    ylabel, right_label = view.text(lang)[1:]
    if name_regimes:
        shade_regimes(ax, regimes, lang)
    else:
        for i, (_regime, first, last) in enumerate(regime_spans(regimes)):
            ax.axvspan(first - 0.5, last + 0.5, color=SHADES[i % 2], zorder=0, lw=0)
    first, last = int(regimes.year.min()), int(regimes.year.max())
    ax.set_xlim(first - 0.5, last + 0.5)
    targets = targets_by_measure()
    right = None
    if view.right:
        right = ax.twinx()
        right.set_ylim(0, view.right_top)
        right.set_ylabel(right_label)
        for measure, colour in view.right_targets.items():
            mark_target(right, targets.get(measure), colour, lang)
    floor_top = 1.0
    for measure, colour in view.targets.items():
        target = targets.get(measure)
        mark_target(ax, target, colour, lang)
        if target is not None:
            floor_top = max(floor_top, target.value + target.tolerance)
    for column, colour in view.records.items():
        target = record_target(column)
        if target is not None:
            floor_top = max(
                floor_top, mark_record(ax, target, range(first, last + 1), colour, lang)
            )
    if "jv_kz" in view.columns:
        total, share = targets.get("jv_kz"), targets.get("jv_kz_russian_share")
        if total is not None and share is not None:
            count = share.value * total.value
            label = _("paper: {share} of them with Russian capital").format(
                share=f"{share.value:.0%}"
            )
            ax.plot(share.years[0], count, "D", color=view.columns["jv_kz_russian"], ms=6,
                    label=label)  # fmt: skip
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return right, floor_top


def legend_below(ax: Axes, right: Axes | None, fontsize: float = 8) -> int:
    """One legend for both axes, centred below the plot: it hides neither lines nor regimes.

    Returns the number of rows of the legend, for the margin below the plot.
    """
    handles, labels = ax.get_legend_handles_labels()
    if right is not None:
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    # Two columns when the labels are short enough to sit side by side within the figure.
    ncol = 2 if max(map(len, labels), default=0) <= 50 else 1
    ax.figure.legend(handles, labels, fontsize=fontsize, loc="lower center", ncol=ncol,
                     frameon=False)  # fmt: skip
    return -(-len(labels) // ncol)


def view_figure(model: pd.DataFrame, view: SeriesView, lang: str = "en") -> Figure:
    """A view over the replicates of a run: each line its mean with a 5–95% band."""
    _ = translator(lang)
    fig, ax = plt.subplots(figsize=(9, 6))
    right, floor_top = decorate(ax, view, model[["year", "regime"]], True, lang)
    for column, colour in view.columns.items():
        band(ax, model, column, view.label(column, lang), colour)
    for column, colour in view.right.items():
        band(right, model, column, view.label(column, lang), colour, ls="--")  # dashed: right axis
    if view.top is not None:
        ax.set_ylim(0, view.top)
    else:
        ax.set_ylim(0, max(ax.get_ylim()[1], 1.08 * floor_top))
    ax.set_title(_(view.title), fontsize=11)
    ax.set_xlabel(_("year"))
    rows = legend_below(ax, right)
    fig.tight_layout(rect=(0, 0.02 + 0.032 * rows, 1, 1))
    return fig


def _record_targets() -> list[Target]:
    return [t for t in load_targets() if t.kind == "path"]


def record_figure(paths: pd.DataFrame, lang: str = "en") -> Figure:
    """The model against the trade record, one panel per record path of the targets.

    `paths` holds `year`, a run column (`replicate`) and one column per path target (see
    `sim.targets.path_frame`). The record is the line with its band of the two mirror
    readings; the fitted years are shaded light, the validation years (never fitted) darker.
    """
    _ = translator(lang)
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
        band(ax, frame, "value", _("model"), "#1f4e79")
        rec = record(target.record)
        rec = rec[rec.index.isin(paths.year.unique())]
        ax.plot(rec.index, rec.value, "o-", color="#c00000", ms=3, lw=1.2, label=_("record"))
        ax.fill_between(rec.index, rec.low, rec.high, color="#c00000", alpha=0.15, lw=0)
        series = RECORD_SERIES[target.record]
        label = _(series.label)
        title = label if target.fitted else _("{series} (not fitted)").format(series=label)
        ax.set_title(title, fontsize=8.5)
        ax.set_ylabel(_(series.unit), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(targets) :]:
        ax.set_visible(False)
    handles = [
        plt.Line2D([], [], color="#1f4e79", lw=2, label=_("model (mean, 5–95% of replicates)")),
        plt.Line2D(
            [], [], color="#c00000", marker="o", ms=3, label=_("record (band: mirror readings)")
        ),
        plt.Rectangle((0, 0), 1, 1, color="#eef3ea", label=_("fitted years")),
        plt.Rectangle((0, 0), 1, 1, color="#fbe5d6", label=_("validation years (not fitted)")),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(_("The model against the trade record (IMF DOTS, WDI)"), fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


# The PNG figures of a run, by file name: the views, and the model against the record.
FIGURES = {
    "turnover": "trade",
    "shares": "shares",
    "ventures": "ventures",
    "agreements": "agreements",
    "partners": "imports",
    "record": "record",
}


PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#7f7f7f", "#c00000")


def comparison_figure(
    model: pd.DataFrame, order: list[str], outcome: str, lang: str = "en"
) -> Figure:
    """One outcome for several scenarios, each as mean and 5–95% band over replicates.

    The shaded periods are the regimes of the first (reference) scenario. The scenarios keep
    their names in every language: they are the names a user runs them by.
    """
    _ = translator(lang)
    title, ylabel = _(schema.column(outcome).label), _(schema.axis_label(outcome))
    fig, ax = plt.subplots(figsize=(9, 6))
    shade_regimes(ax, model[model.scenario == order[0]], lang)
    for i, name in enumerate(order):
        band(ax, model[model.scenario == name], outcome, name, PALETTE[i % len(PALETTE)])
    mark_target(ax, targets_by_measure().get(outcome), "#000000", lang)
    shaded = _("{title} — regimes shaded: {scenario}").format(title=title, scenario=order[0])
    _finish(fig, ax, shaded, ylabel, lang)
    return fig


def save_comparison_plots(
    model: pd.DataFrame, order: list[str], folder: Path, lang: str = "en"
) -> list[Path]:
    """Write one overlay figure per compared outcome into `folder`, its texts in `lang`."""
    paths = []
    for outcome in schema.KEY_OUTCOMES:
        fig = comparison_figure(model, order, outcome, lang)
        path = Path(folder) / f"compare-{outcome}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def save_plots(results: Results, folder: Path, lang: str = "en") -> list[Path]:
    """Write every figure of `results` as PNG into `folder` (the record's only for history).

    The figures' texts are in `lang` (one of `sim.i18n.LANGUAGES`).
    """
    _ = translator(lang)
    paths = []
    years = results.model.year
    for name, view in FIGURES.items():
        if view == "record" and not (years.min() <= 1995 and years.max() >= 2012):
            continue
        fig = (record_figure(path_frame(results.model), lang) if view == "record"
               else view_figure(results.model, SERIES[view], lang))  # fmt: skip
        title = results.meta.get("title", "")
        if title:
            fig.suptitle(_(title), fontsize=9, x=0.99, ha="right", color="#555555")
        path = Path(folder) / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
