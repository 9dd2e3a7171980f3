"""The classroom without the page: no widgets imported, and every class scenario file true.

`sim.classroom` makes what the teaching app shows; a notebook or a script uses it without
Solara. Whatever the controls, the scenario file the app shows reads back to the scenario the
class runs.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.classroom.controls import (
    CONTROL_RANGES,
    EARLIEST_CUSTOMS_UNION,
    FIRMS_RANGE,
    FORUM_CHOICES,
    LEVER_CONTROLS,
    ClassSettings,
    baseline,
    class_spec,
    class_timeline,
    scenario_toml,
)
from sim.inputs import fractional_year
from sim.scenario import available_scenarios, load_scenario

WIDGETS = ("solara", "ipywidgets", "ipyvuetify", "reacton", "mesa.visualization")
LOADED = "import sys; print(sorted({m for m in sys.modules if m.startswith(%r)}))"


def _imported(module: str) -> str:
    """The widget packages that importing `module` in a fresh interpreter brings in."""
    code = f"import {module}; " + LOADED % (WIDGETS,)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(
    "module",
    [
        "sim.classroom.controls",
        "sim.classroom.model",
        "sim.classroom.tables",
        "sim.classroom.figures",
    ],
)
def test_the_classroom_imports_no_widgets(module):
    """The classroom's modules import neither Solara nor the widgets (the page does)."""
    assert _imported(module) == "[]"


def test_the_page_is_where_the_widgets_come_in():
    """The check sees the widgets when they are there: the page imports Solara."""
    assert "'solara'" in _imported("sim.app")


@st.composite
def class_settings(draw) -> ClassSettings:
    """Any setting of the controls inside their ranges, for any shipped scenario."""
    scenario = draw(st.sampled_from(available_scenarios()))
    spec = baseline(scenario).spec

    def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(st.none(), strategy)

    names = draw(st.lists(st.sampled_from(list(LEVER_CONTROLS)), max_size=3, unique=True))
    levers = {
        name: draw(st.floats(CONTROL_RANGES[name].lo, CONTROL_RANGES[name].hi, allow_nan=False))
        for name in names
    }
    return ClassSettings(
        scenario=scenario,
        customs_union_year=draw(maybe(st.integers(EARLIEST_CUSTOMS_UNION, spec.end_year + 1))),
        internal_controls_removed=draw(maybe(st.booleans())),
        policy_year=draw(maybe(st.integers(spec.start_year + 1, spec.end_year))),
        levers=levers,
        forums=draw(st.sampled_from(FORUM_CHOICES)),
        n_firms=draw(maybe(st.integers(int(FIRMS_RANGE.lo), 100_000))),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(class_settings())
def test_the_scenario_file_of_any_setting_reads_back_to_the_class_scenario(chosen):
    """The file the panel shows is the class's scenario, and that is the class's timeline."""
    spec = class_spec(chosen)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "class.toml"
        path.write_text(scenario_toml(chosen))
        assert load_scenario(path) == spec
    timeline = [
        (meta["name"], fractional_year(meta["start"]), levers)
        for meta, levers in class_timeline(chosen)
    ]
    assert [(r.name, r.start, dataclasses.asdict(r.levers)) for r in spec.regimes] == timeline
