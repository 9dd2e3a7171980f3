"""The posterior: priors, emulator, sampler, recovery, resume, report and paired comparisons."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import kill_when_recorded
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibration_space import SearchSpace
from sim.compare import parameter_share
from sim.emulator import Emulator, features
from sim.errors import InputError
from sim.ledger import Ledger
from sim.posterior import Observations, Term, likelihood_of, parameter_table
from sim.priors import Prior
from sim.smc import sample
from sim.targets import Target

SPACE = """
[search]
scenario = "historical"
n_firms = {firms}
log_scale = ["fixed_cost_cross_border"]
[parameters]
fixed_cost_cross_border = [0.05, 1.0]
jv_rate = [150.0, 700.0]
"""


def _point(name: str, value: float, tolerance: float) -> Target:
    return Target(name, "toy", name, "turnover_usd_bn", value, "point", (2000, 2000), tolerance)


def _toy(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A small simulator: three outputs of three parameters; the third one moves nothing."""
    a, b = u[:, 0], u[:, 1]
    noise = rng.normal(0.0, 0.01, (len(u), 3))
    return np.column_stack([a + 0.5 * b, np.exp(b) - a**2, 2.0 * a * b]) + noise


def test_a_known_parameter_set_is_recovered_inside_its_interval():
    """Simulate the toy at known parameters, take that as data, recover them in the 90% CI."""
    rng = np.random.default_rng(7)
    from scipy.stats import qmc

    design = qmc.Sobol(3, scramble=True, seed=1).random(128)
    outputs = _toy(design, rng)
    known = np.array([[0.3, 0.7, 0.5]])
    data = _toy(known, rng)[0]
    observations = Observations(
        ("y0", "y1", "y2"),
        tuple(Term(_point(f"y{i}", data[i], 0.02), np.array([i])) for i in range(3)),
    )
    like, rmse, r2 = likelihood_of(design, outputs, observations)
    assert (r2 > 0.99).all() and (rmse < 0.02).all()
    population = sample(like, 3, 2000, np.random.default_rng(3))
    lo, hi = np.quantile(population.u, [0.05, 0.95], axis=0)
    assert (lo[:2] <= known[0, :2]).all() and (known[0, :2] <= hi[:2]).all()
    assert population.temperatures[-1] == 1.0
    # The data pin the first two parameters and say nothing of the third.
    contraction = 1.0 - np.var(population.u, axis=0) * 12.0
    assert contraction[0] > 0.8 and contraction[1] > 0.8
    assert abs(contraction[2]) < 0.25


def test_the_emulator_reproduces_a_quadratic_exactly():
    rng = np.random.default_rng(0)
    u = rng.random((40, 3))
    y = 1.0 + u @ [1.0, -2.0, 0.5] + 3.0 * u[:, 0] * u[:, 2] - u[:, 1] ** 2
    fitted = Emulator.fit(u, y[:, None])
    test = rng.random((10, 3))
    truth = 1.0 + test @ [1.0, -2.0, 0.5] + 3.0 * test[:, 0] * test[:, 2] - test[:, 1] ** 2
    assert np.allclose(fitted.predict(test)[:, 0], truth, atol=1e-4)
    assert features(u).shape == (40, 1 + 3 + 6)
    with pytest.raises(ValueError, match="needs at least 10 design runs"):
        Emulator.fit(u[:5], y[:5, None])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    lo=st.floats(0.01, 10.0),
    width=st.floats(0.1, 100.0),
    u=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20),
    kind=st.sampled_from(["uniform", "loguniform", "normal", "lognormal"]),
)
def test_priors_map_the_unit_cube_onto_their_range_and_back(lo, width, u, kind):
    hi = lo + width
    mid = (lo + hi) / 2
    location = np.log(mid) if kind == "lognormal" else mid
    prior = Prior("x", lo, hi, kind, location, 0.5 if kind == "lognormal" else width / 4)
    values = prior.value(np.array(u))
    assert ((values >= lo - 1e-9) & (values <= hi + 1e-9)).all()
    assert np.all(np.diff(values[np.argsort(u)]) >= -1e-9)  # monotone
    assert np.allclose(prior.unit(values), np.clip(u, 0, 1), atol=1e-6)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('jv_rate = { distribution = "gamma" }', r"priors\.jv_rate\.distribution.*'gamma'"),
        ('jv_rate = { distribution = "normal", mean = 300 }', r"priors\.jv_rate.*needs mean, sd"),
        ('jv_rate = { distribution = "normal", mean = 300, sd = 0, source = "x" }',
         r"priors\.jv_rate\.sd.*> 0"),
        ('jv_rate = { distribution = "normal", mean = 900, sd = 50, source = "x" }',
         r"priors\.jv_rate\.mean.*\[150, 700\]"),
        ('jv_rate = { distribution = "normal", mean = 300, sd = 50 }', r"must say its source"),
        ('sigma = { distribution = "uniform" }', r"priors\.sigma.*not a searched parameter"),
        ('jv_rate = { distribution = "uniform", width = 2 }', r"priors\.jv_rate.*width"),
    ],
)  # fmt: skip
def test_bad_priors_get_one_clear_error(tmp_path, entry, message):
    path = tmp_path / "search.toml"
    path.write_text(SPACE.format(firms=500) + "[priors]\n" + entry + "\n")
    with pytest.raises(InputError, match=message) as info:
        SearchSpace.load(path)
    assert str(path) in str(info.value)


