"""Scenarios: one human-editable TOML file each, validated on load into a Mesa `Scenario`.

A scenario file holds the run's period, the regime timeline (each regime's policy levers),
the forum schedule, the macro inputs, any structural parameter overrides and any decisions of
the border regions' administrations (`[[decisions]]`). A file may
`extends` another; the resolved scenario is what runs and what is written to `meta.json`.

Merging rules for `extends` (the child wins):
- top-level values and the `[parameters]` table are replaced key by key;
- `[[regimes]]` merge by `name`: a child regime with a known name changes that regime's
  keys, one with `remove = true` deletes it, a new name is added; the result is ordered by start;
- `[[forums]]` given in the child replace the parent's schedule, and so do `[[decisions]]`
  (the border regions' own levers, year by year: what a class decided, see `RegionDecision`);
- `[[macro.adjust]]` entries are appended to the parent's.

A file is read and its values checked with `sim.inputs`, as every input file is, so that a
mistake reads as it would in a sweep's or a calibration's file: the file, the key, what is
allowed.

A `ScenarioSpec` is edited by its `with_*` methods, each of which returns a new spec checked
as a file is (a bad edit raises the same `InputError`, naming the key and what is allowed), and
`to_toml` writes it back as a scenario file: the whole scenario, or only what it changes in the
scenario it `extends`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario

from sim.errors import InputError
from sim.inputs import (
    as_table,
    check_keys,
    date_of_year,
    did_you_mean,
    flag,
    fractional_year,
    number,
    one_of,
    read_toml,
    table_list,
    text,
    text_list,
)
from sim.parameters import (
    ModelParameters,
    Range,
    RegimeParameters,
    parameter_ranges,
)
from sim.world import COUNTRIES

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CALIBRATED_FILE = Path(__file__).resolve().parent.parent / "calibration" / "calibrated.toml"
ADJUST_COUNTRIES = (*COUNTRIES, "WORLD")  # WORLD: the oil price and world-wide adjustments
TOP_KEYS = {
    "calibrated",
    "name",
    "title",
    "question",
    "description",
    "extends",
    "start_year",
    "end_year",
    "parameters",
    "regimes",
    "forums",
    "macro",
    "decisions",
}
REGIME_META_KEYS = {"name", "label", "start", "remove"}
FORUM_KEYS = {"year", "host", "kind", "format", "participants", "note"}
FORUM_KINDS = ("heads", "business")
FORUM_FORMATS = ("border", "interregional", "national_and_neighbours")
MACRO_KEYS = {"file", "adjust", "extend", "backcast", "trend_years", "note"}
MACRO_EXTENDS = ("none", "trend")
MACRO_BACKCASTS = ("none", "hold")
ADJUST_KEYS = {"country", "from_year", "to_year", "gdp", "price", "oil_price", "note"}
DECISION_KEYS = {"year", "region", "proposals", "accepted", "delegation", "funding_share"}
MAX_PROPOSALS = 6  # agreements a region may propose in one year
YEAR_RANGE = Range(1991, 2100)
LEVERS = tuple(parameter_ranges(RegimeParameters))

# A regime's start as a scenario file writes it: a year (2010) or a date (2011-07-01, or the
# same as an ISO string).
RegimeStart = int | dt.date | str


@dataclass(frozen=True)
class Regime:
    """One period of the policy timeline: its name, start (fractional year) and levers."""

    name: str
    label: str
    start: float
    levers: RegimeParameters


@dataclass(frozen=True)
class Forum:
    """One forum of border / interregional cooperation, held in `host` in `year`."""

    year: int
    host: str  # empty when the sources do not name the host
    kind: str = "heads"
    format: str = "border"
    participants: int = 0


@dataclass(frozen=True)
class RegionDecision:
    """What one border region's administration decided for one year: its own levers.

    Attributes:
        year: The year the decision holds for.
        region: The deciding border region (a region_id).
        proposals: Regions across the border it proposes a cooperation agreement to.
        accepted: Regions across the border whose proposal of this year it accepts; a
            proposal it does not accept is declined.
        delegation: Whether it sends a delegation to the year's forums (None: the model's own
            attendance rule).
        funding_share: Share of its programme budget (`region_budget`) given to state funding
            of cross-border programmes, the rest to investment attraction (None: no budget).
    """

    year: int
    region: str
    proposals: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    delegation: bool | None = None
    funding_share: float | None = None


@dataclass(frozen=True)
class MacroAdjustment:
    """A multiplicative change to one country's macro inputs (or the oil price) over years.

    `gdp` scales nominal GDP in US$ and `price` the US$ price level of a country; for
    `country = "WORLD"`, `oil_price` scales the oil price (see `sim.macro`).
    """

    country: str
    from_year: int
    to_year: int
    gdp: float = 1.0
    price: float = 1.0
    oil_price: float = 1.0


@dataclass
class ScenarioSpec:
    """A resolved, validated scenario (plain data, independent of Mesa).

    Two specs are equal when they run alike: where a spec was read from (`source`) and the
    table it was read from (`resolved`, what a run records) are not compared. Edit a spec with
    its `with_*` methods; each returns a new, validated spec and leaves this one as it is.
    """

    name: str
    title: str
    question: str
    description: str
    start_year: int
    end_year: int
    parameters: ModelParameters
    regimes: list[Regime]
    forums: list[Forum]
    macro_file: str | None
    macro_adjust: list[MacroAdjustment]
    source: str = field(compare=False)
    macro_extend: str = "none"
    macro_backcast: str = "none"
    trend_years: int = 10
    decisions: list[RegionDecision] = field(default_factory=list)
    resolved: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> ScenarioSpec:
        """Return a copy with structural parameters (and `start_year`/`end_year`) overridden.

        A shortened run drops the regimes that would start, and the forums held, after its end.
        """
        if not overrides:
            return self
        raw = copy.deepcopy(self.resolved)
        for key, value in overrides.items():
            if key in ("start_year", "end_year"):
                raw[key] = value
            else:
                raw.setdefault("parameters", {})[key] = value
        end = raw["end_year"]
        if isinstance(end, int) and end < self.end_year:
            # A shortened run drops the regimes and forums that come after its end.
            raw["regimes"] = [
                r for r in raw["regimes"] if fractional_year(r["start"], self.source, "") < end + 1
            ]
            raw["forums"] = [f for f in raw.get("forums", []) if f.get("year", end) <= end]
            if "decisions" in raw:
                raw["decisions"] = [d for d in raw["decisions"] if d.get("year", end) <= end]
        return _validate(raw, source=f"{self.source} (with overrides)")

    def with_lever(self, regime: str, lever: str, value: float) -> ScenarioSpec:
        """Return a copy with one lever of one regime set (see `with_levers`)."""
        return self.with_levers({regime: {lever: value}})

    def with_levers(self, levers: Mapping[str, Mapping[str, float]]) -> ScenarioSpec:
        """Return a copy with levers of named regimes set: `{regime: {lever: value}}`.

        As in a scenario file that `extends` this one: a regime takes the levers it does not
        set itself from the regime before it, so a lever set here holds from the regime's start
        until a later regime sets that lever itself.
        """
        raw = copy.deepcopy(self.resolved)
        entries = self._entries(raw, levers)
        for name, values in levers.items():
            check_keys(dict(values), LEVERS, self.source, f"regimes.{name}", what="lever")
            entries[name].update(values)
        return self._edited(raw)

    def with_regime_start(self, regime: str, start: RegimeStart) -> ScenarioSpec:
        """Return a copy in which `regime` starts at `start`, a year or a date."""
        return self.with_regime_starts({regime: start})

    def with_regime_starts(self, starts: Mapping[str, RegimeStart]) -> ScenarioSpec:
        """Return a copy in which each named regime starts at its new start, a year or a date.

        All starts move at once (moving them one by one could pass through a timeline in which
        two regimes start together); the timeline is then put in order of start again, as a
        file that `extends` this one and moves the regimes would be.
        """
        raw = copy.deepcopy(self.resolved)
        for regime, start in starts.items():
            fractional_year(start, self.source, f"regimes.{regime}.start")
        entries = self._entries(raw, starts)
        for regime, start in starts.items():
            entries[regime]["start"] = start
        raw["regimes"] = _by_start(raw["regimes"])
        return self._edited(raw)

    def with_regimes(self, regimes: Sequence[Regime]) -> ScenarioSpec:
        """Return a copy whose timeline is `regimes` (in order of start, every lever given).

        Each start must fall on a day, as a file writes it: a whole year or a date.
        """
        names = [r.name for r in regimes]
        for name in names:
            if names.count(name) > 1:
                raise InputError(
                    "two regimes of that name", source=self.source, key=f"regimes.{name}"
                )
        raw = copy.deepcopy(self.resolved)
        raw["regimes"] = _regime_tables(regimes, {}, {}, self.source)
        return self._edited(raw)

    def with_forums(self, forums: Sequence[Forum]) -> ScenarioSpec:
        """Return a copy with `forums` as the forum schedule (replacing the scenario's own)."""
        raw = copy.deepcopy(self.resolved)
        raw["forums"] = [_forum_entry(f) for f in forums]
        return self._edited(raw)

    def with_decisions(self, decisions: Sequence[RegionDecision]) -> ScenarioSpec:
        """Return a copy with `decisions` as the border regions' own levers (replacing any)."""
        raw = copy.deepcopy(self.resolved)
        raw["decisions"] = [_decision_entry(d) for d in decisions]
        return self._edited(raw)

    def with_name(self, name: str, title: str | None = None) -> ScenarioSpec:
        """Return a copy called `name` (and `title`; by default the title stays)."""
        raw = copy.deepcopy(self.resolved)
        raw["name"] = name
        raw["title"] = self.title if title is None else title
        return self._edited(raw)

    def to_toml(self, extends: ScenarioSpec | None = None) -> str:
        """The scenario as the text of a scenario file that `load_scenario` reads back equal.

        Without `extends`: the whole scenario. It says `calibrated = false` and gives the
        structural parameters that differ from `ModelParameters`' defaults, so that it runs the
        same after a later calibration; each regime sets the levers it changes.

        With `extends` (a spec read from a file): a file that `extends` that scenario and says
        only what differs from it, by the merge rules of this module.
        """
        if extends is None:
            return _whole_toml(self)
        return _extends_toml(self, extends)

    def _entries(self, raw: dict[str, Any], edits: Mapping[str, Any]) -> dict[str, dict]:
        """The regime tables of `raw` by name, once every regime `edits` names is known."""
        names = [r.name for r in self.regimes]  # listed in the timeline's order
        check_keys(dict(edits), names, self.source, "regimes", what="regime", ordered=True)
        return {r["name"]: r for r in raw["regimes"]}

    def _edited(self, raw: dict[str, Any]) -> ScenarioSpec:
        source = self.source if EDITED in self.source else self.source + EDITED
        return _validate(raw, source=source)


EDITED = " (edited)"  # marks the source of a spec made by its `with_*` methods


class TransfrontierScenario(Scenario):
    """Mesa scenario object for the Transfrontier model.

    Args:
        spec: The resolved scenario (timeline, forums, macro inputs, parameters).
        rng: Seed of the run (an int or a `numpy.random.SeedSequence`).
    """

    spec: ScenarioSpec | None = None


def available_scenarios(directory: Path = SCENARIO_DIR) -> list[str]:
    """Names of the scenarios shipped in `directory`."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def resolve_path(name_or_path: str | Path, directory: Path = SCENARIO_DIR) -> Path:
    """Find a scenario file from a shipped name or a path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise InputError("scenario file not found", source=str(candidate))
        return candidate
    shipped = directory / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    names = available_scenarios(directory)
    raise InputError(
        f"unknown scenario '{name_or_path}' (known: {', '.join(names)})"
        f"{did_you_mean(str(name_or_path), names)}",
        source="scenario",
    )


def load_scenario(
    name_or_path: str | Path,
    directory: Path = SCENARIO_DIR,
    use_calibration: bool = True,
    calibration: dict[str, Any] | None = None,
) -> ScenarioSpec:
    """Load, resolve (`extends`) and validate a scenario by shipped name or by path.

    Unless the scenario says `calibrated = false` (or `use_calibration` is off), its structural
    parameters start from `calibration/calibrated.toml`, under its own `[parameters]`;
    `calibration` replaces some of the calibrated values (a posterior draw's), still under the
    scenario's own.
    """
    path = resolve_path(name_or_path, directory)
    raw = _read_resolved(path, directory, seen=())
    calibrated = flag(raw.get("calibrated", True), str(path), "calibrated")
    if use_calibration and calibrated:
        raw["parameters"] = {
            **calibrated_parameters(),
            **(calibration or {}),
            **raw.get("parameters", {}),
        }
    return _validate(raw, source=str(path))


def calibrated_parameters(path: Path = CALIBRATED_FILE) -> dict[str, Any]:
    """The calibrated structural parameters (empty before any calibration)."""
    if not path.is_file():
        return {}
    table = read_toml(path)[0].get("parameters", {})
    _validate_parameters(table, str(path))
    return dict(table)


def _read_resolved(path: Path, directory: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Read a scenario file and fold in its parents, checking keys file by file."""
    if path.resolve() in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise InputError(f"circular 'extends': {chain}", source=str(path), key="extends")
    source = str(path)
    raw, _ = read_toml(path)
    check_keys(raw, TOP_KEYS, source)
    # What the merge reads must be tables (and lists of them) in each file.
    as_table(raw.get("parameters", {}), source, "parameters")
    macro = as_table(raw.get("macro", {}), source, "macro")
    table_list(macro.get("adjust", []), source, "macro.adjust")
    _check_regime_order(table_list(raw.get("regimes", []), source, "regimes"), source)
    raw.setdefault("name", path.stem)
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    text(parent_name, source, "extends", what="a scenario name or path")
    parent_path = (
        (path.parent / parent_name)
        if parent_name.endswith(".toml")
        else resolve_path(parent_name, directory)
    )
    parent = _read_resolved(parent_path, directory, (*seen, path.resolve()))
    return _merge(parent, raw)


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "parameters":
            out.setdefault("parameters", {}).update(value)
        elif key == "regimes":
            out["regimes"] = _merge_regimes(out.get("regimes", []), value)
        elif key == "macro":
            macro = out.setdefault("macro", {})
            for mkey, mval in value.items():
                if mkey == "adjust":
                    macro["adjust"] = [*macro.get("adjust", []), *mval]
                else:
                    macro[mkey] = mval
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_regimes(parent: list[dict], child: list[dict]) -> list[dict]:
    by_name = {r.get("name"): copy.deepcopy(r) for r in parent}
    order = [r.get("name") for r in parent]
    for regime in child:
        name = regime.get("name")
        if regime.get("remove"):
            by_name.pop(name, None)
            order = [n for n in order if n != name]
        elif name in by_name:
            by_name[name].update(regime)
        else:
            by_name[name] = copy.deepcopy(regime)
            order.append(name)
    return _by_start([by_name[n] for n in order])


def _by_start(regimes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regime tables in order of start (a stable sort: equal starts keep their order)."""
    return sorted(regimes, key=lambda r: fractional_year(r.get("start", 0), "", ""))


def _check_regime_order(regimes: list[dict[str, Any]], source: str) -> None:
    starts = [
        fractional_year(r.get("start"), source, f"regimes[{i}].start")
        for i, r in enumerate(regimes)
        if "start" in r and not r.get("remove")
    ]
    for i in range(1, len(starts)):
        if starts[i] <= starts[i - 1]:
            raise InputError(
                "regimes must be listed in order of strictly increasing start "
                f"({starts[i - 1]:g} then {starts[i]:g})",
                source=source,
                key="regimes",
            )


def _validate(raw: dict[str, Any], source: str) -> ScenarioSpec:
    """Check a resolved scenario table and build the typed `ScenarioSpec`."""
    from sim.data import load_regions  # local: data loading is heavier than parsing

    check_keys(raw, TOP_KEYS - {"extends"}, source)
    for key in ("start_year", "end_year"):
        if key not in raw:
            raise InputError(f"missing; a year in {YEAR_RANGE}", source=source, key=key)
    start = number(raw["start_year"], source, "start_year", kind=int, allowed=YEAR_RANGE)
    end = number(raw["end_year"], source, "end_year", kind=int, allowed=YEAR_RANGE)
    if end < start:
        raise InputError(
            f"end_year {end} is before start_year {start}", source=source, key="end_year"
        )
    for key in ("name", "title", "question", "description"):
        if key in raw:
            text(raw[key], source, key)

    params = _validate_parameters(raw.get("parameters", {}), source)
    regimes = _validate_regimes(raw.get("regimes", []), start, end, source)
    regions = load_regions()
    region_ids = set(regions.region_id)
    forums = _validate_forums(raw.get("forums", []), start, end, region_ids, source)
    decisions = _validate_decisions(raw.get("decisions", []), start, end, regions, source)
    macro = check_keys(raw.get("macro", {}), MACRO_KEYS, source, "macro")
    adjust = _validate_adjustments(macro.get("adjust", []), source)
    macro_file = _macro_file(macro.get("file"), source)
    extend = one_of(macro.get("extend", "none"), MACRO_EXTENDS, source, "macro.extend", "extend")
    backcast = one_of(
        macro.get("backcast", "none"), MACRO_BACKCASTS, source, "macro.backcast", "backcast"
    )
    trend_years = number(
        macro.get("trend_years", 10), source, "macro.trend_years", kind=int, allowed=Range(1, 30)
    )

    return ScenarioSpec(
        name=raw.get("name", "scenario"),
        title=raw.get("title", raw.get("name", "scenario")),
        question=raw.get("question", ""),
        description=raw.get("description", ""),
        start_year=start,
        end_year=end,
        parameters=params,
        regimes=regimes,
        forums=forums,
        macro_file=macro_file,
        macro_adjust=adjust,
        source=source,
        macro_extend=extend,
        macro_backcast=backcast,
        trend_years=trend_years,
        decisions=decisions,
        resolved=copy.deepcopy(raw),
    )


def _macro_file(name: Any, source: str) -> str | None:
    """Resolve a macro file: next to the scenario file first, then in the package data."""
    from sim.data import DATA_DIR

    if name is None:
        return None
    text(name, source, "macro.file", what="a file name")
    for folder in (Path(source).parent, DATA_DIR):
        if (folder / name).is_file():
            return str((folder / name).resolve())
    raise InputError(
        f"macro file {name!r} not found next to the scenario or in the package data",
        source=source,
        key="macro.file",
    )


def _validate_parameters(table: Any, source: str) -> ModelParameters:
    ranges = parameter_ranges(ModelParameters)
    values = {
        key: number(value, source, f"parameters.{key}", kind=ranges[key][0], allowed=ranges[key][1])
        for key, value in check_keys(table, ranges, source, "parameters").items()
    }
    params = dataclasses.replace(ModelParameters(), **values)
    if params.pareto_shape <= params.sigma - 1:
        raise InputError(
            f"pareto_shape {params.pareto_shape:g} must exceed sigma - 1 = "
            f"{params.sigma - 1:g} (finite mean sales)",
            source=source,
            key="parameters.pareto_shape",
        )
    return params


def _validate_regimes(table: Any, start: int, end: int, source: str) -> list[Regime]:
    if not isinstance(table, list) or not table:
        raise InputError("at least one [[regimes]] entry is required", source=source, key="regimes")
    ranges = parameter_ranges(RegimeParameters)
    allowed = set(ranges) | REGIME_META_KEYS
    regimes: list[Regime] = []
    current: dict[str, Any] = {}
    for i, entry in enumerate(table):
        where = f"regimes[{i}]"
        check_keys(entry, allowed, source, where)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise InputError("every regime needs a 'name'", source=source, key=f"{where}.name")
        where = f"regimes.{name}"
        if "start" not in entry:
            raise InputError("missing start (a year or a date)", source=source, key=where)
        begin = fractional_year(entry["start"], source, f"{where}.start")
        if i == 0 and begin > start:
            raise InputError(
                f"the first regime must start by start_year {start}, got {begin:g}",
                source=source,
                key=f"{where}.start",
            )
        if begin >= end + 1:
            raise InputError(
                f"start {begin:g} is after the run ends ({end})",
                source=source,
                key=f"{where}.start",
            )
        if regimes and begin <= regimes[-1].start:
            raise InputError(
                f"regimes must start in increasing order; {begin:g} follows {regimes[-1].start:g}",
                source=source,
                key=f"{where}.start",
            )
        for key, (kind, rng) in ranges.items():
            if key in entry:
                current[key] = number(entry[key], source, f"{where}.{key}", kind=kind, allowed=rng)
        missing = sorted(set(ranges) - set(current))
        if missing:
            raise InputError(
                f"the first regime must set every lever; missing: {', '.join(missing)}",
                source=source,
                key=where,
            )
        regimes.append(
            Regime(name, str(entry.get("label", name)), begin, RegimeParameters(**current))
        )
    return regimes


def _validate_forums(
    table: Any, start: int, end: int, region_ids: set[str], source: str
) -> list[Forum]:
    forums = []
    for i, entry in enumerate(table_list(table, source, "forums")):
        where = f"forums[{i}]"
        check_keys(entry, FORUM_KEYS, source, where)
        year = number(
            entry.get("year"), source, f"{where}.year", kind=int, allowed=Range(start, end)
        )
        host = entry.get("host", "")
        if host and host not in region_ids:
            raise InputError(
                f"unknown host region {host!r} (a region_id of sim/data/regions.csv)"
                f"{did_you_mean(str(host), region_ids)}",
                source=source,
                key=f"{where}.host",
            )
        kind = entry.get("kind", "heads")
        fmt = entry.get("format", "border")
        if fmt == "national_and_neighbours" and not host:
            raise InputError(
                "the national_and_neighbours format needs a host region",
                source=source,
                key=f"{where}.host",
            )
        one_of(kind, FORUM_KINDS, source, f"{where}.kind", "kind")
        one_of(fmt, FORUM_FORMATS, source, f"{where}.format", "format")
        participants = number(
            entry.get("participants", 0),
            source,
            f"{where}.participants",
            kind=int,
            allowed=Range(0, 100_000),
        )
        forums.append(Forum(year, host, kind, fmt, participants))
    return forums


def read_decision(
    entry: Any, start: int, end: int, regions: Any, source: str, where: str
) -> RegionDecision:
    """One border region's decision for a year, checked: every value bounded, every name known.

    Args:
        entry: The decision's table (`DECISION_KEYS`).
        start: First year a decision may hold for.
        end: Last such year.
        regions: The regions' table (`sim.data.load_regions`).
        source: Where the table came from (a file, a class page).
        where: Its key there.
    """
    check_keys(entry, DECISION_KEYS, source, where)
    year = number(entry.get("year"), source, f"{where}.year", kind=int, allowed=Range(start, end))
    border = regions.region_id[regions.border]
    region = one_of(entry.get("region"), tuple(border), source, f"{where}.region", "region")
    country = regions.country[regions.region_id == region].iloc[0]
    across = tuple(regions.region_id[regions.country != country])
    names = {}
    for key in ("proposals", "accepted"):
        ids = text_list(entry.get(key, []), source, f"{where}.{key}")
        for i, rid in enumerate(ids):
            one_of(rid, across, source, f"{where}.{key}[{i}]", "region across the border")
        if len(set(ids)) < len(ids):
            raise InputError("a region is named twice", source=source, key=f"{where}.{key}")
        names[key] = ids
    if len(names["proposals"]) > MAX_PROPOSALS:
        raise InputError(
            f"at most {MAX_PROPOSALS} proposals a year, got {len(names['proposals'])}",
            source=source,
            key=f"{where}.proposals",
        )
    delegation = entry.get("delegation")
    if delegation is not None:
        delegation = flag(delegation, source, f"{where}.delegation")
    share = entry.get("funding_share")
    if share is not None:
        share = float(number(share, source, f"{where}.funding_share", allowed=Range(0.0, 1.0)))
    return RegionDecision(year, region, names["proposals"], names["accepted"], delegation, share)


def _validate_decisions(
    table: Any, start: int, end: int, regions: Any, source: str
) -> list[RegionDecision]:
    decisions = [
        read_decision(entry, start, end, regions, source, f"decisions[{i}]")
        for i, entry in enumerate(table_list(table, source, "decisions"))
    ]
    seen: set[tuple[int, str]] = set()
    for i, d in enumerate(decisions):
        if (d.year, d.region) in seen:
            raise InputError(
                f"{d.region} decides twice for {d.year}", source=source, key=f"decisions[{i}]"
            )
        seen.add((d.year, d.region))
    return decisions


def _validate_adjustments(table: Any, source: str) -> list[MacroAdjustment]:
    out = []
    years = Range(1900, 2100)
    for i, entry in enumerate(table_list(table, source, "macro.adjust")):
        where = f"macro.adjust[{i}]"
        check_keys(entry, ADJUST_KEYS, source, where)
        country = one_of(
            entry.get("country"), ADJUST_COUNTRIES, source, f"{where}.country", "country"
        )
        allowed = ("oil_price",) if country == "WORLD" else ("gdp", "price")
        for k in set(entry) & {"gdp", "price", "oil_price"} - set(allowed):
            raise InputError(
                f"{k} does not apply to {country}; it takes {' and '.join(allowed)}",
                source=source,
                key=f"{where}.{k}",
            )
        lo = number(entry.get("from_year"), source, f"{where}.from_year", kind=int, allowed=years)
        hi = number(entry.get("to_year", lo), source, f"{where}.to_year", kind=int, allowed=years)
        if hi < lo:
            raise InputError(
                f"to_year {hi} before from_year {lo}", source=source, key=f"{where}.to_year"
            )
        factors = {
            k: number(entry.get(k, 1.0), source, f"{where}.{k}", allowed=Range(0.01, 100.0))
            for k in allowed
        }
        out.append(MacroAdjustment(country, lo, hi, **factors))
    return out


# --- writing a spec as a scenario file -------------------------------------------------------
def _written_start(regime: Regime, source: str) -> int | dt.date:
    """A regime's start as a file writes it: the year, or the date it falls on."""
    start = regime.start
    value = int(start) if float(start).is_integer() else date_of_year(start)
    if fractional_year(value) != start:
        raise InputError(
            f"start {start!r} does not fall on a day; give a year or a date",
            source=source,
            key=f"regimes.{regime.name}.start",
        )
    return value


def _regime_tables(
    regimes: Sequence[Regime],
    parent: Mapping[str, Regime],
    written: Mapping[str, Mapping[str, Any]],
    source: str,
) -> list[dict[str, Any]]:
    """The `[[regimes]]` tables that give `regimes` when merged into a parent's (if any).

    `parent` holds the parent's regimes by name and `written` their tables as written (the
    levers each sets itself). A table has the name, the label and start where they differ from
    the parent's, and the levers that differ from those the regime would otherwise get: its
    own as written in the parent, else those of the regime before it.
    """
    out: list[dict[str, Any]] = []
    previous: dict[str, float] = {}
    for regime in regimes:
        levers = dataclasses.asdict(regime.levers)
        before = parent.get(regime.name)
        table: dict[str, Any] = {"name": regime.name}
        if before is None or regime.label != before.label:
            table["label"] = regime.label
        if before is None or regime.start != before.start:
            table["start"] = _written_start(regime, source)
        own = written.get(regime.name, {})
        inherited = {**previous, **{k: own[k] for k in LEVERS if k in own}}
        table.update({k: v for k, v in levers.items() if k not in inherited or inherited[k] != v})
        out.append(table)
        previous = levers
    return out


def _forum_entry(forum: Forum) -> dict[str, Any]:
    """A forum as a `[[forums]]` table (an empty host and no participants are left out)."""
    table: dict[str, Any] = {"year": forum.year}
    if forum.host:
        table["host"] = forum.host
    table |= {"kind": forum.kind, "format": forum.format}
    if forum.participants:
        table["participants"] = forum.participants
    return table


def _decision_entry(decision: RegionDecision) -> dict[str, Any]:
    """A region's decision as a `[[decisions]]` table (what it leaves to the model left out)."""
    table: dict[str, Any] = {"year": decision.year, "region": decision.region}
    table |= {"proposals": list(decision.proposals), "accepted": list(decision.accepted)}
    if decision.delegation is not None:
        table["delegation"] = decision.delegation
    if decision.funding_share is not None:
        table["funding_share"] = decision.funding_share
    return table


def _macro_table(spec: ScenarioSpec, base: ScenarioSpec | None) -> dict[str, Any]:
    """The `[macro]` table of `spec`: what differs from `base` (or from the defaults)."""
    from sim.data import DATA_DIR

    table: dict[str, Any] = {}
    file, adjust = (base.macro_file, base.macro_adjust) if base else (None, [])
    if spec.macro_file != file:
        if spec.macro_file is None:
            raise ValueError("a scenario file cannot take away the macro file it extends")
        path = Path(spec.macro_file)
        # The package's own data by name, so that the file reads the same on another machine.
        table["file"] = path.name if path.parent == DATA_DIR.resolve() else str(path)
    settings = {
        "extend": (spec.macro_extend, base.macro_extend if base else "none"),
        "backcast": (spec.macro_backcast, base.macro_backcast if base else "none"),
        "trend_years": (spec.trend_years, base.trend_years if base else 10),
    }
    table |= {key: value for key, (value, before) in settings.items() if value != before}
    if spec.macro_adjust[: len(adjust)] != adjust:
        raise ValueError("a scenario file can only append macro adjustments to those it extends")
    if spec.macro_adjust[len(adjust) :]:
        table["adjust"] = [_adjust_entry(a) for a in spec.macro_adjust[len(adjust) :]]
    return table


def _adjust_entry(adjust: MacroAdjustment) -> dict[str, Any]:
    """A macro adjustment as a `[[macro.adjust]]` table, with the factors its country takes."""
    table: dict[str, Any] = {
        "country": adjust.country,
        "from_year": adjust.from_year,
        "to_year": adjust.to_year,
    }
    if adjust.country == "WORLD":
        return table | {"oil_price": adjust.oil_price}
    return table | {"gdp": adjust.gdp, "price": adjust.price}


def _whole_toml(spec: ScenarioSpec) -> str:
    """The whole scenario file of `spec` (see `ScenarioSpec.to_toml`)."""
    table: dict[str, Any] = {"name": spec.name, "title": spec.title}
    table |= {
        k: v for k, v in (("question", spec.question), ("description", spec.description)) if v
    }
    table |= {"calibrated": False, "start_year": spec.start_year, "end_year": spec.end_year}
    defaults = dataclasses.asdict(ModelParameters())
    table["parameters"] = {
        k: v for k, v in dataclasses.asdict(spec.parameters).items() if v != defaults[k]
    }
    table["regimes"] = _regime_tables(spec.regimes, {}, {}, spec.source)
    table["forums"] = [_forum_entry(f) for f in spec.forums]
    if spec.decisions:
        table["decisions"] = [_decision_entry(d) for d in spec.decisions]
    table["macro"] = _macro_table(spec, None)
    return _toml_document(table)


def _extends_toml(spec: ScenarioSpec, base: ScenarioSpec) -> str:
    """A scenario file that `extends` `base` and gives `spec` (see `ScenarioSpec.to_toml`)."""
    path = Path(base.source)
    if not path.is_file():
        raise ValueError(f"only a scenario read from a file can be extended, not {base.source!r}")
    shipped = SCENARIO_DIR / f"{path.stem}.toml"
    same = shipped.is_file() and shipped.resolve() == path.resolve()
    # The name always: a file without one is named after itself.
    table: dict[str, Any] = {"extends": path.stem if same else str(path.resolve())}
    table["name"] = spec.name
    for key in ("title", "question", "description", "start_year", "end_year"):
        if getattr(spec, key) != getattr(base, key):
            table[key] = getattr(spec, key)
    before = dataclasses.asdict(base.parameters)
    parameters = {k: v for k, v in dataclasses.asdict(spec.parameters).items() if v != before[k]}
    written = {r.get("name"): r for r in base.resolved["regimes"]}
    parent = {r.name: r for r in base.regimes}
    tables = _regime_tables(spec.regimes, parent, written, spec.source)
    kept = {r.name for r in spec.regimes}
    regimes = [t for t in tables if len(t) > 1]  # a table with its name alone changes nothing
    regimes += [{"name": name, "remove": True} for name in parent if name not in kept]
    table |= {k: v for k, v in (("parameters", parameters), ("regimes", regimes)) if v}
    if spec.forums != base.forums:
        table["forums"] = [_forum_entry(f) for f in spec.forums]
    if spec.decisions != base.decisions:
        table["decisions"] = [_decision_entry(d) for d in spec.decisions]
    table["macro"] = _macro_table(spec, base)
    return _toml_document(table)


def _toml_document(table: Mapping[str, Any]) -> str:
    """A TOML document of a scenario's table: its values, then its tables and arrays of them."""
    return "\n".join(_toml_lines(table, "")).lstrip("\n") + "\n"


def _toml_lines(table: Mapping[str, Any], prefix: str) -> list[str]:
    def is_tables(value: Any) -> bool:
        return isinstance(value, Mapping) or (
            isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)
        )

    lines = [f"{key} = {_toml_value(v)}" for key, v in table.items() if not is_tables(v)]
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:  # an empty table says nothing
            lines += ["", f"[{name}]", *_toml_lines(value, f"{name}.")]
        elif is_tables(value) and not isinstance(value, Mapping):
            for item in value:
                lines += ["", f"[[{name}]]", *_toml_lines(item, f"{name}.")]
    return lines


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_value(value: Any) -> str:
    """A value as TOML writes it: booleans, numbers, dates, strings, and lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(value))  # the shortest text that reads back equal; inf and nan too
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # A text of several lines (a description) is written over as many lines.
        lines = "\n" in value
        escaped = "".join(_escaped(c, keep_newline=lines) for c in value)
        return f'"""\n{escaped}"""' if lines else f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _escaped(c: str, keep_newline: bool) -> str:
    """One character of a TOML string: quotes, backslashes and control characters escaped."""
    if c in _TOML_ESCAPES and not (keep_newline and c == "\n"):
        return _TOML_ESCAPES[c]
    return c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}"
