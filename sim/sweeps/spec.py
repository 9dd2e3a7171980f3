"""The parameters file of a sweep: what to vary, over which ranges, and what to analyse.

The file::

    [sweep]                          # optional
    scenario = "historical"          # shipped name or path (the CLI's --scenario wins)
    n_firms = 20000                  # firm agents per run (default: the scenario's)
    seed = 0                         # master seed of the design and of the replicate seeds
    end_year = 2015                  # shorter runs: regimes and forums after it are dropped

    [parameters]                     # name = [low, high], inside the parameter's allowed range
    distance_elasticity = [0.3, 1.2]                              # structural parameter
    "regimes.internal_controls_removed.border_formalities" = [0.0, 0.1]  # a regime's lever
    "regimes.customs_union_tariff.start" = [2009.0, 2011.0]       # a regime's start year

    [[outputs]]                      # what the analysis explains
    column = "turnover_usd_bn"       # a numeric column of the model table
    years = [2013, 2015]             # mean over the window; or `year = 2015`
    name = "turnover"                # optional (default "turnover_usd_bn@2013-2015")

The parameters are `sim.varied.VariedParameter`s (their names, ranges and scales are described
there). Everything is checked here, before anything runs, and every mistake is an `InputError`
naming the file, the key and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.inputs import check_keys, did_you_mean, flatten, number, read_toml, text
from sim.parameters import Range
from sim.runner import resolve_spec
from sim.scenario import ScenarioSpec
from sim.schema import numeric_columns
from sim.sweeps.store import RUN_COLUMNS
from sim.varied import VariedParameter, check_starts, varied_parameter

TOP_KEYS = {"sweep", "parameters", "outputs"}
SWEEP_KEYS = {"scenario", "n_firms", "seed", "end_year"}
OUTPUT_KEYS = {"column", "year", "years", "name"}
SEEDS = Range(0, 2**63 - 1)


@dataclass(frozen=True)
class Output:
    """An analysed output: a model-table column at a year or averaged over a window."""

    name: str
    column: str
    first: int
    last: int

    def measure(self, model: pd.DataFrame) -> float:
        """The output's value in one run's model table."""
        window = model[(model.year >= self.first) & (model.year <= self.last)]
        return float(window[self.column].mean())


@dataclass(frozen=True)
class SweepConfig:
    """A validated parameters file, with the scenario it applies to."""

    source: str
    base: ScenarioSpec
    seed: int
    parameters: tuple[VariedParameter, ...]
    outputs: tuple[Output, ...]
    text: str = ""


def load_params(
    path: Path | str, scenario: str | Path | None = None, seed: int | None = None
) -> SweepConfig:
    """Read and validate a parameters file against its scenario, before anything runs.

    Args:
        path: The parameters file.
        scenario: Scenario name or path; overrides the file's `[sweep] scenario`.
        seed: Master seed; overrides the file's `[sweep] seed`.

    Returns:
        The validated sweep configuration.

    Raises:
        InputError: Naming the file, the key and what is allowed.
    """
    path = Path(path)
    source = str(path)
    raw, content = read_toml(path)
    check_keys(raw, TOP_KEYS, source)
    settings = check_keys(raw.get("sweep", {}), SWEEP_KEYS, source, "sweep")
    if scenario is None:
        scenario = text(
            settings.get("scenario", "historical"), source, "sweep.scenario",
            what="a scenario name or path",
        )  # fmt: skip
        if scenario.endswith(".toml") and (path.parent / scenario).is_file():
            scenario = path.parent / scenario  # a file named in the file: next to it
    if seed is None:
        seed = number(settings.get("seed", 0), source, "sweep.seed", kind=int, allowed=SEEDS)
    base = resolve_spec(scenario)  # an unknown scenario names itself
    fixed = {k: settings[k] for k in ("n_firms", "end_year") if k in settings}
    try:
        base = base.with_overrides(fixed)
    except InputError as exc:
        raise InputError(f"invalid [sweep] setting: {exc}", source=source, key="sweep") from exc
    parameters = _parse_parameters(raw.get("parameters"), base, source)
    outputs = _parse_outputs(raw.get("outputs"), base, source)
    taken = {p.name for p in parameters} | set(RUN_COLUMNS)
    for out in outputs:
        if out.name in taken:
            raise InputError(
                f"output name '{out.name}' is already a parameter or a column of runs.parquet",
                source=source,
                key="outputs",
            )
    return SweepConfig(source, base, int(seed), parameters, outputs, content)


def _parse_parameters(table: Any, base: ScenarioSpec, source: str) -> tuple[VariedParameter, ...]:
    if not isinstance(table, dict) or not table:
        raise InputError(
            "a [parameters] table with at least one `name = [low, high]` is required",
            source=source,
            key="parameters",
        )
    out = [
        varied_parameter(name, bounds, source, f"parameters.{name}", base)
        for name, bounds in flatten(table).items()
    ]
    check_starts(out, base, source, "parameters")
    return tuple(out)


def _parse_outputs(table: Any, base: ScenarioSpec, source: str) -> tuple[Output, ...]:
    if not isinstance(table, list) or not table:
        raise InputError(
            "at least one [[outputs]] table with a column and a year or years is required",
            source=source,
            key="outputs",
        )
    columns = numeric_columns()
    period = Range(base.start_year, base.end_year)
    out: list[Output] = []
    for i, entry in enumerate(table):
        where = f"outputs[{i}]"
        check_keys(entry, OUTPUT_KEYS, source, where)
        column = entry.get("column")
        if column not in columns:
            raise InputError(
                f"unknown column {column!r} (a numeric column of the model table, see "
                f"docs/outputs.md){did_you_mean(str(column), columns)}",
                source=source,
                key=f"{where}.column",
            )
        if ("year" in entry) == ("years" in entry):
            raise InputError(
                f"give either `year = Y` or `years = [first, last]`, years in {period}",
                source=source,
                key=where,
            )
        years = [entry["year"]] * 2 if "year" in entry else entry["years"]
        ok = (
            isinstance(years, list)
            and len(years) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        )
        if not ok or not (base.start_year <= years[0] <= years[1] <= base.end_year):
            got = entry.get("year", entry.get("years"))
            raise InputError(
                f"years must be increasing integers in the run's period {period}, got {got!r}",
                source=source,
                key=f"{where}.{'year' if 'year' in entry else 'years'}",
            )
        first, last = years
        default = f"{column}@{first}" if first == last else f"{column}@{first}-{last}"
        name = entry.get("name", default)
        if not isinstance(name, str) or not name or name in {o.name for o in out}:
            raise InputError(
                f"output names must be distinct non-empty strings, got {name!r}",
                source=source,
                key=f"{where}.name",
            )
        out.append(Output(name, column, first, last))
    return tuple(out)
