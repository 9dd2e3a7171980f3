"""The market-choice equilibrium: its defining properties, not its implementation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import trade
from sim.model import TransfrontierModel
from sim.scenario import TransfrontierScenario


@pytest.fixture(scope="module")
def model(small_spec):
    """A small model a few years in, with joint-venture ties."""
    m = TransfrontierModel(TransfrontierScenario(spec=small_spec, rng=4))
    m.run_for(14)
    return m


def _year_inputs(model):
    return model.spending, model.costs_in_force()


def test_crowding_is_a_fixed_point(model):
    """The crowding the sellers create equals the crowding they expected (per market)."""
    demand, costs = _year_inputs(model)
    again = trade.settle(demand, costs, model.supply, model.trade.cut, model.ties)
    np.testing.assert_allclose(again.psi, model.trade.psi, rtol=1e-12)
    cut = trade.cutoffs(demand, costs, model.trade.psi, model.params.sigma, None)
    exit_cut = trade.exit_cutoffs(demand, costs, model.trade.psi, model.params.sigma)
    assert np.all(cut == exit_cut)  # without history there is no band


def test_cutoffs_stay_in_the_hysteresis_band(model):
    """Cutoffs in force lie between the exit cutoff and the entry cutoff."""
    demand, costs = _year_inputs(model)
    exit_cut = trade.exit_cutoffs(demand, costs, model.trade.solved, model.params.sigma)
    entry_cut = exit_cut * (1.0 + costs.sunk)[None]
    finite = np.isfinite(exit_cut)
    cut = model.trade.cut
    assert np.all(cut[finite] >= exit_cut[finite] * (1 - 1e-12))
    assert np.all(cut[finite] <= entry_cut[finite] * (1 + 1e-12))
    assert np.any(cut[finite] > exit_cut[finite] * 1.01)  # hysteresis binds somewhere


def test_crowding_matches_what_the_cutoffs_were_set_for(model):
    """The solved crowding and the sellers' crowding agree to the accuracy asked (<= 1e-4)."""
    np.testing.assert_allclose(model.trade.psi, model.trade.solved, rtol=1e-4)


def test_firms_sell_where_profit_covers_the_fixed_cost(model):
    """A firm sells in a market exactly when it is at or above that market's cutoff."""
    f = model.firms
    slot = int(np.argmax(f.size))
    served = set(model.firm_agents[slot].markets)
    cut = model.trade.cut[f.sector[slot], f.market[slot]]
    assert served >= set(model.region_ids[f.size[slot] >= cut])
    assert model.region_ids[f.market[slot]] in served


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.5, 500.0), min_size=2, max_size=6))
def test_seller_mass_falls_continuously_as_the_cutoff_rises(small_spec, cuts):
    """Seller mass is non-increasing and has no jumps in the cutoff."""
    m = TransfrontierModel(TransfrontierScenario(spec=small_spec, rng=1))
    supply = m.supply
    s = np.zeros(1, dtype=np.int64)
    o = np.array([int(np.bincount(m.firms.market).argmax())])
    grid = np.sort(np.asarray(cuts))
    mass = np.array([trade.seller_mass(supply, s, o, np.array([c]))[0] for c in grid])
    assert np.all(np.diff(mass) <= 1e-12)
    for c in grid:
        near = trade.seller_mass(supply, s, o, np.array([c * (1 - 1e-9), c * (1 + 1e-9)]))
        assert abs(near[0] - near[1]) <= 1e-6 * max(near[0], 1e-12)
