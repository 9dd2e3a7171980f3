"""The per-agent Mesa reference (`benchmarks/reference_mesa.py`) against `sim.trade`.

Both evaluate the same year's market choice of a small `historical` run (2,000 firm agents,
1991-1994) at the same crowding `psi`, with last year's cutoffs for the hysteresis band and no
joint-venture ties. Cutoffs and the number of sellers per (origin, destination) must agree
exactly. Crowding and flows agree to a relative 1e-6: `sim.trade` compares sizes as log keys
offset by `segment * 1000`, which rounds log sizes to about 1e-10, and in a market served only
by a sliver of the marginal agent's spread that is up to about 1e-6 of that cell's flow.

`trade.settle` books sales at the crowding the sellers create, the reference at the crowding
the firms expect (`psi`); `settled_flows` rescales the latter to the former, so the two are
compared like for like (they coincide when `psi` is an equilibrium of the same ties).
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import trade
from sim.model import TransfrontierModel
from sim.runner import resolve_spec
from sim.scenario import TransfrontierScenario

N_FIRMS = 2000
RTOL = 1e-6


def _load_reference():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "reference_mesa.py"
    spec = importlib.util.spec_from_file_location("reference_mesa", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


reference_mesa = _load_reference()


@pytest.fixture(scope="module")
def year():
    """A model after four years (1991-1994), last year's cutoffs and its reference."""
    spec = resolve_spec("historical", {"n_firms": N_FIRMS})
    model = TransfrontierModel(TransfrontierScenario(spec=spec, rng=1))
    model.run_for(3)
    previous_cut = model.trade.cut.copy()
    model.run_for(1)
    ref = reference_mesa.build_reference(model, previous_cut, rng=1)
    ref.step()
    return model, previous_cut, ref


def _vectorized(inputs, previous_cut):
    cut = trade.cutoffs(inputs.demand, inputs.costs, inputs.psi, inputs.sigma, previous_cut)
    ties = trade.Ties.none(inputs.supply.n_markets)
    return trade.settle(inputs.demand, inputs.costs, inputs.supply, cut, ties)


def _assert_flows_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-12 * expected.max())


def test_reference_has_one_mesa_agent_per_firm(year):
    """The reference holds one Mesa agent per firm slot, with that slot's attributes."""
    model, _, ref = year
    assert len(ref.agents) == N_FIRMS
    sizes = sorted(agent.a for agent in ref.agents)
    np.testing.assert_array_equal(sizes, np.sort(model.supply.firms.size))


def test_cutoffs_equal_vectorized_cutoffs_exactly(year):
    """The reference's cutoffs (with the hysteresis band) equal `trade.cutoffs` bit for bit."""
    _, previous_cut, ref = year
    vec = _vectorized(ref.inputs, previous_cut)
    np.testing.assert_array_equal(np.array(ref.cut), vec.cut)


def test_sellers_equal_vectorized_sellers_exactly(year):
    """The number of selling agents per (origin, destination) is the same."""
    _, previous_cut, ref = year
    vec = _vectorized(ref.inputs, previous_cut)
    np.testing.assert_array_equal(ref.seller_counts, vec.sellers)
    assert vec.sellers.sum() > 0


def test_crowding_equals_vectorized_crowding(year):
    """The crowding the sellers create matches `settle(...).psi`."""
    _, previous_cut, ref = year
    vec = _vectorized(ref.inputs, previous_cut)
    np.testing.assert_allclose(np.array(ref.crowding), vec.psi, rtol=RTOL)


def test_flows_equal_vectorized_flows(year):
    """Flows (marginal shares and the Rest-of-World continuum included) match `settle`."""
    _, previous_cut, ref = year
    vec = _vectorized(ref.inputs, previous_cut)
    _assert_flows_close(ref.settled_flows, vec.flows)
    partners = ref.n_markets - 3
    assert ref.settled_flows[partners:].sum() > 0  # the continuum origins do sell


def test_without_history_matches_too(year):
    """With no previous cutoffs (the first year's rule) sellers and flows match as well."""
    model, _, _ = year
    ref = reference_mesa.build_reference(model, previous_cut=None, rng=2)
    ref.step()
    vec = _vectorized(ref.inputs, None)
    np.testing.assert_array_equal(ref.seller_counts, vec.sellers)
    _assert_flows_close(ref.settled_flows, vec.flows)


def test_activation_order_does_not_matter(year):
    """Another activation order gives the same sellers and, up to rounding, the same flows."""
    model, previous_cut, ref = year
    other = reference_mesa.build_reference(model, previous_cut, rng=7)
    other.step()
    np.testing.assert_array_equal(other.seller_counts, ref.seller_counts)
    np.testing.assert_allclose(other.flows, ref.flows, rtol=1e-12, atol=1e-15 * ref.flows.max())
