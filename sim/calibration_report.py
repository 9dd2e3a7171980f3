"""The calibration report: markdown and figures, rebuilt from the run ledger alone.

For each target: the figure, the model's mean and 90% interval over the evaluation seeds (fresh
seeds, not those of the search) and whether it is met; for the trade record, the fitted years
and the validation years (never fitted) side by side, year by year; the time paths of the
targeted series; gravity estimated on the model's own flows beside the literature; the Customs
Union counterfactual beside the ex-post studies; the loss history of the search; which
parameters the targets pin down (a one-at-a-time profile of the loss around the optimum, and the
correlations of the parameters among the best trials); and which targets pull against each
other.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibrate import COUNTERFACTUAL, DEFAULT_OUT
from sim.calibration_loss import GRAVITY_FLOWS, GRAVITY_YEARS, OUTCOMES, loss, standardized_errors
from sim.errors import InputError
from sim.gravity import LITERATURE
from sim.ledger import Ledger, Record
from sim.plots import record_figure
from sim.record import record
from sim.targets import load_targets, path_gap, path_years, summary_row


def _params_records(
    ledger: Ledger, params: dict, kind: str, seeds: list[int] | None = None
) -> list[Record]:
    """The ok runs of one parameter set (whatever trial first ran it), optionally by seed.

    Selecting by parameters, not by tag, matters in a resumed study: an earlier best set has
    evaluation and profile runs under the same tags.
    """
    key = json.dumps(params, sort_keys=True)
    wanted = None if seeds is None else set(seeds)
    return [r for r in ledger.records(kind=kind)
            if r.ok and json.dumps(r.params, sort_keys=True) == key
            and (wanted is None or r.seed in wanted)]  # fmt: skip


def _params_measures(ledger: Ledger, params: dict, kind: str) -> pd.DataFrame:
    """Measures of every recorded run of one parameter set (whatever trial first ran it)."""
    return pd.DataFrame([r.measures for r in _params_records(ledger, params, kind)])


def _evaluation_records(ledger: Ledger) -> list[Record]:
    """The best set's runs on the evaluation seeds."""
    best = ledger.get_meta("best")
    if best is None:
        return []
    return _params_records(
        ledger, best["params"], "evaluation", ledger.get_meta("evaluation_seeds") or []
    )


def evaluation_table(ledger: Ledger) -> pd.DataFrame:
    """Per paper target: figure, evaluation mean and 90% interval, gap, met."""
    measures = pd.DataFrame([r.measures for r in _evaluation_records(ledger)])
    if measures.empty:
        raise InputError("the ledger has no evaluation runs; run calibrate first", key="ledger")
    rows = []
    for target in load_targets():
        if target.kind == "path":
            continue
        row = summary_row(target, measures[target.id].to_numpy(float))
        row["section"] = target.section
        row["years"] = f"{target.years[0]}" if target.years[0] == target.years[1] else (
            f"{target.years[0]}-{target.years[1]}"
        )  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["replicates"] = len(measures)
    return table


def _evaluation_series(ledger: Ledger, kind: str = "evaluation") -> pd.DataFrame:
    """The yearly series of the best set's runs on the evaluation seeds (`run` column added).

    `kind="counterfactual"` gives the same seeds' runs of the counterfactual scenario.
    """
    best = ledger.get_meta("best")
    if best is None:
        return pd.DataFrame()
    records = _params_records(ledger, best["params"], kind, ledger.get_meta("evaluation_seeds"))
    frames = [ledger.series(r.run_id).assign(seed=r.seed) for r in records]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def record_table(ledger: Ledger) -> pd.DataFrame:
    """Per record path: RMS log gap over the fitted and over the validation years.

    Mean and 90% interval over the evaluation seeds, with the tolerance and whether the mean
    meets it.
    """
    series = _evaluation_series(ledger)
    rows = []
    for target in (t for t in load_targets() if t.kind == "path"):
        row: dict = {"target": target.id, "figure": target.figure, "fitted": target.fitted}
        for which in ("fitted", "validation"):
            gaps = np.array([
                path_gap(target, run.set_index("year")[target.id], which)
                for _, run in series.groupby("seed")
            ])  # fmt: skip
            years = path_years(target, which)
            row[f"{which}_years"] = f"{years[0]}-{years[-1]}" if years.size else ""
            row[f"{which}_rms"] = float(np.mean(gaps))
            row[f"{which}_p05"] = float(np.quantile(gaps, 0.05))
            row[f"{which}_p95"] = float(np.quantile(gaps, 0.95))
            row[f"{which}_met"] = bool(np.mean(gaps) <= target.tolerance + 1e-12)
        row["tolerance"] = target.tolerance
        rows.append(row)
    return pd.DataFrame(rows)


