"""The classroom's controls and the scenario a setting of them makes: a class's "what if".

A class picks a shipped scenario and moves a few controls (the teaching app's sidebar, or
`what_if` in a notebook). A setting of the controls (`ClassSettings`) becomes a scenario of its
own (`class_spec`), made from the chosen one by `ScenarioSpec`'s edits and validated as a file
is; `scenario_toml` writes it as a few lines of TOML that `extends` the chosen scenario, so a
class's "what if" can be run again with `transfrontier run FILE --replicates 10`.

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
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.i18n import N_, translator
from sim.inputs import fractional_year
from sim.parameters import ModelParameters, Range, RegimeParameters, parameter_ranges
from sim.scenario import (
    LEVERS,
    Forum,
    Regime,
    ScenarioSpec,
    load_scenario,
)
from sim.world import PARTNERS

DEFAULT_SCENARIO = "historical"
CUSTOMS_UNION = "customs_union_tariff"
CONTROLS = "internal_controls_removed"
CU_TRACK = (CUSTOMS_UNION, CONTROLS, "common_economic_space", "eaeu")
CLASS_REGIME = "class_policy"
EARLIEST_CUSTOMS_UNION = 1993  # after the break-up: 1992 is the disintegration regime's year
DEFAULT_POLICY_YEAR = 2010  # moved lever sliders apply from the Customs Union's year

LEVER_RANGES = {name: rng for name, (_, rng) in parameter_ranges(RegimeParameters).items()}
FIRMS_RANGE = parameter_ranges(ModelParameters)["n_firms"][1]

# The levers a class plays with: label and slider step (ranges are the declared ones).
LEVER_CONTROLS: dict[str, tuple[str, float]] = {
    "mutual_ntb": (N_("Non-tariff barriers"), 0.005),
    "external_tariff_kz": (N_("External tariff (KZ)"), 0.001),
    "border_formalities": (N_("Border formalities"), 0.005),
    "legal_framework": (N_("Legal framework"), 0.01),
    "state_funding": (N_("State funding"), 0.05),
    "investment_attraction": (N_("Investment attraction"), 0.05),
    "enforcement": (N_("Shadow-trade enforcement"), 0.01),
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
FORUM_CHOICES = (
    N_("as scheduled"),
    N_("twice a year"),
    N_("annual"),
    N_("every 2nd"),
    N_("every 3rd"),
    N_("none"),
)
SEED_RANGE = (0, 999)


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
    history_cu = int(fractional_year(history[CUSTOMS_UNION]["start"]))  # 2010
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
            offset = int(fractional_year(find(CUSTOMS_UNION)["start"])) - history_cu
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
            anchor_year = int(fractional_year(anchor["start"]))
            if anchor is not find(CUSTOMS_UNION):
                anchor_year -= int(fractional_year(history[anchor["name"]]["start"])) - history_cu
            for regime in track:
                regime["start"] = _shifted(regime["start"], cu_year - anchor_year)
        else:
            for name in CU_TRACK:
                if name == CONTROLS and not controls:
                    continue
                restored = copy.deepcopy(history[name])
                restored["start"] = _shifted(restored["start"], cu_year - history_cu)
                regimes.append(restored)
    regimes = [r for r in regimes if fractional_year(r["start"]) < base.spec.end_year + 1]
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
        starts = [fractional_year(r["start"]) for r in regimes]
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
    regimes = sorted(regimes, key=lambda r: (fractional_year(r["start"]), r["name"] in CU_TRACK))
    for prev, regime in itertools.pairwise(regimes):
        while fractional_year(regime["start"]) <= fractional_year(prev["start"]):
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


def class_spec(settings: ClassSettings, name: str | None = None) -> ScenarioSpec:
    """The validated scenario of a class's run (the chosen scenario itself when unchanged).

    Args:
        settings: The controls.
        name: The scenario's name (default: the chosen scenario's name with "-class", and the
            chosen scenario itself when nothing changed).
    """
    base = baseline(settings.scenario)
    regimes = [
        Regime(
            meta["name"],
            str(meta.get("label", meta["name"])),
            fractional_year(meta["start"]),
            RegimeParameters(**levers),
        )
        for meta, levers in class_timeline(settings)
    ]
    spec = base.spec.with_regimes(regimes)
    forums = class_forums(settings)
    if forums is not None:
        spec = spec.with_forums(forums)
    if settings.n_firms is not None:
        spec = spec.with_overrides({"n_firms": settings.n_firms})
    if name is None and spec == base.spec:
        return base.spec
    return spec.with_name(
        name or f"{base.name}-class", title=name or f"{base.spec.title} (class changes)"
    )


def scenario_toml(settings: ClassSettings, name: str | None = None) -> str:
    """The scenario file of a class's run: what it changes in the chosen scenario, as TOML.

    Args:
        settings: The controls.
        name: The scenario's name (see `class_spec`).
    """
    spec = class_spec(settings, name)
    head = "# Made by the Transfrontier teaching app: the class's changes to a shipped scenario.\n"
    return head + spec.to_toml(extends=baseline(settings.scenario).spec)


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


def control_text(name: str, levers: dict[str, float], lang: str = "en") -> str:
    """A lever control's value: one number, or one per partner when its group's levers differ."""
    values = {part: levers[lever] for part, lever in LEVER_GROUPS.get(name, {"": name}).items()}
    first = next(iter(values.values()))
    if all(math.isclose(v, first, abs_tol=1e-12) for v in values.values()):
        return f"{first:.3g}"
    _ = translator(lang)
    on = _("{value} on {partner}")  # a partner's code is its name in English (CN, EU, ROW)
    return ", ".join(on.format(value=f"{v:.3g}", partner=_(part)) for part, v in values.items())


def control_phrase(name: str, lang: str = "en") -> str:
    """A lever control's label as running text has it (English: in lower case), in `lang`.

    Its own message, as a language may not simply lower the case of the label.
    """
    return translator(lang)(LEVER_CONTROLS[name][0].lower())
