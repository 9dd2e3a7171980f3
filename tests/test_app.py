"""The teaching app without a browser: its controls, what they change, and the views.

The page is rendered with Solara's own test tooling (`solara.render`), which builds the
widgets in this process; clicks and slider moves are made on the widgets as a browser would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import reacton.core
import solara

from sim import app
from sim.classroom import controls, tables
from sim.classroom.figures import SeriesChart, map_figure
from sim.classroom.model import ClassroomModel
from sim.errors import InputError
from sim.parameters import ModelParameters, RegimeParameters, parameter_ranges
from sim.plots import SERIES
from sim.policy import levers_for_year
from sim.record import record
from sim.scenario import available_scenarios, load_scenario
from sim.targets import load_targets
from sim.world import KZ, RU

LEVER_RANGES = parameter_ranges(RegimeParameters)


# --- the scenario a setting of the controls makes --------------------------------------------
@pytest.mark.parametrize("name", available_scenarios())
def test_controls_at_their_start_run_the_scenario_itself(name):
    """Untouched controls change nothing: the class's scenario is the shipped one."""
    settings = controls.ClassSettings.from_controls(
        name, **{k: p.value for k, p in _sliders(app.model_params(name)).items()}
    )
    assert not settings.levers
    spec = controls.class_spec(settings)
    shipped = load_scenario(name)
    assert [(r.name, r.start, r.levers) for r in spec.regimes] == [
        (r.name, r.start, r.levers) for r in shipped.regimes
    ]
    assert spec.forums == shipped.forums
    assert spec == shipped
    # The scenario file of the run names the scenario it extends and changes nothing in it.
    lines = controls.scenario_toml(settings).splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        f'extends = "{name}"',
        f'name = "{name}"',
    ]


def _historical_levers(regime):
    """The levers of one regime of the shipped history."""
    return next(r.levers for r in load_scenario("historical").regimes if r.name == regime)


def test_moving_the_customs_union_keeps_its_spacing_and_undoes_no_step():
    """The four steps move together; later regimes no longer raise barriers."""
    spec = controls.class_spec(controls.ClassSettings(customs_union_year=2000))
    starts = {r.name: r.start for r in spec.regimes}
    assert starts["customs_union_tariff"] == 2000.0
    assert starts["internal_controls_removed"] == pytest.approx(2001.496, abs=1e-3)
    assert starts["common_economic_space"] == 2002.0 and starts["eaeu"] == 2005.0
    union = _historical_levers("customs_union_tariff")
    controls_removed = _historical_levers("internal_controls_removed")
    for year in range(2000, 2016):
        levers, _ = levers_for_year(spec.regimes, year)
        for lever in controls.control_levers("external_tariff_kz"):
            assert getattr(levers, lever) == pytest.approx(getattr(union, lever)), (year, lever)
        if year >= 2002:
            assert levers.border_formalities == pytest.approx(controls_removed.border_formalities)
    ntb = [levers_for_year(spec.regimes, y)[0].mutual_ntb for y in range(2000, 2016)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(ntb))


def test_customs_union_never_and_restored(tmp_path):
    """The slider's last position removes the union; a scenario without it gets it back."""
    never = controls.class_spec(controls.ClassSettings(customs_union_year=2016))
    assert not {r.name for r in never.regimes} & set(controls.CU_TRACK)
    without = tmp_path / "without_union.toml"
    removed = "".join(f'\n[[regimes]]\nname = "{n}"\nremove = true\n' for n in controls.CU_TRACK)
    without.write_text(f'extends = "historical"\nname = "without_union"\n{removed}')
    assert controls.baseline(str(without)).customs_union_year == 2016
    restored = controls.class_timeline(
        controls.ClassSettings(scenario=str(without), customs_union_year=2005)
    )
    starts = {meta["name"]: meta["start"] for meta, _ in restored}
    assert starts["customs_union_tariff"] == dt.date(2005, 1, 1)
    assert starts["eaeu"] == dt.date(2010, 1, 1)


def test_internal_controls_switch():
    """Off removes the July 2011 step; on restores it in the scenario that kept controls."""
    off = controls.class_spec(controls.ClassSettings(internal_controls_removed=False))
    assert "internal_controls_removed" not in [r.name for r in off.regimes]
    before = _historical_levers("customs_union_tariff").border_formalities
    assert levers_for_year(off.regimes, 2013)[0].border_formalities == pytest.approx(before)
    on = controls.class_spec(
        controls.ClassSettings(scenario="border_formalities_kept", internal_controls_removed=True)
    )
    history = load_scenario("historical")
    assert [r.levers for r in on.regimes] == [r.levers for r in history.regimes]


