"""Class mode without a browser: the session's rules, its API's bounds, and the class replay."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from sim.classmode.server import MAX_BODY, ClassServer
from sim.classmode.session import SCENARIO_FILE, ClassSession, Refused, replay
from sim.cli import main
from sim.errors import InputError
from sim.reporting import tables_of
from sim.schema import RUN_COLUMNS

FIRMS = 1500
FIRST_YEAR = 2007


@pytest.fixture
def session(tmp_path: Path) -> ClassSession:
    """A small class session, not started."""
    return ClassSession(seed=5, n_firms=FIRMS, first_year=FIRST_YEAR, out_dir=tmp_path / "class")


def test_a_student_acts_for_their_own_region_only(session: ClassSession):
    """Another region in the request, a wrong code, a missing token: refused."""
    token, student = session.join(session.code, "Anna", "ru-omsk")
    assert student.region == "ru-omsk"
    session.start()
    with pytest.raises(Refused, match="you govern ru-omsk; you cannot act for kz-pavlodar"):
        session.decide(token, {"year": FIRST_YEAR, "region": "kz-pavlodar"})
    with pytest.raises(Refused, match="join code"):
        session.join("WRONG1", "Boris")
    with pytest.raises(Refused, match="join the class first"):
        session.decide("not-a-token", {"year": FIRST_YEAR})
    assert session.pending == {}


def test_every_decision_input_is_bounded_with_one_clear_error(session: ClassSession):
    """Out-of-range values, unknown keys and names, too many proposals: one InputError each."""
    token, _ = session.join(session.code, "Anna", "kz-pavlodar")
    session.start()
    year = {"year": FIRST_YEAR}
    bad = {
        "funding_share": ({**year, "funding_share": 1.01}, "out of range; allowed [0, 1]"),
        "delegation": ({**year, "delegation": "yes"}, "must be true or false"),
        "proposals": ({**year, "proposals": ["kz-aktobe"]}, "not one of"),
        "budget": ({**year, "budget": 3}, "unknown key 'budget'"),
        "year": ({"year": FIRST_YEAR + 1}, f"the year open for decisions is {FIRST_YEAR}"),
        "many": (
            {**year, "proposals": ["ru-omsk", "ru-kurgan", "ru-tyumen", "ru-samara", "ru-saratov",
                                   "ru-orenburg", "ru-altai-krai"]},
            "at most 6 proposals",
        ),
    }  # fmt: skip
    for what, (table, message) in bad.items():
        with pytest.raises(InputError) as caught:
            session.decide(token, table)
        assert message in str(caught.value), what
        assert "\n" not in str(caught.value)
    with pytest.raises(InputError, match="1 to 40 characters"):
        session.join(session.code, "x" * 41)
    assert session.pending == {}


@pytest.mark.slow
def test_the_class_replay_reproduces_the_class_run(session: ClassSession, capsys):
    """The saved session, run again (`replay` and `transfrontier class --replay`): same tables."""
    anna, _ = session.join(session.code, "Anna", "kz-west-kazakhstan")
    boris, _ = session.join(session.code, "Boris", "ru-saratov")
    vera, _ = session.join(session.code, "Vera", "ru-omsk")
    session.start()
    session.decide(anna, {"year": FIRST_YEAR, "proposals": ["ru-saratov", "ru-samara"]})
    session.decide(boris, {"year": FIRST_YEAR, "accepted": ["kz-west-kazakhstan"]})
    session.decide(vera, {"year": FIRST_YEAR, "delegation": False, "funding_share": 0.0})
    session.step()
    session.decide(vera, {"year": FIRST_YEAR + 1, "proposals": ["kz-pavlodar"]})
    session.step()
    assert {"year": FIRST_YEAR, "ru": "ru-saratov", "kz": "kz-west-kazakhstan"} in (
        session.debrief()["agreements"]
    )
    spec, seed, tables = replay(session.out_dir)
    assert (seed, spec.end_year) == (5, FIRST_YEAR + 1)
    played = tables_of(session.model.records)
    for name, frame in played.items():
        again = tables[name].drop(columns=[c.name for c in RUN_COLUMNS])
        pd.testing.assert_frame_equal(again, frame, check_exact=True, obj=name)

    assert main(["class", "--replay", str(session.out_dir / "session.json")]) == 0
    written = pd.read_parquet(session.out_dir / "replay" / "regions.parquet")
    pd.testing.assert_frame_equal(written, tables["regions"], check_exact=True)
    assert "seed 5" in capsys.readouterr().out
    assert "--seed 5" in (session.out_dir / SCENARIO_FILE).read_text()


def _request(url: str, data: bytes | None = None, kind: str = "application/json"):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_api_answers_a_bad_request_with_one_message(session: ClassSession):
    """Not JSON, too large, not an object, no place, not the teacher: a status and one line."""
    server = ClassServer(session)
    server.start_in_thread()
    try:
        api = server.url + "api/"
        cases = [
            (api + "join", b"code=1", "application/x-www-form-urlencoded", 400, "send JSON"),
            (api + "join", b"{" + b" " * MAX_BODY + b"}", "application/json", 400, "at most"),
            (api + "join", b"[1, 2]", "application/json", 400, "a JSON object"),
            (api + "join", b"{", "application/json", 400, "malformed JSON"),
            (api + "decide", b"{}", "application/json", 403, "join the class first"),
            (api + "teacher/step", b"{}", "application/json", 403, "only the teacher"),
        ]
        for url, data, kind, status, message in cases:
            got, body = _request(url, data, kind)
            assert (got, list(body)) == (status, ["error"]), url
            assert message in body["error"]
        assert _request(server.url + "teacher")[0] == 403
    finally:
        server.stop()


def test_the_cli_refuses_a_first_year_outside_the_scenario(tmp_path: Path, capsys):
    """A class that would start after its scenario ends is one error line, status 2."""
    code = main(["class", "--from-year", "2040", "--out", str(tmp_path / "c"), "--port", "0"])
    assert code == 2
    assert "outside the scenario's 1991-2015" in capsys.readouterr().err
