"""A structural gravity regression on the model's own region-to-region flows.

The model is not calibrated to a gravity equation: its distance and border frictions enter as
structural parameters (iceberg costs, barriers, fixed costs, firm selection), and what elasticity
of trade to distance and what border effect come out of them is a result. This module measures
them the way the empirical literature does, so that the calibration report can set the model's
numbers beside the literature's:

    X_od = exp(beta_dist * log(d_od) + beta_border * border_od + a_o + b_d) * eps_od,

fitted by Poisson pseudo-maximum likelihood (PPML; Santos Silva & Tenreyro 2006), which keeps the
zero flows and is consistent under heteroskedasticity where a log-linear OLS is not. The origin
and destination fixed effects a_o and b_d absorb each region's size and its multilateral
resistance, the structural-gravity standard (Head & Mayer 2014), so that beta_dist and
beta_border are identified from the pattern of flows across partners alone. The border dummy is 1
for a pair of a Kazakh and a Russian region (either direction) and 0 for two regions of the same
country, so exp(-beta_border) is how many times more a domestic pair trades than an otherwise
equal cross-border pair. The sample is the pairs of Kazakh and Russian regions only: the partner
markets (China, the EU, the rest of the world) are left out because their distances are gateway
routes, not the distance between two places.

The fixed effects are high-dimensional (one per origin and per destination, per year and per
replicate when pooling), so they are not estimated as dummies: for given slopes, the Poisson
first-order conditions give them in closed form (each origin's and each destination's fitted
total equals its observed total), which is solved by alternating scaling; the two slopes then
take a Newton step on the concentrated likelihood, whose Hessian is the cross-product of the
regressors after weighted demeaning by the fixed effects (Frisch–Waugh–Lovell).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError

COUNTRY_PREFIXES = ("kz-", "ru-")  # region ids of Kazakhstan and Russia; partners have none
RUN_KEYS = ("scenario", "replicate", "seed", "draw")  # columns `sim.runner.run_one` puts in front

_MAX_NEWTON = 100
_MAX_SWEEPS = 10_000
_MAX_STEP = 2.0  # largest Newton step on a slope
_TOL_BETA = 1e-10  # Newton step on the slopes
_TOL_FE = 1e-12  # largest relative gap of a fitted destination total
_TOL_DEMEAN = 1e-12  # alternating projections, relative to the regressor's scale


@dataclass(frozen=True)
class GravityResult:
    """PPML estimates of the distance elasticity and the Kazakh–Russian border effect.

    Attributes:
        distance_elasticity: Coefficient on log distance (negative when trade falls with
            distance).
        border_coefficient: Coefficient on the cross-border dummy (negative when the border
            reduces trade).
        border_effect: exp(-border_coefficient): how many times more a domestic pair trades than
            an otherwise equal Kazakh–Russian pair.
        distance_se: Robust standard error of `distance_elasticity` (see `estimate`).
        border_se: Robust standard error of `border_coefficient`.
        pairs: Observations used: ordered region pairs times years times replicates.
        years: The years in the sample.
        value: The flow column regressed.
        dropped: Observations dropped because their origin's or destination's total flow in the
            sample is zero (their fixed effect would be minus infinity; they carry no
            information on the slopes).
        iterations: Newton iterations taken.
    """

    distance_elasticity: float
    border_coefficient: float
    border_effect: float
    distance_se: float
    border_se: float
    pairs: int
    years: tuple[int, ...]
    value: str
    dropped: int
    iterations: int


@dataclass(frozen=True)
class Reference:
    """A published value to set beside the model's estimate.

    Attributes:
        quantity: "distance_elasticity" or "border_effect" (a ratio, as `GravityResult`).
        value: The published figure, in the units of `quantity`.
        kind: "meta-analysis mean" (across many countries and papers) or "former Soviet Union"
            (an estimate for this region and period).
        sample: What the figure is an estimate for.
        citation: Where it is published.
    """

    quantity: str
    value: float
    kind: str
    sample: str
    citation: str


LITERATURE: tuple[Reference, ...] = (
    Reference(
        quantity="distance_elasticity",
        value=-0.9,
        kind="meta-analysis mean",
        sample="mean of 1,467 distance effects estimated in 103 papers (international trade)",
        citation=(
            "Disdier, A.-C. & Head, K. (2008). The puzzling persistence of the distance effect "
            "on bilateral trade. Review of Economics and Statistics 90(1), 37-48."
        ),
    ),
    Reference(
        quantity="distance_elasticity",
        value=-1.10,
        kind="meta-analysis mean",
        sample=(
            "mean of the distance coefficients of structural gravity estimates (with exporter "
            "and importer fixed effects) in their meta-analysis (Table 4)"
        ),
        citation=(
            "Head, K. & Mayer, T. (2014). Gravity equations: workhorse, toolkit, and cookbook. "
            "In Gopinath, Helpman & Rogoff (eds.), Handbook of International Economics, vol. 4, "
            "ch. 3, 131-195. Elsevier."
        ),
    ),
    Reference(
        quantity="border_effect",
        value=1.6,
        kind="former Soviet Union",
        sample=(
            "1994-1996: nine Russian regions traded about 60% more with each other than with "
            "fourteen former Soviet republics"
        ),
        citation=(
            "Djankov, S. & Freund, C. (2002). Trade flows in the former Soviet Union, 1987 to "
            "1996. Journal of Comparative Economics 30(1), 76-90."
        ),
    ),
    Reference(
        quantity="border_effect",
        value=1.0,
        kind="former Soviet Union",
        sample=(
            "1987-1990: Russian regions did not trade significantly more with each other than "
            "with the other Soviet republics (no border effect)"
        ),
        citation=(
            "Djankov, S. & Freund, C. (2002). Trade flows in the former Soviet Union, 1987 to "
            "1996. Journal of Comparative Economics 30(1), 76-90."
        ),
    ),
)


def estimate(
    flows: pd.DataFrame, year: int | None = None, value: str = "goods_usd_bn"
) -> GravityResult:
    """PPML gravity with origin and destination fixed effects on the Kazakh and Russian regions.

    Pooling: with `year=None` all years in `flows` enter one regression, with a fixed effect per
    origin-year and per destination-year (per scenario, replicate, seed, year and region when
    those columns are there), so several replicates pool too, each with its own fixed effects,
    and the slopes are common to all years and replicates. A single `year` is the cross-section
    of that year (still pooling replicates). Different scenarios would pool the same way, which
    is rarely what is wanted: pass one scenario's flows.

    Standard errors: the PPML sandwich (H^-1 M H^-1, H the concentrated Hessian, M the outer
    product of the scores after demeaning), clustered by ordered pair (origin, destination)
    across years and replicates because a pair's flows are correlated over time; in one year of
    one run each cluster is one observation and this is the Eicker–White (HC0) estimator. No
    small-sample correction is applied. They describe how tightly the gravity equation fits the
    model's flows, not sampling uncertainty in the model's parameters.

    Args:
        flows: The `flows` table of one or more runs (`sim.reporting`), with at least the
            columns year, origin, destination, distance_km and `value`.
        year: One year, or None to pool all years.
        value: The flow column to regress (goods, commodities, total or recorded).

    Returns:
        The estimates.

    Raises:
        InputError: A column is missing, the year is not in the table, flows are negative or
            not finite, distances are not positive, the sample cannot identify both slopes
            (no domestic pair or no cross-border pair with positive flows), or the fit does not
            converge (separated data, for which the PPML estimates do not exist).
    """
    y, x, origin_fe, dest_fe, cluster, years, dropped = _sample(flows, year, value)
    beta, mu, x_tilde, iterations = _ppml(y, x, origin_fe, dest_fe)
    se = _cluster_se(y, mu, x_tilde, cluster)
    return GravityResult(
        distance_elasticity=float(beta[0]),
        border_coefficient=float(beta[1]),
        border_effect=float(np.exp(-beta[1])),
        distance_se=float(se[0]),
        border_se=float(se[1]),
        pairs=int(y.size),
        years=years,
        value=value,
        dropped=dropped,
        iterations=iterations,
    )


def gravity_table(
    flows: pd.DataFrame, years: list[int], value: str = "goods_usd_bn"
) -> pd.DataFrame:
    """One row per year and a pooled row (over the same years) of the gravity estimates.

    Args:
        flows: The `flows` table of one or more runs.
        years: The years to estimate; the pooled row pools these years only.
        value: The flow column to regress.

    Returns:
        Columns sample ("1995", ..., "pooled"), the `GravityResult` fields but `years`, and
        first_year, last_year.
    """
    subset = flows[flows["year"].isin(years)]
    samples = [(str(y), estimate(subset, y, value)) for y in years]
    samples.append(("pooled", estimate(subset, None, value)))
    rows = []
    for label, result in samples:
        row = {"sample": label, **asdict(result)}
        years_used = row.pop("years")
        row["first_year"], row["last_year"] = years_used[0], years_used[-1]
        rows.append(row)
    return pd.DataFrame(rows)


def _sample(
    flows: pd.DataFrame, year: int | None, value: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, ...], int]:
    """The regression sample: flow, regressors, fixed-effect and cluster codes.

    Returns:
        y, x (n, 2: log distance, border), origin and destination fixed-effect codes, cluster
        codes, the years, and how many observations were dropped for a zero fixed-effect total.
    """
    needed = ["year", "origin", "destination", "distance_km", value]
    missing = [c for c in needed if c not in flows.columns]
    if missing:
        raise InputError(f"the flows table has no column(s) {missing}", key="flows")
    frame = flows
    if year is not None:
        frame = frame[frame["year"] == year]
        if frame.empty:
            raise InputError(f"no flows in year {year}", key="year")
    origin = frame["origin"].astype(str)
    dest = frame["destination"].astype(str)
    o_country = origin.str[:3]
    d_country = dest.str[:3]
    regions = o_country.isin(COUNTRY_PREFIXES) & d_country.isin(COUNTRY_PREFIXES)
    frame = frame[regions]
    o_country, d_country = o_country[regions], d_country[regions]
    if frame.empty:
        raise InputError("no flows between Kazakh or Russian regions", key="flows")

    y = frame[value].to_numpy(dtype=float)
    distance = frame["distance_km"].to_numpy(dtype=float)
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise InputError(f"{value} must be finite and non-negative", key=value)
    if not np.all(np.isfinite(distance)) or np.any(distance <= 0):
        raise InputError("distance_km must be finite and positive", key="distance_km")
    border = (o_country.to_numpy() != d_country.to_numpy()).astype(float)
    x = np.column_stack([np.log(distance), border])

    run = [c for c in RUN_KEYS if c in frame.columns]
    origin_fe = frame.groupby([*run, "year", "origin"], sort=False, observed=True).ngroup()
    dest_fe = frame.groupby([*run, "year", "destination"], sort=False, observed=True).ngroup()
    cluster = frame.groupby(["origin", "destination"], sort=False, observed=True).ngroup()
    origin_fe, dest_fe = origin_fe.to_numpy(), dest_fe.to_numpy()
    cluster = cluster.to_numpy()

    # An origin or destination with no trade at all has a fixed effect of minus infinity: its
    # observations are fitted exactly by it and say nothing about the slopes, so they go (and
    # dropping them may empty another group, hence the loop).
    keep = np.ones(y.size, dtype=bool)
    while True:
        o_total = np.bincount(origin_fe[keep], y[keep], minlength=origin_fe.max() + 1)
        d_total = np.bincount(dest_fe[keep], y[keep], minlength=dest_fe.max() + 1)
        now = keep & (o_total[origin_fe] > 0) & (d_total[dest_fe] > 0)
        if np.array_equal(now, keep):
            break
        keep = now
    dropped = int((~keep).sum())
    y, x = y[keep], x[keep]
    origin_fe = np.unique(origin_fe[keep], return_inverse=True)[1]
    dest_fe = np.unique(dest_fe[keep], return_inverse=True)[1]
    cluster = np.unique(cluster[keep], return_inverse=True)[1]

    for flag, kind in ((0.0, "domestic"), (1.0, "cross-border")):
        if not np.any((x[:, 1] == flag) & (y > 0)):
            raise InputError(
                f"no {kind} pair with a positive flow: the border coefficient is not identified",
                key=value,
            )
    years = tuple(int(v) for v in np.unique(frame["year"].to_numpy()[keep]))
    return y, x, origin_fe, dest_fe, cluster, years, dropped


def _ppml(
    y: np.ndarray, x: np.ndarray, origin_fe: np.ndarray, dest_fe: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Poisson PML of y on x with two sets of fixed effects, concentrated out.

    Returns:
        The slopes, the fitted means, the regressors demeaned with the fitted means as weights
        (for the standard errors) and the Newton iterations taken.
    """
    beta = np.zeros(x.shape[1])
    fe = _FixedEffects(y, origin_fe, dest_fe)
    log_mu = fe.solve(x @ beta)
    loglik = _loglik(y, log_mu)
    iterations = 0
    while True:
        iterations += 1
        if iterations > _MAX_NEWTON:
            raise InputError(
                f"PPML did not converge in {_MAX_NEWTON} Newton steps: the flows may be"
                " separated, so the estimates may not exist",
                key="flows",
            )
        mu = np.exp(log_mu)
        x_tilde = _demean(x, mu, origin_fe, dest_fe)
        # With the fixed effects at their optimum, the gradient of the concentrated likelihood is
        # x'(y - mu) and its Hessian -x_tilde' diag(mu) x_tilde (the Schur complement).
        grad = x.T @ (y - mu)
        hessian = x_tilde.T @ (mu[:, None] * x_tilde)
        if not np.linalg.cond(hessian) < 1e12:
            raise InputError(
                "the gravity regressors are collinear with the fixed effects", key="flows"
            )
        step = np.linalg.solve(hessian, grad)
        # Damped Newton: from the zero start a full step can overshoot by far, and the Poisson
        # likelihood is concave, so halving the step until it rises always ends.
        step = step / max(1.0, float(np.max(np.abs(step))) / _MAX_STEP)
        for _ in range(60):
            trial = fe.solve(x @ (beta + step))
            trial_loglik = _loglik(y, trial)
            if trial_loglik >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        beta, log_mu, loglik = beta + step, trial, trial_loglik
        if np.max(np.abs(step)) < _TOL_BETA:
            break
    mu = np.exp(log_mu)
    return beta, mu, _demean(x, mu, origin_fe, dest_fe), iterations


