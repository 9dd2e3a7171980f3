"""The calibration report: markdown and figures, rebuilt from the run ledger alone.

For each target: the paper's figure, the model's mean and 90% interval over the evaluation
seeds (fresh seeds, not those of the search) and whether it is met; the time paths of the
targeted series with the figure marked; the loss history of the search; which parameters the
targets pin down (a one-at-a-time profile of the loss around the optimum, and the correlations
of the parameters among the best trials); and which targets pull against each other.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibrate import DEFAULT_OUT, money_targets, objective, standardized_errors
from sim.errors import InputError
from sim.ledger import Ledger, Record
from sim.targets import load_targets, summary_row


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
    """Per target: figure, evaluation mean and 90% interval, gap, met."""
    measures = pd.DataFrame([r.measures for r in _evaluation_records(ledger)])
    if measures.empty:
        raise InputError("the ledger has no evaluation runs; run calibrate first", key="ledger")
    rows = []
    for target in load_targets():
        row = summary_row(target, measures[target.id].to_numpy(float))
        row["section"] = target.section
        row["years"] = f"{target.years[0]}" if target.years[0] == target.years[1] else (
            f"{target.years[0]}-{target.years[1]}"
        )  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["replicates"] = len(measures)
    return table


def trial_table(ledger: Ledger) -> pd.DataFrame:
    """Every finished trial: number, loss and parameters."""
    rows = []
    for key, value in ledger.meta_items("trial:").items():
        fitted = {"money_scale": value["money_scale"]} if "money_scale" in value else {}
        rows.append(
            {"trial": int(key.split(":")[1]), "loss": value["loss"], **value["params"], **fitted}
        )
    return pd.DataFrame(rows).sort_values("trial").reset_index(drop=True)


def profile_table(ledger: Ledger) -> pd.DataFrame:
    """The loss of each one-at-a-time profile point, with the optimum's own loss."""
    targets = load_targets()
    best = ledger.get_meta("best")
    fit = bool(ledger.get_meta("space", {}).get("fit_money_scale", True))
    searched = best.get("searched", best["params"])
    rows = [{"parameter": name, "value": value, "loss": best["loss"]}
            for name, value in searched.items()]  # fmt: skip
    for tag, params in (ledger.get_meta("profile") or {}).items():
        measures = _params_measures(ledger, params, "profile")
        if len(measures) < 2:
            continue
        name = tag.rstrip("0123456789").rstrip("+-")
        value = objective(targets, measures, fit)[0]
        rows.append({"parameter": name, "value": params[name], "loss": value})
    return pd.DataFrame(rows).sort_values(["parameter", "value"]).reset_index(drop=True)


def _trial_measures(ledger: Ledger) -> dict[int, pd.DataFrame]:
    """Every finished trial's measures on its search seeds, in US$ at its fitted scale."""
    targets = load_targets()
    out = {}
    for key, trial in ledger.meta_items("trial:").items():
        measures = _params_measures(ledger, trial["params"], "search")
        if len(measures) > 1:
            for target in money_targets(targets):
                measures[target.id] = measures[target.id] * trial.get("money_scale", 1.0)
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
    targets = load_targets()
    series = [ledger.series(r.run_id) for r in _evaluation_records(ledger)]
    frame = pd.concat(series, keys=range(len(series)), names=["run", "row"])
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
        trials = trial_table(ledger)
        profile = profile_table(ledger)
        errors = error_table(ledger)
        reach = reach_table(ledger)
        best = ledger.get_meta("best")
        figures = {
            "paths.png": _paths_figure(ledger),
            "loss.png": _loss_figure(trials),
            "profile.png": _profile_figure(profile),
        }
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=100)
        plt.close(fig)

    unmet = list(table[~table.met].target)
    spread = profile.groupby("parameter").loss.agg(lambda s: s.max() / max(s.min(), 1e-12))
    top = trials.nsmallest(max(5, len(trials) // 5), "loss")
    params = [c for c in trials.columns if c not in ("trial", "loss")]
    corr = top[params].corr() if len(top) > 2 else pd.DataFrame()
    lines = [
        "# Calibration report",
        "",
        f"Best trial {best['trial']} of {len(trials)}, search loss {best['loss']:.3g}. "
        f"Evaluation over {table.attrs['replicates']} fresh seeds (not used in the search).",
        "",
        "## Targets",
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
        f"{int(table.met.sum())} of {len(table)} targets met on the mean.",
        "",
        "![targeted series](paths.png)",
        "",
        "## Search",
        "",
        "![loss history](loss.png)",
        "",
        "Best parameters:",
        "",
        "| parameter | value |",
        "| --- | ---: |",
        *[f"| {k} | {v:.4g} |" for k, v in sorted(best["params"].items())],
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
    reach.to_csv(out / "reach.csv", index=False)
    trials.to_csv(out / "trials.csv", index=False)
    return report
