"""Varied parameters: what a sweep or a calibration moves, over which range, on which scale.

A varied parameter is one of three things of a scenario, named as in the input files:

- a structural parameter (a field of `ModelParameters`): ``distance_elasticity``;
- a regime's lever (a field of `RegimeParameters`): ``regimes.<regime>.<lever>``;
- a regime's start: ``regimes.<regime>.start``, a fractional year (2010.5 is 2 July 2010) applied
  as a date; it must stay between the starts of the regimes before and after it, so that the
  order of the timeline never changes.

Its range `[lo, hi]` must lie inside the range `sim/parameters.py` allows for the field
(`parameter_ranges`): the allowed ranges are declared there and only there. Its scale says how
values are drawn and applied: ``linear``, ``log`` (drawn uniformly in the logarithm), ``integer``
(rounded; the fields the parameter sheets type as int) or ``date`` (a start).

`varied_parameter` reads one from a file's ``name = [low, high]`` entry; `point_spec` builds the
scenario of one set of values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.inputs import date_of_year, did_you_mean, fractional_year, interval
from sim.parameters import ModelParameters, RegimeParameters, parameter_ranges
from sim.scenario import ScenarioSpec

KINDS = ("structural", "lever", "start")
SCALES = ("linear", "log", "integer", "date")


@dataclass(frozen=True)
class VariedParameter:
    """One varied parameter: its name in the input file, its range, where it applies, its scale.

    Attributes:
        name: As written in the file (`sigma`, `regimes.eaeu.legal_framework`,
            `regimes.eaeu.start`).
        lo: Lower end of the range.
        hi: Upper end of the range.
        kind: ``structural`` (a `ModelParameters` field), ``lever`` (a `RegimeParameters`
            field of one regime) or ``start`` (a regime's start year).
        field: The field name (``start`` for a start year).
        regime: The regime's name, for levers and starts.
        scale: ``linear``, ``log``, ``integer`` or ``date`` (see the module docstring).
    """

    name: str
    lo: float
    hi: float
    kind: str
    field: str
    regime: str = ""
    scale: str = "linear"

    @property
    def integer(self) -> bool:
        """Whether the scenario takes an integer (values are rounded)."""
        return self.scale == "integer"

    def applied(self, value: float) -> Any:
        """The value the scenario receives for the drawn value `value`."""
        if self.kind == "start":
            return date_of_year(value)
        return round(value) if self.integer else float(value)

    def record(self) -> dict[str, Any]:
        """The parameter as a sweep's ledger stores it (its definition, as JSON)."""
        return {
            "name": self.name,
            "lo": self.lo,
            "hi": self.hi,
            "kind": self.kind,
            "field": self.field,
            "regime": self.regime,
            "integer": self.integer,
        }


def catalogue(base: ScenarioSpec | None) -> dict[str, tuple[str, str, str]]:
    """Every name that may vary: name -> (kind, field, regime).

    Without a scenario, the structural parameters alone (a calibration's search space).
    """
    out = {name: ("structural", name, "") for name in parameter_ranges(ModelParameters)}
    for regime in base.regimes if base is not None else ():
        for lever in parameter_ranges(RegimeParameters):
            out[f"regimes.{regime.name}.{lever}"] = ("lever", lever, regime.name)
        out[f"regimes.{regime.name}.start"] = ("start", "start", regime.name)
    return out


def varied_parameter(
    name: str,
    bounds: Any,
    source: str,
    key: str,
    base: ScenarioSpec | None = None,
    log: bool = False,
) -> VariedParameter:
    """A checked varied parameter from a file's ``name = [low, high]``.

    Args:
        name: Its name (see the module docstring).
        bounds: The value read for it.
        source: The file.
        key: Its key in the file.
        base: The scenario it varies (None: structural parameters only).
        log: Whether it is drawn on a log scale.
    """
    known = catalogue(base)
    if name not in known:
        what = (
            "a structural parameter of sim/parameters.py"
            if base is None
            else "a structural parameter, regimes.<regime>.<lever> or regimes.<regime>.start "
            f"of scenario '{base.name}'"
        )
        raise InputError(
            f"unknown parameter '{name}' ({what}){did_you_mean(name, known)}",
            source=source,
            key=key,
        )
    kind, field, regime = known[name]
    if kind == "start":
        if log:
            raise InputError("a start date has no log scale", source=source, key=key)
        assert base is not None  # starts are in the catalogue only with a scenario
        lo, hi = interval(bounds, source, key)
        _check_start(base, regime, lo, hi, source, key)
        return VariedParameter(name, lo, hi, kind, field, regime, scale="date")
    sheet = ModelParameters if kind == "structural" else RegimeParameters
    typ, allowed = parameter_ranges(sheet)[field]
    lo, hi = interval(bounds, source, key, allowed=allowed)
    if log and lo <= 0:
        raise InputError(
            f"a log scale needs a positive range, got [{lo:g}, {hi:g}]", source=source, key=key
        )
    scale = "log" if log else "integer" if typ is int else "linear"
    return VariedParameter(name, lo, hi, kind, field, regime, scale=scale)


def _start_window(base: ScenarioSpec, regime: str) -> tuple[float, float, str]:
    """The open interval a regime's start may move in, and how to describe it."""
    names = [r.name for r in base.regimes]
    i = names.index(regime)
    if i == 0:
        return math.nan, math.nan, "the first regime starts with the run and cannot move"
    before = base.regimes[i - 1]
    after = base.regimes[i + 1] if i + 1 < len(base.regimes) else None
    hi = after.start if after else base.end_year + 1.0
    what = f"'{after.name}' starts" if after else "the run ends"
    text = f"strictly between {before.start:.4f} ('{before.name}' starts) and {hi:.4f} ({what})"
    return before.start, hi, text


def _check_start(
    base: ScenarioSpec, regime: str, lo: float, hi: float, source: str, key: str
) -> None:
    low, high, allowed = _start_window(base, regime)
    if math.isnan(low):
        raise InputError(allowed, source=source, key=key)
    # Compare the dates actually applied (rounded to the day), as the scenario will see them.
    applied = [fractional_year(date_of_year(x), source, key) for x in (lo, hi)]
    if not (low < applied[0] and applied[1] < high):
        raise InputError(
            f"bounds [{lo:g}, {hi:g}] must be increasing and {allowed}", source=source, key=key
        )


def check_starts(
    parameters: Sequence[VariedParameter], base: ScenarioSpec, source: str, where: str
) -> None:
    """Two neighbouring regimes whose starts both vary must not be able to swap."""
    starts = {p.regime: p for p in parameters if p.kind == "start"}
    names = [r.name for r in base.regimes]
    for first, second in itertools.pairwise(names):
        if first in starts and second in starts and starts[first].hi >= starts[second].lo:
            raise InputError(
                f"the range of {second}'s start must lie after the range of {first}'s start "
                f"(upper bound {starts[first].hi:g})",
                source=source,
                key=f"{where}.{starts[second].name}",
            )


def point_spec(
    base: ScenarioSpec, parameters: Sequence[VariedParameter], values: Sequence[float]
) -> ScenarioSpec:
    """The scenario of one set of values, made with the scenario's typed edits."""
    structural: dict[str, Any] = {}
    levers: dict[str, dict[str, Any]] = {}
    starts: dict[str, Any] = {}
    for param, value in zip(parameters, values, strict=True):
        if param.kind == "structural":
            structural[param.field] = param.applied(value)
        elif param.kind == "start":
            starts[param.regime] = param.applied(value)
        else:
            levers.setdefault(param.regime, {})[param.field] = param.applied(value)
    spec = base.with_overrides(structural)
    if levers:
        spec = spec.with_levers(levers)
    return spec.with_regime_starts(starts) if starts else spec
