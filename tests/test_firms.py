"""The firm population: importance-weighted sampling of the productivity law."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.firms import draw_productivity
from sim.runner import resolve_spec, run

SIGMA = 4.0


def _sampling_shape(shape: float, oversampling: float) -> float:
    return shape - oversampling * (SIGMA - 1.0)


def test_without_oversampling_every_agent_weighs_one():
    phi, weight = draw_productivity(np.random.default_rng(1), 1000, 4.6, 4.6)
    assert np.all(weight == 1.0)
    assert phi.min() >= 1.0


def test_full_oversampling_gives_every_agent_the_same_sales_potential():
    """At tail_oversampling = 1, weight * phi**(sigma-1) is the same for every agent."""
    shape = 4.6
    phi, weight = draw_productivity(
        np.random.default_rng(2), 5000, shape, _sampling_shape(shape, 1)
    )
    potential = weight * phi ** (SIGMA - 1.0)
    np.testing.assert_allclose(potential, potential[0], rtol=1e-9)


@settings(max_examples=15, deadline=None)
@given(shape=st.floats(3.2, 8.0), oversampling=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_weighted_agents_follow_the_true_productivity_law(shape, oversampling, seed):
    """Weighted, the agents' productivities have the Pareto(shape) mass above any threshold."""
    phi, weight = draw_productivity(
        np.random.default_rng(seed), 400_000, shape, _sampling_shape(shape, oversampling)
    )
    assert np.all(weight > 0)
    assert weight.mean() == pytest.approx(1.0, abs=0.02)
    for threshold in (1.2, 1.5, 2.0):
        share = weight[phi > threshold].sum() / weight.size
        assert share == pytest.approx(threshold**-shape, abs=0.01)


@pytest.mark.slow
def test_oversampling_steadies_turnover_across_seeds():
    """The point of oversampling: bilateral turnover varies far less from seed to seed."""
    spread = {}
    for oversampling in (0.0, 1.0):
        spec = resolve_spec("historical", {"n_firms": 5000, "tail_oversampling": oversampling})
        model = run(spec, seed=11, replicates=6, workers=1).model
        turnover = model[model.year == 2006].turnover_usd_bn
        spread[oversampling] = turnover.std() / turnover.mean()
    assert spread[1.0] < 0.5 * spread[0.0], spread