def test_an_informative_prior_is_read_with_its_source(tmp_path):
    path = tmp_path / "search.toml"
    path.write_text(
        SPACE.format(firms=500)
        + '[priors]\njv_rate = { distribution = "normal", mean = 400, sd = 50, source = "s" }\n'
    )
    space = SearchSpace.load(path)
    assert [p.distribution for p in space.priors] == ["loguniform", "normal"]
    u = np.random.default_rng(0).random((500, 2))
    draws = pd.DataFrame({p.name: p.value(u[:, j]) for j, p in enumerate(space.priors)})
    table = parameter_table(draws, space.priors)
    assert table.contraction.abs().max() < 0.2  # uniform draws: no contraction


def test_the_parameter_share_splits_the_variance_by_draw():
    rng = np.random.default_rng(5)
    draws, reps = 40, 30
    effect = rng.normal(0.0, 2.0, draws)  # parameter sd 2, seed sd 1: share 4 / 5
    frame = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(draws), reps),
            "value": np.repeat(effect, reps) + rng.normal(0.0, 1.0, draws * reps),
        }
    )
    assert parameter_share(frame, "value") == pytest.approx(0.8, abs=0.1)
    one_draw = frame[frame.draw == 0]
    assert np.isnan(parameter_share(one_draw, "value"))
    seeds_only = frame.assign(value=rng.normal(0.0, 1.0, len(frame)))
    assert parameter_share(seeds_only, "value") < 0.1


def _posterior_args(space_file, out):
    return [sys.executable, "-m", "sim", "calibrate", "--method", "posterior",
            "--space", str(space_file), "--wave1", "8", "--wave2", "8", "--draws", "20",
            "--predictive", "2", "--recovery", "1", "--evaluation-seeds", "2",
            "--workers", "1", "--out", str(out), "--no-write"]  # fmt: skip


@pytest.mark.slow
def test_a_killed_posterior_resumes_without_rerunning_and_its_report_rebuilds(tmp_path):
    """SIGKILL mid-design; --resume finishes with nothing run twice; the report needs no run."""
    space_file = tmp_path / "space.toml"
    space_file.write_text(SPACE.format(firms=300))
    out = tmp_path / "posterior"
    args = _posterior_args(space_file, out)
    ledger_path = out / "ledger.sqlite"
    before = kill_when_recorded(args, ledger_path, 10)  # into the second wave
    done = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Ledger(ledger_path) as ledger:
        ids = [r.run_id for r in ledger.records()]
        kinds = {k: ledger.count(k) for k in ("wave1", "wave2", "predictive", "recovery")}
        assert ledger.get_meta("recovery")
    # 8 + 8 design runs, 2 predictive with their counterfactual, 2 + 2 evaluation, 1 recovery
    assert len(ids) == len(set(ids)) == 8 + 8 + 2 * 2 + 2 * 2 + 1, done.stdout
    assert kinds == {"wave1": 8, "wave2": 8, "predictive": 2, "recovery": 1}
    executed = int(done.stdout.split("runs executed now: ")[1].split(";")[0])
    assert executed == len(ids) - before  # nothing recorded before the kill ran again

    from sim import runner
    from sim.posterior_report import build_posterior_report

    def refuse(*_args, **_kwargs):
        raise AssertionError("the report ran the model")

    original = runner.run_one
    runner.run_one = refuse
    try:
        draws = pd.read_parquet(out / "draws.parquet")
        first = build_posterior_report(out, tmp_path / "report", draws=out / "draws.parquet")
        text = first.read_text()
        again = build_posterior_report(out, tmp_path / "again", draws=out / "draws.parquet")
    finally:
        runner.run_one = original
    assert text == again.read_text()
    assert "90% credible interval" in text and "fixed_cost_cross_border" in text
    assert "2013" in text and "recovery" in text.lower()
    assert len(draws) == 20 and {"draw", "weight", "seed", "jv_rate"} <= set(draws.columns)
    for name in ("marginals.png", "pairs.png", "predictive.png"):
        assert (tmp_path / "report" / "posterior-report" / name).stat().st_size > 0


