"""The sweep report: sensitivity indices, seed noise, tables and plots from the ledger alone.

Nothing is run again: the design, the common seeds, each run's outputs and time series are read
from the sweep's ledger. Indices are computed with SALib on the replicate means of each design
point (Morris: mu*, its 95% interval, sigma and mu; Sobol: first and total order with 95%
intervals; Latin hypercube and grid: Spearman rank correlations). A design point without any
successful run leaves a gap that the Morris and Sobol estimators cannot bridge, so the
trajectories (Morris) or base samples (Sobol) containing one are left out, and the report
says how many; a point that lost only some replicates is averaged over the others.

Seed-to-seed noise is reported beside the indices, in two ways:

- per index, ``seed_se``: the standard error that seed noise gives the index. Every replicate
  seed is a complete run of the design (common random numbers), so the index is computed on
  each replicate alone; their standard deviation over the R replicates, divided by sqrt(R),
  is the seed noise of the index of the replicate means. An index stands out from seed noise
  when it exceeds twice its ``seed_se``.
- per output (``noise.csv``): ``noise_sd``, the replicate standard deviation averaged over the
  design points; ``across_sd``, the standard deviation of the replicate means across points;
  ``noise_ratio``, their ratio; and the same after removing each seed's common level
  (``paired_noise_sd``, ``paired_ratio``): with common seeds, comparisons between points see
  only this paired noise, usually much smaller than the raw one.

Outputs in the report folder: ``report.md``, ``indices.csv`` (tidy: design, output, parameter,
index, value, conf, seed_se, stands_out), ``noise.csv``, ``points.csv`` (replicate means and
standard deviations per design point) and the figures ``morris.png`` or ``sobol.png`` and
``scatter.png`` (each output against each parameter).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibrate import seeds_for
from sim.errors import InputError
from sim.ledger import Ledger
from sim.sweep import KIND, LEDGER_FILE, MORRIS_LEVELS, RUNS_FILE, export_runs, runs_frame

CONF_LEVEL = 0.95
RESAMPLES = 1000
SEED_RESAMPLES = 100  # the per-replicate analyses feed only the seed noise, not intervals
ANALYSIS_STREAM = 2  # bootstrap seeds: another SeedSequence branch than the replicate seeds


@dataclass
class SweepData:
    """A sweep as recorded: its definition, design and the outputs of every run.

    Attributes:
        meta: The sweep's definition (design, seeds, parameters, outputs, scenario).
        points: The design (one row per point).
        values: Outputs per point, replicate and output (NaN where a run failed or is missing).
        runs: One row per recorded run (`sim.sweep.runs_frame`).
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
        meta = ledger.get_meta("sweep")
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


