"""The border regions' own levers: at their defaults they change nothing; each moves its target."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from docking import FLOW_YEARS, REFERENCE

from sim.errors import InputError
from sim.model import TransfrontierModel
from sim.runner import resolve_spec, run_one
from sim.scenario import MAX_PROPOSALS, RegionDecision, TransfrontierScenario, load_scenario
from sim.world import load_world

META = json.loads((REFERENCE / "meta.json").read_text())
FIRMS = 1500
SEED = 3
WORLD = load_world()
BORDER = tuple(WORLD.market_ids[WORLD.border])


def model_with(decisions: list[RegionDecision], end: int, **parameters) -> TransfrontierModel:
    """A small historical run to `end` with the given decisions."""
    spec = resolve_spec("historical", {"n_firms": FIRMS, "end_year": end, **parameters})
    model = TransfrontierModel(TransfrontierScenario(spec=spec.with_decisions(decisions), rng=SEED))
    model.run_for(end - spec.start_year + 1)
    return model


def pair(model: TransfrontierModel, ru: str, kz: str) -> tuple[int, int]:
    """(row, column) of a Russian and a Kazakh region in the pair arrays."""
    ids = list(model.region_ids)
    return int(np.searchsorted(model.ru, ids.index(ru))), int(
        np.searchsorted(model.kz, ids.index(kz))
    )


def region_row(model: TransfrontierModel, region: str, column: str) -> float:
    """One region's value of a regions-table column in the model's last year."""
    regions = model.records[-1].regions
    return float(regions[column][list(regions["region_id"]).index(region)])


@pytest.fixture(scope="module")
def baseline() -> TransfrontierModel:
    """The small run without decisions, to 2008."""
    return model_with([], 2008)


def test_decisions_that_leave_everything_to_the_model_reproduce_the_docking_reference():
    """Every border region deciding every year, all at defaults: the reference, exactly."""
    spec = resolve_spec("historical", META["cases"]["historical"], use_calibration=False)
    years = range(spec.start_year, spec.end_year + 1)
    spec = spec.with_decisions([RegionDecision(y, r) for y in years for r in BORDER])
    tables = run_one(spec, SEED)
    tables["flows"] = tables["flows"][tables["flows"].year.isin(FLOW_YEARS)].reset_index(drop=True)
    for name, frame in tables.items():
        stored = pd.read_parquet(REFERENCE / f"historical-{SEED}-{name}.parquet")
        pd.testing.assert_frame_equal(frame, stored, check_exact=True, obj=name)


def test_an_accepted_proposal_signs_one_agreement(baseline: TransfrontierModel):
    """The partner's acceptance signs exactly one agreement more than the model alone."""
    decisions = [
        RegionDecision(2008, "kz-west-kazakhstan", proposals=("ru-saratov",)),
        RegionDecision(2008, "ru-saratov", accepted=("kz-west-kazakhstan",)),
    ]
    model = model_with(decisions, 2008)
    r, k = pair(model, "ru-saratov", "kz-west-kazakhstan")
    assert model.agreements[r, k] == baseline.agreements[r, k] + 1
    assert model.agreements.sum() == baseline.agreements.sum() + 1
    assert model.decided_agreements == [(2008, "ru-saratov", "kz-west-kazakhstan")]


def test_a_declined_proposal_signs_nothing(baseline: TransfrontierModel):
    """A partner that decides but does not accept declines: the run is the baseline's."""
    decisions = [
        RegionDecision(2008, "kz-west-kazakhstan", proposals=("ru-saratov",)),
        RegionDecision(2008, "ru-saratov"),
    ]
    model = model_with(decisions, 2008)
    assert np.array_equal(model.agreements, baseline.agreements)
    assert model.decided_agreements == []


@pytest.mark.parametrize(("horizon", "signed"), [(0.0, 0), (100.0, 1)])
def test_a_region_without_decisions_follows_the_model_rule(horizon: float, signed: int):
    """A proposal to a region that decided nothing is accepted with the pair's own hazard."""
    decisions = [RegionDecision(2008, "kz-pavlodar", proposals=("ru-omsk",))]
    model = model_with(decisions, 2008, proposal_horizon=horizon)
    assert len(model.decided_agreements) == signed


def test_a_delegation_kept_at_home_loses_the_forum_contacts(baseline: TransfrontierModel):
    """Staying away from the 2008 forum leaves the region with fewer contacts."""
    model = model_with([RegionDecision(2008, "ru-omsk", delegation=False)], 2008)
    r, _ = pair(model, "ru-omsk", "kz-pavlodar")
    assert model.contacts[r].sum() < baseline.contacts[r].sum()
    others = np.arange(len(model.ru)) != r
    assert np.array_equal(model.contacts[others], baseline.contacts[others])


def test_the_budget_for_funding_lowers_the_regions_costs_across_the_border(baseline):
    """All the budget to state funding: more cross-border trade for the region."""
    region = "kz-north-kazakhstan"
    model = model_with([RegionDecision(2008, region, funding_share=1.0)], 2008)
    assert region_row(model, region, "cross_border_turnover_usd_bn") > region_row(
        baseline, region, "cross_border_turnover_usd_bn"
    )


def test_the_budget_for_investment_attraction_brings_ventures():
    """All the budget to investment attraction, five years: more ventures hosted."""
    region = "kz-aktobe"
    years = range(2004, 2009)
    decided = model_with([RegionDecision(y, region, funding_share=0.0) for y in years], 2008)
    again = model_with([RegionDecision(y, region, funding_share=1.0) for y in years], 2008)
    assert region_row(decided, region, "jv_hosted") > 1.2 * region_row(again, region, "jv_hosted")


def test_decisions_are_bounded_with_one_clear_error(write_scenario):
    """Out-of-range or unknown values in [[decisions]] name the key and what is allowed."""
    base = 'extends = "historical"\n[[decisions]]\nyear = 2005\nregion = "kz-aktobe"\n'
    cases = {
        "funding_share = 1.5": ("decisions[0].funding_share", "out of range; allowed [0, 1]"),
        'proposals = ["kz-atyrau"]': ("decisions[0].proposals[0]", "region across the border"),
        "delegation = 1": ("decisions[0].delegation", "true or false"),
    }
    for line, (key, message) in cases.items():
        with pytest.raises(InputError, match=re.escape(message)) as caught:
            load_scenario(write_scenario(base + line + "\n"))
        assert caught.value.key == key
    many = [f'"{r}"' for r in WORLD.market_ids[WORLD.country == 1][: MAX_PROPOSALS + 1]]
    with pytest.raises(InputError, match=f"at most {MAX_PROPOSALS}"):
        load_scenario(write_scenario(base + f"proposals = [{', '.join(many)}]\n"))
    with pytest.raises(InputError, match="region 'ru-moscow' not one of"):
        load_scenario(write_scenario(base.replace("kz-aktobe", "ru-moscow")))


def test_decisions_round_trip_through_a_scenario_file(write_scenario):
    """A spec with decisions, written as a file that extends its scenario, reads back equal."""
    spec = load_scenario("historical").with_decisions(
        [RegionDecision(2006, "ru-omsk", ("kz-pavlodar",), ("kz-north-kazakhstan",), True, 0.25)]
    )
    again = load_scenario(write_scenario(spec.to_toml(extends=load_scenario("historical"))))
    assert again.decisions == spec.decisions
