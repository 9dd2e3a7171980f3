"""Comparing scenarios over replicates: key outcomes at chosen years, with differences.

Every scenario runs with the same replicate seeds (common random numbers), so the difference of
a scenario to the first is taken replicate by replicate: its interval shows the effect of the
scenario, not the spread of the outcomes.

With ``posterior=N`` every scenario runs over the first N posterior draws (`sim.draws`) times
the same replicate seeds, so differences are paired by draw and seed, and the intervals count
parameter uncertainty as well as seed noise. The summary then says how much of each variance
is the parameters' (`parameter_share`, a two-way decomposition: the variance of the draws'
means, less its seed noise, over the whole).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.draws import NO_DRAW
from sim.errors import InputError
from sim.experiments import replicate_tasks, seeds_for
from sim.runner import collect, draw_specs, metadata_of
from sim.scenario import ScenarioSpec
from sim.schema import KEY_OUTCOMES

DEFAULT_YEARS = (2009, 2015, 2030)
LEVEL = 0.90


@dataclass
class Comparison:
    """The runs of several scenarios and their summary."""

    model: pd.DataFrame  # every run's model table, with a `scenario` column
    summary: pd.DataFrame  # scenario x year x outcome: mean, interval, difference to the first
    specs: list[ScenarioSpec]
    meta: dict[str, Any] = field(default_factory=dict)


def summarise(
    model: pd.DataFrame,
    order: list[str],
    years: list[int],
    outcomes: tuple[str, ...] = KEY_OUTCOMES,
) -> pd.DataFrame:
    """Mean and 90% interval over runs, and the paired difference to the first scenario.

    Runs are paired by draw and replicate. With several draws, `parameter_share` and
    `diff_parameter_share` give the parameters' share of the variance of the level and of the
    difference (NaN with one draw, or one replicate per draw).

    Args:
        model: Model tables of all runs (columns `scenario`, `replicate`, `draw`, `year`,
            outcomes).
        order: Scenario names; the first is the reference.
        years: Years to report (each scenario reports the years it covers).
        outcomes: Columns to summarise.
    """
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    if "draw" not in model:  # tables written before runs recorded their draw
        model = model.assign(draw=NO_DRAW)
    long = model[model.year.isin(years)].melt(
        id_vars=["scenario", "draw", "replicate", "year"],
        value_vars=list(outcomes),
        var_name="outcome",
    )
    grouped = long.groupby(["scenario", "year", "outcome"]).value
    summary = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "p05": grouped.quantile(lo_q),
            "p95": grouped.quantile(hi_q),
            "replicates": grouped.count(),
            "draws": long.groupby(["scenario", "year", "outcome"]).draw.nunique(),
        }
    ).reset_index()
    reference = long[long.scenario == order[0]].rename(columns={"value": "reference"})
    paired = long.merge(
        reference[["draw", "replicate", "year", "outcome", "reference"]],
        on=["draw", "replicate", "year", "outcome"],
        how="left",
    )
    paired["diff"] = paired.value - paired.reference
    keys = ["scenario", "year", "outcome"]
    diff = paired.groupby(keys)["diff"]
    summary = summary.merge(
        pd.DataFrame(
            {
                "diff_mean": diff.mean(),
                "diff_p05": diff.quantile(lo_q),
                "diff_p95": diff.quantile(hi_q),
                "parameter_share": paired.groupby(keys).apply(
                    lambda g: parameter_share(g, "value"), include_groups=False
                ),
                "diff_parameter_share": paired.groupby(keys).apply(
                    lambda g: parameter_share(g, "diff"), include_groups=False
                ),
            }
        ).reset_index(),
        on=keys,
    )
    rank = {name: i for i, name in enumerate(order)}
    summary["order"] = summary.scenario.map(rank)
    summary = summary.sort_values(["outcome", "year", "order"]).drop(columns="order")
    return summary.reset_index(drop=True)


def parameter_share(runs: pd.DataFrame, column: str) -> float:
    """The parameters' share of the variance of `column` over runs of several draws x seeds.

    A one-way random-effects decomposition by draw: the seeds' variance is the mean variance
    within a draw; the parameters', the variance of the draws' means less the part of it that
    is seed noise (that variance over the replicates per draw), floored at 0. NaN when it
    cannot be told apart: one draw, one replicate per draw, or no variance at all.
    """
    by_draw = runs.groupby("draw")[column]
    counts = by_draw.count()
    if len(counts) < 2 or counts.min() < 2:
        return float("nan")
    within = float(by_draw.var(ddof=1).mean())
    between = max(0.0, float(by_draw.mean().var(ddof=1)) - within / float(counts.mean()))
    total = between + within
    return between / total if total > 0 else float("nan")


def compare(
    scenarios: list[str | Path | ScenarioSpec],
    *,
    replicates: int = 20,
    seed: int = 0,
    years: list[int] | None = None,
    n_firms: int | None = None,
    parameters: dict[str, Any] | None = None,
    posterior: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> Comparison:
    """Run several scenarios over the same replicate seeds (and draws) and summarise them.

    Args:
        scenarios: Names, paths or specs; the first is the reference for differences.
        replicates: Replicates per scenario.
        seed: Master seed (the same replicate seeds for every scenario).
        years: Years to report (default 2009, 2015 and 2030 where a scenario runs so far).
        n_firms: Number of firm agents.
        parameters: Structural parameter overrides applied to every scenario.
        posterior: Run every scenario over this many posterior draws (the same draws and seeds
            for all), so that the intervals count parameter uncertainty.
        workers: Worker processes (default all cores).
        scheduler: Address of a dask scheduler.
        progress: Show a progress bar.
    """
    if len(scenarios) < 1:
        raise InputError("give at least one scenario", key="scenarios")
    runs = [draw_specs(s, parameters, n_firms, posterior) for s in scenarios]
    names = [specs[0].name for specs, _ in runs]
    if len(set(names)) != len(names):
        raise InputError(f"scenarios must differ, got {names}", key="scenarios")
    specs = [spec for scenario_specs, _ in runs for spec in scenario_specs]
    draws = [draw for _, scenario_draws in runs for draw in scenario_draws]
    seeds = seeds_for(seed, replicates)
    tasks = replicate_tasks(specs, seeds, draws)
    tables = collect(tasks, workers, scheduler, progress, desc="compare")
    model = tables["model"]
    wanted = list(years) if years else list(DEFAULT_YEARS)
    summary = summarise(model, names, wanted)
    meta = {
        "scenarios": names,
        "years": wanted,
        "runs": {
            scenario_specs[0].name: metadata_of(scenario_specs[0], seed, seeds, scenario_draws)
            for scenario_specs, scenario_draws in runs
        },
    }
    return Comparison(model, summary, [scenario_specs[0] for scenario_specs, _ in runs], meta)


def format_summary(summary: pd.DataFrame) -> str:
    """A readable table: one block per outcome, scenarios in rows, years in columns.

    Over posterior draws, each cell also gives the difference's interval and the parameters'
    share of the variance (of the difference, or of the level for the first scenario).
    """
    blocks = []
    drawn = bool((summary.draws > 1).any())
    for outcome, part in summary.groupby("outcome", sort=False):
        cell = part.apply(lambda r: _cell(r, drawn), axis=1)
        table = part.assign(cell=cell).pivot(index="scenario", columns="year", values="cell")
        table = table.reindex(list(dict.fromkeys(part.scenario)))
        head = f"{outcome} — mean [90% interval] Δ difference to the first"
        if drawn:
            head += " [90%]; params: the parameters' share of the variance"
        blocks.append(f"{head}\n" + table.fillna("").to_string())
    return "\n\n".join(blocks)


def _cell(row: pd.Series, drawn: bool) -> str:
    text = f"{row['mean']:.3g} [{row.p05:.3g}, {row.p95:.3g}]"
    reference = np.isclose(row.diff_mean, 0) and np.isclose(row.diff_p95, 0)
    if not reference:
        text += f" Δ {row.diff_mean:+.3g}"
        if drawn:
            text += f" [{row.diff_p05:+.3g}, {row.diff_p95:+.3g}]"
    share = row.parameter_share if reference else row.diff_parameter_share
    if drawn and np.isfinite(share):
        text += f" params {share:.0%}"
    return text