def noise_table(data: SweepData) -> pd.DataFrame:
    """Seed-to-seed noise of each output beside the spread of its replicate means."""
    rows = []
    for j, name in enumerate(data.outputs):
        values = data.values[:, :, j]
        means = data.means[:, j]
        finite = means[np.isfinite(means)]
        across = float(np.std(finite, ddof=1)) if len(finite) > 1 else math.nan
        complete = np.isfinite(values).all(axis=1)
        if data.meta["replicates"] > 1 and complete.sum() > 1:
            kept = values[complete]
            noise = float(np.std(kept, axis=1, ddof=1).mean())
            # Each seed's common level (its mean over the points) cancels in comparisons.
            paired = kept - kept.mean(axis=0, keepdims=True)
            paired_noise = float(np.std(paired, axis=1, ddof=1).mean())
        else:
            noise = paired_noise = math.nan
        rows.append(
            {
                "output": name,
                "points": len(finite),
                "replicates": data.meta["replicates"],
                "noise_sd": noise,
                "across_sd": across,
                "noise_ratio": noise / across if across > 0 else math.nan,
                "paired_noise_sd": paired_noise,
                "paired_ratio": paired_noise / across if across > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows)


def _complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """Row indices of the blocks (trajectories, base samples) whose every point has a value."""
    blocks = len(y) // size
    keep = [b for b in range(blocks) if np.isfinite(y[b * size : (b + 1) * size]).all()]
    return np.array([b * size + i for b in keep for i in range(size)], dtype=int)


def _analysis_seed(data: SweepData) -> int:
    # SALib's Sobol analysis treats seed 0 as "no seed"; keep the bootstrap reproducible.
    return seeds_for(data.meta["seed"], 1, ANALYSIS_STREAM)[0] or 1


def _salib(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Call a SALib analysis, turning its warnings (e.g. a constant output) into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, sorted({str(w.message).strip() for w in caught})


@dataclass
class Analysis:
    """The indices of one output vector: values and 95% intervals by index name."""

    values: dict[str, np.ndarray]
    conf: dict[str, np.ndarray]
    notes: list[str]


def analyse(data: SweepData, y: np.ndarray, resamples: int = RESAMPLES) -> Analysis:
    """Indices of one output (one value per design point) for the sweep's design.

    Morris and Sobol use only the complete trajectories / base samples; with fewer than two
    the values are NaN and a note says why.
    """
    design, k = data.meta["design"], len(data.parameters)
    nan = np.full(k, np.nan)
    if design in ("lhs", "grid"):
        rho = np.array([_spearman(data.points[:, i], y) for i in range(k)])
        return Analysis({"spearman": rho}, {"spearman": nan}, [])
    size = k + 1 if design == "morris" else k + 2
    keep = _complete_blocks(y, size)
    unit = "trajectories" if design == "morris" else "base samples"
    blocks, missing = len(keep) // size, len(y) // size - len(keep) // size
    total = len(y) // size
    notes = [f"{missing} of {total} {unit} left out (a point without a result)"] if missing else []
    names = ("mu_star", "sigma", "mu") if design == "morris" else ("S1", "ST")
    if blocks < 2:
        notes.append(f"fewer than 2 complete {unit}: no indices")
        return Analysis(dict.fromkeys(names, nan), dict.fromkeys(names, nan), notes)
    if design == "sobol" and np.ptp(y[keep]) == 0:
        # Shares of a variance that is zero are undefined (Morris effects are simply zero).
        notes.append("the output does not vary over the design: no Sobol indices")
        return Analysis(dict.fromkeys(names, nan), dict.fromkeys(names, nan), notes)
    seed = _analysis_seed(data)
    if design == "morris":
        from SALib.analyze import morris

        si, caught = _salib(
            morris.analyze,
            data.problem,
            data.points[keep],
            y[keep],
            num_resamples=resamples,
            conf_level=CONF_LEVEL,
            num_levels=MORRIS_LEVELS,
            seed=seed,
        )
        conf = {"mu_star": si["mu_star_conf"], "sigma": nan, "mu": nan}
    else:
        from SALib.analyze import sobol

        si, caught = _salib(
            sobol.analyze,
            data.problem,
            y[keep],
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=CONF_LEVEL,
            seed=seed,
        )
        conf = {"S1": si["S1_conf"], "ST": si["ST_conf"]}
    values = {name: np.asarray(si[name], dtype=float) for name in names}
    conf = {name: np.asarray(c, dtype=float) for name, c in conf.items()}
    return Analysis(values, conf, notes + caught)


def indices_table(data: SweepData) -> tuple[pd.DataFrame, list[str]]:
    """The tidy indices table (one row per output, parameter and index) and notes.

    Indices are those of the replicate means; `seed_se` is the standard deviation of the same
    index computed on each replicate alone, over sqrt(R).
    """
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    replicates = data.meta["replicates"]
    for j, output in enumerate(data.outputs):
        main = analyse(data, data.means[:, j])
        notes += [f"{output}: {note}" for note in main.notes]
        per_seed = [analyse(data, data.values[:, r, j], SEED_RESAMPLES) for r in range(replicates)]
        for index, values in main.values.items():
            if replicates > 1:
                stack = np.array([a.values[index] for a in per_seed])
                with np.errstate(invalid="ignore"):
                    se = stack.std(axis=0, ddof=1) / math.sqrt(replicates)
            else:
                se = np.full(len(values), np.nan)
            for i, name in enumerate(data.parameters):
                value = float(values[i])
                rows.append(
                    {
                        "design": data.meta["design"],
                        "output": output,
                        "parameter": name,
                        "index": index,
                        "value": value,
                        "conf": float(main.conf[index][i]),
                        "seed_se": float(se[i]),
                        "stands_out": bool(abs(value) > 2 * se[i]) if np.isfinite(se[i]) else None,
                    }
                )
    return pd.DataFrame(rows), notes


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation over the points with a value (NaN if either is constant)."""
    mask = np.isfinite(y)
    rx = pd.Series(x[mask]).rank().to_numpy()
    ry = pd.Series(y[mask]).rank().to_numpy()
    if len(rx) < 3 or rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def points_table(data: SweepData) -> pd.DataFrame:
    """Per design point: parameter values, successful replicates, output means and spreads.

    For each output, the mean and the standard deviation over the point's replicates.
    """
    frame = pd.DataFrame(data.points, columns=data.parameters)
    frame.insert(0, "point", range(len(frame)))
    ok = np.isfinite(data.values).all(axis=2)
    frame["replicates_ok"] = ok.sum(axis=1)
    for j, name in enumerate(data.outputs):
        frame[f"{name}_mean"] = data.means[:, j]
        values = data.values[:, :, j]
        frame[f"{name}_sd"] = [
            np.std(row[np.isfinite(row)], ddof=1) if np.isfinite(row).sum() > 1 else math.nan
            for row in values
        ]
    return frame


def load_series(folder: Path | str, run_ids: list[str] | None = None) -> pd.DataFrame:
    """The yearly model tables of the sweep's successful runs, with their run id and point.

    Args:
        folder: The sweep folder.
        run_ids: Only these runs (default: every successful run).
    """
    with Ledger(_ledger_path(folder)) as ledger:
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


def _ledger_path(folder: Path | str) -> Path:
    path = Path(folder) / LEDGER_FILE
    if not path.is_file():
        raise InputError(
            "no sweep ledger here; run `transfrontier sweep` first", source=str(folder)
        )
    return path


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
    with Ledger(_ledger_path(folder)) as ledger:
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
        "yearly series of every run: `sim.sweep_report.load_series(folder)`.",
    ]
    return lines