def test_a_moved_lever_holds_from_the_policy_year_only():
    """A lever slider moved away from its start holds that lever, and only it, from then on."""
    spec = controls.class_spec(
        controls.ClassSettings(levers={"legal_framework": 0.9}, policy_year=2005)
    )
    history = load_scenario("historical")
    for year in range(1991, 2016):
        got, _ = levers_for_year(spec.regimes, year)
        want, _ = levers_for_year(history.regimes, year)
        expected = dataclasses.replace(want, legal_framework=0.9) if year >= 2005 else want
        assert got == expected, year


KZ_TARIFFS = ("external_tariff_kz_cn", "external_tariff_kz_eu", "external_tariff_kz_row")


def test_the_external_tariff_control_sets_all_three_partners(tmp_path):
    """One slider holds Kazakhstan's tariff on China, the EU and the rest of the world alike."""
    assert controls.control_levers("external_tariff_kz") == KZ_TARIFFS
    settings = controls.ClassSettings.from_controls("historical", external_tariff_kz=0.2)
    assert settings.levers == {"external_tariff_kz": 0.2}
    spec = controls.class_spec(settings)
    history = load_scenario("historical")
    for year in range(1991, 2016):
        got, _ = levers_for_year(spec.regimes, year)
        want, _ = levers_for_year(history.regimes, year)
        if year >= 2010:
            want = dataclasses.replace(want, **dict.fromkeys(KZ_TARIFFS, 0.2))
        assert got == want, year
    text = controls.scenario_toml(settings)
    assert all(f"{lever} = 0.2" in text for lever in KZ_TARIFFS)
    path = tmp_path / "class.toml"
    path.write_text(text)
    loaded = load_scenario(path)
    assert [(r.name, r.start, r.levers) for r in loaded.regimes] == [
        (r.name, r.start, r.levers) for r in spec.regimes
    ]
    # At its start (the three tariffs' common value) the slider changes nothing.
    assert not controls.ClassSettings.from_controls("historical", external_tariff_kz=0.095).levers
    with pytest.raises(InputError):
        controls.class_spec(controls.ClassSettings(levers={"external_tariff_kz_cn": 0.2}))


@pytest.mark.parametrize(
    ("choice", "count"),
    [("as scheduled", 13), ("twice a year", 27), ("annual", 14), ("every 2nd", 7),
     ("every 3rd", 5), ("none", 0)],
)  # fmt: skip
def test_forum_frequency(choice, count):
    """The forum choices thin or fill the schedule; business forums stay unless none."""
    forums = controls.class_spec(controls.ClassSettings(forums=choice)).forums
    assert len(forums) == count
    if choice != "none":
        assert sum(f.kind == "business" for f in forums) == 1


def test_the_scenario_file_runs_the_same_scenario(tmp_path):
    """The TOML the panel shows is a scenario file that resolves to the class's scenario."""
    settings = controls.ClassSettings(
        customs_union_year=2003,
        internal_controls_removed=False,
        levers={"enforcement": 0.9, "mutual_ntb": 0.2},
        policy_year=2007,
        forums="every 2nd",
        n_firms=3000,
    )
    path = tmp_path / "class.toml"
    path.write_text(controls.scenario_toml(settings))
    loaded = load_scenario(path)
    spec = controls.class_spec(settings)
    assert [(r.name, r.start, r.levers) for r in loaded.regimes] == [
        (r.name, r.start, r.levers) for r in spec.regimes
    ]
    assert loaded.forums == spec.forums and loaded.parameters.n_firms == 3000


@pytest.mark.parametrize(
    "settings",
    [
        controls.ClassSettings(customs_union_year=1980),
        controls.ClassSettings(policy_year=2030),
        controls.ClassSettings(levers={"legal_framework": 1.5}),
        controls.ClassSettings(forums="weekly"),
        controls.ClassSettings(seed=-1),
    ],
)
def test_out_of_range_settings_are_refused(settings):
    """Values outside the documented ranges raise the package's input error."""
    with pytest.raises(InputError):
        controls.class_spec(settings)


