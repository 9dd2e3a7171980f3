"""What a calibration run measures, and the loss of a parameter set.

Each run of a parameter set records every target's measure (`sim.targets.measure_all`) and the
yearly series the targets are measured on (`targeted_series`); the evaluation runs add gravity
estimated on the run's own flows (`sim.gravity`).

Loss of a parameter set: the sum over the fitted targets of (gap / spread)^2, where gap is the
distance of the replicate mean from the figure in the target's terms (zero inside a bound; for a
path of the trade record, its RMS log distance over the fitted years) and spread the replicate
standard deviation of the measure, counted between half the target's tolerance and the
tolerance, so that a measure that barely varies cannot dominate and a noisy one cannot hide a
miss. Money is in US$ from the data, so there is no scale to fit; the record's validation years
(2013-2015) never enter the loss.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from sim.runner import run_one
from sim.scenario import ScenarioSpec
from sim.targets import Target, load_targets, measure_all

GRAVITY_YEARS = (1995, 2005, 2012)
GRAVITY_FLOWS = ("goods_usd_bn", "total_usd_bn")
# Stored with every run's series besides the targeted ones, for the counterfactual's effects.
OUTCOMES = (
    "turnover_usd_bn",
    "kz_exports_to_ru_usd_bn",
    "kz_imports_from_ru_usd_bn",
    "kz_imports_from_cn_usd_bn",
    "kz_imports_from_eu_usd_bn",
    "kz_imports_from_row_usd_bn",
    "kz_imports_usd_bn",
)


def standardized_errors(targets: Iterable[Target], measures: pd.DataFrame) -> dict[str, float]:
    """Each target's gap of the replicate mean over the replicate spread.

    The spread counts between half the tolerance and the tolerance (where there is one): a
    measure that barely varies cannot dominate, and a noisy one cannot hide a miss.
    """
    out = {}
    for target in targets:
        values = measures[target.id].to_numpy(float)
        spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        if target.tolerance > 0:
            spread = min(spread, target.tolerance)
        scale = max(spread, target.tolerance / 2, 1e-9 * max(abs(target.value), 1.0))
        out[target.id] = target.gap(float(np.mean(values))) / scale
    return out


def loss(targets: Iterable[Target], measures: pd.DataFrame) -> float:
    """Sum of squared standardized errors of the fitted targets (0 when each mean meets its figure).

    Targets marked `fitted = false` are reported, not fitted.
    """
    targets = list(targets)
    errors = standardized_errors(targets, measures)
    return float(sum(errors[t.id] ** 2 for t in targets if t.fitted))


def calibration_run(spec: ScenarioSpec, seed: int, gravity: bool = False) -> dict[str, Any]:
    """Run one parameter set with one seed; return its target measures and series (a task).

    With `gravity`, the measures also hold the gravity estimates on the run's own flows, keyed
    `gravity:<flow>:<year>:distance` and `...:border_effect`.
    """
    tables = run_one(spec, seed)
    measures = measure_all(tables).iloc[0].to_dict()
    if gravity:
        from sim.gravity import estimate

        years = [y for y in GRAVITY_YEARS if spec.start_year <= y <= spec.end_year]
        for flow in GRAVITY_FLOWS:
            for year in years:
                fit = estimate(tables["flows"], year, flow)
                measures[f"gravity:{flow}:{year}:distance"] = fit.distance_elasticity
                measures[f"gravity:{flow}:{year}:border_effect"] = fit.border_effect
    return {"measures": measures, "series": targeted_series(tables)}


def targeted_series(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per year, the series each target is measured on (for the report's time paths)."""
    model = tables["model"].set_index("year")
    out = pd.DataFrame(index=model.index)
    regions = tables["regions"]
    for target in load_targets():
        if target.kind == "path":
            out[target.id] = model[target.measure] / (model[target.per] if target.per else 1.0)
        elif target.table == "model":
            out[target.id] = model[target.measure]
        else:
            chosen = regions[regions.region_id.isin(target.regions)]
            out[target.id] = chosen.groupby("year")[target.measure].sum()
    for column in OUTCOMES:
        out[column] = model[column]
    return out.reset_index()