class _FixedEffects:
    """The origin and destination fixed effects that solve the Poisson first-order conditions.

    For given slopes the conditions say each origin's fitted total equals its observed total,
    and each destination's too; alternating the two closed-form rescalings converges to them
    (iterative proportional fitting). The last solution is the next start, which makes each
    Newton step cheap.
    """

    def __init__(self, y: np.ndarray, origin_fe: np.ndarray, dest_fe: np.ndarray):
        self.origin_fe, self.dest_fe = origin_fe, dest_fe
        self.log_o_total = np.log(np.bincount(origin_fe, y))
        self.log_d_total = np.log(np.bincount(dest_fe, y))
        self.a = np.zeros(self.log_o_total.size)
        self.b = np.zeros(self.log_d_total.size)

    def solve(self, eta: np.ndarray) -> np.ndarray:
        """Log fitted means eta + a_o + b_d with the fixed effects solved for the index eta."""
        o, d = self.origin_fe, self.dest_fe
        a, b = self.a, self.b
        for _ in range(_MAX_SWEEPS):
            # In logs (log-sum-exp per group): a trial Newton step can move the index by
            # hundreds, far beyond what exp() of the previous fixed effects can hold.
            a = self.log_o_total - _group_logsumexp(eta + b[d], o, a.size)
            new_b = self.log_d_total - _group_logsumexp(eta + a[o], d, b.size)
            # The change in b is the relative gap of the destination totals before it.
            change = np.max(np.abs(new_b - b))
            b = new_b
            if change < _TOL_FE:
                break
        else:
            raise InputError(
                "the gravity fixed effects did not converge: the flows may be separated (some"
                " zeros fitted only in the limit), so the PPML estimates may not exist",
                key="flows",
            )
        # Normalize (a + c, b - c) so the numbers stay near zero from one solve to the next.
        c = b.mean()
        self.a, self.b = a + c, b - c
        return eta + self.a[o] + self.b[d]


