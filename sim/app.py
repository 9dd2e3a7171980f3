"""The teaching app: a Mesa SolaraViz page where a class watches integration happen.

`transfrontier app` serves it on localhost (`serve`). A class picks a shipped scenario, moves
a few policy levers and steps through the years: trade with the regime periods shaded, the two
cooperation shares against the paper's figures, joint ventures by capital origin, agreements and
linked regions, Kazakhstan's imports by partner against the trade record, a map of the regions
with the flows between them, and a panel that sets the run so far beside the paper's figures and
the trade record.

The app is a thin layer. Every setting of the controls becomes a scenario file of its own: a
few lines of TOML that `extends` the chosen scenario (`scenario_toml`), loaded and validated
like any shipped file (`class_spec`). The panel shows that file, so a class's "what if" can be
run again with `transfrontier run FILE --replicates 10`.

How the controls map onto the scenario (the teacher's guide, `docs/teaching.md`, says the same):

- **Customs Union year** moves the four steps of the Customs Union track
  (`customs_union_tariff`, `internal_controls_removed`, `common_economic_space`, `eaeu`)
  together, keeping their spacing. The last position, one year after the run ends, means
  "never": the four steps are removed. When the union moves, no regime after its start undoes
  a step towards integration: each directional lever keeps the more integrated of its own value
  and the one in force before it, as the shipped `early_customs_union` scenario does by hand.
  A scenario without the union's regimes (a scenario file that removes them) gets the
  historical steps back when the slider is moved into the run.
- **Internal customs controls removed** switches the July 2011 step on or off. Off removes the
  `internal_controls_removed` regime, so the border formalities, non-tariff barriers and
  enforcement in force before it stay (what `border_formalities_kept` means); on restores the
  historical step.
- **Lever sliders** (mutual non-tariff barriers, Kazakhstan's external tariff, border
  formalities, legal-framework quality, state funding, investment attraction, shadow-trade
  enforcement) start at the value each lever has at the end of the chosen scenario. A slider
  moved away from its starting value holds its lever at the new value from the year set by
  **Lever changes from** (the policy year, 2010 to start with) to the end of the run,
  overriding the timeline for that lever only; a slider left at (or returned to) its starting
  value leaves the lever as the scenario has it. Slider ranges are the levers' declared ranges
  (`sim.parameters.RegimeParameters`). One slider sets a group of levers (`LEVER_GROUPS`):
  **External tariff (KZ)** is Kazakhstan's tariff on goods from China, the European Union and
  the rest of the world alike, as the common external tariff raised it on all three; it starts
  at the mean of the three (the shipped scenarios set them alike).
- **Forums**: "as scheduled" keeps the scenario's schedule; "twice a year" and "annual" add
  heads' forums (no named host, the format of the latest scheduled heads' forum) so that every
  year from the first forum to the end of the run has two, or at least one; "every 2nd" and
  "every 3rd" keep the first, third, fifth... (first, fourth, seventh...) heads' forum of the
  schedule and every business forum; "none" holds no forum at all.
- **Seed** and **firm agents** are the run's seed and resolution (the app caps firms at
  100,000 to stay responsive; the command line takes up to 5,000,000).

Controls take effect when **Reset** is pressed, as in every SolaraViz app; choosing another
scenario starts it at once with its own starting values.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import html
import io
import itertools
import math
import os
import socket
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import PIL.Image
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.errors import InputError
from sim.model import TransfrontierModel
from sim.parameters import ModelParameters, Range, RegimeParameters, parameter_ranges
from sim.plots import (
    SERIES,
    SeriesView,
    decorate,
    legend_below,
)
from sim.policy import levers_for_year
from sim.record import SERIES as RECORD_SERIES
from sim.record import record
from sim.scenario import (
    Forum,
    ScenarioSpec,
    TransfrontierScenario,
    available_scenarios,
    load_scenario,
)
from sim.targets import Target, load_targets, measure_values
from sim.world import PARTNERS

DEFAULT_SCENARIO = "historical"
CUSTOMS_UNION = "customs_union_tariff"
CONTROLS = "internal_controls_removed"
CU_TRACK = (CUSTOMS_UNION, CONTROLS, "common_economic_space", "eaeu")
CLASS_REGIME = "class_policy"
EARLIEST_CUSTOMS_UNION = 1993  # after the break-up: 1992 is the disintegration regime's year
DEFAULT_POLICY_YEAR = 2010  # moved lever sliders apply from the Customs Union's year

LEVERS = tuple(f.name for f in dataclasses.fields(RegimeParameters))
LEVER_RANGES = {name: rng for name, (_, rng) in parameter_ranges(RegimeParameters).items()}
FIRMS_RANGE = parameter_ranges(ModelParameters)["n_firms"][1]
MAX_APP_FIRMS = 100_000

# The levers a class plays with: label and slider step (ranges are the declared ones).
LEVER_CONTROLS: dict[str, tuple[str, float]] = {
    "mutual_ntb": ("Non-tariff barriers", 0.005),
    "external_tariff_kz": ("External tariff (KZ)", 0.001),
    "border_formalities": ("Border formalities", 0.005),
    "legal_framework": ("Legal framework", 0.01),
    "state_funding": ("State funding", 0.05),
    "investment_attraction": ("Investment attraction", 0.05),
    "enforcement": ("Shadow-trade enforcement", 0.01),
}
# Controls that set a group of levers, by partner. Kazakhstan's tariff is one slider: the class
# explores the common external tariff, which raised it on every partner alike, and how it turns
# Kazakh imports away from China and the European Union towards Russia.
LEVER_GROUPS: dict[str, dict[str, str]] = {
    "external_tariff_kz": {p: f"external_tariff_kz_{p.lower()}" for p in PARTNERS},
}


def control_levers(name: str) -> tuple[str, ...]:
    """The regime levers a lever control sets: those of its group, or the lever of its name."""
    return tuple(LEVER_GROUPS[name].values()) if name in LEVER_GROUPS else (name,)


def _shared_range(levers: tuple[str, ...]) -> Range:
    """The values that every one of `levers` may take (the overlap of their declared ranges)."""
    ranges = [LEVER_RANGES[lever] for lever in levers]
    return Range(max(r.lo for r in ranges), min(r.hi for r in ranges))


CONTROL_RANGES = {name: _shared_range(control_levers(name)) for name in LEVER_CONTROLS}

# +1: more is more integrated; -1: less is; 0: no direction (tariffs on and by the partners).
INTEGRATION_DIRECTION = {
    "mutual_tariff": -1,
    "mutual_ntb": -1,
    "border_formalities": -1,
    "external_tariff_kz_cn": 0,
    "external_tariff_kz_eu": 0,
    "external_tariff_kz_row": 0,
    "external_tariff_ru_cn": 0,
    "external_tariff_ru_eu": 0,
    "external_tariff_ru_row": 0,
    "partner_tariff_cn": 0,
    "partner_tariff_eu": 0,
    "partner_tariff_row": 0,
    "legal_framework": 1,
    "capital_mobility": 1,
    "state_funding": 1,
    "investment_attraction": 1,
    "enforcement": 1,
    "agreement_programme": 1,
    "human_capital_exchange": 1,
}
FORUM_CHOICES = ("as scheduled", "twice a year", "annual", "every 2nd", "every 3rd", "none")
SEED_RANGE = (0, 999)

KZ_COLOUR, RU_COLOUR = "#1f4e79", "#c00000"
MAP_LON, MAP_LAT = (18.0, 122.0), (38.0, 71.0)  # degrees: the map's frame
FIG_DPI = 80
FAST_PNG = {"compress_level": 1}  # a little larger, much quicker to encode at every step


# --- settings and the scenario they make -----------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """What the controls start from for one shipped scenario."""

    spec: ScenarioSpec
    raw_regimes: tuple[dict[str, Any], ...]
    customs_union_year: int  # end_year + 1 when the scenario has no Customs Union
    internal_controls_removed: bool
    final_levers: dict[str, float]
    policy_year: int

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def never(self) -> int:
        """The Customs Union slider's "never" position: one year after the run ends."""
        return self.spec.end_year + 1

    @property
    def control_values(self) -> dict[str, float]:
        """Where each lever slider starts: its lever at the end of the scenario (a group's mean)."""
        return {
            name: float(np.mean([self.final_levers[lever] for lever in control_levers(name)]))
            for name in LEVER_CONTROLS
        }