def years_table(ledger: Ledger, years: range = range(1995, 2016)) -> pd.DataFrame:
    """Year by year, the record and the model (mean, 90% interval) for each record path."""
    series = _evaluation_series(ledger)
    rows = []
    for target in (t for t in load_targets() if t.kind == "path"):
        rec = record(target.record)
        fitted, held = set(path_years(target)), set(path_years(target, "validation"))
        grouped = series.groupby("year")[target.id]
        mean, lo, hi = grouped.mean(), grouped.quantile(0.05), grouped.quantile(0.95)
        for year in years:
            role = "fitted" if year in fitted else "validation" if year in held else "not used"
            rows.append(
                {
                    "target": target.id,
                    "year": year,
                    "role": role,
                    "record": rec.value.get(year, np.nan),
                    "record_low": rec.low.get(year, np.nan),
                    "record_high": rec.high.get(year, np.nan),
                    "model": mean.get(year, np.nan),
                    "model_p05": lo.get(year, np.nan),
                    "model_p95": hi.get(year, np.nan),
                }
            )
    return pd.DataFrame(rows)


def gravity_table(ledger: Ledger) -> pd.DataFrame:
    """Gravity on the model's flows: mean and 90% interval over the evaluation seeds."""
    measures = pd.DataFrame([r.measures for r in _evaluation_records(ledger)])
    rows = []
    for flow in GRAVITY_FLOWS:
        for year in GRAVITY_YEARS:
            for stat in ("distance", "border_effect"):
                key = f"gravity:{flow}:{year}:{stat}"
                if key not in measures:
                    continue
                values = measures[key].dropna().to_numpy(float)
                rows.append(
                    {
                        "flows": flow.removesuffix("_usd_bn"),
                        "year": year,
                        "statistic": stat,
                        "mean": float(values.mean()),
                        "p05": float(np.quantile(values, 0.05)),
                        "p95": float(np.quantile(values, 0.95)),
                    }
                )
    return pd.DataFrame(rows)


def counterfactual_table(ledger: Ledger, years: tuple[int, int] = (2012, 2015)) -> pd.DataFrame:
    """Effect of the Customs Union's trade policy: history against the counterfactual.

    Per outcome, mean over `years` of history and of `no_customs_union` on the same seeds, and
    the paired relative effect (history over counterfactual, less 1) with its 90% interval.
    """
    history = _evaluation_series(ledger)
    counter = _evaluation_series(ledger, "counterfactual")
    if history.empty or counter.empty:
        return pd.DataFrame()
    window = slice(*years)
    h = history.set_index(["seed", "year"]).sort_index()
    c = counter.set_index(["seed", "year"]).sort_index()
    rows = []
    for outcome in OUTCOMES:
        a = h[outcome].unstack("year").loc[:, window].mean(axis=1)
        b = c[outcome].unstack("year").loc[:, window].mean(axis=1)
        effect = (a / b - 1.0).dropna()
        rows.append(
            {
                "outcome": outcome,
                "history": float(a.mean()),
                "without": float(b.mean()),
                "effect": float(effect.mean()),
                "p05": float(np.quantile(effect, 0.05)),
                "p95": float(np.quantile(effect, 0.95)),
            }
        )
    return pd.DataFrame(rows)


def trial_table(ledger: Ledger) -> pd.DataFrame:
    """Every finished trial: number, loss and parameters."""
    rows = [
        {"trial": int(key.split(":")[1]), "loss": value["loss"], **value["params"]}
        for key, value in ledger.meta_items("trial:").items()
    ]
    return pd.DataFrame(rows).sort_values("trial").reset_index(drop=True)


