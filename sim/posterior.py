"""The posterior over the calibrated parameters: Bayesian calibration with an emulator.

Why an emulator and not ABC. ABC-SMC needs tens of thousands of model runs for sixteen
parameters, about a day and a half of this project's two cores at 1.5 s a run. Emulation in
the manner of history matching (Kennedy and O'Hagan 2001; Vernon, Goldstein and Bower 2010)
needs about 1,500: a design of runs, an emulator of the model's outputs fitted to them
(`sim.emulator`), and a sampler that evaluates the emulator instead of the model (`sim.smc`).
What that costs in accuracy is measured (the emulator's cross-validated error, which enters
the likelihood) and checked with real runs (the posterior predictive draws are model runs).

The steps, each recorded in the ledger before the next starts, so that a killed run resumes
with nothing run twice (`calibrate --method posterior --resume`):

1. wave 1: a scrambled Sobol' design over the prior, one fresh seed a point;
2. an emulator of wave 1 and its posterior; wave 2 draws its points from that posterior with
   every error scale doubled (a wider region than the posterior, where the second emulator must
   be right), again one fresh seed a point; the wave-2 design is stored before it is run;
3. the final emulator, fitted to wave 2, and the posterior: `calibration/posterior.parquet`;
4. real model runs at posterior draws (posterior predictive checks, the validation years and
   the Customs Union's effect with the counterfactual on the same draws and seeds), the point
   summary on fresh evaluation seeds, and recovery checks (a known parameter set, its run taken
   as data, recovered by the same emulator and sampler).

The likelihood is the calibration loss (`sim.calibration_loss`) made probabilistic: for each
fitted target, the gap of the emulated measure from the figure (`Target.gap`; for a path of the
record, the RMS over the fitted years of the log gap from the record's band) over a scale
sigma with sigma^2 = tolerance^2 + e^2, where the tolerance is the model's discrepancy from the
world that the target allows and e the emulator's cross-validated error of that measure, which
includes the seed noise of a single run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate import COUNTERFACTUAL, Study
from sim.calibration_space import CALIBRATED_FILE, SearchSpace
from sim.draws import POSTERIOR_FILE
from sim.emulator import Emulator, cross_validate
from sim.errors import InputError
from sim.executor import Executor
from sim.experiments import (
    EVALUATION_STREAM,
    claim,
    package_version,
    run_id_of,
    seeds_for,
)
from sim.ledger import Ledger
from sim.priors import Prior
from sim.smc import sample
from sim.targets import Target, load_targets, path_years

DEFAULT_OUT = Path("results") / "posterior"
# Seed streams of the posterior's runs (beside those of sim.experiments).
WAVE_STREAM = {1: 11, 2: 12}
PREDICTIVE_STREAM = 13
RECOVERY_STREAM = 14
SAMPLER_STREAM = 15
WIDENING = 2.0  # wave 2 is drawn with every sigma this many times wider
PARTICLES = 4000
DRAWS_NAME = "draws.parquet"
CREDIBLE = (0.05, 0.95)
PINNED, PARTLY = 0.5, 0.2  # contraction: pinned down by the data above, partly above


@dataclass(frozen=True)
class Term:
    """One fitted target in the likelihood: which outputs measure it and how far is a miss."""

    target: Target
    columns: np.ndarray  # indices into the output vector
    log_low: np.ndarray | None = None  # a path: the record's band in logs, per fitted year
    log_high: np.ndarray | None = None
    # A figure emulated in logs: counts and money (`Observations.of`), not shares. Counts such
    # as agreements span two orders of magnitude over the prior, where a quadratic in logs
    # follows them and one in levels does not.
    logged: bool = False


@dataclass(frozen=True)
class Observations:
    """What the runs are compared with: the outputs each run gives and the fitted targets.

    Outputs are, per run: the measure of every fitted figure of the paper (in logs for counts
    and money, `Term.logged`), and the log of every fitted path's yearly series over its fitted
    years (a smooth function of the parameters, where the RMS gap is not). `statistics` turns
    outputs into the targets' measures.
    """

    names: tuple[str, ...]  # output names: "<target>" or "<target>:<year>"
    terms: tuple[Term, ...]

    @staticmethod
    def of(targets: tuple[Target, ...]) -> Observations:
        """The observation model of the fitted targets against the trade record."""
        from sim.record import record

        names: list[str] = []
        terms = []
        for target in (t for t in targets if t.fitted):
            start = len(names)
            if target.kind != "path":
                names.append(target.id)
                terms.append(Term(target, np.array([start]), logged=abs(target.value) > 1.0))
                continue
            years = path_years(target)
            band = record(target.record).reindex(years)
            names += [f"{target.id}:{year}" for year in years]
            terms.append(
                Term(
                    target,
                    np.arange(start, len(names)),
                    np.log(band.low.to_numpy(float)),
                    np.log(band.high.to_numpy(float)),
                )
            )
        return Observations(tuple(names), tuple(terms))

    def outputs(self, measures: dict[str, float], series: pd.DataFrame) -> np.ndarray:
        """One run's output vector from its recorded measures and series."""
        by_year = series.set_index("year")
        out = []
        for term in self.terms:
            target = term.target
            if target.kind != "path":
                value = float(measures[target.id])
                out.append(np.log(max(value, 1e-12)) if term.logged else value)
            else:
                values = by_year[target.id].reindex(path_years(target)).to_numpy(float)
                out.extend(np.log(np.clip(values, 1e-12, None)))
        return np.array(out)

    def statistics(self, y: np.ndarray) -> np.ndarray:
        """Each term's measure from outputs (n, outputs) -> (n, terms)."""
        y = np.atleast_2d(y)
        out = np.empty((len(y), len(self.terms)))
        for i, term in enumerate(self.terms):
            part = y[:, term.columns]
            if term.log_low is None:
                out[:, i] = np.exp(part[:, 0]) if term.logged else part[:, 0]
                continue
            gaps = np.clip(part - term.log_low, None, 0.0) + np.clip(part - term.log_high, 0, None)
            gaps = np.where(np.isnan(term.log_low), np.nan, gaps)
            out[:, i] = np.sqrt(np.nanmean(gaps**2, axis=1))
        return out

    def gaps(self, stats: np.ndarray) -> np.ndarray:
        """Each term's signed distance from its figure (0 inside a bound), like `Target.gap`."""
        out = np.empty_like(stats)
        for i, term in enumerate(self.terms):
            t, s = term.target, stats[:, i]
            if t.kind == "path":
                out[:, i] = s
            elif t.kind == "lower_bound":
                out[:, i] = np.minimum(0.0, s - t.value)
            elif t.kind == "range":
                out[:, i] = np.minimum(0.0, s - t.value) + np.maximum(0.0, s - (t.upper or t.value))
            else:
                out[:, i] = s - t.value
        return out

    @property
    def tolerances(self) -> np.ndarray:
        """Each term's tolerance."""
        return np.array([term.target.tolerance for term in self.terms])

    def synthetic(self, y: np.ndarray) -> Observations:
        """The same terms with one run's outputs as the data (for the recovery check).

        Every figure becomes a point at that run's measure; every path's band collapses onto
        that run's series.
        """
        terms = []
        for term in self.terms:
            part = y[term.columns]
            if term.log_low is None:
                value = float(np.exp(part[0]) if term.logged else part[0])
                target = _as_point(term.target, value)
                terms.append(Term(target, term.columns, logged=term.logged))
            else:
                terms.append(Term(term.target, term.columns, part.copy(), part.copy()))
        return Observations(self.names, tuple(terms))


