"""Sweep statistics: sensitivity indices and seed-to-seed noise, from the recorded outputs.

Indices are computed with SALib on the replicate means of each design point (Morris: mu*, its
95% interval, sigma and mu; Sobol: first and total order with 95% intervals; Latin hypercube and
grid: Spearman rank correlations). A design point without any successful run leaves a gap that
the Morris and Sobol estimators cannot bridge, so the trajectories (Morris) or base samples
(Sobol) containing one are left out, with a note saying how many; a point that lost only some
replicates is averaged over the others.

Seed-to-seed noise is reported beside the indices, in two ways:

- per index, ``seed_se``: the standard error that seed noise gives the index. Every replicate
  seed is a complete run of the design (common random numbers), so the index is computed on
  each replicate alone; their standard deviation over the R replicates, divided by sqrt(R),
  is the seed noise of the index of the replicate means. An index stands out from seed noise
  when it exceeds twice its ``seed_se``.
- per output (`noise_table`): ``noise_sd``, the replicate standard deviation averaged over the
  design points; ``across_sd``, the standard deviation of the replicate means across points;
  ``noise_ratio``, their ratio; and the same after removing each seed's common level
  (``paired_noise_sd``, ``paired_ratio``): with common seeds, comparisons between points see
  only this paired noise, usually much smaller than the raw one.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import ANALYSIS_STREAM, seeds_for
from sim.sweeps.design import MORRIS_LEVELS
from sim.sweeps.store import SweepData

CONF_LEVEL = 0.95
RESAMPLES = 1000
SEED_RESAMPLES = 100  # the per-replicate analyses feed only the seed noise, not intervals


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