@cache
def baseline(name: str) -> Baseline:
    """The starting values of the controls for a shipped scenario (or a scenario file)."""
    spec = load_scenario(name)
    raw = tuple(copy.deepcopy(r) for r in spec.resolved["regimes"])
    starts = {r.name: r.start for r in spec.regimes}
    cu_year = int(starts[CUSTOMS_UNION]) if CUSTOMS_UNION in starts else spec.end_year + 1
    names = [r.name for r in spec.regimes]
    if CONTROLS in names:
        i = names.index(CONTROLS)
        before = spec.regimes[i - 1].levers.border_formalities if i else math.inf
        controls = spec.regimes[i].levers.border_formalities < before
    else:
        controls = CUSTOMS_UNION not in names  # restored with the union, as in history
    final = dataclasses.asdict(spec.regimes[-1].levers)
    policy = min(max(DEFAULT_POLICY_YEAR, spec.start_year + 1), spec.end_year)
    return Baseline(spec, raw, cu_year, controls, final, policy)


@dataclass(frozen=True)
class ClassSettings:
    """The state of the app's controls: what a class changed in a scenario.

    `None` means "as in the scenario" everywhere; `levers` holds only the lever controls
    (`LEVER_CONTROLS`) to hold at a new value from `policy_year` on, each setting the levers of
    its group (`control_levers`).
    """

    scenario: str = DEFAULT_SCENARIO
    customs_union_year: int | None = None
    internal_controls_removed: bool | None = None
    policy_year: int | None = None
    levers: dict[str, float] = field(default_factory=dict)
    forums: str = "as scheduled"
    n_firms: int | None = None
    seed: int = 0

    @classmethod
    def from_controls(cls, scenario: str = DEFAULT_SCENARIO, **values: Any) -> ClassSettings:
        """Settings from the controls' values: lever sliders at their start value are unset."""
        base = baseline(scenario)
        levers = {
            name: float(values[name])
            for name in LEVER_CONTROLS
            if values.get(name) is not None
            and not math.isclose(float(values[name]), base.control_values[name], abs_tol=1e-9)
        }
        return cls(
            scenario=scenario,
            customs_union_year=_opt_int(values.get("customs_union_year")),
            internal_controls_removed=values.get("internal_controls_removed"),
            policy_year=_opt_int(values.get("policy_year")),
            levers=levers,
            forums=values.get("forums") or "as scheduled",
            n_firms=_opt_int(values.get("n_firms")),
            seed=_opt_int(values.get("seed")) or 0,
        )


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(float(value))


def _fractional(value: Any) -> float:
    """A regime start (a year or a date) as a fractional year."""
    if isinstance(value, dt.date):
        first = dt.date(value.year, 1, 1)
        days = (dt.date(value.year + 1, 1, 1) - first).days
        return value.year + (value - first).days / days
    return float(value)


def _shifted(value: Any, years: int) -> Any:
    """A regime start moved by whole years (29 February falls back to the 28th)."""
    if isinstance(value, dt.date):
        try:
            return value.replace(year=value.year + years)
        except ValueError:
            return value.replace(year=value.year + years, day=28)
    return int(value) + years


def _check_settings(settings: ClassSettings, base: Baseline) -> None:
    spec = base.spec
    checks = [
        ("customs_union_year", settings.customs_union_year, EARLIEST_CUSTOMS_UNION, base.never),
        ("policy_year", settings.policy_year, spec.start_year + 1, spec.end_year),
        ("seed", settings.seed, *SEED_RANGE),
        ("n_firms", settings.n_firms, FIRMS_RANGE.lo, FIRMS_RANGE.hi),
    ]
    for key, value, lo, hi in checks:
        if value is not None and not lo <= value <= hi:
            raise InputError(f"value {value} out of range; allowed [{lo}, {hi}]", key=key)
    for name, value in settings.levers.items():
        if name not in CONTROL_RANGES:
            raise InputError(f"not a lever control; allowed: {', '.join(LEVER_CONTROLS)}", key=name)
        if value not in CONTROL_RANGES[name]:
            allowed = CONTROL_RANGES[name]
            raise InputError(f"value {value!r} out of range; allowed {allowed}", key=name)
    if settings.forums not in FORUM_CHOICES:
        raise InputError(f"{settings.forums!r} not one of {FORUM_CHOICES}", key="forums")


