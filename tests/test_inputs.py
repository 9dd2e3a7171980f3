"""The input layer and the varied parameters: every TOML mistake names file, key and range."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from sim import calibration_space, scenario
from sim.calibration_space import SearchSpace
from sim.errors import InputError
from sim.inputs import (
    as_table,
    check_keys,
    date_of_year,
    flag,
    flatten,
    fractional_year,
    interval,
    number,
    one_of,
    read_toml,
    require_keys,
    table_list,
    text,
    text_list,
)
from sim.parameters import ModelParameters, Range, parameter_ranges
from sim.runner import resolve_spec
from sim.scenario import load_scenario
from sim.sweeps import spec as sweep_spec
from sim.sweeps.spec import load_params
from sim.targets import load_catalogue
from sim.varied import catalogue, varied_parameter


def _raises(match: str, fn, *args, **kwargs) -> str:
    with pytest.raises(InputError, match=match) as caught:
        fn(*args, **kwargs)
    return str(caught.value)


def test_reading_names_the_file(tmp_path):
    """A missing or malformed file is named; a good one comes back parsed and as text."""
    path = tmp_path / "f.toml"
    assert _raises("cannot read file", read_toml, path).startswith(f"{path}: ")
    assert f"{path} [--only]" in _raises("cannot read file", read_toml, path, key="--only")
    path.write_text("[a\n")
    _raises("malformed TOML", read_toml, path)
    path.write_text("a = 1\n")
    assert read_toml(path) == ({"a": 1}, "a = 1\n")
    path.write_bytes("a = 'Қазақстан'\n".encode())  # UTF-8, whatever the locale says
    assert read_toml(path)[0] == {"a": "Қазақстан"}
    path.write_bytes(b"a = '\xff'\n")
    _raises(r"malformed TOML: not UTF-8 text \(byte 5\)", read_toml, path)


def test_tables_and_keys():
    """Unknown keys get the allowed ones and a hint; the key names where the table is."""
    text_ = _raises(r"f \[outputs\[0\]\.colum\]: unknown key 'colum'", check_keys,
                    {"colum": 1}, {"column", "year"}, "f", "outputs[0]")  # fmt: skip
    assert "(allowed: column, year); did you mean 'column'?" in text_
    assert "f [sigmaa]: unknown lever 'sigmaa'" in _raises(
        "unknown lever", check_keys, {"sigmaa": 1}, {"sigma"}, "f", what="lever"
    )
    _raises(r"f \[macro\]: must be a table", as_table, [1], "f", "macro")
    _raises(r"f: must be a table", check_keys, 3, {"a"}, "f")
    _raises(r"\(allowed: b, a\); did you mean 'a'", check_keys, {"aa": 1}, ["b", "a"], "f",
            ordered=True)  # fmt: skip
    assert table_list([{"a": 1}], "f", "forums") == [{"a": 1}]
    _raises(r"f \[forums\]: must be a list of \[\[forums\]\] tables", table_list, {}, "f", "forums")
    _raises(r"f \[forums\[1\]\]: must be a table", table_list, [{}, 3], "f", "forums")
    _raises(r"f \[targets\[2\]\]: missing value, years", require_keys, {"id": 1},
            ("id", "value", "years"), "f", "targets[2]")  # fmt: skip
    assert flatten({"a": 1, "regimes": {"eaeu": {"start": 2}}}) == {"a": 1, "regimes.eaeu.start": 2}


def test_values():
    """Numbers, pairs, choices, flags and strings, each with what is allowed."""
    assert number(2.0, "f", "k", kind=int) == 2 and isinstance(number(2.0, "f", "k", kind=int), int)
    _raises(r"must be an integer in \[1, 3\], got 2.5", number, 2.5, "f", "k", kind=int,
            allowed=Range(1, 3))  # fmt: skip
    _raises("must be a number, got True", number, True, "f", "k")
    _raises(r"f \[k\]: value 9 out of range; allowed \[1, 3\]", number, 9, "f", "k",
            allowed=Range(1, 3))  # fmt: skip
    assert interval([1, 2.5], "f", "k") == (1.0, 2.5)
    _raises(r"must be \[low, high\], got 3", interval, 3, "f", "k")
    _raises(r"must be \[low, high\] \(integers\)", interval, [1.5, 2], "f", "k", kind=int)
    _raises(r"bounds \[2, 1\] must be increasing", interval, [2, 1], "f", "k")
    _raises(r"bounds \[1, 1\] must be increasing", interval, [1, 1], "f", "k")
    assert interval([2006, 2006], "f", "k", kind=int, strict=False) == (2006, 2006)
    _raises(r"bounds \[0, 9\] must be increasing and inside the allowed range \[0, 5\]",
            interval, [0, 9], "f", "k", allowed=Range(0, 5))  # fmt: skip
    assert one_of("lhs", ("lhs", "grid"), "f", "k", "design") == "lhs"
    _raises(r"design 'lsh' not one of \('lhs', 'grid'\); did you mean 'lhs'", one_of, "lsh",
            ("lhs", "grid"), "f", "k", "design")  # fmt: skip
    _raises("must be true or false, got 'yes'", flag, "yes", "f", "k")
    _raises("must be a scenario name or path", text, 3, "f", "k", what="a scenario name or path")
    assert text_list(["a"], "f", "k") == ("a",)
    _raises("must be a list of strings", text_list, "a", "f", "k")


def test_years_and_dates():
    """A year or a date (also as an ISO string) is a fractional year, and back to the day."""
    assert fractional_year(2010) == 2010.0
    assert fractional_year(dt.date(2011, 7, 1)) == fractional_year("2011-07-01") == 2011 + 181 / 365
    assert date_of_year(2011 + 181 / 365) == dt.date(2011, 7, 1)
    for bad in (2014.5, True, "2011-13-45"):
        _raises(r"f \[k\]: start must be a year \(e\.g\. 2010\) or a date", fractional_year,
                bad, "f", "k")  # fmt: skip


# One kind of mistake in each kind of file: (content, key, message after "file [key]: ").
FIRMS = parameter_ranges(ModelParameters)["n_firms"][1]


def _unknown(key: str, allowed: set[str], hint: str) -> str:
    return f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))}); did you mean '{hint}'?"


MISTAKES = {
    "unknown key": {
        "scenario": ("titel = 'x'", "titel", _unknown("titel", scenario.TOP_KEYS, "title")),
        "sweep": ("[sweeep]", "sweeep", _unknown("sweeep", sweep_spec.TOP_KEYS, "sweep")),
        "search space": (
            "[serach]", "serach", _unknown("serach", calibration_space.TOP_KEYS, "search")
        ),
    },
    "number out of range": {
        "scenario": ("[parameters]\nn_firms = 5", "parameters.n_firms",
                     f"value 5 out of range; allowed {FIRMS}"),
        "sweep": ("[sweep]\nseed = -1", "sweep.seed",
                  f"value -1 out of range; allowed {sweep_spec.SEEDS}"),
        "search space": ("[search]\nn_firms = 5", "search.n_firms",
                         f"value 5 out of range; allowed {FIRMS}"),
    },
    "wrong type": {
        "scenario": ("[parameters]\nn_firms = 'many'", "parameters.n_firms",
                     f"must be an integer in {FIRMS}, got 'many'"),
        "sweep": ("[sweep]\nseed = 'x'", "sweep.seed",
                  f"must be an integer in {sweep_spec.SEEDS}, got 'x'"),
        "search space": ("[search]\nn_firms = 'many'", "search.n_firms",
                         f"must be an integer in {FIRMS}, got 'many'"),
    },
    "not a table": {
        "scenario": ("macro = 3", "macro", "must be a table"),
        "sweep": ("sweep = 3", "sweep", "must be a table"),
        "search space": ("search = 3", "search", "must be a table"),
    },
}  # fmt: skip
READERS = {
    # What each file needs around the mistake to reach the check.
    "scenario": (load_scenario, "extends = 'historical'\n{}\n"),
    "sweep": (load_params, "{}\n"),
    "search space": (SearchSpace.load, "{}\n[parameters]\njv_rate = [1.0, 2.0]\n"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_one_mistake_reads_alike_in_a_scenario_a_sweep_and_a_search_space(tmp_path, mistake):
    """Each file names itself, the key and what is allowed, in the same words."""
    for kind, (content, key, message) in MISTAKES[mistake].items():
        read, around = READERS[kind]
        path = tmp_path / f"{kind.replace(' ', '_')}.toml"
        path.write_text(around.format(content))
        with pytest.raises(InputError) as caught:
            read(path)
        assert str(caught.value) == f"{path} [{key}]: {message}", kind


def test_one_varied_parameter_for_sweeps_and_calibration(tmp_path):
    """The same names, ranges and messages in a sweep's parameters file and a search space."""
    base = resolve_spec("historical", {"n_firms": 500})
    names = catalogue(base)
    assert names["jv_rate"] == ("structural", "jv_rate", "")
    assert names["regimes.eaeu.mutual_ntb"] == ("lever", "mutual_ntb", "eaeu")
    assert names["regimes.eaeu.start"] == ("start", "start", "eaeu")
    assert "regimes.eaeu.start" not in catalogue(None)  # a search space: structural alone
    scales = {
        name: varied_parameter(name, bounds, "f", name, base).scale
        for name, bounds in (("jv_rate", [1, 2]), ("n_firms", [500, 900]),
                             ("regimes.eaeu.start", [2014.5, 2015.5]))
    }  # fmt: skip
    assert scales == {"jv_rate": "linear", "n_firms": "integer", "regimes.eaeu.start": "date"}
    assert varied_parameter("jv_rate", [1, 2], "f", "k", log=True).scale == "log"
    _raises("log scale needs a positive range", varied_parameter, "jv_rate", [0, 2], "f", "k",
            log=True)  # fmt: skip
    # The ledger keeps a sweep's parameters in this form; resuming an old sweep relies on it.
    assert varied_parameter("n_firms", [500, 900], "f", "k").record() == {
        "name": "n_firms", "lo": 500.0, "hi": 900.0, "kind": "structural", "field": "n_firms",
        "regime": "", "integer": True,
    }  # fmt: skip

    sweep_file = tmp_path / "sweep.toml"
    space_file = tmp_path / "space.toml"
    outputs = "[[outputs]]\ncolumn = 'jv_kz'\nyear = 2015\n"
    for bounds, message in (("[200.0, 6000.0]", r"inside the allowed range \[0, 5000\]"),
                            ("[600.0, 200.0]", "must be increasing"),
                            ("'x'", r"must be \[low, high\]")):  # fmt: skip
        sweep_file.write_text(f"[parameters]\njv_rate = {bounds}\n{outputs}")
        space_file.write_text(f"[parameters]\njv_rate = {bounds}\n")
        in_sweep = _raises(message, load_params, sweep_file)
        in_space = _raises(message, SearchSpace.load, space_file)
        assert in_sweep.split(": ", 1)[1] == in_space.split(": ", 1)[1]  # one check, one text
        assert "[parameters.jv_rate]" in in_sweep and "[parameters.jv_rate]" in in_space


