"""A class session: one model, the students who govern its border regions, what they decided.

The session holds the class's model and, beside it, the same scenario and seed run without the
students' decisions (the baseline the debrief compares with). Students join with the session's
join code and each governs one of the border regions (several students share a region when the
class is larger than the 19 regions). Each year a region's student decides its own levers
(`sim.scenario.RegionDecision`): proposals of agreements, acceptances of the proposals received,
the forum delegation and the split of the programme budget. Only the teacher steps the years;
a region with a student that decided nothing takes the page's defaults, a region without a
student follows the model's own rules.

Every method is safe to call from several threads: the state is guarded by one lock, and one
step runs at a time, the models outside the lock so that students' pages keep answering. After
every step the session writes its folder atomically (`session.json` and `scenario.toml`): the
class's decisions as a scenario file that `transfrontier run` (or `replay`) runs again to the
same tables.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.data import load_regions, region_names
from sim.errors import InputError
from sim.i18n import N_
from sim.model import TransfrontierModel
from sim.runner import resolve_spec, run_one
from sim.scenario import (
    MAX_PROPOSALS,
    RegionDecision,
    ScenarioSpec,
    TransfrontierScenario,
    load_scenario,
    read_decision,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 6
MAX_NAME = 40
SESSION_FILE = "session.json"
SCENARIO_FILE = "scenario.toml"
SOURCE = "class page"  # where a student's decision comes from, in its error
# What a region with a student decides when the student sends nothing: the page's defaults.
DEFAULT_DELEGATION = True
DEFAULT_FUNDING_SHARE = 0.5
# Where a class starts deciding unless told: the forums of border regions are yearly from 2005
# (after the first two of 2003 and none in 2004), so every class year has a forum to attend.
DEFAULT_FIRST_YEAR = 2005


class Refused(Exception):
    """A request the session will not carry out (who may not do it, or not now).

    `template` is English text with `{fields}` (the page translates it, `sim.classmode.texts`);
    a field named `region` or `other` holds a region id, shown as the region's name. `wait`
    marks a request that is allowed, only not now (before the start, during a step).
    """

    def __init__(self, template: str, *, wait: bool = False, **fields: Any):
        self.template, self.fields, self.wait = template, fields, wait
        super().__init__(template.format(**fields))


@dataclass
class Student:
    """A student of the class and the border region they govern."""

    name: str
    region: str


def new_code() -> str:
    """A fresh join code: six characters that are hard to misread."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_name(value: Any) -> str:
    """A student's display name: text of 1 to `MAX_NAME` printable characters."""
    if not isinstance(value, str):
        raise InputError("a name is text", source=SOURCE, key="name")
    name = " ".join("".join(c for c in value if c.isprintable()).split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InputError(f"a name has 1 to {MAX_NAME} characters", source=SOURCE, key="name")
    return name


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ClassSession:
    """One class: the join code, the students, the class model, its baseline, the decisions.

    Args:
        scenario: A shipped scenario's name or a scenario file (default `historical`).
        seed: The run's seed, shared by the class model and its baseline.
        n_firms: Firm agents of both models.
        first_year: The first year the class decides (default 2005, inside the scenario's
            period); the years before it run at `start`.
        out_dir: The session's folder (`session.json`, `scenario.toml`).
        max_students: How many students may join.
    """

    def __init__(
        self,
        scenario: str | Path = "historical",
        *,
        seed: int = 0,
        n_firms: int | None = None,
        first_year: int | None = None,
        out_dir: Path,
        max_students: int = 60,
    ):
        self.scenario = str(scenario)
        self.base = load_scenario(scenario)
        self.spec = resolve_spec(self.base, n_firms=n_firms)
        start, end = self.spec.start_year, self.spec.end_year
        if first_year is None:
            first_year = min(max(DEFAULT_FIRST_YEAR, start), end)
        self.first_year = first_year
        if not start <= self.first_year <= end:
            raise InputError(
                f"the class's first year {self.first_year} is outside the scenario's {start}-{end}",
                key="from-year",
            )
        self.seed = int(seed)
        self.out_dir = Path(out_dir)
        self.max_students = max_students
        self.code = new_code()
        self.teacher_key = secrets.token_urlsafe(24)
        regions = load_regions()
        self.regions = regions.set_index("region_id")
        self.border = tuple(regions.region_id[regions.border])
        self.students: dict[str, Student] = {}  # by secret token
        self.pending: dict[str, tuple[RegionDecision, str]] = {}  # region -> decision, by whom
        self.decisions: list[RegionDecision] = []  # every year played, as the scenario holds
        self.history: list[dict[str, Any]] = []  # what each played year's decisions did
        self.model: TransfrontierModel | None = None
        self.baseline: TransfrontierModel | None = None
        self.played: int | None = None  # the last year played with the class
        self.stepping = False
        # The regions table of the last year played, with the class and without: read by the
        # pages while the models step the next year outside the lock.
        self.rows: dict[str, pd.DataFrame] = {}
        self.step_seconds: float | None = None
        self._lock = threading.RLock()
        self._step_lock = threading.Lock()

    # --- who is who ----------------------------------------------------------------------
    def is_teacher(self, key: str | None) -> bool:
        """Whether `key` is the teacher's (compared in constant time)."""
        return bool(key) and secrets.compare_digest(str(key), self.teacher_key)

    def student(self, token: str | None) -> Student:
        """The student holding `token`, or `Refused`."""
        with self._lock:
            found = self.students.get(token or "")
        if found is None:
            raise Refused(N_("join the class first: this browser holds no place in it"))
        return found

    def join(self, code: Any, name: Any, region: Any = None) -> tuple[str, Student]:
        """Admit a student; return their secret token and their place.

        `region` may name a border region; by default the one with fewest students (the
        first in data order among them).
        """
        if not isinstance(code, str) or not secrets.compare_digest(
            code.strip().upper().encode(), self.code.encode()
        ):
            raise Refused(N_("that is not this class's join code"))
        name = clean_name(name)
        with self._lock:
            if len(self.students) >= self.max_students:
                raise Refused(N_("the class is full ({count} students)"), count=self.max_students)
            if region in (None, ""):
                counts = self._students_by_region()
                region = min(self.border, key=lambda r: len(counts[r]))
            elif region not in self.border:
                raise InputError(
                    f"region {region!r} is not one of the border regions", source=SOURCE
                )
            token = secrets.token_urlsafe(24)
            self.students[token] = Student(name, region)
            self._save()
            return token, self.students[token]

    def _students_by_region(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {r: [] for r in self.border}
        for s in self.students.values():
            out[s.region].append(s.name)
        return out

    # --- the year ------------------------------------------------------------------------
    @property
    def coming(self) -> int | None:
        """The year the class decides now (None before the start and after the end)."""
        if self.model is None:
            return None
        year = self.first_year if self.played is None else self.played + 1
        return year if year <= self.spec.end_year else None

    def start(self) -> None:
        """Build the class model and its baseline and run both to the class's first year."""
        with self._step_lock:
            if self.model is not None:
                raise Refused(N_("the class has started already"), wait=True)
            before = self.first_year - self.spec.start_year
            models = []
            for _ in range(2):
                model = TransfrontierModel(TransfrontierScenario(spec=self.spec, rng=self.seed))
                model.run_for(before)
                models.append(model)
            with self._lock:
                self.model, self.baseline = models
                self._save()

    def decide(self, token: str | None, table: Any) -> RegionDecision:
        """Record a student's decision for the coming year, for their own region only."""
        student = self.student(token)
        if not isinstance(table, dict):
            raise InputError("a decision is a JSON object", source=SOURCE)
        region = table.get("region", student.region)
        if region != student.region:
            raise Refused(
                N_("you govern {region}; you cannot act for {other}"),
                region=student.region,
                other=str(region),
            )
        with self._lock:
            year = self.coming
            if self.stepping:
                raise Refused(N_("the year is being played: wait a moment"), wait=True)
            if year is None:
                raise Refused(N_("no year is open for decisions: wait for the teacher"), wait=True)
            entry = {**table, "region": region}
            if entry.get("year") != year:
                raise InputError(
                    f"the year open for decisions is {year}, not {entry.get('year')!r}",
                    source=SOURCE,
                    key="year",
                )
            decision = read_decision(entry, year, year, load_regions(), SOURCE, "decision")
            self.pending[region] = (decision, student.name)
            return decision

    def step(self) -> dict[str, Any]:
        """Play the coming year with the students' decisions (the teacher's step)."""
        with self._step_lock:
            with self._lock:
                year = self.coming
                if year is None:
                    done = N_("press Start first") if self.model is None else N_("the run is over")
                    raise Refused(done, wait=True)
                decisions = [self._decision_of(region, year) for region in self._governed()]
                self.stepping = True
            began = time.perf_counter()
            try:
                self.model.decide(decisions)
                self.model.step()
                self.baseline.step()
            finally:
                with self._lock:
                    self.stepping = False
            with self._lock:
                self.decisions.extend(decisions)
                signed = [a for a in self.model.decided_agreements if a[0] == year]
                self.history.append(
                    {
                        "year": year,
                        "decisions": [self._decision_view(d) for d in decisions],
                        "decided_by": {r: who for r, (_, who) in self.pending.items()},
                        "signed": [{"ru": ru, "kz": kz} for _, ru, kz in signed],
                    }
                )
                self.pending = {}
                self.played = year
                self.rows = {
                    "class": self._region_rows(self.model),
                    "without": self._region_rows(self.baseline),
                }
                self.step_seconds = time.perf_counter() - began
                self._save()
                return {"year": year, "seconds": self.step_seconds}

    def _governed(self) -> list[str]:
        """Border regions with a student, in data order."""
        taken = {s.region for s in self.students.values()}
        return [r for r in self.border if r in taken]

    def _decision_of(self, region: str, year: int) -> RegionDecision:
        if region in self.pending:
            return self.pending[region][0]
        return RegionDecision(
            year, region, delegation=DEFAULT_DELEGATION, funding_share=DEFAULT_FUNDING_SHARE
        )

    # --- what the pages show -------------------------------------------------------------
    @staticmethod
    def region_name(region: str, lang: str = "en") -> str:
        """A region's name in `lang`."""
        return region_names(lang)[region]

    @staticmethod
    def _decision_view(d: RegionDecision) -> dict[str, Any]:
        view = dataclasses.asdict(d)
        view["proposals"], view["accepted"] = list(d.proposals), list(d.accepted)
        return view

    @staticmethod
    def _region_rows(model: TransfrontierModel) -> pd.DataFrame:
        """The regions table of `model`'s last year, by region id."""
        return pd.DataFrame(model.records[-1].regions).set_index("region_id")

    def student_state(self, token: str | None) -> dict[str, Any]:
        """What a student's page shows: their region, the open year, proposals, results."""
        student = self.student(token)
        with self._lock:
            region, year = student.region, self.coming
            country = self.regions.at[region, "country"]
            counts = self._students_by_region()
            neighbours = set(self.regions.at[region, "neighbours"].split(";"))
            across = [r for r in self.border if self.regions.at[r, "country"] != country]
            received = [
                r
                for r, (d, _) in self.pending.items()
                if r != region and region in d.proposals and year == d.year
            ]
            mine = self.pending.get(region)
            last = self.history[-1] if self.history else None
            state: dict[str, Any] = {
                "name": student.name,
                "region": region,
                "country": country,
                "status": self._status(),
                "stepping": self.stepping,
                "year": year,
                "played": self.played,
                "forum": year is not None and any(f.year == year for f in self.spec.forums),
                "partners": [
                    {"id": r, "neighbour": r in neighbours, "students": len(counts[r])}
                    for r in sorted(across, key=lambda r: r not in neighbours)
                ],
                "received": received,
                "decision": self._decision_view(mine[0]) if mine else None,
                "decided_by": mine[1] if mine else None,
                "max_proposals": MAX_PROPOSALS,
                "signed": [
                    {"year": h["year"], "partner": s["kz"] if country == "RU" else s["ru"]}
                    for h in self.history
                    for s in h["signed"]
                    if region in (s["ru"], s["kz"])
                ],
                "last": None,
            }
            if last is not None:
                row = self.rows["class"].loc[region]
                proposed = next(
                    (d["proposals"] for d in last["decisions"] if d["region"] == region), []
                )
                partners = {s["kz"] if country == "RU" else s["ru"] for s in last["signed"]}
                state["last"] = {
                    "year": last["year"],
                    "turnover": float(row.cross_border_turnover_usd_bn),
                    "ventures": int(row.jv_hosted),
                    "agreements": int(row.agreements),
                    "proposals": [{"partner": p, "signed": p in partners} for p in proposed],
                }
            return state

    def _status(self) -> str:
        if self.model is None:
            return "lobby"
        return "playing" if self.coming is not None else "over"

    def teacher_state(self) -> dict[str, Any]:
        """What the teacher's page shows: the code, the year, the students and their decisions."""
        with self._lock:
            counts = self._students_by_region()
            return {
                "code": self.code,
                "status": self._status(),
                "year": self.coming,
                "played": self.played,
                "first_year": self.first_year,
                "end_year": self.spec.end_year,
                "seed": self.seed,
                "n_firms": self.spec.parameters.n_firms,
                "step_seconds": self.step_seconds,
                "students": len(self.students),
                "regions": [
                    {
                        "id": r,
                        "country": self.regions.at[r, "country"],
                        "students": counts[r],
                        "decision": (
                            self._decision_view(self.pending[r][0]) if r in self.pending else None
                        ),
                        "decided_by": self.pending[r][1] if r in self.pending else None,
                    }
                    for r in self.border
                ],
                "history": self.history,
                "folder": str(self.out_dir),
            }

    def debrief(self) -> dict[str, Any]:
        """Each border region's trade, ventures and agreements beside the run without the class."""
        with self._lock:
            if self.played is None:
                raise Refused(
                    N_("play a year first: the debrief compares what the years did"), wait=True
                )
            counts = self._students_by_region()
            ours, theirs = self.rows["class"], self.rows["without"]
            rows = []
            for r in self.border:
                row = {"id": r, "students": counts[r]}
                for key, column in (
                    ("turnover", "cross_border_turnover_usd_bn"),
                    ("ventures", "jv_hosted"),
                    ("agreements", "agreements"),
                ):
                    row[key] = float(ours.at[r, column])
                    row[f"{key}_without"] = float(theirs.at[r, column])
                rows.append(row)
            agreements = [{"year": h["year"], **s} for h in self.history for s in h["signed"]]
            return {"year": self.played, "regions": rows, "agreements": agreements}

    # --- the session's folder ------------------------------------------------------------
    def class_spec(self) -> ScenarioSpec:
        """The class run as a scenario: its decisions, and the years played."""
        spec = self.spec.with_decisions(self.decisions).with_name(f"{self.base.name}-class")
        if self.played is not None and self.played < spec.end_year:
            spec = spec.with_overrides({"end_year": self.played})
        return spec

    def _save(self) -> None:
        """Write `session.json` and `scenario.toml`, each atomically."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        spec = self.class_spec()
        header = (
            "# A class run: the border regions' decisions, year by year. Run it again with\n"
            f"#   transfrontier run {SCENARIO_FILE} --seed {self.seed}\n"
        )
        _write_atomic(self.out_dir / SCENARIO_FILE, header + spec.to_toml(extends=self.base))
        record = {
            "scenario_file": SCENARIO_FILE,
            "base_scenario": self.scenario,
            "seed": self.seed,
            "first_year": self.first_year,
            "played": self.played,
            "students": [dataclasses.asdict(s) for s in self.students.values()],
            "history": self.history,
        }
        _write_atomic(self.out_dir / SESSION_FILE, json.dumps(record, indent=1) + "\n")


def replay(path: Path) -> tuple[ScenarioSpec, int, dict[str, pd.DataFrame]]:
    """Run a saved class again: its scenario, its seed; return them and the run's tables.

    `path` is a session's `session.json` (or its folder).
    """
    path = Path(path)
    if path.is_dir():
        path = path / SESSION_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        scenario, seed = path.parent / record["scenario_file"], int(record["seed"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a class session file ({exc})", source=str(path)) from exc
    spec = load_scenario(scenario)
    return spec, seed, run_one(spec, seed)