def class_timeline(settings: ClassSettings) -> list[tuple[dict[str, Any], dict[str, float]]]:
    """The regimes of a class's run: (name, label, start) and the full levers of each."""
    base = baseline(settings.scenario)
    _check_settings(settings, base)
    history = {r["name"]: r for r in baseline(DEFAULT_SCENARIO).raw_regimes}
    history_cu = int(_fractional(history[CUSTOMS_UNION]["start"]))  # 2010
    regimes = [copy.deepcopy(r) for r in base.raw_regimes]
    cu_year = settings.customs_union_year
    cu_year = base.customs_union_year if cu_year is None else cu_year
    controls = settings.internal_controls_removed
    controls = base.internal_controls_removed if controls is None else bool(controls)

    def find(name: str) -> dict[str, Any] | None:
        return next((r for r in regimes if r["name"] == name), None)

    if controls != base.internal_controls_removed:
        current = find(CONTROLS)
        if not controls:
            regimes = [r for r in regimes if r["name"] != CONTROLS]
        elif current is not None:
            for key in LEVERS:
                current.pop(key, None)
            current.update({k: v for k, v in history[CONTROLS].items() if k in LEVERS})
        elif find(CUSTOMS_UNION) is not None:
            offset = int(_fractional(find(CUSTOMS_UNION)["start"])) - history_cu
            restored = copy.deepcopy(history[CONTROLS])
            restored["start"] = _shifted(restored["start"], offset)
            regimes.append(restored)

    moved = cu_year != base.customs_union_year
    if moved:
        track = [r for r in regimes if r["name"] in CU_TRACK]
        if cu_year > base.spec.end_year:
            regimes = [r for r in regimes if r["name"] not in CU_TRACK]
        elif track:
            anchor = find(CUSTOMS_UNION) or track[0]
            anchor_year = int(_fractional(anchor["start"]))
            if anchor is not find(CUSTOMS_UNION):
                anchor_year -= int(_fractional(history[anchor["name"]]["start"])) - history_cu
            for regime in track:
                regime["start"] = _shifted(regime["start"], cu_year - anchor_year)
        else:
            for name in CU_TRACK:
                if name == CONTROLS and not controls:
                    continue
                restored = copy.deepcopy(history[name])
                restored["start"] = _shifted(restored["start"], cu_year - history_cu)
                regimes.append(restored)
    regimes = [r for r in regimes if _fractional(r["start"]) < base.spec.end_year + 1]
    regimes = _ordered(regimes)

    full: list[dict[str, float]] = []
    for regime in regimes:
        levers = dict(full[-1]) if full else {}
        levers.update({k: float(regime[k]) for k in LEVERS if k in regime})
        full.append(levers)

    names = [r["name"] for r in regimes]
    if moved and CUSTOMS_UNION in names:
        for i in range(max(names.index(CUSTOMS_UNION), 1), len(regimes)):
            for lever, direction in INTEGRATION_DIRECTION.items():
                if direction:
                    pick = min if direction < 0 else max
                    full[i][lever] = pick(full[i][lever], full[i - 1][lever])

    if settings.levers:
        policy = base.policy_year if settings.policy_year is None else settings.policy_year
        starts = [_fractional(r["start"]) for r in regimes]
        if float(policy) not in starts:
            at = sum(s < policy for s in starts)
            label = f"Class changes from {policy}"
            regimes.insert(at, {"name": CLASS_REGIME, "label": label, "start": int(policy)})
            full.insert(at, dict(full[at - 1]))
            starts.insert(at, float(policy))
        held = {
            lever: value
            for name, value in settings.levers.items()
            for lever in control_levers(name)
        }
        for i, start in enumerate(starts):
            if start >= policy:
                full[i].update(held)

    meta = [{k: r[k] for k in ("name", "label", "start") if k in r} for r in regimes]
    return list(zip(meta, full, strict=True))