def test_search_space_file_is_checked_key_by_key(tmp_path):
    """Unknown keys, log scales of unsearched parameters and bad settings are refused."""
    path = tmp_path / "space.toml"
    for content, key, message in (
        ("[serach]\n", "serach", "did you mean 'search'"),
        ("[search]\nlogscale = []\n", "search.logscale", "did you mean 'log_scale'"),
        ("[search]\nlog_scale = ['sigma']\n[parameters]\njv_rate = [1.0, 2.0]\n",
         "search.log_scale", "'sigma' is not a searched parameter"),
        ("[search]\nn_firms = 5\n[parameters]\njv_rate = [1.0, 2.0]\n", "search.n_firms",
         "out of range"),
        ("[parameters]\njv_rat = [1.0, 2.0]\n", "parameters.jv_rat", "did you mean 'jv_rate'"),
    ):  # fmt: skip
        path.write_text(content)
        assert f"[{key}]" in _raises(message, SearchSpace.load, path)
    space = SearchSpace.load()  # the shipped one
    assert len(space.bounds) == 16 and "commodity_affinity" in space.log
    assert space.n_firms == 20_000 and space.scenario == "historical"


def test_second_stage_keeps_the_order_it_is_given(tmp_path):
    """The names of `--only` are searched in the order given (the sampler draws in it)."""
    calibrated = tmp_path / "calibrated.toml"
    space = SearchSpace.load()
    values = "\n".join(f"{name} = {lo}" for name, (lo, _) in space.bounds.items())
    calibrated.write_text(f"[parameters]\n{values}\n")
    stage = space.second_stage(["protocol_rate", "jv_rate"], calibrated)
    assert list(stage.bounds) == ["protocol_rate", "jv_rate"]
    assert stage.log == {"protocol_rate"} and len(stage.held) == 14


