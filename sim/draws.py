"""The posterior draws a run can take its parameters from (`calibration/posterior.parquet`).

`transfrontier calibrate --method posterior` writes the draws (`sim.posterior`); comparisons and
runs with ``posterior=N`` take the first N of them, in the file's order (the sampler's random
order, so any N leading draws are a random sample of the posterior), and run every scenario with
each draw's parameters in place of the calibrated point, over the same replicate seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario import CALIBRATED_FILE

POSTERIOR_FILE = CALIBRATED_FILE.parent / "posterior.parquet"
NO_DRAW = -1  # the `draw` of a run at the calibrated point
# Columns of the draws file beside the parameters.
DRAW_COLUMNS = ("draw", "weight", "loglik", "seed")


def posterior_draws(count: int, path: Path | None = None) -> list[tuple[int, dict[str, Any]]]:
    """The first `count` posterior draws (default file: the shipped one): (draw, parameters)."""
    import pandas as pd

    path = path or POSTERIOR_FILE
    if not Path(path).is_file():
        raise InputError(
            "no posterior draws; run `transfrontier calibrate --method posterior` first",
            source=str(path),
        )
    frame = pd.read_parquet(path)
    if not isinstance(count, int) or not 1 <= count <= len(frame):
        raise InputError(
            f"posterior must be an integer in [1, {len(frame)}] (the draws in the file), "
            f"got {count!r}",
            source=str(path),
            key="posterior",
        )
    names = [c for c in frame.columns if c not in DRAW_COLUMNS]
    return [
        (int(row.draw), {name: float(getattr(row, name)) for name in names})
        for row in frame.head(count).itertuples(index=False)
    ]
