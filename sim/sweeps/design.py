"""Sweep designs (SALib): the design points of the varied parameters.

Designs (`samples` N, `k` parameters):

- ``morris``: N trajectories of k + 1 points on a 4-level grid (N(k + 1) points);
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence for first and total order
  indices, N a power of 2 (N(k + 2) points);
- ``lhs``: a Latin hypercube of N points;
- ``grid``: N evenly spaced values of each parameter, every combination (N^k points).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from sim.choices import DESIGNS
from sim.errors import InputError
from sim.varied import VariedParameter

MORRIS_LEVELS = 4
MAX_RUNS = 1_000_000


def design_matrix(
    design: str, parameters: Sequence[VariedParameter], samples: int, seed: int
) -> np.ndarray:
    """The design points (one row per point, one column per parameter).

    Args:
        design: One of `DESIGNS`.
        parameters: The varied parameters.
        samples: Trajectories (morris), base samples (sobol, a power of 2), points (lhs) or
            values per parameter (grid).
        seed: Seed of the design's randomness.
    """
    if design not in DESIGNS:
        raise InputError(f"design {design!r} not one of {DESIGNS}", key="design")
    if not isinstance(samples, int) or samples < 2:
        raise InputError(f"samples must be an integer >= 2, got {samples!r}", key="samples")
    problem = {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[p.lo, p.hi] for p in parameters],
    }
    k = len(parameters)
    sizes = {"morris": samples * (k + 1), "sobol": samples * (k + 2), "lhs": samples}
    if sizes.get(design, samples**k) > MAX_RUNS:
        raise InputError(f"more than {MAX_RUNS:,} design points; lower --samples", key="samples")
    if design == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    if design == "sobol":
        if samples & (samples - 1):
            raise InputError(
                f"the sobol design needs a power of 2 (2, 4, 8, 16, ...), got {samples}",
                key="samples",
            )
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    if design == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, samples, seed=seed)
    axes = [np.linspace(p.lo, p.hi, samples) for p in parameters]
    return np.array(list(itertools.product(*axes)), dtype=float)
