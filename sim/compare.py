"""Comparing scenarios over replicates: key outcomes at chosen years, with differences.

Every scenario runs with the same replicate seeds (common random numbers), so the difference of
a scenario to the first is taken replicate by replicate: its interval shows the effect of the
scenario, not the spread of the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiments import replicate_tasks, seeds_for
from sim.runner import collect, metadata_of, resolve_spec
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
    """Mean and 90% interval over replicates, and the paired difference to the first scenario.

    Args:
        model: Model tables of all runs (columns `scenario`, `replicate`, `year`, outcomes).
        order: Scenario names; the first is the reference.
        years: Years to report (each scenario reports the years it covers).
        outcomes: Columns to summarise.
    """
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    long = model[model.year.isin(years)].melt(
        id_vars=["scenario", "replicate", "year"], value_vars=list(outcomes), var_name="outcome"
    )
    grouped = long.groupby(["scenario", "year", "outcome"]).value
    summary = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "p05": grouped.quantile(lo_q),
            "p95": grouped.quantile(hi_q),
            "replicates": grouped.count(),
        }
    ).reset_index()
    reference = long[long.scenario == order[0]].rename(columns={"value": "reference"})
    paired = long.merge(
        reference[["replicate", "year", "outcome", "reference"]],
        on=["replicate", "year", "outcome"],
        how="left",
    )
    paired["diff"] = paired.value - paired.reference
    diff = paired.groupby(["scenario", "year", "outcome"])["diff"]
    summary = summary.merge(
        pd.DataFrame(
            {
                "diff_mean": diff.mean(),
                "diff_p05": diff.quantile(lo_q),
                "diff_p95": diff.quantile(hi_q),
            }
        ).reset_index(),
        on=["scenario", "year", "outcome"],
    )
    rank = {name: i for i, name in enumerate(order)}
    summary["order"] = summary.scenario.map(rank)
    summary = summary.sort_values(["outcome", "year", "order"]).drop(columns="order")
    return summary.reset_index(drop=True)


def compare(
    scenarios: list[str | Path | ScenarioSpec],
    *,
    replicates: int = 20,
    seed: int = 0,
    years: list[int] | None = None,
    n_firms: int | None = None,
    parameters: dict[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> Comparison:
    """Run several scenarios over the same replicate seeds and summarise them.

    Args:
        scenarios: Names, paths or specs; the first is the reference for differences.
        replicates: Replicates per scenario.
        seed: Master seed (the same replicate seeds for every scenario).
        years: Years to report (default 2009, 2015 and 2030 where a scenario runs so far).
        n_firms: Number of firm agents.
        parameters: Structural parameter overrides applied to every scenario.
        workers: Worker processes (default all cores).
        scheduler: Address of a dask scheduler.
        progress: Show a progress bar.
    """
    if len(scenarios) < 1:
        raise InputError("give at least one scenario", key="scenarios")
    specs = [resolve_spec(s, parameters, n_firms) for s in scenarios]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise InputError(f"scenarios must differ, got {names}", key="scenarios")
    seeds = seeds_for(seed, replicates)
    tables = collect(replicate_tasks(specs, seeds), workers, scheduler, progress, desc="compare")
    model = tables["model"]
    wanted = list(years) if years else list(DEFAULT_YEARS)
    summary = summarise(model, names, wanted)
    meta = {
        "scenarios": names,
        "years": wanted,
        "runs": {spec.name: metadata_of(spec, seed, seeds) for spec in specs},
    }
    return Comparison(model, summary, specs, meta)


def format_summary(summary: pd.DataFrame) -> str:
    """A readable table: one block per outcome, scenarios in rows, years in columns."""
    blocks = []
    for outcome, part in summary.groupby("outcome", sort=False):
        cell = part.apply(
            lambda r: f"{r['mean']:.3g} [{r.p05:.3g}, {r.p95:.3g}]"
            + ("" if np.isclose(r.diff_mean, 0) and np.isclose(r.diff_p95, 0)
               else f" Δ {r.diff_mean:+.3g}"),
            axis=1,
        )  # fmt: skip
        table = part.assign(cell=cell).pivot(index="scenario", columns="year", values="cell")
        table = table.reindex(list(dict.fromkeys(part.scenario)))
        blocks.append(f"{outcome} — mean [90% interval] Δ difference to the first\n"
                      + table.fillna("").to_string())  # fmt: skip
    return "\n\n".join(blocks)
