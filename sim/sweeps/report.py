"""The sweep report: figures and markdown, from the ledger alone.

Nothing is run again: the design, the common seeds, each run's outputs and time series are read
from the sweep's ledger (`sim.sweeps.store`), and the statistics are those of
`sim.sweeps.analyse`.

Outputs in the report folder: ``report.md``, ``indices.csv`` (tidy: design, output, parameter,
index, value, conf, seed_se, stands_out), ``noise.csv``, ``points.csv`` (replicate means and
standard deviations per design point) and the figures ``morris.png`` or ``sobol.png`` and
``scatter.png`` (each output against each parameter).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.ledger import Ledger
from sim.sweeps.analyse import indices_table, noise_table, points_table
from sim.sweeps.store import RUNS_FILE, SweepData, export_runs, ledger_path


def _grid(n: int, cols: int, width: float, height: float) -> tuple[Figure, list[Any]]:
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(width * cols, height * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_axis_off()
    return fig, axes[:n]


def _caption(data: SweepData) -> str:
    meta = data.meta
    return (
        f"{meta['design']} sweep of scenario '{meta['scenario']}' "
        f"({meta['start_year']}-{meta['end_year']}, {meta['n_firms']:,} firm agents): "
        f"{len(data.points)} points x {meta['replicates']} replicates"
    )


def _wide(indices: pd.DataFrame, output: str, column: str) -> pd.DataFrame:
    part = indices[indices.output == output]
    return part.pivot(index="parameter", columns="index", values=column)


def _short(name: str) -> str:
    """A parameter's name without the `regimes.` prefix, for labels inside plots."""
    return name.removeprefix("regimes.")


