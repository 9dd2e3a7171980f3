"""Typed edits of a scenario and its TOML text: each edit changes what it says, and only that.

A spec written with `to_toml` reads back equal, whole or as a file that `extends` the scenario
it came from; a bad edit raises the one `InputError` a bad scenario file would, naming the key
and what is allowed.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.inputs import date_of_year, fractional_year
from sim.parameters import ModelParameters, RegimeParameters, parameter_ranges
from sim.scenario import (
    LEVERS,
    Forum,
    Regime,
    ScenarioSpec,
    _merge,
    _toml_value,
    _validate,
    available_scenarios,
    load_scenario,
)

SCENARIOS = {name: load_scenario(name) for name in available_scenarios()}
HISTORY = SCENARIOS["historical"]
LEVER_RANGES = parameter_ranges(RegimeParameters)
PARAMETER_RANGES = parameter_ranges(ModelParameters)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_back(text: str) -> ScenarioSpec:
    """`load_scenario` of a scenario file's text, written in a folder of its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "edited.toml"
        path.write_text(text)
        return load_scenario(path)


def lever_path(spec: ScenarioSpec, lever: str) -> list[float]:
    """A lever's value in each regime of the timeline."""
    return [getattr(r.levers, lever) for r in spec.regimes]


# --- strategies -------------------------------------------------------------------------------
def lever_values(lever: str) -> st.SearchStrategy[float]:
    rng = LEVER_RANGES[lever][1]
    return st.floats(rng.lo, rng.hi, allow_nan=False)


@st.composite
def lever_edits(draw, spec: ScenarioSpec) -> dict[str, dict[str, float]]:
    """Levers of a few regimes of `spec`, inside their declared ranges."""
    regimes = draw(st.lists(st.sampled_from([r.name for r in spec.regimes]), max_size=3))
    return {
        name: {
            lever: draw(lever_values(lever))
            for lever in draw(st.lists(st.sampled_from(LEVERS), min_size=1, max_size=3))
        }
        for name in regimes
    }


@st.composite
def moved_start(draw, spec: ScenarioSpec) -> tuple[str, dt.date]:
    """A regime other than the first and a new start strictly between its neighbours'."""
    i = draw(st.integers(1, len(spec.regimes) - 1))
    low = spec.regimes[i - 1].start
    high = spec.regimes[i + 1].start if i + 1 < len(spec.regimes) else spec.end_year + 1.0
    first = date_of_year(low) + dt.timedelta(days=1)
    last = date_of_year(high) - dt.timedelta(days=1)
    return spec.regimes[i].name, draw(st.dates(first, last))


@st.composite
def parameter_edits(draw) -> dict[str, float | int]:
    """A few structural parameters inside their declared ranges."""
    names = draw(st.lists(st.sampled_from(sorted(PARAMETER_RANGES)), max_size=3, unique=True))
    out: dict[str, float | int] = {}
    for name in names:
        kind, rng = PARAMETER_RANGES[name]
        if kind is int:
            out[name] = draw(st.integers(int(rng.lo), int(min(rng.hi, 10**7))))
        else:
            out[name] = draw(st.floats(rng.lo, rng.hi, allow_nan=False))
    return out


@st.composite
def edited_specs(draw) -> tuple[ScenarioSpec, ScenarioSpec]:
    """A shipped scenario and the same after a few edits of every kind."""
    base = SCENARIOS[draw(st.sampled_from(sorted(SCENARIOS)))]
    spec = base
    with contextlib.suppress(InputError):  # pareto_shape must exceed sigma - 1
        spec = spec.with_overrides(draw(parameter_edits()))
    spec = spec.with_levers(draw(lever_edits(spec)))
    if draw(st.booleans()):
        spec = spec.with_regime_start(*draw(moved_start(spec)))
    if draw(st.booleans()):
        schedule = st.lists(st.sampled_from(base.forums)) if base.forums else st.just([])
        spec = spec.with_forums(draw(schedule))
    if draw(st.booleans()):
        spec = spec.with_name(draw(st.text(max_size=20)), title=draw(st.text(max_size=40)))
    return base, spec


# --- writing and reading back ---------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_shipped_scenario_reads_back_from_its_toml(name):
    """The whole file of a shipped scenario gives the same scenario, calibration and all."""
    spec = SCENARIOS[name]
    text = spec.to_toml()
    assert "calibrated = false" in text
    assert read_back(text) == spec
    assert spec.to_toml(extends=spec).splitlines() == [f'extends = "{name}"', f'name = "{name}"']


