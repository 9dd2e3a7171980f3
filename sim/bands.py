"""Bands over the posterior for the teaching app: `calibration/posterior-bands.parquet`.

A class runs one model at a time, so the app cannot show how far a result moves with the
parameters' uncertainty. These bands are that: for each shipped scenario listed, every series
the app draws, as the 5%, 50% and 95% points over runs at posterior draws x seeds (made once
by ``python -m sim.bands``, which runs the model; the app only reads the file). The app draws a
scenario's band behind its own run when the file has one for it.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import pandas as pd

from sim.draws import POSTERIOR_FILE

BANDS_FILE = POSTERIOR_FILE.parent / "posterior-bands.parquet"
SCENARIOS = ("historical", "no_customs_union")
DRAWS, REPLICATES, SEED = 40, 1, 2016
QUANTILES = {"p05": 0.05, "p50": 0.5, "p95": 0.95}


def band_columns() -> list[str]:
    """Every `model` column the app's time-path views draw."""
    from sim.plots import SERIES

    return sorted({c for view in SERIES.values() for c in (*view.columns, *view.right)})


def compute_bands(
    scenarios: tuple[str, ...] = SCENARIOS,
    draws: int = DRAWS,
    replicates: int = REPLICATES,
    seed: int = SEED,
    workers: int | None = None,
    n_firms: int | None = None,
) -> pd.DataFrame:
    """Run each scenario over posterior draws x seeds; the quantiles per year (tidy)."""
    from sim.runner import run

    parts = []
    for name in scenarios:
        model = run(name, posterior=draws, replicates=replicates, seed=seed, workers=workers,
                    n_firms=n_firms, progress=True).model  # fmt: skip
        long = model.melt(id_vars=["year"], value_vars=band_columns(), var_name="column")
        grouped = long.groupby(["year", "column"]).value
        frame = pd.DataFrame({k: grouped.quantile(q) for k, q in QUANTILES.items()})
        parts.append(frame.reset_index().assign(scenario=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "year", "column", *QUANTILES]]


def load_bands(scenario: str, path: Path = BANDS_FILE) -> pd.DataFrame | None:
    """A scenario's bands (year x column quantiles), or None if the file has none."""
    frame = _read(path)
    if frame is None:
        return None
    frame = frame[frame.scenario == scenario]
    return None if frame.empty else frame


@cache  # read once: every chart of every reset asks
def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def write_bands(path: Path = BANDS_FILE, workers: int | None = None) -> Path:
    """Compute the bands and write them with a metadata file beside them (atomically)."""
    frame = compute_bands(workers=workers)
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    meta = {
        "what": "5/50/95% points per year over runs at posterior draws x seeds",
        "scenarios": list(SCENARIOS),
        "draws": DRAWS,
        "replicates": REPLICATES,
        "master_seed": SEED,
        "draws_file": "calibration/posterior.parquet",
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(path)
    return path


if __name__ == "__main__":
    print(f"Wrote {write_bands(workers=int(sys.argv[1]) if len(sys.argv) > 1 else None)}")