def morris_figure(data: SweepData, indices: pd.DataFrame) -> Figure:
    """Morris mu* against sigma, one panel per output, with each mu*'s seed noise."""
    fig, axes = _grid(len(data.outputs), 3, 4.6, 3.9)
    for ax, output in zip(axes, data.outputs, strict=True):
        value, se = _wide(indices, output, "value"), _wide(indices, output, "seed_se")
        value = value.dropna()
        if value.empty:
            ax.set_title(f"{output}\n(no indices: see the report's notes)", fontsize=9)
            continue
        noise = 2 * se.mu_star.reindex(value.index)
        clear = ~(value.mu_star <= noise)  # NaN noise (one replicate) counts as clear
        for mask, face, label in (
            (clear, "#1f4e79", "stands out from seed noise"),
            (~clear, "white", "within seed noise"),
        ):
            if mask.any():
                ax.errorbar(
                    value.mu_star[mask],
                    value.sigma[mask],
                    xerr=noise[mask],
                    fmt="o",
                    mfc=face,
                    mec="#1f4e79",
                    ecolor="#9dc3e6",
                    capsize=3,
                    label=label,
                )
        # Labels of neighbouring points go up in steps so that they do not overprint.
        for rank, (name, row) in enumerate(value.sort_values("mu_star").iterrows()):
            ax.annotate(
                _short(name),
                (row.mu_star, row.sigma),
                textcoords="offset points",
                xytext=(4, 4 + 9 * (rank % 3)),
                fontsize=7,
            )
        right = np.nanmax([value.mu_star.max(), (value.mu_star + noise).max()])
        right = right * 1.2 if np.isfinite(right) and right > 0 else 1.0
        top = value.sigma.max() * 1.35 if value.sigma.max() > 0 else right
        ax.plot([0, right], [0, right], color="#bfbfbf", lw=1, ls=":", label="sigma = mu*")
        ax.set_xlim(0, right)
        ax.set_ylim(0, top)
        ax.set_xlabel("mu*: mean |effect| of moving over the range", fontsize=8)
        ax.set_ylabel("sigma: spread of the effects", fontsize=8)
        ax.set_title(output, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    fig.suptitle(
        "Morris screening: right = influential; above the dotted line = nonlinear or "
        "interacting; bars = 2 seed standard errors\n" + _caption(data),
        fontsize=9,
    )
    return fig


def sobol_figure(data: SweepData, indices: pd.DataFrame) -> Figure:
    """First and total order Sobol indices with 95% intervals, one panel per output."""
    fig, axes = _grid(len(data.outputs), 2, 0.9 * len(data.parameters) + 2.5, 3.8)
    x = np.arange(len(data.parameters))
    for ax, output in zip(axes, data.outputs, strict=True):
        value, conf = _wide(indices, output, "value"), _wide(indices, output, "conf")
        se = _wide(indices, output, "seed_se")
        if value.dropna().empty:
            ax.set_title(f"{output}\n(no indices: see the report's notes)", fontsize=9)
            continue
        for shift, index, color, label in (
            (-0.2, "S1", "#1f4e79", "first order S1"),
            (0.2, "ST", "#f4b183", "total order ST"),
        ):
            ax.bar(
                x + shift,
                value[index].reindex(data.parameters),
                width=0.4,
                color=color,
                yerr=conf[index].reindex(data.parameters),
                capsize=3,
                label=label,
            )
            ax.scatter(
                x + shift,
                2 * se[index].reindex(data.parameters),
                marker="_",
                s=180,
                color="#c00000",
                zorder=3,
                label="2 seed standard errors" if index == "ST" else None,
            )
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xticks(x, data.parameters, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("share of the output's variance", fontsize=8)
        ax.set_title(output, fontsize=10)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=6)
    fig.suptitle(
        "Sobol indices (bars: 95% bootstrap interval; red marks: 2 seed standard errors, "
        "an index below its mark is not distinguishable from seed noise)\n" + _caption(data),
        fontsize=9,
    )
    return fig


def scatter_figure(data: SweepData) -> Figure:
    """Each output against each parameter: replicate values and replicate means per point."""
    n_out, n_par = len(data.outputs), len(data.parameters)
    fig = Figure(figsize=(2.9 * n_par + 0.5, 2.5 * n_out + 0.8), layout="constrained")
    axes = fig.subplots(n_out, n_par, squeeze=False)
    for j, output in enumerate(data.outputs):
        for i, name in enumerate(data.parameters):
            ax = axes[j, i]
            reps = data.values[:, :, j]
            xs = np.repeat(data.points[:, i], reps.shape[1])
            ax.scatter(xs, reps.ravel(), s=6, color="#9dc3e6", alpha=0.6, label="one run")
            ax.scatter(
                data.points[:, i],
                data.means[:, j],
                s=14,
                color="#1f4e79",
                label="mean over replicates",
            )
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            if j == n_out - 1:
                ax.set_xlabel(name, fontsize=8)
            if i == 0:
                ax.set_ylabel(output, fontsize=8)
    axes[0, 0].legend(fontsize=6)
    fig.suptitle(f"Outputs against parameters\n{_caption(data)}", fontsize=9)
    return fig


def _markdown_table(frame: pd.DataFrame, digits: int = 4) -> list[str]:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.{digits}g}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return lines


def _verdict(row: pd.Series) -> str:
    if pd.isna(row.stands_out):
        return "n/a (one replicate)"
    return "yes" if row.stands_out else "no"


def _output_section(output: str, indices: pd.DataFrame, design: str) -> list[str]:
    part = indices[indices.output == output].copy()
    if part.value.isna().all():
        return [f"### {output}", "", "No indices (see the notes).", ""]
    part["stands out"] = part.apply(_verdict, axis=1)
    main = {"morris": "mu_star", "sobol": "ST"}.get(design, "spearman")
    wide = part.pivot(index="parameter", columns="index", values="value")
    table = pd.DataFrame({"parameter": wide.index})
    for index in dict.fromkeys(part["index"]):  # the analysis's order: main index first
        rows = part[part["index"] == index].set_index("parameter").reindex(wide.index)
        table[index] = rows.value.to_numpy()
        if rows.conf.notna().any():
            table[f"{index} ±95%"] = rows.conf.to_numpy()
        table[f"{index} seed SE"] = rows.seed_se.to_numpy()
        if index == main:
            table["stands out from seed noise"] = rows["stands out"].to_numpy()
    table = table.sort_values(main, key=lambda s: -s.abs())
    note = {
        "morris": "mu*: mean absolute change of the output when the parameter moves over its "
        "range (output units); sigma: spread of those changes (nonlinearity, interactions).",
        "sobol": "S1: share of the output's variance due to the parameter alone; ST: including "
        "its interactions.",
    }.get(design, "Spearman rank correlation of the replicate means with each parameter.")
    return [f"### {output}", "", *_markdown_table(table), "", note, ""]


