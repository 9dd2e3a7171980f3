"""The posterior's report: markdown, tables and figures, rebuilt from the stored history alone.

It reads the posterior's ledger (`results/posterior/ledger.sqlite`: every run, the designs, the
emulator's errors, the recovery checks) and its draws (`draws.parquet` beside it) and never
runs the model: the credible intervals and the contraction of every parameter, the marginal and
pairwise posteriors, the emulator's cross-validated error, posterior predictive checks of every
fitted target from real runs at posterior draws, the validation years 2013-2015 as predictive
intervals beside the record, the Customs Union's effect with parameter uncertainty, the recovery
checks, and what the runs cost.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from sim.calibration_loss import OUTCOMES, loss
from sim.calibration_report import CUSTOMS_UNION_STUDIES, evaluation_table, record_table
from sim.calibration_space import SearchSpace
from sim.errors import InputError
from sim.ledger import Ledger
from sim.posterior import CREDIBLE, DEFAULT_OUT, DRAWS_NAME, PARTLY, PINNED, parameter_table
from sim.priors import Prior
from sim.record import record
from sim.targets import load_targets, path_gap

REPORT_NAME = "posterior-report.md"
FIGURES = "posterior-report"  # the folder of the figures and tables, beside the markdown
KINDS = (
    "wave1", "wave2", "predictive", "predictive-counterfactual", "evaluation", "counterfactual",
    "recovery",
)  # fmt: skip
CORRELATED = 0.3  # |correlation| of two parameters' draws that counts as a trade-off
VALIDATION = (2013, 2015)
EFFECT_YEARS = (2012, 2015)


def correlation_table(draws: pd.DataFrame, priors: list[Prior]) -> pd.DataFrame:
    """Pairs of parameters by the correlation of their draws (on the prior's quantile scale)."""
    u = pd.DataFrame({p.name: p.unit(draws[p.name].to_numpy(float)) for p in priors})
    corr = u.corr()
    rows = [
        {"a": a, "b": b, "correlation": float(corr.loc[a, b])}
        for i, a in enumerate(corr.columns)
        for b in corr.columns[i + 1 :]
    ]
    table = pd.DataFrame(rows)
    return table.reindex(table.correlation.abs().sort_values(ascending=False).index)


def _series(ledger: Ledger, kind: str) -> pd.DataFrame:
    """Every ok run's yearly series of one kind, with its tag and seed."""
    frames = [ledger.series(r.run_id).assign(tag=r.tag, seed=r.seed)
              for r in ledger.records(kind=kind) if r.ok]  # fmt: skip
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def predictive_table(ledger: Ledger) -> pd.DataFrame:
    """Per fitted target: the posterior predictive median, 90% interval, share of draws met."""
    measures = pd.DataFrame([r.measures for r in ledger.records(kind="predictive") if r.ok])
    rows = []
    for target in load_targets():
        values = measures[target.id].to_numpy(float)
        met = np.mean([target.met(v) for v in values])
        lo, hi = np.quantile(values, CREDIBLE)
        rows.append({"target": target.id, "figure": target.figure, "kind": target.kind,
                     "value": target.value, "upper": target.upper, "fitted": target.fitted,
                     "tolerance": target.tolerance, "median": float(np.median(values)),
                     "p05": float(lo), "p95": float(hi), "met_share": float(met)})  # fmt: skip
    return pd.DataFrame(rows)


def validation_table(ledger: Ledger) -> pd.DataFrame:
    """The validation years 2013-2015: the record beside the posterior predictive interval."""
    series = _series(ledger, "predictive")
    rows = []
    for target in (t for t in load_targets() if t.kind == "path"):
        rec = record(target.record)
        gaps = [path_gap(target, run.set_index("year")[target.id], "validation")
                for _, run in series.groupby("tag")]  # fmt: skip
        for year in range(VALIDATION[0], VALIDATION[1] + 1):
            values = series.loc[series.year == year, target.id].to_numpy(float)
            lo, hi = np.quantile(values, CREDIBLE)
            low, high = rec.low.get(year, np.nan), rec.high.get(year, np.nan)
            rows.append({"target": target.id, "year": year, "record": rec.value.get(year),
                         "record_low": low, "record_high": high,
                         "median": float(np.median(values)), "p05": float(lo), "p95": float(hi),
                         "covers": bool(lo <= high and hi >= low),
                         "within_tolerance": bool(
                             _band_gap(float(np.median(values)), low, high) <= target.tolerance
                         ),
                         "validation_rms_median": float(np.median(gaps))})  # fmt: skip
    return pd.DataFrame(rows)


def _band_gap(value: float, low: float, high: float) -> float:
    """How far a value lies outside the band [low, high], in logs (0 inside)."""
    return max(0.0, np.log(low / value), np.log(value / high))


def effect_table(ledger: Ledger) -> pd.DataFrame:
    """The Customs Union's effect, 2012-2015, over draws (parameters + seeds) and at the point.

    Over draws: history and the counterfactual at each predictive draw on its own seed, paired.
    At the point summary: the same over the evaluation seeds (seeds only). The parameters'
    share of the variance is 1 - (seed variance at the point) / (variance over draws).
    """
    rows = []
    pairs = {"draws": ("predictive", "predictive-counterfactual"),
             "point": ("evaluation", "counterfactual")}  # fmt: skip
    effects = {}
    for label, (history_kind, counter_kind) in pairs.items():
        history, counter = _series(ledger, history_kind), _series(ledger, counter_kind)
        if history.empty or counter.empty:
            return pd.DataFrame()
        key = "tag" if label == "draws" else "seed"
        window = history.year.between(*EFFECT_YEARS), counter.year.between(*EFFECT_YEARS)
        a = history[window[0]].groupby(key)[list(OUTCOMES)].mean()
        b = counter[window[1]].groupby(key)[list(OUTCOMES)].mean()
        effects[label] = (a / b - 1.0).dropna()
    for outcome in OUTCOMES:
        over, point = effects["draws"][outcome], effects["point"][outcome]
        share = 1.0 - point.var(ddof=1) / over.var(ddof=1) if over.var(ddof=1) > 0 else np.nan
        rows.append({
            "outcome": outcome, "effect": float(over.mean()),
            "p05": float(over.quantile(CREDIBLE[0])), "p95": float(over.quantile(CREDIBLE[1])),
            "point_effect": float(point.mean()), "point_p05": float(point.quantile(CREDIBLE[0])),
            "point_p95": float(point.quantile(CREDIBLE[1])),
            "parameter_share": float(max(0.0, share)),
        })  # fmt: skip
    return pd.DataFrame(rows)


def recovery_table(ledger: Ledger, priors: list[Prior]) -> pd.DataFrame:
    """Per recovery check and parameter: the known value, the recovered 90% interval, inside."""
    rows = []
    for i, check in enumerate(ledger.get_meta("recovery") or []):
        for j, prior in enumerate(priors):
            known, lo, hi = (float(prior.value(np.array([check[k][j]]))[0])
                             for k in ("known", "p05", "p95"))  # fmt: skip
            rows.append({"check": i, "parameter": prior.name, "known": known, "p05": lo,
                         "p95": hi, "inside": bool(lo <= known <= hi),
                         "width": check["p95"][j] - check["p05"][j]})  # fmt: skip
    return pd.DataFrame(rows)


def cost_table(ledger: Ledger, workers: int | None) -> pd.DataFrame:
    """Runs and wall time of each phase, from the ledger's recording times."""
    rows = []
    previous_end = None
    for kind in KINDS:
        times = ledger.recorded_times(kind)
        if times.empty:
            continue
        start = previous_end if previous_end is not None else times.iloc[0]
        wall = max((times.iloc[-1] - start).total_seconds(), 0.0)
        rows.append({"phase": kind, "runs": len(times), "wall_s": wall,
                     "first": str(times.iloc[0]), "last": str(times.iloc[-1])})  # fmt: skip
        previous_end = times.iloc[-1]
    table = pd.DataFrame(rows)
    if workers:
        table["s_per_run_per_worker"] = table.wall_s * workers / table.runs
    return table


def _marginals_figure(draws: pd.DataFrame, priors: list[Prior]) -> plt.Figure:
    cols = 4
    rows = int(np.ceil(len(priors) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(13, 2.6 * rows), squeeze=False)
    grid = np.linspace(0.0005, 0.9995, 400)
    for ax, prior in zip(axes.flat, priors, strict=False):
        values = draws[prior.name].to_numpy(float)
        log = prior.distribution in ("loguniform", "lognormal")
        bins = (np.geomspace(prior.lo, prior.hi, 31) if log
                else np.linspace(prior.lo, prior.hi, 31))  # fmt: skip
        ax.hist(values, bins=bins, density=True, color="#1f4e79", alpha=0.75, label="posterior")
        prior_values = prior.value(grid)
        ax.hist(prior_values, bins=bins, density=True, histtype="step", color="#c55a11", lw=1.5,
                label="prior")  # fmt: skip
        lo, hi = np.quantile(values, CREDIBLE)
        ax.axvspan(lo, hi, color="#1f4e79", alpha=0.08, lw=0)
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(prior.name, fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(priors) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(Patch(color="#1f4e79", alpha=0.15))
    fig.legend(handles, [*labels, "90% credible interval"], loc="lower center", ncol=3,
               frameon=False)  # fmt: skip
    fig.suptitle("Marginal posteriors (bars) against the priors (lines); shaded: 90% interval")
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    return fig


def _pairs_figure(draws: pd.DataFrame, priors: list[Prior], pairs: pd.DataFrame) -> plt.Figure:
    by_name = {p.name: p for p in priors}
    u = pd.DataFrame({p.name: p.unit(draws[p.name].to_numpy(float)) for p in priors})
    fig = plt.figure(figsize=(13, 6.5))
    heat = fig.add_axes((0.05, 0.12, 0.4, 0.78))
    image = heat.imshow(u.corr().to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    heat.set_xticks(range(len(priors)), [p.name for p in priors], rotation=90, fontsize=7)
    heat.set_yticks(range(len(priors)), [p.name for p in priors], fontsize=7)
    heat.set_title("Correlation of the draws (prior quantile scale)", fontsize=10)
    fig.colorbar(image, ax=heat, fraction=0.04)
    for k, row in enumerate(pairs.head(6).itertuples()):
        ax = fig.add_axes((0.55 + 0.15 * (k % 3), 0.55 - 0.45 * (k // 3), 0.12, 0.35))
        a, b = by_name[row.a], by_name[row.b]
        ax.scatter(draws[a.name], draws[b.name], s=3, alpha=0.3, color="#1f4e79")
        for prior, axis in ((a, "x"), (b, "y")):
            if prior.distribution in ("loguniform", "lognormal"):
                getattr(ax, f"set_{axis}scale")("log")
        ax.set_xlabel(a.name, fontsize=7)
        ax.set_ylabel(b.name, fontsize=7)
        ax.set_title(f"r = {row.correlation:+.2f}", fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle("Pairwise posterior: the strongest trade-offs between parameters")
    return fig


def _predictive_figure(ledger: Ledger) -> plt.Figure:
    series = _series(ledger, "predictive")
    paths = [t for t in load_targets() if t.kind == "path"]
    cols = 4
    rows = int(np.ceil(len(paths) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.4 * rows), squeeze=False)
    for ax, target in zip(axes.flat, paths, strict=False):
        grouped = series.groupby("year")[target.id]
        lo, mid, hi = grouped.quantile(CREDIBLE[0]), grouped.median(), grouped.quantile(CREDIBLE[1])
        ax.fill_between(mid.index, lo, hi, color="#1f4e79", alpha=0.25, lw=0,
                        label="posterior predictive, 90%")  # fmt: skip
        ax.plot(mid.index, mid, color="#1f4e79", lw=1.5, label="median")
        rec = record(target.record)
        ax.plot(rec.index, rec.value, color="black", lw=1.2, label="record")
        if (rec.low != rec.high).any():
            ax.fill_between(rec.index, rec.low, rec.high, color="black", alpha=0.12, lw=0,
                            label="record's mirror band")  # fmt: skip
        ax.axvspan(VALIDATION[0] - 0.5, VALIDATION[1] + 0.5, color="#c55a11", alpha=0.12, lw=0,
                   label="validation years (not fitted)")  # fmt: skip
        ax.set_xlim(1994, 2016)
        ax.set_xticks([1995, 2000, 2005, 2010, 2015])
        ax.set_title(textwrap.fill(target.figure, 42), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(paths) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, frameon=False, fontsize=8)
    fig.suptitle("Posterior predictive paths (model runs at posterior draws) against the record")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    return fig


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:,.0f}"


def build_posterior_report(
    folder: Path = DEFAULT_OUT, out: Path | None = None, draws: Path | None = None,
    workers: int | None = 2,
) -> Path:  # fmt: skip
    """Write the report from the ledger in `folder` and its draws; return the markdown path.

    Args:
        folder: The posterior's folder (its ledger and draws).
        out: Where to write `posterior-report.md` (default `folder`); figures and tables go
            into the `posterior-report/` folder beside it.
        draws: The draws file (default `folder/draws.parquet`).
        workers: The workers the runs used, for the cost per run.
    """
    folder = Path(folder)
    path = folder / "ledger.sqlite"
    if not path.is_file():
        raise InputError("no posterior ledger found; run calibrate --method posterior first",
                         source=str(path))  # fmt: skip
    draws_path = Path(draws) if draws else folder / DRAWS_NAME
    if not draws_path.is_file():
        raise InputError("no posterior draws found", source=str(draws_path))
    out = Path(out) if out else folder
    figures = out / FIGURES
    figures.mkdir(parents=True, exist_ok=True)
    sample = pd.read_parquet(draws_path)
    with Ledger(path) as ledger:
        fingerprint = ledger.get_meta("posterior") or {}
        emulator = ledger.get_meta("emulator")
        if emulator is None or ledger.get_meta("recovery") is None:
            raise InputError("the ledger holds no finished posterior", source=str(path))
        names = list(fingerprint["names"])
        space = SearchSpace.load()
        by_name = {p.name: p for p in space.priors}
        priors = [by_name[n] for n in names]
        params = parameter_table(sample, priors)
        pairs = correlation_table(sample, priors)
        predictive = predictive_table(ledger)
        validation = validation_table(ledger)
        effects = effect_table(ledger)
        recovery = recovery_table(ledger, priors)
        cost = cost_table(ledger, workers)
        evaluation = evaluation_table(ledger)
        records = record_table(ledger)
        emulator_frame = pd.DataFrame(
            {"term": emulator["terms"], "rmse": emulator["rmse"], "r2": emulator["r2"],
             "sigma": emulator["sigma"]}
        )  # fmt: skip
        for name, frame in (("parameters", params), ("correlations", pairs),
                            ("predictive", predictive), ("validation", validation),
                            ("customs_union", effects), ("recovery", recovery), ("cost", cost),
                            ("emulator", emulator_frame), ("point_targets", evaluation),
                            ("point_record", records)):  # fmt: skip
            frame.to_csv(figures / f"{name}.csv", index=False)
        for name, fig in (("marginals", _marginals_figure(sample, priors)),
                          ("pairs", _pairs_figure(sample, priors, pairs)),
                          ("predictive", _predictive_figure(ledger))):  # fmt: skip
            fig.savefig(figures / f"{name}.png", dpi=100)
            plt.close(fig)
        measures = pd.DataFrame([r.measures for r in ledger.records(kind="evaluation") if r.ok])
        point_loss = loss(load_targets(), measures)
        body = _markdown(fingerprint, params, pairs, predictive, validation, effects, recovery,
                         cost, emulator_frame, evaluation, records, len(sample),
                         point_loss)  # fmt: skip
    report = out / REPORT_NAME
    report.write_text(body)
    return report


def _markdown(fingerprint, params, pairs, predictive, validation, effects, recovery, cost,
              emulator, evaluation, records, n_draws, point_loss) -> str:  # fmt: skip
    f = FIGURES
    total_runs = int(cost.runs.sum())
    wall = float(cost.wall_s.sum())
    design = int(cost.loc[cost.phase.isin(["wave1", "wave2"]), "runs"].sum())
    lines = [
        "# The posterior over the calibrated parameters",
        "",
        "Rebuilt from the posterior's ledger and draws alone (`transfrontier report --posterior`);"
        " computed by `transfrontier calibrate --method posterior` (`sim.posterior`): a Sobol' "
        f"design of {fingerprint.get('wave1')} runs over the prior, an emulator of the model's "
        f"outputs, a second design of {fingerprint.get('wave2')} runs where the first posterior "
        "puts its mass, the final emulator fitted to it, and a sequential Monte Carlo sampler on "
        f"the emulated likelihood; {n_draws} draws (equally weighted) in "
        "`calibration/posterior.parquet`. Scenario "
        f"`{fingerprint.get('scenario')}`, {fingerprint.get('n_firms')} firm agents, master "
        f"seed {fingerprint.get('seed')}.",
        "",
        "**Why an emulator, not ABC.** ABC-SMC on sixteen parameters needs tens of thousands of "
        "model runs; at about 1.5 s a run that is more than a day on two cores. The emulator "
        f"needed {design} design runs; its error is measured by cross-validation and is part of "
        "the likelihood, and every predictive figure below comes from real model runs at "
        "posterior draws, not from the emulator.",
        "",
        "**The likelihood** is the calibration's loss made probabilistic: for each fitted target "
        "the gap of the emulated measure from the figure (zero inside a bound; for a path of the "
        "record, the RMS of its yearly log gaps from the record's band over 1995-2012) over "
        "sigma, with sigma^2 = tolerance^2 + (the emulator's cross-validated error)^2. The "
        "tolerance is the model's allowed discrepancy from the world; the emulator's error "
        "includes the seed noise of one run. The years 2013-2015 never enter it.",
        "",
        "## What it cost",
        "",
        f"{total_runs} model runs in {wall / 60:.0f} minutes of wall time on the machine's "
        "workers (the ledger's recording times; phases run one after another).",
        "",
        "| phase | runs | wall time (min) | s per run per worker |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.phase} | {r.runs} | {r.wall_s / 60:.1f} | "
        f"{getattr(r, 's_per_run_per_worker', float('nan')):.2f} |"
        for r in cost.itertuples()
    ]
    lines += [
        "",
        "## The parameters: 90% credible intervals and what the data pin down",
        "",
        "Contraction = 1 - posterior variance / prior variance, on the prior's quantile scale: "
        f"1 when the data fix a parameter, 0 when they say nothing of it. Pinned down: at least "
        f"{PINNED}; partly: {PARTLY}-{PINNED}; below {PARTLY}: the data do not pin it down and "
        "its interval is the prior's.",
        "",
        "| parameter | prior | median | 90% credible interval | contraction | the data |",
        "| --- | --- | ---: | --- | ---: | --- |",
    ]
    lines += [
        f"| {r.parameter} | {r.prior} | {_fmt(r.median)} | [{_fmt(r.p05)}, {_fmt(r.p95)}] | "
        f"{r.contraction:.2f} | {r.verdict} |"
        for r in params.itertuples()
    ]
    strong = pairs[pairs.correlation.abs() >= CORRELATED]
    lines += [
        "",
        f"![marginal posteriors]({f}/marginals.png)",
        "",
        "## Trade-offs between parameters",
        "",
        f"Pairs whose draws correlate by {CORRELATED} or more (prior quantile scale): the data "
        "pin a combination of the two, not each alone.",
        "",
    ]
    lines += [f"- {r.a} and {r.b}: {r.correlation:+.2f}" for r in strong.itertuples()] or ["- none"]
    lines += ["", f"![pairwise posteriors]({f}/pairs.png)", "", "## The emulator's error", "",
              "Cross-validated (5 folds) on the second design, per target measure: RMS error, "
              "R^2 and the sigma of the likelihood.", "",
              "| target | RMS error | R^2 | sigma |", "| --- | ---: | ---: | ---: |"]  # fmt: skip
    lines += [
        f"| {r.term} | {r.rmse:.3g} | {r.r2:.2f} | {r.sigma:.3g} |" for r in emulator.itertuples()
    ]
    lines += [
        "",
        "## Posterior predictive checks",
        "",
        "Model runs at the first posterior draws, each on a seed of its own (parameters and seed "
        "noise both vary): median and 90% interval of every target's measure, and the share of "
        "draws that meet it. Record paths: the RMS log gap over the fitted years.",
        "",
        "| target | figure | fitted | median | 90% | draws meeting it |",
        "| --- | --- | --- | ---: | --- | ---: |",
    ]
    for r in predictive.itertuples():
        figure = (f"{_fmt(r.value)}-{_fmt(r.upper)}" if r.kind == "range"
                  else f"> {_fmt(r.value)}" if r.kind == "lower_bound"
                  else f"<= {r.tolerance:g}" if r.kind == "path"
                  else f"{_fmt(r.value)} ± {r.tolerance:g}")  # fmt: skip
        lines.append(
            f"| {r.target} | {figure} | {'yes' if r.fitted else 'no'} | {_fmt(r.median)} | "
            f"[{_fmt(r.p05)}, {_fmt(r.p95)}] | {r.met_share:.0%} |"
        )
    lines += [
        "",
        f"![posterior predictive paths]({f}/predictive.png)",
        "",
        "## Out of sample: the validation years 2013-2015",
        "",
        "Never in the likelihood. Per year: the record (its mirror band where there are two "
        "readings) and the posterior predictive median and 90% interval; covers: whether the "
        "interval meets the record's band; within tolerance: whether the median lies within the "
        "target's tolerance of the band (in logs), the allowance the likelihood gives the "
        "model's discrepancy, which the interval over draws and seeds does not hold.",
        "",
        "| series | year | record | band | predictive median | 90% | covers | within tolerance |",
        "| --- | --- | ---: | --- | ---: | --- | --- | --- |",
    ]
    lines += [
        f"| {r.target} | {r.year} | {_fmt(r.record)} | [{_fmt(r.record_low)}, "
        f"{_fmt(r.record_high)}] | {_fmt(r.median)} | [{_fmt(r.p05)}, {_fmt(r.p95)}] | "
        f"{'yes' if r.covers else '**no**'} | {'yes' if r.within_tolerance else '**no**'} |"
        for r in validation.itertuples()
    ]
    covered = validation.covers.mean() if len(validation) else float("nan")
    near = validation.within_tolerance.mean() if len(validation) else float("nan")
    lines += ["", f"The intervals cover the record in {covered:.0%} of the series-years; the "
              f"median is within tolerance in {near:.0%}.", ""]  # fmt: skip
    if not effects.empty:
        lines += [
            "## The Customs Union's effect with parameter uncertainty",
            "",
            "History against `no_customs_union`, 2012-2015 means, effect = history over the "
            "counterfactual less 1, paired by draw and seed. Over draws: each predictive draw on "
            "its own seed (parameters and seeds); at the point: the point summary over the "
            "evaluation seeds (seeds only). Parameters' share: the part of the effect's variance "
            "over draws that seeds alone do not give.",
            "",
            "| outcome | effect over draws | 90% | at the point | 90% (seeds) "
            "| parameters' share |",
            "| --- | ---: | --- | ---: | --- | ---: |",
        ]
        lines += [
            f"| {r.outcome} | {r.effect:+.1%} | [{r.p05:+.1%}, {r.p95:+.1%}] | "
            f"{r.point_effect:+.1%} | [{r.point_p05:+.1%}, {r.point_p95:+.1%}] | "
            f"{r.parameter_share:.0%} |"
            for r in effects.itertuples()
        ]
        lines += ["", "The ex-post studies:", ""]
        lines += [f"- {who}: {what}." for who, what in CUSTOMS_UNION_STUDIES]
        lines.append("")
    inside = recovery.inside.mean() if len(recovery) else float("nan")
    lines += [
        "## Recovery on synthetic data",
        "",
        "Known parameter sets (posterior draws), each run once on a fresh seed; that run taken "
        "as the data (every figure a point at its measure, every path's band its series), and "
        "the posterior recomputed with the same emulator and sampler. A calibrated method puts "
        f"about 90% of known values inside their 90% intervals; here {inside:.0%} "
        f"({int(recovery.inside.sum())} of {len(recovery)}).",
        "",
        "| check | parameter | known | recovered 90% | inside |",
        "| --- | --- | ---: | --- | --- |",
    ]
    lines += [
        f"| {r.check} | {r.parameter} | {_fmt(r.known)} | [{_fmt(r.p05)}, {_fmt(r.p95)}] | "
        f"{'yes' if r.inside else '**no**'} |"
        for r in recovery.itertuples()
    ]
    met = int(evaluation.met.sum())
    lines += [
        "",
        "## The point summary (`calibration/calibrated.toml`)",
        "",
        "The draw of highest posterior density, run on fresh evaluation seeds (mean and 90% "
        f"over seeds): {met} of {len(evaluation)} of the paper's figures met; the calibration's "
        f"loss on those seeds (`sim.calibration_loss`, the Optuna search's criterion) "
        f"{point_loss:.1f}.",
        "",
        "| target | figure | mean | 90% | met |",
        "| --- | --- | ---: | --- | --- |",
    ]
    lines += [
        f"| {r.target} | {_fmt(r.figure)} | {_fmt(r.mean)} | [{_fmt(r.p05)}, {_fmt(r.p95)}] | "
        f"{'yes' if r.met else '**no**'} |"
        for r in evaluation.itertuples()
    ]
    lines += [
        "",
        "| record path | RMS 1995-2012 | RMS 2013-2015 | tolerance |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.target} | {r.fitted_rms:.3f} | {r.validation_rms:.3f} | {r.tolerance:g} |"
        for r in records.itertuples()
    ]
    lines += ["", f"Tables: `{f}/*.csv`.", ""]
    return "\n".join(lines)