@EXAMPLES
@given(edited_specs())
def test_an_edited_spec_reads_back_whole_and_as_a_child(pair):
    """`load(to_toml(spec)) == spec`, for the whole file and for the one that extends the base."""
    base, spec = pair
    assert read_back(spec.to_toml()) == spec
    assert read_back(spec.to_toml(extends=base)) == spec


@given(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False),
        st.dates(),
        st.text(),
        st.lists(st.integers(), max_size=3),
    )
)
def test_toml_values_read_back_as_written(value):
    """Every value a scenario holds is written as TOML that reads back to it."""
    assert tomllib.loads(f"key = {_toml_value(value)}")["key"] == value


def test_an_edit_is_the_merge_of_the_same_child_file():
    """Levers, starts and parameters edited are what a child file merged by name would give."""
    child = {
        "parameters": {"sigma": 4.5, "n_firms": 2000},
        "regimes": [
            {"name": "eurasec", "legal_framework": 0.6, "start": dt.date(2001, 3, 1)},
            {"name": "eaeu", "enforcement": 0.9},
        ],
    }
    merged = _validate(_merge(HISTORY.resolved, child), source="merged")
    edited = (
        HISTORY.with_overrides({"sigma": 4.5, "n_firms": 2000})
        .with_levers({"eurasec": {"legal_framework": 0.6}, "eaeu": {"enforcement": 0.9}})
        .with_regime_start("eurasec", dt.date(2001, 3, 1))
    )
    assert edited == merged
    assert edited.resolved == merged.resolved  # what a run records, key for key


# --- each edit changes what it says ---------------------------------------------------------------
@EXAMPLES
@given(st.data())
def test_a_lever_holds_from_its_regime_until_a_later_regime_sets_it(data):
    """Only the lever changes, to the value, from that regime on, for as long as it is inherited."""
    name = data.draw(st.sampled_from([r.name for r in HISTORY.regimes]))
    lever = data.draw(st.sampled_from(LEVERS))
    value = data.draw(lever_values(lever))
    edited = HISTORY.with_lever(name, lever, value)
    assert dataclasses.replace(edited, regimes=HISTORY.regimes) == HISTORY
    at = [r.name for r in HISTORY.regimes].index(name)
    # The hold ends where a later regime of the file sets the lever itself.
    sets = [lever in table for table in HISTORY.resolved["regimes"]]
    end = next((j for j in range(at + 1, len(sets)) if sets[j]), len(sets))
    old = lever_path(HISTORY, lever)
    assert lever_path(edited, lever) == old[:at] + [value] * (end - at) + old[end:]
    for other in set(LEVERS) - {lever}:
        assert lever_path(edited, other) == lever_path(HISTORY, other)


@EXAMPLES
@given(moved_start(HISTORY))
def test_a_moved_start_changes_that_start_only(moved):
    """Moved between its neighbours, a regime keeps its levers and so does every other."""
    name, start = moved
    edited = HISTORY.with_regime_start(name, start)
    want = [
        dataclasses.replace(r, start=fractional_year(start)) if r.name == name else r
        for r in HISTORY.regimes
    ]
    assert edited.regimes == want
    assert dataclasses.replace(edited, regimes=HISTORY.regimes) == HISTORY


def test_regimes_forums_name_and_parameters_are_replaced_as_given():
    """Each of the other edits replaces what it names and leaves the rest alone."""
    regimes = [
        dataclasses.replace(HISTORY.regimes[0], label="one"),
        Regime("later", "Later", 2000.0, dataclasses.replace(HISTORY.regimes[0].levers)),
        Regime("july", "July", fractional_year(dt.date(2005, 7, 1)), HISTORY.regimes[-1].levers),
    ]
    forums = [Forum(1999, "ru-omsk"), Forum(2001, "", "business", "interregional", 50)]
    cases = {
        "regimes": HISTORY.with_regimes(regimes),
        "forums": HISTORY.with_forums(forums),
        "name": HISTORY.with_name("renamed"),
        "parameters": HISTORY.with_overrides({"n_firms": 3000}),
    }
    assert cases["regimes"].regimes == regimes
    assert cases["forums"].forums == forums
    assert (cases["name"].name, cases["name"].title) == ("renamed", HISTORY.title)
    assert HISTORY.with_name("renamed", title="New").title == "New"
    assert cases["parameters"].parameters == dataclasses.replace(HISTORY.parameters, n_firms=3000)
    for field, edited in cases.items():
        others = {
            "regimes": HISTORY.regimes,
            "forums": HISTORY.forums,
            "name": HISTORY.name,
            "parameters": HISTORY.parameters,
        }
        assert dataclasses.replace(edited, **{field: others[field]}) == HISTORY
        assert read_back(edited.to_toml(extends=HISTORY)) == edited