@pytest.fixture
def two_draws(tmp_path, monkeypatch):
    """A posterior file of two draws that differ in the venture rate and the fixed cost."""
    from sim import draws

    path = tmp_path / "posterior.parquet"
    pd.DataFrame(
        {
            "draw": [0, 1],
            "jv_rate": [250.0, 600.0],
            "fixed_cost_cross_border": [0.15, 0.4],
            "weight": [0.5, 0.5],
            "loglik": [-1.0, -2.0],
            "seed": [11, 12],
        }
    ).to_parquet(path)
    monkeypatch.setattr(draws, "POSTERIOR_FILE", path)
    return path


@pytest.mark.slow
def test_compare_over_posterior_draws_pairs_by_draw_and_seed(two_draws):
    from sim.compare import compare

    result = compare(["historical", "no_customs_union"], replicates=2, posterior=2,
                     n_firms=600, years=[2012], workers=1)  # fmt: skip
    model = result.model
    runs = model.groupby("scenario")[["draw", "seed"]].apply(
        lambda g: sorted(set(map(tuple, g.to_numpy())))
    )
    assert runs["historical"] == runs["no_customs_union"]  # common draws and seeds
    assert sorted({d for d, _ in runs["historical"]}) == [0, 1]
    assert result.meta["runs"]["historical"]["posterior_draws"] == [0, 1]
    year = model[model.year == 2012].set_index(["scenario", "draw", "replicate"])
    # The draws' parameters are used: same seed, another draw, other ventures.
    assert year.loc[("historical", 0, 0), "jv_kz"] != year.loc[("historical", 1, 0), "jv_kz"]
    paired = (
        year.loc["no_customs_union", "turnover_usd_bn"] - year.loc["historical", "turnover_usd_bn"]
    )
    row = result.summary.set_index(["scenario", "outcome", "year"]).loc[
        ("no_customs_union", "turnover_usd_bn", 2012)
    ]
    assert row.diff_mean == pytest.approx(paired.mean())
    assert row.draws == 2 and row.replicates == 4
    assert 0.0 <= row.diff_parameter_share <= 1.0
    from sim.compare import format_summary

    assert "params" in format_summary(result.summary)


@pytest.mark.slow
def test_a_run_over_draws_takes_each_draws_parameters(two_draws):
    import sim

    drawn = sim.run("historical", posterior=2, n_firms=500, seed=3, workers=1)
    assert sorted(drawn.model.draw.unique()) == [0, 1]
    direct = sim.run("historical", parameters={"jv_rate": 600.0,
                     "fixed_cost_cross_border": 0.4}, n_firms=500, seed=3)  # fmt: skip
    second = drawn.model[drawn.model.draw == 1].drop(columns="draw").reset_index(drop=True)
    pd.testing.assert_frame_equal(second, direct.model.drop(columns="draw"))
    with pytest.raises(InputError, match=r"posterior must be an integer in \[1, 2\]"):
        sim.run("historical", posterior=3, n_firms=500)


@pytest.mark.slow
def test_the_apps_bands_span_the_runs_over_draws_and_are_drawn(two_draws, tmp_path):
    from matplotlib.figure import Figure

    from sim.bands import compute_bands, load_bands
    from sim.classroom.figures import BAND_LABEL, draw_band
    from sim.plots import SERIES

    frame = compute_bands(("historical",), draws=2, replicates=1, workers=1, n_firms=500)
    turnover = frame[(frame.column == "turnover_usd_bn") & (frame.year == 2012)].iloc[0]
    assert turnover.p05 < turnover.p50 < turnover.p95  # the two draws differ
    path = tmp_path / "bands.parquet"
    frame.to_parquet(path)
    assert load_bands("no_customs_union", path) is None
    band = load_bands("historical", path)
    ax = Figure().add_subplot()
    draw_band(ax, band, SERIES["trade"])
    assert BAND_LABEL in [c.get_label() for c in ax.collections]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"wave1": 100}, r"wave1 must be a power of 2"),
        ({"draws": 5000}, r"draws must be in \[1, 4000\]"),
        ({"predictive": 10, "draws": 5}, r"recovery <= predictive <= draws"),
    ],
)
def test_bad_posterior_options_get_one_clear_error(tmp_path, options, message):
    from sim.posterior import posterior

    with pytest.raises(InputError, match=message):
        posterior(out=tmp_path / "p", posterior_file=None, write_calibrated=None, **options)
    assert not (tmp_path / "p").exists()  # nothing written


def test_the_posterior_never_sees_a_validation_year_or_pattern():
    """The likelihood (it also picks the point) holds only fitted years of fitted targets."""
    from sim.targets import load_targets

    targets = load_targets()
    observations = Observations.of(targets)
    fitted = {t.id for t in targets if t.fitted}
    assert {term.target.id for term in observations.terms} == fitted
    for target in (t for t in targets if t.kind == "path" and t.fitted and t.validation):
        years = {int(n.split(":")[1]) for n in observations.names if n.startswith(target.id + ":")}
        assert years and max(years) <= target.years[1] < target.validation[0]
