"""A statistical emulator of the model: its outputs as smooth functions of the parameters.

The posterior needs the model's outputs at hundreds of thousands of parameter sets; the model
costs about a second and a half a run. The emulator stands in for it: a second-order polynomial
response surface in the unit-cube coordinates of the prior (`sim.priors`), fitted by least
squares with a small ridge to a design of model runs, one surface per output (all outputs share
one design matrix, so they are fitted in one solve). A quadratic cannot follow the model over a
wide prior, so the posterior refits it on a second design drawn where the first posterior puts
its mass (`sim.posterior`), where it only has to be right locally.

Its error is measured, not assumed: `cross_validate` refits it without each fold of the design
and predicts the runs left out. Those errors hold both the emulator's misfit and the model's
own seed noise (every design run has a seed of its own), which is what the likelihood needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIDGE = 1e-6  # relative to the features' scale: keeps the solve stable, barely shrinks


def features(u: np.ndarray) -> np.ndarray:
    """Quadratic features of unit-cube points: 1, x_j and x_j x_k (j <= k), x = u - 1/2."""
    x = np.atleast_2d(np.asarray(u, float)) - 0.5
    n, d = x.shape
    rows, cols = np.triu_indices(d)
    return np.hstack([np.ones((n, 1)), x, x[:, rows] * x[:, cols]])


@dataclass(frozen=True)
class Emulator:
    """Fitted quadratic surfaces: `predict(u)` gives every output at unit-cube points `u`."""

    coefficients: np.ndarray  # (features, outputs)

    @staticmethod
    def fit(u: np.ndarray, y: np.ndarray) -> Emulator:
        """Fit to design points `u` (n, d) and model outputs `y` (n, outputs)."""
        x = features(u)
        if x.shape[0] < x.shape[1]:
            raise ValueError(
                f"a quadratic emulator in {u.shape[1]} parameters needs at least {x.shape[1]} "
                f"design runs, got {x.shape[0]}"
            )
        gram = x.T @ x
        gram[np.diag_indices_from(gram)] += RIDGE * np.trace(gram) / len(gram)
        return Emulator(np.linalg.solve(gram, x.T @ np.asarray(y, float)))

    def predict(self, u: np.ndarray) -> np.ndarray:
        """The emulated outputs at unit-cube points `u` (n, d) -> (n, outputs)."""
        return features(u) @ self.coefficients


def folds(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A fold number in 0..k-1 for each of n design points, shuffled."""
    return rng.permutation(np.arange(n) % k)


def cross_validate(u: np.ndarray, y: np.ndarray, k: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold predictions of every design point's outputs (k-fold, same shape as y)."""
    fold = folds(len(u), k, np.random.default_rng(seed))
    out = np.empty_like(np.asarray(y, float))
    for f in range(k):
        test = fold == f
        out[test] = Emulator.fit(u[~test], y[~test]).predict(u[test])
    return out