def test_an_edit_leaves_the_spec_it_was_made_from_as_it_was():
    """Frozen in use: every edit returns a new spec and changes neither the old nor its table."""
    spec = load_scenario("historical")
    table = copy.deepcopy(spec.resolved)
    spec.with_lever("eaeu", "enforcement", 0.9).with_regime_start("eaeu", 2014)
    spec.with_regimes(spec.regimes[:3]).with_forums([]).with_name("x")
    assert spec == HISTORY and spec.resolved == table


# --- bad edits ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (
            lambda s: s.with_lever("eaeu", "legal_framework", 1.5),
            r"\[regimes\.eaeu\.legal_framework\]: value 1\.5 out of range; allowed \[0, 1\]",
        ),
        (
            lambda s: s.with_lever("eaeu", "legal_framwork", 0.5),
            r"\[regimes\.eaeu\.legal_framwork\]: unknown lever .*did you mean 'legal_framework'",
        ),
        (
            lambda s: s.with_levers({"eaue": {"enforcement": 0.5}}),
            r"\[regimes\.eaue\]: unknown regime 'eaue' \(allowed: soviet_single_market, .*"
            r"did you mean 'eaeu'",
        ),
        (lambda s: s.with_lever("eaeu", "enforcement", True), r"must be a number in \[0, 1\]"),
        (
            lambda s: s.with_regime_start("eaeu", 2030),
            r"\[regimes\.eaeu\.start\]: start 2030 is after the run ends \(2015\)",
        ),
        (
            lambda s: s.with_regime_start("eaeu", 2014.5),
            r"\[regimes\.eaeu\.start\]: start must be a year .* got 2014\.5",
        ),
        (
            lambda s: s.with_regime_start("eaeu", dt.date(2012, 1, 1)),
            r"regimes must start in increasing order",
        ),
        (
            lambda s: s.with_regime_start("soviet_single_market", 1993),
            r"the first regime must start by start_year 1991",
        ),
        (
            lambda s: s.with_regimes([*s.regimes, s.regimes[-1]]),
            r"\[regimes\.eaeu\]: two regimes of that name",
        ),
        (
            lambda s: s.with_regimes([dataclasses.replace(s.regimes[0], start=1991.3)]),
            r"\[regimes\.soviet_single_market\.start\]: start 1991\.3 does not fall on a day",
        ),
        (lambda s: s.with_regimes([]), r"at least one \[\[regimes\]\] entry is required"),
        (lambda s: s.with_forums([Forum(1950, "ru-omsk")]), r"\[forums\[0\]\.year\].*1991, 2015"),
        (
            lambda s: s.with_forums([Forum(2003, "ru-omskk")]),
            r"\[forums\[0\]\.host\]: unknown host region.*did you mean 'ru-omsk'",
        ),
        (lambda s: s.with_name(5), r"\[name\]: must be a string"),
        (
            lambda s: s.with_overrides({"sigmaa": 4}),
            r"\[parameters\.sigmaa\]: unknown key .*did you mean 'sigma'",
        ),
    ],
)
def test_a_bad_edit_raises_one_input_error_naming_the_file_and_key(edit, pattern):
    """A bad edit gives the error a bad file would: where, which key, what is allowed."""
    with pytest.raises(InputError, match=pattern) as caught:
        edit(HISTORY)
    assert caught.value.source.startswith(HISTORY.source)


def test_only_a_spec_read_from_a_file_can_be_extended():
    """A file that `extends` needs a scenario file to name."""
    edited = HISTORY.with_name("x")
    with pytest.raises(ValueError, match="read from a file"):
        HISTORY.to_toml(extends=edited)
    assert read_back(edited.with_name("y").to_toml(extends=HISTORY)).name == "y"