def build_report(folder: Path | str, out: Path | str | None = None) -> Path:
    """Write the report, its tables and figures from the ledger in `folder`.

    Args:
        folder: The sweep folder (holding `ledger.sqlite`).
        out: The report folder (default `<folder>/report`).

    Returns:
        The path of `report.md`.
    """
    folder = Path(folder)
    with Ledger(ledger_path(folder)) as ledger:
        data = SweepData.load(ledger)
        if not (folder / RUNS_FILE).exists():  # a sweep killed before its export
            export_runs(ledger, folder / RUNS_FILE)
    out = Path(out) if out else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    noise = noise_table(data)
    indices, notes = indices_table(data)
    design = data.meta["design"]
    indices.to_csv(out / "indices.csv", index=False)
    noise.to_csv(out / "noise.csv", index=False)
    points_table(data).to_csv(out / "points.csv", index=False)
    figures = {"scatter.png": scatter_figure(data)}
    if design == "morris":
        figures["morris.png"] = morris_figure(data, indices)
    elif design == "sobol":
        figures["sobol.png"] = sobol_figure(data, indices)
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=110)
    (out / "report.md").write_text("\n".join(_markdown(data, noise, indices, notes)) + "\n")
    return out / "report.md"


def _markdown(
    data: SweepData, noise: pd.DataFrame, indices: pd.DataFrame, notes: list[str]
) -> list[str]:
    meta = data.meta
    runs = data.runs
    failed = runs[runs.status != "ok"]
    expected = len({rid for ids in data.run_ids for rid in ids})
    params = pd.DataFrame(meta["parameters"])[["name", "lo", "hi", "kind"]]
    outputs = pd.DataFrame(meta["outputs"])[["name", "column", "first", "last"]]
    lines = [
        f"# Sensitivity sweep: {meta['design']}",
        "",
        _caption(data) + f"; master seed {meta['seed']}, replicate seeds {meta['seeds']} "
        f"(the same at every point); package {meta['package_version']}.",
        "",
        f"Runs recorded: {len(runs)} of {expected} ({len(runs) - len(failed)} ok, "
        f"{len(failed)} failed). Indices use the replicate means of each design point.",
        "",
        "## Parameters",
        "",
        *_markdown_table(params),
        "",
        "## Outputs",
        "",
        *_markdown_table(outputs),
        "",
        "## Seed-to-seed noise",
        "",
        "`noise_sd`: replicate standard deviation (mean over points); `across_sd`: standard "
        "deviation of the replicate means across points; `noise_ratio` = noise_sd / across_sd. "
        "Every point runs with the same seeds, so a seed's common level cancels when points "
        "are compared: `paired_noise_sd` and `paired_ratio` are the same after removing it, "
        "the noise the indices actually see. Beside each index below, `seed SE` is its "
        "standard error from seed noise (the index computed on each replicate alone: their "
        "standard deviation over the square root of the number of replicates); an index "
        "stands out from seed noise when it exceeds twice its seed SE."
        + (
            f" With {meta['replicates']} replicates the seed SE rests on few values: a rough "
            "guide; more replicates sharpen it."
            if meta["replicates"] < 5
            else ""
        ),
        "",
        *_markdown_table(noise),
        "",
        "## Indices",
        "",
    ]
    for output in data.outputs:
        lines += _output_section(output, indices, meta["design"])
    figures = {"morris": "morris.png", "sobol": "sobol.png"}
    lines += ["## Figures", ""]
    if meta["design"] in figures:
        lines += [f"![{meta['design']} indices]({figures[meta['design']]})", ""]
    lines += ["![outputs against parameters](scatter.png)", ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    if len(failed):
        lines += ["## Failed runs", ""]
        last = [e.strip().splitlines()[-1] if e.strip() else "" for e in failed.error]
        table = pd.DataFrame(
            {"run_id": failed.run_id, "point": failed.point, "seed": failed.seed, "error": last}
        )
        lines += [*_markdown_table(table), ""]
    lines += [
        "Tables: `indices.csv` (tidy), `noise.csv`, `points.csv`; per run: `../runs.parquet`; "
        "yearly series of every run: `sim.sweeps.store.load_series(folder)`.",
    ]
    return lines