def profile_table(ledger: Ledger) -> pd.DataFrame:
    """The loss of each one-at-a-time profile point, with the optimum's own loss."""
    targets = load_targets()
    best = ledger.get_meta("best")
    searched = best.get("searched", best["params"])
    rows = [{"parameter": name, "value": value, "loss": best["loss"]}
            for name, value in searched.items()]  # fmt: skip
    for tag, params in (ledger.get_meta("profile") or {}).items():
        measures = _params_measures(ledger, params, "profile")
        if len(measures) < 2:
            continue
        name = tag.rstrip("0123456789").rstrip("+-")
        value = loss(targets, measures)
        rows.append({"parameter": name, "value": params[name], "loss": value})
    return pd.DataFrame(rows).sort_values(["parameter", "value"]).reset_index(drop=True)


def _trial_measures(ledger: Ledger) -> dict[int, pd.DataFrame]:
    """Every finished trial's measures on its search seeds."""
    out = {}
    for key, trial in ledger.meta_items("trial:").items():
        measures = _params_measures(ledger, trial["params"], "search")
        if len(measures) > 1:
            out[int(key.split(":")[1])] = measures
    return dict(sorted(out.items()))


def error_table(ledger: Ledger) -> pd.DataFrame:
    """Standardized error of every target in every finished trial."""
    targets = load_targets()
    rows = {n: standardized_errors(targets, m) for n, m in _trial_measures(ledger).items()}
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def reach_table(ledger: Ledger) -> pd.DataFrame:
    """Per target: the trial mean nearest the figure, and how many trial means met it.

    On the search seeds. A target that no trial meets is out of the search space's reach,
    whatever the other targets do.
    """
    means = pd.DataFrame({n: m.mean() for n, m in _trial_measures(ledger).items()}).T
    rows = []
    for target in load_targets():
        if target.id not in means:
            continue
        gaps = means[target.id].map(target.gap)
        closest = int(gaps.abs().idxmin())
        rows.append(
            {
                "target": target.id,
                "closest_trial": closest,
                "closest_mean": float(means.loc[closest, target.id]),
                "trials_met": int(means[target.id].map(target.met).sum()),
                "trials": len(means),
            }
        )
    return pd.DataFrame(rows)


def conflicts(errors: pd.DataFrame, unmet: list[str], threshold: float = -0.3) -> list[str]:
    """Pairs of targets whose errors move in opposite directions across the trials."""
    out: list[str] = []
    if errors.empty or len(errors) < 5:
        return out
    corr = errors.corr()
    seen: set[frozenset[str]] = set()
    for a in unmet:
        for b in corr.columns:
            if b != a and corr.loc[a, b] < threshold and frozenset((a, b)) not in seen:
                seen.add(frozenset((a, b)))
                out.append(
                    f"{a} and {b} (correlation of errors across trials {corr.loc[a, b]:.2f})"
                )
    return out