def _ordered(regimes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regimes in order of start; a moved regime that lands on another's start waits a day."""
    regimes = sorted(regimes, key=lambda r: (_fractional(r["start"]), r["name"] in CU_TRACK))
    for prev, regime in itertools.pairwise(regimes):
        while _fractional(regime["start"]) <= _fractional(prev["start"]):
            start = regime["start"]
            day = start if isinstance(start, dt.date) else dt.date(int(start), 1, 1)
            regime["start"] = day + dt.timedelta(days=1)
    return regimes


def class_forums(settings: ClassSettings) -> list[Forum] | None:
    """The forum schedule of a class's run, or None when it is the scenario's own."""
    spec = baseline(settings.scenario).spec
    forums = list(spec.forums)
    if settings.forums == "as scheduled":
        return None
    if settings.forums == "none":
        return []
    if settings.forums in ("annual", "twice a year"):
        wanted = 1 if settings.forums == "annual" else 2
        out = list(forums)
        for year in range(
            min((f.year for f in forums), default=spec.end_year + 1), spec.end_year + 1
        ):
            heads = [f for f in out if f.year <= year and f.kind == "heads"]
            fmt = max(heads, key=lambda f: f.year).format if heads else "border"
            held = sum(f.year == year for f in heads)
            out += [Forum(year, "", "heads", fmt, 0)] * max(0, wanted - held)
        return sorted(out, key=lambda f: f.year)
    every = {"every 2nd": 2, "every 3rd": 3}[settings.forums]
    heads = [f for f in forums if f.kind == "heads"]
    keep = {id(f) for f in heads[::every]}
    return [f for f in forums if f.kind != "heads" or id(f) in keep]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def scenario_toml(settings: ClassSettings, name: str | None = None) -> str:
    """The scenario file of a class's run: what it changes in the chosen scenario, as TOML.

    Args:
        settings: The controls.
        name: The scenario's name (default: the chosen scenario's name with "-class", and no
            name at all when nothing changed).
    """
    base = baseline(settings.scenario)
    spec = base.spec
    timeline = class_timeline(settings)
    forums = class_forums(settings)
    firms = settings.n_firms
    head = [
        "# Made by the Transfrontier teaching app: the class's changes to a shipped scenario.",
        f'extends = "{base.name}"',
    ]
    body: list[str] = []
    parent = {r["name"]: r for r in base.raw_regimes}
    kept = {meta["name"] for meta, _ in timeline}
    previous: dict[str, float] = {}
    for meta, levers in timeline:
        entry: dict[str, Any] = {}
        own = parent.get(meta["name"])
        if own is None:
            entry.update(label=meta.get("label", meta["name"]), start=meta["start"])
        elif _fractional(own["start"]) != _fractional(meta["start"]):
            entry["start"] = meta["start"]
        for lever in LEVERS:
            inherited = own.get(lever, previous.get(lever)) if own else previous.get(lever)
            if inherited is None or not math.isclose(inherited, levers[lever], abs_tol=1e-12):
                entry[lever] = levers[lever]
        previous = levers
        if entry:
            body += ["", "[[regimes]]", f'name = "{meta["name"]}"']
            body += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    for gone in parent:
        if gone not in kept:
            body += ["", "[[regimes]]", f'name = "{gone}"', "remove = true"]
    if forums is not None:
        if forums:
            for forum in forums:
                body += ["", "[[forums]]", f"year = {forum.year}"]
                if forum.host:
                    body.append(f'host = "{forum.host}"')
                body += [f'kind = "{forum.kind}"', f'format = "{forum.format}"']
                if forum.participants:
                    body.append(f"participants = {forum.participants}")
        else:
            head.append("forums = []")
    if firms is not None and firms != spec.parameters.n_firms:
        body = ["", "[parameters]", f"n_firms = {firms}", *body]
    if name is not None or len(body) or len(head) > 2:
        label = name or f"{base.name}-class"
        title = name or f"{spec.title} (class changes)"
        head[2:2] = [f"name = {_toml_value(label)}", f"title = {_toml_value(title)}"]
    return "\n".join(head + body) + "\n"


def class_spec(settings: ClassSettings, name: str | None = None) -> ScenarioSpec:
    """The validated scenario of a class's run (the chosen scenario itself when unchanged).

    Args:
        settings: The controls.
        name: A name for the scenario (see `scenario_toml`).
    """
    text = scenario_toml(settings, name)
    if "\nname = " not in text:
        return baseline(settings.scenario).spec
    with tempfile.TemporaryDirectory(prefix="transfrontier-class-") as folder:
        path = Path(folder) / f"{settings.scenario}-class.toml"
        path.write_text(text)
        spec = load_scenario(path)
    expected = class_timeline(settings)
    got = [(r.name, r.start, dataclasses.asdict(r.levers)) for r in spec.regimes]
    want = [(m["name"], _fractional(m["start"]), lv) for m, lv in expected]
    same = len(got) == len(want) and all(
        g[0] == w[0]
        and math.isclose(g[1], w[1])
        and all(math.isclose(g[2][k], w[2][k], abs_tol=1e-12) for k in LEVERS)
        for g, w in zip(got, want, strict=False)
    )
    if not same:  # a guard on this module's own bookkeeping, not on user input
        raise RuntimeError(f"the class scenario did not resolve as intended:\n{text}")
    return spec


CONTROL_NAMES = (
    "customs_union_year",
    "internal_controls_removed",
    "policy_year",
    "forums",
    "seed",
    "n_firms",
    *LEVER_CONTROLS,
)


def what_if(label: str, scenario: str = DEFAULT_SCENARIO, **controls: Any) -> ScenarioSpec:
    """A class's "what if" as a scenario named `label`, from the app's control names.

    For notebooks and scripts: `what_if("better law", legal_framework=0.9)` is the scenario the
    app runs after moving the legal-framework slider to 0.9; pass it to `sim.run` or
    `sim.compare.compare`. The controls and their meaning are those of the app (module
    docstring); `seed` is not part of a scenario and is refused here.
    """
    unknown = sorted(set(controls) - set(CONTROL_NAMES) | ({"seed"} & set(controls)))
    if unknown:
        allowed = ", ".join(n for n in CONTROL_NAMES if n != "seed")
        raise InputError(f"unknown control(s) {unknown}; allowed: {allowed}", key="what_if")
    return class_spec(ClassSettings.from_controls(scenario, **controls), name=label)


# --- the model behind the page -----------------------------------------------------------------
class ClassroomModel(TransfrontierModel):
    """The Transfrontier model built from the app's controls.

    Args:
        scenario: Ignored; accepted because SolaraViz's Reset passes an empty Mesa scenario.
        scenario_name: The shipped scenario the class starts from.
        customs_union_year: Start year of the Customs Union track (end year + 1: never).
        internal_controls_removed: Whether the July 2011 step happens.
        policy_year: First year in which moved lever sliders hold their levers.
        forums: One of `FORUM_CHOICES`.
        seed: Seed of the run.
        n_firms: Number of firm agents (default: the scenario's).
        mutual_ntb: Slider value of the lever of that name (likewise `border_formalities`,
            `legal_framework`, `state_funding`, `investment_attraction` and `enforcement`);
            None or the scenario's own final value leaves it unchanged.
        external_tariff_kz: Slider value of Kazakhstan's tariff on all three partners
            (`LEVER_GROUPS`); None or the mean of the three at the end of the scenario leaves
            them unchanged.
    """

    def __init__(
        self,
        scenario: TransfrontierScenario | None = None,
        *,
        scenario_name: str = DEFAULT_SCENARIO,
        customs_union_year: int | None = None,
        internal_controls_removed: bool | None = None,
        policy_year: int | None = None,
        forums: str = "as scheduled",
        seed: int = 0,
        n_firms: int | None = None,
        mutual_ntb: float | None = None,
        external_tariff_kz: float | None = None,
        border_formalities: float | None = None,
        legal_framework: float | None = None,
        state_funding: float | None = None,
        investment_attraction: float | None = None,
        enforcement: float | None = None,
    ):
        self.settings = ClassSettings.from_controls(
            scenario_name,
            customs_union_year=customs_union_year,
            internal_controls_removed=internal_controls_removed,
            policy_year=policy_year,
            forums=forums,
            seed=seed,
            n_firms=n_firms,
            mutual_ntb=mutual_ntb,
            external_tariff_kz=external_tariff_kz,
            border_formalities=border_formalities,
            legal_framework=legal_framework,
            state_funding=state_funding,
            investment_attraction=investment_attraction,
            enforcement=enforcement,
        )
        self.scenario_file = scenario_toml(self.settings)
        spec = class_spec(self.settings)
        super().__init__(TransfrontierScenario(spec=spec, rng=self.settings.seed))


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict[str, Any]:
    """SolaraViz's controls for a scenario, starting at the scenario's own values."""
    base = baseline(scenario)
    spec = base.spec
    params: dict[str, Any] = {
        "scenario_name": scenario,  # fixed: the chooser above the controls sets it
        "customs_union_year": Slider(
            "Customs Union year",
            base.customs_union_year,
            EARLIEST_CUSTOMS_UNION,
            base.never,
            1,
        ),
        "internal_controls_removed": {
            "type": "Checkbox",
            "value": base.internal_controls_removed,
            "label": "Internal customs controls removed",
        },
        "forums": {
            "type": "Select",
            "value": "as scheduled",
            "values": list(FORUM_CHOICES),
            "label": "Forums",
        },
        "policy_year": Slider(
            "Lever changes from",
            base.policy_year,
            spec.start_year + 1,
            spec.end_year,
        ),
    }
    for name, (label, step) in LEVER_CONTROLS.items():
        rng, start = CONTROL_RANGES[name], base.control_values[name]
        params[name] = Slider(label, start, rng.lo, rng.hi, step, dtype=float)
    params["seed"] = Slider("Seed", 0, *SEED_RANGE, 1)
    firms = spec.parameters.n_firms
    params["n_firms"] = Slider("Firm agents", firms, int(FIRMS_RANGE.lo), MAX_APP_FIRMS, 200)
    return params


def starting_values_html(scenario: str) -> str:
    """The controls' starting values for a scenario (sliders show theirs only while dragged)."""
    base = baseline(scenario)
    cu = base.customs_union_year
    cu_text = "never" if cu > base.spec.end_year else str(cu)
    items = [
        f"Customs Union year {cu_text} ({base.never} = never)",
        "internal controls " + ("removed" if base.internal_controls_removed else "kept"),
        "forums as scheduled",
        f"lever changes from {base.policy_year}",
        *(
            f"{label.lower()} {_control_text(k, base.final_levers)}"
            for k, (label, _) in LEVER_CONTROLS.items()
        ),
        f"seed 0, {base.spec.parameters.n_firms:,} firm agents",
    ]
    return (
        "<p style='font-size:12px'>The controls start at the scenario's values: "
        + html.escape("; ".join(items))
        + ". Levers are given as they stand at the end of the scenario.</p>"
    )


# --- what the page draws ---------------------------------------------------------------------
def model_frame(model: TransfrontierModel) -> pd.DataFrame:
    """The `model` table of the run so far (one row per simulated year)."""
    return pd.DataFrame([r.model for r in model.records])


def regime_years(model: TransfrontierModel) -> pd.DataFrame:
    """The regime in force for most of each year of the whole run (simulated or not)."""
    spec = model.spec
    years = range(spec.start_year, spec.end_year + 1)
    names = [levers_for_year(spec.regimes, y)[1] for y in years]
    return pd.DataFrame({"year": list(years), "regime": names})


def _year_text(model: TransfrontierModel) -> str:
    return str(model.year) if model.records else "before the first step"


class SeriesChart:
    """A time-path figure of one model, drawn once and brought up to date after each step.

    The regime periods of the whole run are shaded from the start, so a class sees what comes;
    the lines grow year by year; the paper's figures and the trade record are marked where they
    apply.

    A live chart (`live=True`, the app's) keeps the drawn background (shading, axes, paper's
    figures, legend) and redraws only the lines, the year marker and the title at each step
    (matplotlib's blitting); the background is drawn again only when the lines outgrow the y
    axis, which then grows by half at least. That keeps a step's redraw short.
    """

    def __init__(self, model: TransfrontierModel, view: SeriesView, live: bool = False):
        self.view = view
        self.live = live
        self.figure = Figure(figsize=(6.4, 4.4), dpi=FIG_DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.11, right=0.97, top=0.92, bottom=0.27)
        ax = self.axes = self.figure.add_subplot()
        self.right, self.floor_top = decorate(ax, view, regime_years(model), view.regime_names)
        ax.yaxis.label.set_fontsize(9)
        ax.tick_params(labelsize=8)
        axes = {c: ax for c in view.columns} | {c: self.right for c in view.right}
        self.lines = {
            column: axes[column].plot([], [], color=colour, lw=2, label=view.label(column),
                                      ls="--" if column in view.right else "-",
                                      animated=live)[0]
            for column, colour in (view.columns | view.right).items()
        }  # fmt: skip
        if self.right is not None:
            self.right.yaxis.label.set_fontsize(9)
            self.right.tick_params(labelsize=8)
            self.figure.subplots_adjust(right=0.89)
        spec = model.spec
        self.now = ax.axvline(
            spec.start_year, color="#888888", lw=0.8, ls=":", visible=False, animated=live
        )
        self.title = ax.set_title("", fontsize=10, animated=live)
        rows = legend_below(ax, self.right, fontsize=7)
        self.figure.subplots_adjust(bottom=0.14 + 0.04 * rows)
        self.top = 0.0
        self.background: Any = None
        self.update(model)

    def update(self, model: TransfrontierModel) -> Figure:
        """Bring the artists up to the run so far; return the figure."""
        frame = model_frame(model)
        for column, line in self.lines.items():
            if column in frame:
                line.set_data(frame["year"].to_numpy(), frame[column].to_numpy(float))
        self.now.set_xdata([model.year, model.year])
        self.now.set_visible(bool(model.records))
        self.title.set_text(f"{self.view.title} — {_year_text(model)}")
        if self.view.top is not None:
            needed = self.view.top
        else:
            left = [self.lines[c] for c in self.view.columns]
            drawn = [np.nanmax(line.get_ydata()) for line in left if len(frame)]
            needed = 1.08 * max([self.floor_top, *drawn])
        if not self.live:
            self.axes.set_ylim(0, needed)
        elif needed > self.top:
            self.top = needed if self.view.top is not None else max(needed, 1.5 * self.top)
            self.axes.set_ylim(0, self.top)
            self.background = None
        return self.figure

    def png(self, model: TransfrontierModel) -> bytes:
        """The live chart of the run so far as PNG: background kept, moving parts redrawn."""
        self.update(model)
        if self.background is None:
            self.canvas.draw()  # everything but the animated artists
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in (*self.lines.values(), self.now, self.title):
            artist.axes.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        out = io.BytesIO()
        image.save(out, format="png", **FAST_PNG)
        return out.getvalue()


def series_figure(model: TransfrontierModel, name: str) -> Figure:
    """One of the time-path figures (`SERIES`) of a model, as it stands."""
    return SeriesChart(model, SERIES[name]).figure


def trade_figure(model: TransfrontierModel) -> Figure:
    """Recorded turnover and Kazakh exports to and imports from Russia, with the regimes."""
    return series_figure(model, "trade")


def shares_figure(model: TransfrontierModel) -> Figure:
    """The two cooperation shares of recorded turnover against the paper's figures."""
    return series_figure(model, "shares")


def ventures_figure(model: TransfrontierModel) -> Figure:
    """Active joint ventures by location and capital origin."""
    return series_figure(model, "ventures")


def agreements_figure(model: TransfrontierModel) -> Figure:
    """Interregional agreements and the regions they link."""
    return series_figure(model, "agreements")


def imports_figure(model: TransfrontierModel) -> Figure:
    """Kazakhstan's recorded imports from each partner, with the record's imports from Russia."""
    return series_figure(model, "imports")


def pair_flows(model: TransfrontierModel) -> pd.DataFrame:
    """This year's recorded trade of every Kazakh–Russian region pair, both directions, US$ bn.

    Recorded goods and commodities, as the model's turnover counts them (`pair_trade`); `a` is
    the Russian region's market index, `b` the Kazakh region's.
    """
    ru, kz = np.nonzero(model.pair_trade)
    return pd.DataFrame(
        {
            "a": model.ru[ru],
            "b": model.kz[kz],
            "usd_bn": model.pair_trade[ru, kz],
            "agreement": model.linked[ru, kz],
        }
    ).sort_values("usd_bn", ascending=False, ignore_index=True)


MAP_FLOWS = 40  # the largest cross-border flows the map draws


def map_figure(model: TransfrontierModel, top: int = MAP_FLOWS) -> Figure:
    """The regions at their centres, sized by cross-border trade, with the largest pair flows."""
    n = model.world.n_regions  # the partners have no place on the map
    regions = model.regions[:n]
    lon = np.array([r.lon for r in regions])
    lat = np.array([r.lat for r in regions])
    kz = np.array([r.country == "KZ" for r in regions])
    border = np.array([r.border for r in regions])
    trade = np.asarray(model.cross_border_turnover_usd_bn[:n], dtype=float)

    fig = Figure(figsize=(6.4, 4.4), dpi=FIG_DPI)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.02)
    flows = pair_flows(model).head(top)
    flows = flows[flows.usd_bn > 0]
    if len(flows):
        segments = [
            ((lon[a], lat[a]), (lon[b], lat[b])) for a, b in zip(flows.a, flows.b, strict=True)
        ]
        colours = np.where(flows.agreement, "#c55a11", "#8faadc")
        widths = 0.4 + 2.5 * np.sqrt(flows.usd_bn.to_numpy())
        ax.add_collection(
            LineCollection(segments, colors=colours, linewidths=widths, alpha=0.7, zorder=1)
        )
    size = 6 + 160 * np.sqrt(np.maximum(trade, 0))
    colours = np.where(kz, KZ_COLOUR, RU_COLOUR)
    ax.scatter(lon[~border], lat[~border], s=size[~border], c=colours[~border], alpha=0.55, lw=0)
    ax.scatter(
        lon[border], lat[border], s=size[border], c=colours[border], edgecolors="black", lw=1.2
    )
    for i in np.argsort(trade)[::-1][:4]:
        if trade[i] > 0:
            ax.annotate(regions[i].name, (lon[i], lat[i]), fontsize=6.5, xytext=(6, -10),
                        textcoords="offset points", bbox={"fc": "white", "ec": "none",
                        "alpha": 0.7, "pad": 0.5})  # fmt: skip
    ax.set_aspect(1 / math.cos(math.radians(55)))
    ax.set_xlim(*MAP_LON)
    ax.set_ylim(*MAP_LAT)
    east = int(np.sum(lon > MAP_LON[1]))
    ax.text(0.99, 0.01, f"{east} regions east of {MAP_LON[1]}°E are off the map", fontsize=7,
            ha="right", va="bottom", transform=ax.transAxes, color="#555555")  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    handles = [
        Line2D([], [], ls="", marker="o", color=KZ_COLOUR, label="Kazakh region"),
        Line2D([], [], ls="", marker="o", color=RU_COLOUR, label="Russian region"),
        Line2D([], [], ls="", marker="o", mfc="white", mec="black", label="border region"),
        Line2D([], [], color="#c55a11", lw=2, label="flow, pair with agreement"),
        Line2D([], [], color="#8faadc", lw=2, label="flow, no agreement"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="upper right", framealpha=0.85)
    title = f"Regions and their {top} largest cross-border flows — {_year_text(model)}"
    ax.set_title(title, fontsize=10)
    return fig


def run_tables(model: TransfrontierModel) -> dict[str, pd.DataFrame]:
    """The `model` and `regions` tables of the run so far, as one replicate."""
    tables = {"model": model_frame(model).assign(replicate=0)}
    if model.records:
        parts = [r.regions for r in model.records]
        regions = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        tables["regions"] = pd.DataFrame(regions).assign(replicate=0)
    return tables


def paper_table(model: TransfrontierModel) -> pd.DataFrame:
    """The run so far beside each figure of the paper that the model is compared with."""
    tables = run_tables(model)
    reached = model.year if model.records else model.spec.start_year - 1
    paper = [t for t in load_targets() if t.kind != "path"]
    return pd.DataFrame([_compare(t, tables, reached) for t in paper])


def record_table(model: TransfrontierModel) -> pd.DataFrame:
    """The latest simulated year beside the trade record, for each series of a path target.

    A path target's own measure is a distance over many years, which a class cannot read off
    one run as it goes; the panel shows the model's and the record's values of the year
    instead, and how far the model is from the record's band (the two mirror readings of a
    bilateral flow).
    """
    paths = [t for t in load_targets() if t.kind == "path"]
    row = model.records[-1].model if model.records else None
    return pd.DataFrame([_against_record(t, row) for t in paths])


def _record_fmt(value: float, unit: str) -> str:
    return f"US${value:.1f} bn" if unit == "US$ bn" else f"{value:.0%}"


def _against_record(target: Target, row: dict[str, Any] | None) -> dict[str, str]:
    unit = RECORD_SERIES[target.record].unit
    (first, last), held = target.years, target.validation
    if not target.fitted:
        years = f"{first}–{held[1] if held else last}, not fitted"
    else:
        years = f"fitted {first}–{last}" + (f", held out {held[0]}–{held[1]}" if held else "")
    out = {
        "figure": RECORD_SERIES[target.record].label,
        "record": "—",
        "years": years,
        "run": "—",
        "verdict": "not reached yet",
    }
    if row is None:
        return out
    value = row[target.measure] / (row[target.per] if target.per else 1.0)
    out["run"] = _record_fmt(value, unit)
    year = row["year"]
    rec = record(target.record)
    if year not in rec.index:
        out["verdict"] = f"no record for {year}"
        return out
    low, high = rec.low[year], rec.high[year]
    out["record"] = _record_fmt(rec.value[year], unit)
    band = (_record_fmt(low, unit), _record_fmt(high, unit))
    if band[0] != band[1]:  # the two readings differ at the precision shown
        out["record"] += f" ({band[0]} to {band[1]})"
    if low <= value <= high:
        out["verdict"] = "within the record"
    else:
        out["verdict"] = f"{value / (high if value > high else low) - 1.0:+.0%} off the record"
    return out


def _fmt(value: float, target: Target, signed: bool = False) -> str:
    if target.statistic == "growth":
        return f"{value:+.0%} a year" if signed else f"{value:.0%} a year"
    if "share" in target.measure:
        return f"{value:.0%}"
    if "usd" in target.measure:
        return f"US${value:.1f} bn"
    return f"{value:,.0f}"


def _compare(target: Target, tables: dict[str, pd.DataFrame], reached: int) -> dict[str, str]:
    first, last = target.years
    paper = _fmt(target.value, target)
    if target.kind == "lower_bound":
        paper = f"more than {paper}"
    elif target.kind == "range":
        paper = f"{paper} to {_fmt(target.upper or target.value, target)}"
    elif target.tolerance:
        paper = f"{paper} (± {_fmt(target.tolerance, target)})"
    row = {
        "figure": f"{target.figure} ({target.section})",
        "paper": paper,
        "years": f"{first}" if first == last else f"{first}–{last}",
        "run": "—",
        "verdict": "not reached yet",
    }
    if reached < first:
        return row
    if reached < last:
        if target.table != "model":
            row["verdict"] = "in progress"
            return row
        frame = tables["model"]
        value = float(frame[frame.year.between(first, last)][target.measure].mean())
    else:
        value = float(measure_values(target, tables).iloc[0])
    row["run"] = _fmt(value, target, signed=True)
    if target.met(value):
        verdict = "meets it" if target.kind == "lower_bound" else "within tolerance"
    else:
        verdict = "above" if target.gap(value) > 0 else "below"
    row["verdict"] = verdict if reached >= last else f"{verdict} so far"
    return row


def levers_text(model: TransfrontierModel) -> str:
    """The levers in force in the latest simulated year, one line."""
    if not model.records:
        return ""
    row = model.records[-1].model
    levers = {k: row[f"lever_{k}"] for k in LEVERS}
    parts = [
        f"{label.lower()} {_control_text(k, levers)}" for k, (label, _) in LEVER_CONTROLS.items()
    ]
    return "; ".join(parts)


def _control_text(name: str, levers: dict[str, float]) -> str:
    """A lever control's value: one number, or one per partner when its group's levers differ."""
    values = {part: levers[lever] for part, lever in LEVER_GROUPS.get(name, {"": name}).items()}
    first = next(iter(values.values()))
    if all(math.isclose(v, first, abs_tol=1e-12) for v in values.values()):
        return f"{first:.3g}"
    return ", ".join(f"{v:.3g} on {part}" for part, v in values.items())


def settings_text(model: TransfrontierModel) -> str:
    """What a class changed in the scenario of this run, one line (empty for a plain model)."""
    settings = getattr(model, "settings", None)
    if settings is None:
        return ""
    base = baseline(settings.scenario)
    parts = []
    cu = settings.customs_union_year
    if cu is not None and cu != base.customs_union_year:
        parts.append("no Customs Union" if cu > base.spec.end_year else f"Customs Union in {cu}")
    controls = settings.internal_controls_removed
    if controls is not None and controls != base.internal_controls_removed:
        parts.append("internal controls " + ("removed" if controls else "kept"))
    if settings.levers:
        policy = base.policy_year if settings.policy_year is None else settings.policy_year
        held = ", ".join(
            f"{LEVER_CONTROLS[k][0].lower()} {v:g}" for k, v in settings.levers.items()
        )
        parts.append(f"from {policy}: {held}")
    if settings.forums != "as scheduled":
        parts.append(f"forums {settings.forums}")
    changes = "; ".join(parts) if parts else "none"
    firms = model.params.n_firms
    return f"{base.name}, seed {settings.seed}, {firms:,} firm agents; class changes: {changes}"


def _table_html(table: pd.DataFrame, header: tuple[str, ...]) -> str:
    """A table of the panel: its five columns of text under `header`."""
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td style='padding:2px 6px;border-bottom:1px solid #ddd'>{html.escape(v)}</td>"
            for v in row
        )
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    heads = "".join(f"<th style='text-align:left;padding:2px 6px'>{h}</th>" for h in header)
    return f"<table style='border-collapse:collapse;font-size:12px'><tr>{heads}</tr>{cells}</table>"