def _group_logsumexp(z: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """log(sum(exp(z))) within each of n groups, without overflow."""
    top = np.full(n, -np.inf)
    np.maximum.at(top, group, z)
    return top + np.log(np.bincount(group, np.exp(z - top[group]), minlength=n))


def _loglik(y: np.ndarray, log_mu: np.ndarray) -> float:
    """Poisson log likelihood up to a term free of the parameters."""
    return float(y @ log_mu - np.exp(log_mu).sum())


def _demean(
    x: np.ndarray, weight: np.ndarray, origin_fe: np.ndarray, dest_fe: np.ndarray
) -> np.ndarray:
    """Residuals of a weighted regression of each column of x on both sets of fixed effects.

    Alternating projections: subtract the weighted origin means, then the destination means,
    until the destination means vanish (the origin means are then zero too, to tolerance).
    """
    o_weight = np.bincount(origin_fe, weight)
    d_weight = np.bincount(dest_fe, weight)
    out = np.array(x, dtype=float)
    for k in range(out.shape[1]):
        col = out[:, k]
        tol = _TOL_DEMEAN * max(1.0, float(np.abs(col).max()))
        for _ in range(_MAX_SWEEPS):
            col = col - (np.bincount(origin_fe, weight * col) / o_weight)[origin_fe]
            d_mean = np.bincount(dest_fe, weight * col) / d_weight
            col = col - d_mean[dest_fe]
            if np.max(np.abs(d_mean)) < tol:
                break
        else:
            raise InputError("demeaning by the gravity fixed effects did not converge", key="flows")
        out[:, k] = col
    return out


def _cluster_se(
    y: np.ndarray, mu: np.ndarray, x_tilde: np.ndarray, cluster: np.ndarray
) -> np.ndarray:
    """Cluster-robust sandwich standard errors of the PPML slopes."""
    bread = np.linalg.inv(x_tilde.T @ (mu[:, None] * x_tilde))
    scores = x_tilde * (y - mu)[:, None]
    summed = np.column_stack([np.bincount(cluster, scores[:, k]) for k in range(scores.shape[1])])
    meat = summed.T @ summed
    return np.sqrt(np.diag(bread @ meat @ bread))
