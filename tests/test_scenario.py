"""Scenario files: loading, inheritance, overrides and the errors bad input gets."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.runner import resolve_spec
from sim.scenario import available_scenarios, load_scenario


def test_historical_loads_with_the_documented_timeline():
    """The shipped history starts in 1991 and has the Customs Union and EAEU steps."""
    spec = load_scenario("historical")
    assert (spec.start_year, spec.end_year) == (1991, 2015)
    starts = {r.name: r.start for r in spec.regimes}
    assert starts["customs_union_tariff"] == 2010.0
    assert starts["internal_controls_removed"] == pytest.approx(2011.5, abs=0.01)
    assert starts["eaeu"] == 2015.0
    assert [r.start for r in spec.regimes] == sorted(r.start for r in spec.regimes)


def test_every_shipped_scenario_loads():
    """All files in scenarios/ validate."""
    names = available_scenarios()
    assert "historical" in names
    for name in names:
        assert load_scenario(name).regimes


def test_extends_overrides_regime_levers_by_name(write_scenario):
    """A child scenario changes one lever of a named regime and keeps the rest."""
    path = write_scenario(
        """
        extends = "historical"
        name = "child"
        [[regimes]]
        name = "customs_union_tariff"
        external_tariff_kz_cn = 0.2
        """
    )
    child = load_scenario(path)
    parent = load_scenario("historical")
    cu = {r.name: r for r in child.regimes}["customs_union_tariff"]
    assert cu.levers.external_tariff_kz_cn == 0.2
    assert cu.levers.external_tariff_kz_eu == 0.095  # the rest as the parent sets it
    assert (
        cu.levers.mutual_ntb
        == {r.name: r for r in parent.regimes}["customs_union_tariff"].levers.mutual_ntb
    )
    assert child.name == "child"
    assert len(child.regimes) == len(parent.regimes)


def test_extends_can_move_and_remove_regimes(write_scenario):
    """Regimes may be moved to another date or removed; the result is ordered by start."""
    path = write_scenario(
        """
        extends = "historical"
        [[regimes]]
        name = "eaeu"
        remove = true
        [[regimes]]
        name = "customs_union_tariff"
        start = 2001
        """
    )
    spec = load_scenario(path)
    names = [r.name for r in spec.regimes]
    assert "eaeu" not in names
    assert names.index("customs_union_tariff") < names.index("cross_border_agreement")


def test_parameter_overrides_are_validated():
    """Overrides go through the same checks as the file."""
    spec = resolve_spec("historical", {"sigma": 5.0, "n_firms": 3000})
    assert spec.parameters.sigma == 5.0
    assert spec.parameters.n_firms == 3000
    with pytest.raises(InputError, match=r"parameters\.sigma.*out of range; allowed \[1\.5, 10\]"):
        resolve_spec("historical", {"sigma": 0.5})


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("start_year = 1991\nend_year = 2015\nsigmaa = 1", r"unknown key 'sigmaa'"),
        (
            'extends = "historical"\n[parameters]\nsigmaa = 4',
            r"\[parameters\.sigmaa\].*did you mean 'sigma'",
        ),
        (
            'extends = "historical"\n[parameters]\nexit_rate = 2',
            r"\[parameters\.exit_rate\]: value 2 out of range; allowed \[0, 0\.5\]",
        ),
        ('extends = "historical"\n[parameters]\nn_firms = "many"', r"must be an integer"),
        ('extends = "historical"\nend_year = 1980', r"\[end_year\].*allowed \[1991, 2100\]"),
        ("extends = \"historical\"\n[[regimes]]\nname = 'eaeu'\nenforcement = 1.5", r"enforcement"),
        ("this is = = not toml", r"malformed TOML"),
        ('extends = "nowhere"', r"unknown scenario 'nowhere'"),
        (
            'extends = "historical"\n[[forums]]\nyear = 2003\nhost = "ru-omskk"',
            r"unknown host region.*did you mean 'ru-omsk'",
        ),
        ('extends = "historical"\n[[forums]]\nyear = 1950\nhost = "ru-omsk"', r"forums\[0\]\.year"),
        (
            'extends = "historical"\n[macro]\nfile = "missing.csv"',
            r"\[macro\.file\]: macro file 'missing\.csv' not found",
        ),
        (
            'start_year = 1991\nend_year = 2000\n[[regimes]]\nname = "a"\nstart = 1991\n'
            "mutual_tariff = 0",
            r"must set every lever; missing: .*border_formalities",
        ),
        (
            'extends = "historical"\n[[regimes]]\nname = "x"\nstart = "2011-13-45"',
            r"start must be a year",
        ),
        ('extends = "historical"\ncalibrated = "yes"', r"\[calibrated\]: must be true or false"),
        (
            'extends = "historical"\n[macro]\nextend = "trends"',
            r"\[macro\.extend\]: extend 'trends' not one of \('none', 'trend'\); did you mean",
        ),
        (
            'extends = "historical"\n[[forums]]\nyear = 2003\nkind = "head"',
            r"\[forums\[0\]\.kind\]: kind 'head' not one of \('heads', 'business'\)",
        ),
    ],
)
def test_bad_scenarios_are_rejected_with_file_and_key(write_scenario, text, pattern):
    """Every bad input names the file and key and what is allowed."""
    path = write_scenario(text)
    with pytest.raises(InputError, match=pattern) as info:
        load_scenario(path)
    assert str(path) in str(info.value) or "scenario" in str(info.value)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("parameters = 3", "parameters", "must be a table"),
        ("macro = 3", "macro", "must be a table"),
        ("[macro]\nadjust = 3", "macro.adjust", "must be a list of [[macro.adjust]] tables"),
        ("regimes = 3", "regimes", "must be a list of [[regimes]] tables"),
        ("regimes = [1]", "regimes[0]", "must be a table"),
    ],
)
def test_a_mistyped_table_is_named_in_its_own_file(write_scenario, text, key, message):
    """What `extends` merges is checked file by file, before the merge reads it."""
    parent = write_scenario(f'extends = "historical"\n{text}', name="parent.toml")
    child = write_scenario('extends = "parent.toml"\n', name="child.toml")
    with pytest.raises(InputError) as info:
        load_scenario(child)
    assert str(info.value) == f"{parent} [{key}]: {message}"


def test_regimes_out_of_order_are_rejected(write_scenario):
    """Regimes in a file must be listed by increasing start."""
    path = write_scenario(
        """
        extends = "historical"
        [[regimes]]
        name = "late"
        start = 2012
        [[regimes]]
        name = "early"
        start = 2005
        """
    )
    with pytest.raises(InputError, match=r"\[regimes\]: regimes must be listed in order"):
        load_scenario(path)


def test_circular_extends_is_rejected(write_scenario):
    """A scenario cannot extend itself through a chain."""
    write_scenario('extends = "b.toml"\n', name="a.toml")
    path_b = write_scenario('extends = "a.toml"\n', name="b.toml")
    with pytest.raises(InputError, match="circular 'extends'"):
        load_scenario(path_b)


def test_unknown_scenario_suggests_a_name():
    """A misspelt shipped scenario gets a hint."""
    with pytest.raises(InputError, match="did you mean 'historical'"):
        load_scenario("historicl")