def panel_html(model: TransfrontierModel) -> str:
    """The comparison panel as HTML: where the run is, the paper's figures and the record."""
    labels = {r.name: r.label for r in model.spec.regimes}
    if model.records:
        row = model.records[-1].model
        head = f"<b>{model.year}</b> — {html.escape(labels.get(row['regime'], row['regime']))}"
    else:
        head = f"<b>{model.spec.start_year}</b>, before the first step"
    paper = ("the paper's figure (section)", "paper", "years", "this run", "")
    record_head = ("the trade record", "record", "years compared", "this run", "")
    parts = [
        f"<p style='margin:0 0 6px'>{head}</p>",
        _table_html(paper_table(model), paper),
        "<p style='font-size:12px;margin:6px 0'>One run with one seed: the model's calibration "
        "compares the paper's figures with the mean of many replicates, so expect a few points "
        "of difference from run to run.</p>",
        _table_html(record_table(model), record_head),
        "<p style='font-size:12px;margin:6px 0'>The trade record (IMF DOTS, WDI) and this run "
        "in the latest simulated year; a bilateral flow has two readings, one by each country. "
        "The calibration compares the model with the record over the years given and keeps the "
        "years held out for a check it was not fitted to.</p>",
    ]
    if model.records:
        parts.append(
            f"<p style='font-size:12px;margin:6px 0'>Levers in force: "
            f"{html.escape(levers_text(model))}.</p>"
        )
    summary = settings_text(model)
    if summary:
        parts.append(
            f"<p style='font-size:12px;margin:6px 0'>This run: {html.escape(summary)}.</p>"
        )
    return "\n".join(parts)