def _as_point(target: Target, value: float) -> Target:
    return dataclasses.replace(target, kind="point", value=value, upper=None)


@dataclass(frozen=True)
class Likelihood:
    """The emulated likelihood of unit-cube points: the loss's gaps over sigma."""

    emulator: Emulator
    observations: Observations
    sigma: np.ndarray  # per term
    lower: np.ndarray  # the box the emulator was fitted in (unit cube)
    upper: np.ndarray

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Log-likelihood of each point of `u` (n, d); -inf outside the emulator's box."""
        stats = self.observations.statistics(self.emulator.predict(u))
        z = self.observations.gaps(stats) / self.sigma
        out = -0.5 * np.sum(z**2, axis=1)
        inside = np.all((u >= self.lower) & (u <= self.upper), axis=1)
        return np.where(inside, out, -np.inf)


def emulator_errors(
    u: np.ndarray, y: np.ndarray, observations: Observations
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-validated error of each term's measure: RMS error, and R^2 of the measure."""
    predicted = observations.statistics(cross_validate(u, y))
    actual = observations.statistics(y)
    residual = predicted - actual
    rmse = np.sqrt(np.nanmean(residual**2, axis=0))
    r2 = 1.0 - np.nanvar(residual, axis=0) / np.maximum(np.nanvar(actual, axis=0), 1e-300)
    return rmse, r2


def likelihood_of(
    u: np.ndarray, y: np.ndarray, observations: Observations, widen: float = 1.0
) -> tuple[Likelihood, np.ndarray, np.ndarray]:
    """The emulated likelihood from design points and outputs, with its errors (rmse, r2)."""
    rmse, r2 = emulator_errors(u, y, observations)
    sigma = widen * np.sqrt(observations.tolerances**2 + rmse**2)
    sigma = np.maximum(sigma, 1e-9)
    fitted = Likelihood(
        Emulator.fit(u, y), observations, sigma, u.min(axis=0), u.max(axis=0)
    )  # fmt: skip
    return fitted, rmse, r2


def parameter_table(draws: pd.DataFrame, priors: Sequence[Prior]) -> pd.DataFrame:
    """Per parameter: prior, posterior median, 90% credible interval, contraction, verdict.

    Contraction = 1 - posterior variance / prior variance on the prior's quantile scale (the
    unit cube, where the prior's variance is 1/12).
    """
    rows = []
    for prior in priors:
        values = draws[prior.name].to_numpy(float)
        contraction = float(1.0 - np.var(prior.unit(values)) * 12.0)
        lo, hi = np.quantile(values, CREDIBLE)
        verdict = ("pinned down" if contraction >= PINNED
                   else "partly" if contraction >= PARTLY else "not pinned down")  # fmt: skip
        rows.append({"parameter": prior.name, "prior": prior.describe(),
                     "median": float(np.median(values)), "p05": float(lo), "p95": float(hi),
                     "contraction": contraction, "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows)


class PosteriorStudy:
    """A posterior in progress: the ledger, the search space, the observations."""

    def __init__(self, folder: Path, space: SearchSpace, ledger: Ledger, seed: int):
        self.space = space
        self.ledger = ledger
        self.seed = seed
        self.study = Study(folder, space, [], ledger)
        self.observations = Observations.of(load_targets())
        self.names = [p.name for p in space.parameters]

    def params_of(self, u: np.ndarray) -> list[dict[str, float]]:
        """Parameter sets (as the scenario takes them) of unit-cube points."""
        columns = [prior.value(u[:, j]) for j, prior in enumerate(self.space.priors)]
        by_name = {p.name: p for p in self.space.parameters}
        return [
            {
                name: by_name[name].applied(float(col[i]))
                for name, col in zip(self.names, columns, strict=True)
            }
            for i in range(len(u))
        ]

    def run(self, executor: Executor, kind: str, u: np.ndarray, seeds: list[int],
            scenario: str | None = None, gravity: bool = False) -> int:  # fmt: skip
        """Run the unit-cube points with their seeds (one each); return how many ran."""
        tasks = [
            task
            for i, (params, seed) in enumerate(zip(self.params_of(u), seeds, strict=True))
            for task in self.study.tasks(kind, str(i), params, [seed], scenario, gravity)
        ]
        return self.study.run(executor, tasks, desc=f"{kind} runs")

    def outputs(self, u: np.ndarray, seeds: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The recorded runs of points with seeds: (ok mask, outputs of the ok ones)."""
        ok, ys = [], []
        for params, seed in zip(self.params_of(u), seeds, strict=True):
            found = self.ledger.get(run_id_of(self.study.spec(params), params, seed))
            ok.append(found is not None and found.ok)
            if ok[-1]:
                frame = self.ledger.series(found.run_id)
                ys.append(self.observations.outputs(found.measures, frame))
        return np.array(ok, bool), np.array(ys)


def wave_design(study: PosteriorStudy, wave: int, size: int, executor: Executor) -> int:
    """Wave 1's Sobol' design, or wave 2's draws from wave 1's widened posterior; run them."""
    key = f"design:{wave}"
    stored = study.ledger.get_meta(key)
    if stored is None:
        dim = len(study.names)
        if wave == 1:
            from scipy.stats import qmc

            u = qmc.Sobol(dim, scramble=True, seed=study.seed).random(size)
        else:
            u1, y1 = _wave_data(study, 1)
            like, _, _ = likelihood_of(u1, y1, study.observations, widen=WIDENING)
            rng = np.random.default_rng([study.seed, SAMPLER_STREAM, wave])
            population = sample(like, dim, PARTICLES, rng)
            u = population.u[rng.choice(PARTICLES, size=size, replace=False)]
        stored = {"u": u.tolist(), "seeds": seeds_for(study.seed, size, WAVE_STREAM[wave])}
        study.ledger.set_meta(key, stored)
    return study.run(executor, f"wave{wave}", np.array(stored["u"]), stored["seeds"])


def _wave_data(study: PosteriorStudy, wave: int) -> tuple[np.ndarray, np.ndarray]:
    stored = study.ledger.get_meta(f"design:{wave}")
    u = np.array(stored["u"])
    ok, y = study.outputs(u, stored["seeds"])
    return u[ok], y


def final_likelihood(study: PosteriorStudy) -> tuple[Likelihood, np.ndarray, np.ndarray]:
    """The final emulated likelihood (fitted to wave 2) with its cross-validated errors."""
    u2, y2 = _wave_data(study, 2)
    return likelihood_of(u2, y2, study.observations)


def posterior(
    *,
    wave1: int = 512,
    wave2: int = 1024,
    draws: int = 1000,
    predictive: int = 100,
    recovery: int = 3,
    evaluation_seeds: int = 20,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    seed: int = 0,
    out: Path = DEFAULT_OUT,
    space: SearchSpace | None = None,
    posterior_file: Path | None = POSTERIOR_FILE,
    write_calibrated: Path | None = CALIBRATED_FILE,
) -> dict[str, Any]:
    """Compute the posterior (see the module docstring); write the draws and the point summary.

    Args:
        wave1: Runs of the first design (a power of 2: a Sobol' design).
        wave2: Runs of the second design.
        draws: Posterior draws written to the posterior file.
        predictive: Draws run through the model (with the counterfactual on the same seeds).
        recovery: Known parameter sets recovered from their own runs.
        evaluation_seeds: Fresh seeds on which the point summary is run.
        workers: Local worker processes (default all cores).
        scheduler: Address of a dask scheduler.
        resume: Continue the study in `out`.
        seed: Master seed of every design, sampler and run seed.
        out: Folder of the ledger.
        space: What to calibrate (default `calibration/search.toml`), with its priors.
        posterior_file: Where to write the draws (None: not written).
        write_calibrated: Where to write the point summary (None: not written).

    Returns:
        The run counts, the intervals, the emulator's errors and the point summary.
    """
    if wave1 < 2 or wave1 & (wave1 - 1):
        raise InputError(f"wave1 must be a power of 2 (a Sobol' design), got {wave1}", key="wave1")
    for key, value, most in (("wave2", wave2, None), ("draws", draws, PARTICLES)):
        if value < 1 or (most is not None and value > most):
            allowed = f"in [1, {most}] (the sampler's particles)" if most else ">= 1"
            raise InputError(f"{key} must be {allowed}, got {value}", key=key)
    if not 0 <= predictive <= draws or not 0 <= recovery <= predictive:
        raise InputError(
            f"need 0 <= recovery <= predictive <= draws, got {recovery}, {predictive}, {draws}",
            key="predictive",
        )
    space = space or SearchSpace.load()
    out = Path(out)
    ledger_path = out / "ledger.sqlite"
    if ledger_path.exists() and not resume:
        raise InputError(
            f"a posterior already exists in {out}; use --resume to continue it or choose "
            "another --out",
            key="resume",
        )
    with Ledger(ledger_path) as ledger, Executor(workers, scheduler) as executor:
        claim(
            ledger,
            "posterior",
            {
                "scenario": space.scenario,
                "n_firms": space.n_firms,
                "priors": [p.describe() for p in space.priors],
                "names": [p.name for p in space.parameters],
                "held": space.held,
                "seed": seed,
                "wave1": wave1,
                "wave2": wave2,
            },
            out,
        )
        study = PosteriorStudy(out, space, ledger, seed)
        executed = wave_design(study, 1, wave1, executor)
        executed += wave_design(study, 2, wave2, executor)
        like, rmse, r2 = final_likelihood(study)
        ledger.set_meta(
            "emulator",
            {"terms": [t.target.id for t in study.observations.terms], "rmse": rmse.tolist(),
             "r2": r2.tolist(), "sigma": like.sigma.tolist()},
        )  # fmt: skip
        rng = np.random.default_rng([seed, SAMPLER_STREAM, 3])
        population = sample(like, len(study.names), PARTICLES, rng)
        pick = rng.choice(PARTICLES, size=draws, replace=False)
        u, loglik = population.u[pick], population.loglik[pick]
        frame = draws_frame(study, u, loglik)
        ledger.set_meta(
            "sample",
            {"u": u.tolist(), "loglik": loglik.tolist(), "temperatures": population.temperatures,
             "acceptance": population.acceptance},
        )  # fmt: skip

        # Real runs at the first `predictive` draws, historical and counterfactual, same seeds.
        seeds = frame.seed.tolist()[:predictive]
        executed += study.run(executor, "predictive", u[:predictive], seeds)
        executed += study.run(executor, "predictive-counterfactual", u[:predictive], seeds,
                              COUNTERFACTUAL)  # fmt: skip

        # The point summary: the draw of highest posterior density, on fresh seeds.
        best = int(np.argmax(loglik))
        eval_seeds = seeds_for(seed, evaluation_seeds, EVALUATION_STREAM)
        point = np.repeat(u[best : best + 1], evaluation_seeds, axis=0)
        # Recorded as the Optuna calibration records its best set, so that the calibration
        # report's tables of the evaluation read this ledger too.
        ledger.set_meta("best", {"draw": best, "params": study.params_of(point[:1])[0]})
        ledger.set_meta("evaluation_seeds", eval_seeds)
        executed += study.run(executor, "evaluation", point, eval_seeds, gravity=True)
        executed += study.run(executor, "counterfactual", point, eval_seeds, COUNTERFACTUAL)

        executed += recover(study, like, u[:recovery], executor)
        intervals = parameter_table(frame, space.priors)
        result = {
            "runs_executed": executed,
            "runs_recorded": ledger.count(),
            "intervals": intervals,
            "emulator_rmse": dict(zip(ledger.get_meta("emulator")["terms"], rmse, strict=True)),
            "emulator_r2": dict(zip(ledger.get_meta("emulator")["terms"], r2, strict=True)),
            "point": study.params_of(u[best : best + 1])[0],
            "evaluation_seeds": eval_seeds,
            "draws": frame,
        }
    _write_parquet(frame, out / DRAWS_NAME)  # beside the ledger, for its report
    if posterior_file is not None:
        _write_parquet(frame, Path(posterior_file))
    if write_calibrated is not None:
        write_point_summary(Path(write_calibrated), result, space, posterior_file)
    return result


def draws_frame(study: PosteriorStudy, u: np.ndarray, loglik: np.ndarray) -> pd.DataFrame:
    """The posterior draws: one row each, its parameters, weight, log-likelihood and seed."""
    frame = pd.DataFrame(study.params_of(u))
    frame.insert(0, "draw", np.arange(len(u)))
    frame["weight"] = 1.0 / len(u)  # equally weighted: the sampler's last step resampled them
    frame["loglik"] = loglik
    frame["seed"] = seeds_for(study.seed, len(u), PREDICTIVE_STREAM)
    return frame


def recover(study: PosteriorStudy, like: Likelihood, u: np.ndarray, executor: Executor) -> int:
    """Recovery checks: run known points, take each run as the data, recover the point.

    The known points are posterior draws (inside the emulator's region); each runs once on a
    fresh seed, and the same emulator and sampler give a posterior from that run alone. Stored
    per point: the known values and the recovered 90% intervals.
    """
    seeds = seeds_for(study.seed, len(u), RECOVERY_STREAM)
    executed = study.run(executor, "recovery", u, seeds)
    ok, y = study.outputs(u, seeds)
    checks = []
    for i, (point, outputs) in enumerate(zip(u[ok], y, strict=True)):
        synthetic = study.observations.synthetic(outputs)
        fitted = Likelihood(like.emulator, synthetic, like.sigma, like.lower, like.upper)
        rng = np.random.default_rng([study.seed, RECOVERY_STREAM, i])
        population = sample(fitted, len(study.names), PARTICLES, rng)
        lo, hi = np.quantile(population.u, CREDIBLE, axis=0)
        checks.append({"known": point.tolist(), "p05": lo.tolist(), "p95": hi.tolist()})
    study.ledger.set_meta("recovery", checks)
    return executed


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def write_point_summary(
    path: Path, result: dict[str, Any], space: SearchSpace, draws: Path | None
) -> None:
    """Write calibrated.toml: the posterior's point summary, with a pointer to the draws."""
    where = "calibration/posterior.parquet" if draws is None else _relative(draws)
    lines = [
        "# Calibrated structural parameters: the point summary of the posterior",
        "# (written by `transfrontier calibrate --method posterior`). The shipped scenarios take",
        "# these values unless they set a parameter themselves; the draws are in",
        f"# {where}, for intervals that count parameter uncertainty",
        "# (`compare --posterior`).",
        f"# Search space and priors: calibration/search.toml (scenario {space.scenario!r}, "
        f"{space.n_firms} firm agents).",
        "",
        "[calibration]",
        'method = "posterior"',
        'point = "the posterior draw of highest posterior density"',
        f'draws = "{where}"',
        f'date = "{dt.date.today().isoformat()}"',
        f'package_version = "{package_version()}"',
        f"draws_count = {len(result['draws'])}",
        f"runs = {result['runs_recorded']}",
        f"evaluation_seeds = {result['evaluation_seeds']}",
        "",
        "[parameters]",
    ]
    values = {**space.held, **result["point"]}
    lines += [f"{name} = {value:.6g}" for name, value in sorted(values.items())]
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def _relative(path: Path) -> str:
    root = CALIBRATED_FILE.parent.parent
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return Path(path).name