def _paths_figure(ledger: Ledger) -> plt.Figure:
    targets = [t for t in load_targets() if t.kind != "path"]
    frame = _evaluation_series(ledger)
    cols = 3
    rows = int(np.ceil(len(targets) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.2 * rows), squeeze=False)
    for ax, target in zip(axes.flat, targets, strict=False):
        grouped = frame.groupby("year")[target.id]
        mean, lo, hi = grouped.mean(), grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, lo, hi, color="#1f4e79", alpha=0.2, lw=0)
        ax.plot(mean.index, mean, color="#1f4e79", lw=1.8, label="model (evaluation seeds)")
        first, last = target.years
        if target.statistic == "growth":
            ax.set_title(f"{target.id}: series (growth target {target.value:.0%}/yr)", fontsize=9)
        else:
            ax.set_title(target.id, fontsize=9)
            bound = target.kind == "lower_bound"
            label = "paper (lower bound)" if bound else "paper"
            ax.hlines(target.value, first - 0.5, last + 0.5, colors="#c00000",
                      linestyles="--" if bound else "-", lw=2, label=label)  # fmt: skip
        ax.axvspan(first - 0.5, last + 0.5, color="#f2d7d5", alpha=0.5, lw=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(targets) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Targeted series over the evaluation seeds (mean, 5-95% band; window shaded)")
    fig.tight_layout()
    return fig


def _loss_figure(trials: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(trials.trial, trials.loss, "o", ms=3, color="#7f7f7f", label="trial")
    ax.plot(trials.trial, trials.loss.cummin(), color="#1f4e79", lw=2, label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (sum of squared standardized errors)")
    ax.set_title("Calibration: loss history")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def _profile_figure(profile: pd.DataFrame) -> plt.Figure:
    names = list(dict.fromkeys(profile.parameter))
    cols = 3
    rows = max(1, int(np.ceil(len(names) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = profile[profile.parameter == name]
        ax.plot(part.value, part.loss, "o-", color="#1f4e79")
        ax.set_title(name, fontsize=9)
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.suptitle("Loss one parameter at a time around the optimum (flat = not pinned down)")
    fig.tight_layout()
    return fig


CUSTOMS_UNION_STUDIES = (
    (
        "Isakova, Koczan & Plekhanov (2016), Journal of Economic Policy Reform (EBRD WP 154, 2013)",
        "the union's tariff changes lowered Kazakhstan's imports from China and raised those "
        "from inside the union, both significantly but by small amounts; trade creation "
        "insignificant except between Russia and third countries",
    ),
    (
        "EBRD Transition Report 2012, ch. 4, Table 4.1",
        "coefficient of the change in Kazakhstan's imports on the change in tariffs: from China "
        "-0.0141 (s.e. 0.0071), from the union +0.0076 (0.0039), from the EU -0.0056 (0.0049), "
        "from the world +0.0024 (0.0028)",
    ),
    (
        "Adarov (2018), wiiw; Review of World Economics (2023)",
        "trade creation inside the union significant at first, largely dissipated by 2015; net "
        "effect mixed for Kazakhstan",
    ),
    (
        "World Bank (2012), Report 74356-KZ",
        "Kazakhstan trades less with the rest of the world and more with Russia, Belarus and the "
        "CIS; real income about 0.2% a year lower under the 2011 tariffs",
    ),
    (
        "Gnutzmann-Mkrtchyan & Gnutzmann, 'The cost of borders' (draft)",
        "removing the internal customs controls raised intra-union trade by about 65% in an "
        "early draft; a later version finds trade values react more to tariff-driven diversion",
    ),
)


def _record_lines(records: pd.DataFrame, years: pd.DataFrame) -> list[str]:
    lines = [
        "## The trade record: fitted years and validation years",
        "",
        "RMS log distance of the model from the record (0 inside the band of the two mirror "
        "readings), mean and 90% interval over the evaluation seeds. The validation years "
        "2013-2015 never entered the loss; patterns marked not fitted are validation throughout.",
        "",
        "| path | fitted | fitted years | RMS | 90% | met | validation years | RMS | 90% | "
        "within tolerance | tolerance |",
        "| --- | --- | --- | ---: | --- | --- | --- | ---: | --- | --- | ---: |",
    ]
    for r in records.itertuples():
        lines.append(
            f"| {r.figure} | {'yes' if r.fitted else 'no'} | {r.fitted_years} | "
            f"{r.fitted_rms:.3f} | [{r.fitted_p05:.3f}, {r.fitted_p95:.3f}] | "
            f"{'yes' if r.fitted_met else '**no**'} | {r.validation_years} | "
            f"{r.validation_rms:.3f} | [{r.validation_p05:.3f}, {r.validation_p95:.3f}] | "
            f"{'yes' if r.validation_met else '**no**'} | {r.tolerance:g} |"
        )
    lines += [
        "",
        "![model against the record](record.png)",
        "",
        "Year by year (record / model mean):",
        "",
    ]
    shown = years[years.role != "not used"]
    wide = shown.assign(
        cell=[
            f"{a:.3g} / {b:.3g}" + ("*" if role == "validation" else "")
            for a, b, role in zip(shown.record, shown.model, shown.role, strict=True)
        ]
    ).pivot(index="year", columns="target", values="cell")
    lines.append("| year | " + " | ".join(wide.columns) + " |")
    lines.append("| --- |" + " --- |" * len(wide.columns))
    for year, row in wide.iterrows():
        lines.append(f"| {year} | " + " | ".join(str(v) if v == v else "" for v in row) + " |")
    lines += ["", "\\* validation year (not fitted). Full table: `years.csv`.", ""]
    return lines


def _gravity_lines(gravity: pd.DataFrame) -> list[str]:
    if gravity.empty:
        return []
    lines = [
        "## Gravity and the border, as results",
        "",
        "PPML with origin and destination fixed effects on the model's own flows between Kazakh "
        "and Russian regions, domestic pairs included (`sim.gravity`), over the evaluation seeds. "
        "Neither is a target: the distance elasticity of trade costs is set from the literature "
        "and the border effect comes from the model's barriers, fixed costs and networks.",
        "",
        "| flows | year | distance elasticity | 90% | border effect (times) | 90% |",
        "| --- | --- | ---: | --- | ---: | --- |",
    ]
    wide = gravity.set_index(["flows", "year", "statistic"])
    for (flow, year), part in wide.groupby(level=["flows", "year"]):
        d = part.xs("distance", level="statistic").iloc[0]
        b = part.xs("border_effect", level="statistic").iloc[0]
        lines.append(
            f"| {flow} | {year} | {d['mean']:.3f} | [{d.p05:.3f}, {d.p95:.3f}] | "
            f"{b['mean']:.2f} | [{b.p05:.2f}, {b.p95:.2f}] |"
        )
    lines += ["", "The literature:", ""]
    lines += [
        f"- {ref.quantity.replace('_', ' ')} {ref.value:g} ({ref.kind}; {ref.sample}): "
        f"{ref.citation}"
        for ref in LITERATURE
    ]
    return [*lines, ""]


def _counterfactual_lines(effects: pd.DataFrame) -> list[str]:
    if effects.empty:
        return []
    lines = [
        "## The Customs Union's trade policy: the counterfactual",
        "",
        f"History against `{COUNTERFACTUAL}` (the union's external tariff, the removal of "
        "internal customs controls and its lower non-tariff barriers undone; everything else as "
        "in history), on the evaluation seeds, 2012-2015 means; effect = history over the "
        "counterfactual, less 1, paired by seed.",
        "",
        "| outcome | history | without the union | effect | 90% |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in effects.itertuples():
        lines.append(
            f"| {r.outcome} | {r.history:.3g} | {r.without:.3g} | {r.effect:+.1%} | "
            f"[{r.p05:+.1%}, {r.p95:+.1%}] |"
        )
    lines += ["", "The ex-post studies:", ""]
    lines += [f"- {who}: {what}." for who, what in CUSTOMS_UNION_STUDIES]
    return [*lines, ""]


def build_report(folder: Path = DEFAULT_OUT, out: Path | None = None) -> Path:
    """Write `report.md` and its figures from the ledger in `folder`; return the markdown path."""
    folder = Path(folder)
    path = folder / "ledger.sqlite"
    if not path.is_file():
        raise InputError("no calibration ledger found; run calibrate first", source=str(path))
    out = Path(out) if out else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    with Ledger(path) as ledger:
        table = evaluation_table(ledger)
        records = record_table(ledger)
        years = years_table(ledger)
        gravity = gravity_table(ledger)
        effects = counterfactual_table(ledger)
        trials = trial_table(ledger)
        profile = profile_table(ledger)
        errors = error_table(ledger)
        reach = reach_table(ledger)
        best = ledger.get_meta("best")
        held = (ledger.get_meta("space") or {}).get("held", {})
        figures = {
            "paths.png": _paths_figure(ledger),
            "record.png": record_figure(_evaluation_series(ledger)),
            "loss.png": _loss_figure(trials),
            "profile.png": _profile_figure(profile),
        }
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=100)
        plt.close(fig)

    unmet = list(table[~table.met].target) + list(records[~records.fitted_met].target)
    spread = profile.groupby("parameter").loss.agg(lambda s: s.max() / max(s.min(), 1e-12))
    top = trials.nsmallest(max(5, len(trials) // 5), "loss")
    params = [c for c in trials.columns if c not in ("trial", "loss")]
    corr = top[params].corr() if len(top) > 2 else pd.DataFrame()
    lines = [
        "# Calibration report",
        "",
        f"Best trial {best['trial']} of {len(trials)}, search loss {best['loss']:.3g}. "
        f"Evaluation over {table.attrs['replicates']} fresh seeds (not used in the search).",
        *(
            [
                "",
                f"A second stage: it searched {', '.join(sorted(best['params']))} and held the "
                f"other {len(held)} parameters at an earlier calibrated set (marked held below).",
            ]
            if held
            else []
        ),
        "",
        "## The paper's figures",
        "",
        "| target | section | figure | kind | window | model mean | 90% interval | gap | "
        "tolerance | met |",
        "| --- | --- | ---: | --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.target} | {r.section} | {r.figure:g} | {r.kind} | {r.years} | {r.mean:.4g} | "
            f"[{r.p05:.4g}, {r.p95:.4g}] | {r.gap:+.3g} | {r.tolerance:g} | "
            f"{'yes' if r.met else '**no**'} |"
        )
    lines += [
        "",
        f"{int(table.met.sum())} of {len(table)} of the paper's figures met on the mean.",
        "",
        "![targeted series](paths.png)",
        "",
        *_record_lines(records, years),
        *_gravity_lines(gravity),
        *_counterfactual_lines(effects),
        "## Search",
        "",
        "![loss history](loss.png)",
        "",
        "Best parameters:",
        "",
        "| parameter | value |",
        "| --- | ---: |",
        *[f"| {k} | {v:.4g} |" for k, v in sorted(best["params"].items())],
        *[f"| {k} (held) | {v:.4g} |" for k, v in sorted(held.items())],
        "",
        "## What the targets pin down",
        "",
        "Ratio of the largest to the smallest loss over each parameter's one-at-a-time profile "
        "(near 1: the targets barely constrain it):",
        "",
        "| parameter | loss ratio over the profile |",
        "| --- | ---: |",
        *[f"| {k} | {v:.3g} |" for k, v in spread.sort_values().items()],
        "",
        "![profile](profile.png)",
        "",
    ]
    if not corr.empty:
        strong = [
            f"{a} and {b}: {corr.loc[a, b]:+.2f}"
            for i, a in enumerate(params)
            for b in params[i + 1 :]
            if abs(corr.loc[a, b]) >= 0.5
        ]
        lines += [
            f"Parameter correlations among the best {len(top)} trials (|r| >= 0.5; such pairs "
            "trade off against each other):",
            "",
            *([f"- {s}" for s in strong] or ["- none"]),
            "",
        ]
    pulls = conflicts(errors, unmet)
    by_id = {t.id: t for t in load_targets()}
    lines += ["## Targets that pull against each other", ""]
    if unmet:
        lines += [f"Not met: {', '.join(unmet)}.", ""]
        for r in reach.itertuples():
            if r.target in unmet:
                verdict = (
                    "no trial met it: it is out of reach of the search space"
                    if r.trials_met == 0
                    else f"{r.trials_met} trials met it on their search seeds, so the miss "
                    "comes from a trade-off with other targets or from the seeds"
                )
                target = by_id[r.target]
                lines.append(
                    f"- {r.target}: the closest of the {r.trials} trials (trial "
                    f"{r.closest_trial}) reached {r.closest_mean:.4g} on its search seeds; "
                    f"{verdict}.{'' if target.fitted else ' Reported, not fitted.'} "
                    f"Reading of the figure: {target.note or '(none)'}"
                )
        lines += ["", "Errors that move against each other across the trials:", ""]
        lines += [f"- {p}" for p in pulls] or [
            "- No other target's error moves against theirs across the trials: they are not "
            "traded off against another target in this search space."
        ]
    else:
        lines += ["Every target is met together."]
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    table.to_csv(out / "targets.csv", index=False)
    records.to_csv(out / "record.csv", index=False)
    years.to_csv(out / "years.csv", index=False)
    gravity.to_csv(out / "gravity.csv", index=False)
    effects.to_csv(out / "customs_union.csv", index=False)
    reach.to_csv(out / "reach.csv", index=False)
    trials.to_csv(out / "trials.csv", index=False)
    return report