# The charts of each model on the page, kept between steps (and dropped with the model).
_CHARTS: weakref.WeakKeyDictionary[TransfrontierModel, dict[str, SeriesChart]] = (
    weakref.WeakKeyDictionary()
)


def _series_view(model: TransfrontierModel, name: str) -> None:
    update_counter.get()

    def draw() -> bytes:
        charts = _CHARTS.setdefault(model, {})
        if name not in charts:
            charts[name] = SeriesChart(model, SERIES[name], live=True)
        return charts[name].png(model)

    png = solara.use_memo(draw, [model, len(model.records)])
    solara.Image(png, format="png")


@solara.component
def TradeView(model: TransfrontierModel) -> None:
    """Trade over time, with the regime periods shaded."""
    _series_view(model, "trade")


@solara.component
def SharesView(model: TransfrontierModel) -> None:
    """The two cooperation shares against the paper's figures."""
    _series_view(model, "shares")


@solara.component
def VenturesView(model: TransfrontierModel) -> None:
    """Joint ventures by capital origin."""
    _series_view(model, "ventures")


@solara.component
def AgreementsView(model: TransfrontierModel) -> None:
    """Agreements and linked regions."""
    _series_view(model, "agreements")


@solara.component
def ImportsView(model: TransfrontierModel) -> None:
    """Kazakh imports by partner."""
    _series_view(model, "imports")