# --- the page ----------------------------------------------------------------------------------
def _sliders(params):
    return {k: p for k, p in params.items() if hasattr(p, "min")}


@pytest.fixture
def app_page():
    """The app rendered as the server renders it, inside Solara's app layout."""
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def _slider(rc, label):
    return rc.find(v.Slider, label=label).widget


def _button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def _panel_text(rc):
    """The text of the HTML and preformatted widgets on the page."""
    html = [str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets]
    pre = [str(w.children) for w in rc.find(v.Html).widgets]
    return " ".join(html + pre)


def _images(rc):
    return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]


def test_controls_exist_with_the_documented_ranges(app_page):
    """Scenario chooser, every lever with its declared range, seed, firms, Reset/Step/Play."""
    chooser = app_page.find(v.Select, label="Scenario").widget
    assert chooser.items == available_scenarios() and chooser.v_model == "historical"
    forums = app_page.find(v.Select, label="Forums").widget
    assert forums.items == list(controls.FORUM_CHOICES)
    app_page.find(v.Checkbox, label="Internal customs controls removed").assert_single()
    for name, (label, _) in controls.LEVER_CONTROLS.items():
        slider = _slider(app_page, label)
        for lever in controls.control_levers(name):
            rng = LEVER_RANGES[lever][1]
            assert (slider.min, slider.max) == (rng.lo, rng.hi), lever
    history = load_scenario("historical")
    assert _slider(app_page, "Legal framework").v_model == pytest.approx(0.7)
    cu = _slider(app_page, "Customs Union year")
    assert (cu.min, cu.max, cu.v_model) == (1993, history.end_year + 1, 2010)
    policy = _slider(app_page, "Lever changes from")
    assert (policy.min, policy.max) == (history.start_year + 1, history.end_year)
    assert (_slider(app_page, "Seed").min, _slider(app_page, "Seed").max) == controls.SEED_RANGE
    firms = _slider(app_page, "Firm agents")
    assert firms.min == parameter_ranges(ModelParameters)["n_firms"][1].lo
    assert firms.v_model == ModelParameters().n_firms
    for label in ("Reset", "Step", "▶"):
        _button(app_page, label)


def test_the_views_are_the_command_lines_time_paths_then_map_and_panel():
    """One view per time path of `sim.plots.SERIES`, each a component the page keeps as is.

    A plain function wrapped in a new component at every render would remount the figure each
    time (and a browser would see it detached).
    """
    assert len(app.VIEWS) == len(SERIES) + 2
    assert all(isinstance(view, reacton.core.Component) for view in app.VIEWS)


def test_step_advances_the_year_and_redraws(app_page):
    """Step simulates one year: the panel's year moves on and every figure is redrawn."""
    before = _images(app_page)
    assert len(before) == 6
    assert "before the first step" in _panel_text(app_page)
    _button(app_page, "Step").click()
    assert "<b>1991</b>" in _panel_text(app_page)
    _button(app_page, "Step").click()
    assert "<b>1992</b>" in _panel_text(app_page)
    after = _images(app_page)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_changing_a_lever_changes_the_model_parameters(app_page):
    """A moved slider reaches the model at Reset: its scenario holds the lever from 2010."""
    _slider(app_page, "Legal framework").v_model = 0.9
    _slider(app_page, "Firm agents").v_model = 2000
    _button(app_page, "Reset").click()
    text = _panel_text(app_page)
    assert "2,000 firm agents" in text and "from 2010: legal framework 0.9" in text
    assert "legal_framework = 0.9" in text  # the scenario file of the run
    _button(app_page, "Step").click()
    assert "<b>1991</b>" in _panel_text(app_page)


def test_changing_the_scenario_restarts_with_its_own_values(app_page):
    """Choosing a scenario starts it at once, with the controls at its values."""
    app_page.find(v.Select, label="Scenario").widget.v_model = "no_customs_union"
    # The union's regimes stay, without its trade policy: tariff and barriers of 2009.
    assert _slider(app_page, "Customs Union year").v_model == 2010
    assert _slider(app_page, "External tariff (KZ)").v_model == pytest.approx(0.053)
    assert _slider(app_page, "Non-tariff barriers").v_model == pytest.approx(0.10)
    assert not app_page.find(v.Checkbox, label="Internal customs controls removed").widget.v_model
    assert "No Customs Union" in _panel_text(app_page)