def test_targets_file_refuses_unknown_keys_and_bad_types(tmp_path):
    """A misspelt or mistyped field of a target is named with its entry and key."""
    entry = textwrap.dedent("""
        [[targets]]
        id = "t"
        section = "s"
        figure = "f"
        measure = "jv_kz"
        value = 1
        kind = "point"
        years = [2015, 2015]
        tolerance = 0.1
    """)
    path = tmp_path / "targets.toml"
    for extra, key, message in (
        ("tolerence = 0.2\n", "targets[0].tolerence", "did you mean 'tolerance'"),
        ('note = 3\n', "targets[0].note", "must be a string"),
        ("[[inputs]]\nsection = 's'\nfigure = 'f'\n", "inputs[0]", "missing use"),
        ("[[extras]]\n", "extras", "unknown key 'extras'"),
    ):  # fmt: skip
        path.write_text(entry + extra)
        load_catalogue.cache_clear()
        assert f"{path} [{key}]" in _raises(message, load_catalogue, path)
    path.write_text(entry.replace("years = [2015, 2015]", "years = [2015, 2013]"))
    load_catalogue.cache_clear()
    _raises(r"\[targets\[0\]\.years\]: years \[2015, 2013\] must be in increasing order",
            load_catalogue, path)  # fmt: skip
    path.write_text(entry.replace('"point"', '"pont"'))
    load_catalogue.cache_clear()
    _raises("kind 'pont' not one of .*did you mean 'point'", load_catalogue, path)
    load_catalogue.cache_clear()