@solara.component
def MapView(model: TransfrontierModel) -> None:
    """The map of regions and cross-border flows."""
    update_counter.get()
    key = [model, len(model.records)]
    figure = solara.use_memo(lambda: map_figure(model), key)
    solara.FigureMatplotlib(figure, dependencies=key, format="png", pil_kwargs=FAST_PNG)


@solara.component
def PaperView(model: TransfrontierModel) -> None:
    """The run so far beside the paper's figures, and the scenario file of the run."""
    update_counter.get()
    with solara.Column(style={"padding": "8px", "overflow": "auto", "height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=panel_html(model))
        scenario_file = getattr(model, "scenario_file", "")
        if scenario_file:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:12px;margin:0'><b>The scenario file of "
                "this run</b>: save it as a .toml file and run it again with "
                "<code>transfrontier run FILE --seed N --replicates 10</code>.</p>",
            )
            solara.Preformatted(scenario_file, style_="font-size: 11px")


COMPONENTS = [
    (TradeView, 0),
    (SharesView, 0),
    (VenturesView, 0),
    (AgreementsView, 0),
    (ImportsView, 0),
    (MapView, 0),
    (PaperView, 0),
]


@solara.component
def Page() -> None:
    """The app: a scenario chooser above SolaraViz's controls, and the views."""
    names = available_scenarios()
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    spec = baseline(name).spec
    model = solara.use_memo(lambda: ClassroomModel(scenario_name=name), [name])
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select(label="Scenario", value=name, values=names, on_value=set_name)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<p><b>{html.escape(spec.title)}.</b> "
            f"{html.escape(spec.question)}</p><p>Move the controls under <i>Model "
            "Parameters</i>, then press <b>Reset</b> to start a run with them. <b>Step</b> "
            "simulates one year; <b>▶</b> plays the years in turn.</p>"
            + starting_values_html(name),
        )
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(name),
        name="Transfrontier: Kazakhstan–Russia cross-border cooperation",
    ).key(name)


# --- serving ---------------------------------------------------------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(host: str = "127.0.0.1", port: int = 8765, *, quiet: bool = False) -> None:
    """Serve the app at http://HOST:PORT until interrupted (Ctrl-C), printing its URL.

    Args:
        host: Interface to listen on (default: this machine only).
        port: TCP port; 0 picks a free one.
        quiet: Do not print the URL.
    """
    # Read when Solara's server module is first imported, so set before uvicorn imports it.
    os.environ["SOLARA_APP"] = f"{__name__}:Page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    port = free_port(host) if port == 0 else port
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}"

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started and not quiet:
            print(f"Transfrontier teaching app: {url}  (Ctrl-C to stop)", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
