"""Sequential Monte Carlo on the unit cube: draws from prior x likelihood.

The sampler moves a population of particles from the prior (uniform on the cube: see
`sim.priors`) to the posterior through tempered targets prior x likelihood^beta, beta going from
0 to 1. Each step raises beta as far as keeps the effective sample size at half the population,
reweights, resamples, and moves every particle by a few random-walk Metropolis steps whose
proposal is scaled to the population's current covariance (Del Moral, Doucet and Jasra 2006;
adaptive tempering as in Jasra et al. 2011). The likelihood is evaluated on the whole population
at once, so a vectorised emulator makes the sampler cost seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ESS_FRACTION = 0.5
MOVES = 10  # Metropolis steps per temperature


@dataclass(frozen=True)
class Population:
    """The final particles (equally weighted after the last resampling) and their log-likelihood."""

    u: np.ndarray
    loglik: np.ndarray
    temperatures: tuple[float, ...]
    acceptance: float  # the mean Metropolis acceptance rate of the last temperature


def _next_beta(loglik: np.ndarray, beta: float) -> float:
    """The largest temperature above `beta` whose weights keep the ESS at the set fraction."""

    def ess(new: float) -> float:
        w = np.exp((new - beta) * (loglik - loglik.max()))
        return w.sum() ** 2 / (w**2).sum() / len(w)

    if ess(1.0) >= ESS_FRACTION:
        return 1.0
    lo, hi = beta, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ess(mid) >= ESS_FRACTION else (lo, mid)
    return max(lo, beta + 1e-9)


def sample(
    loglik: Callable[[np.ndarray], np.ndarray],
    dim: int,
    particles: int,
    rng: np.random.Generator,
    moves: int = MOVES,
) -> Population:
    """Draw `particles` points of the cube from prior x exp(loglik), loglik of (n, dim) arrays."""
    u = rng.random((particles, dim))
    ll = loglik(u)
    beta, temperatures, accepted = 0.0, [0.0], 0.0
    while beta < 1.0:
        new = _next_beta(ll, beta)
        w = np.exp((new - beta) * (ll - ll.max()))
        keep = rng.choice(particles, size=particles, p=w / w.sum())
        u, ll, beta = u[keep], ll[keep], new
        temperatures.append(beta)
        cov = np.atleast_2d(np.cov(u, rowvar=False)) + 1e-10 * np.eye(dim)
        chol = np.linalg.cholesky(cov * 2.38**2 / dim)
        accepted = 0.0
        for _ in range(moves):
            proposal = u + rng.standard_normal((particles, dim)) @ chol.T
            inside = np.all((proposal >= 0.0) & (proposal <= 1.0), axis=1)
            ll_new = np.full(particles, -np.inf)
            if inside.any():
                ll_new[inside] = loglik(proposal[inside])
            take = np.log(rng.random(particles)) < beta * (ll_new - ll)
            u[take], ll[take] = proposal[take], ll_new[take]
            accepted += take.mean() / moves
    return Population(u, ll, tuple(temperatures), float(accepted))