def test_the_tariff_slider_reaches_the_model(app_page):
    """Moving "External tariff (KZ)" and pressing Reset holds all three partner tariffs."""
    _slider(app_page, "External tariff (KZ)").v_model = 0.2
    _button(app_page, "Reset").click()
    text = _panel_text(app_page)
    assert "from 2010: external tariff (kz) 0.2" in text
    assert all(f"{lever} = 0.2" in text for lever in KZ_TARIFFS)
    _button(app_page, "Step").click()
    assert "external tariff (kz) 0.053" in _panel_text(app_page)  # 1991: before the change


def test_the_model_built_from_controls():
    """The model class SolaraViz rebuilds on Reset takes the controls as keyword arguments."""
    model = ClassroomModel(
        customs_union_year=2016, legal_framework=0.7, seed=5, n_firms=1000, forums="none"
    )
    assert model.settings.levers == {}  # 0.7 is the scenario's own value
    assert model.params.n_firms == 1000 and model.seed == 5
    assert not model.spec.forums
    assert "customs_union_tariff" not in [r.name for r in model.spec.regimes]
    model.step()
    assert model.year == 1991


def test_views_draw_before_and_after_steps():
    """Every figure and the panel draw at the start and after a few years."""
    model = ClassroomModel(n_firms=1500, seed=2)
    paths = [t for t in load_targets() if t.kind == "path"]
    for years in (12, 13):
        for view in SERIES.values():
            assert SeriesChart(model, view).figure.axes
        assert map_figure(model).axes
        table = tables.paper_table(model)
        assert len(table) + len(paths) == len(load_targets())
        assert len(tables.record_table(model)) == len(paths)
        model.run_for(years)
    assert not model.running
    flows = tables.pair_flows(model)
    assert (flows.usd_bn > 0).all() and flows.usd_bn.is_monotonic_decreasing
    assert (model.country_of[flows.a] == RU).all() and (model.country_of[flows.b] == KZ).all()
    recorded = model.records[-1].model["turnover_usd_bn"]
    assert flows.usd_bn.sum() == pytest.approx(recorded, rel=1e-9)
    assert not (tables.paper_table(model).verdict == "not reached yet").any()
    # 2015: the record has every series, so each row sets two numbers side by side.
    against = tables.record_table(model)
    assert against.record.str.contains(r"\d").all() and against.run.str.contains(r"\d").all()
    assert against.verdict.str.contains("record").all()


def test_the_imports_view_draws_the_four_partners_and_the_record():
    """Kazakh imports from each partner as the model records them, and the record's from Russia."""
    model = ClassroomModel(n_firms=1500, seed=2)
    model.run_for(8)  # to 1998: the record starts in 1994
    frame = tables.model_frame(model)
    view = SERIES["imports"]
    lines = {line.get_label(): line for line in SeriesChart(model, view).figure.axes[0].get_lines()}
    assert len(view.columns) == 4
    for column in view.columns:
        label = view.label(column)
        assert list(lines[label].get_xdata()) == list(frame.year)
        assert list(lines[label].get_ydata()) == pytest.approx(list(frame[column]))
    imports = record("kz_imports_from_ru")
    shown = lines["record: Kazakh imports from Russia (mirror mean)"]
    assert list(shown.get_xdata()) == list(range(1994, 2016))
    assert list(shown.get_ydata()) == pytest.approx(list(imports.value.loc[1994:2015]))


# --- the teacher's guide -------------------------------------------------------------------------
GUIDE_SECTIONS = (
    "WHAT IS IT?",
    "HOW IT WORKS",
    "HOW TO USE IT",
    "THINGS TO NOTICE",
    "THINGS TO TRY",
    "EXTENDING THE MODEL",
    "RELATED MODELS",
    "CREDITS AND REFERENCES",
)


def test_teachers_guide_has_the_sections_and_exercises():
    """docs/teaching.md: the eight sections in order, 5-8 exercises each saying what to see."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "teaching.md").read_text()
    positions = [text.find(f"## {title}") for title in GUIDE_SECTIONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    exercises = text.split("### Exercise ")[1:]
    assert 5 <= len(exercises) <= 8
    assert all("*Students should observe*" in e for e in exercises)
    for label, _ in controls.LEVER_CONTROLS.values():
        assert label in text, label
