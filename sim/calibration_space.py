"""The calibration's search space (`calibration/search.toml`): what is searched, and how.

The file::

    [search]
    scenario = "historical"            # the scenario every trial runs (default historical)
    n_firms = 20000                    # firm agents per run (default: the model's)
    log_scale = ["agreement_rate"]     # parameters drawn on a log scale

    [parameters]                       # name = [low, high], inside the allowed range
    agreement_rate = [0.002, 0.05]

    [priors]                           # optional: the posterior's priors (`sim.priors`)
    agreement_rate = { distribution = "loguniform" }

The searched parameters are `sim.varied.VariedParameter`s, structural parameters only (the
calibration sets them as overrides of the scenario), with the ranges `sim/parameters.py`
allows. A second stage (`SearchSpace.second_stage`) searches some of them and holds the rest at
an earlier calibrated set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.inputs import as_table, check_keys, number, read_toml, text, text_list
from sim.parameters import ModelParameters, parameter_ranges
from sim.priors import Prior, default_prior, read_prior
from sim.scenario import CALIBRATED_FILE
from sim.varied import VariedParameter, varied_parameter

SEARCH_FILE = CALIBRATED_FILE.parent / "search.toml"
TOP_KEYS = {"search", "parameters", "priors"}
SEARCH_KEYS = {"scenario", "n_firms", "log_scale"}


@dataclass(frozen=True)
class SearchSpace:
    """What the calibration varies: structural parameters with their ranges and scales."""

    scenario: str
    parameters: tuple[VariedParameter, ...]
    n_firms: int
    # A second stage searches some parameters and holds the rest at an earlier calibrated set.
    held: dict[str, float] = field(default_factory=dict)
    held_from: dict[str, Any] = field(default_factory=dict)  # that set's [calibration] table
    # Informative priors by name; the others are wide (`sim.priors.default_prior`).
    declared_priors: dict[str, Prior] = field(default_factory=dict)

    @property
    def priors(self) -> tuple[Prior, ...]:
        """Every searched parameter's prior, in the file's order."""
        return tuple(
            self.declared_priors.get(p.name) or default_prior(p.name, p.lo, p.hi, p.scale == "log")
            for p in self.parameters
        )

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """The searched parameters' ranges, by name, in the file's order."""
        return {p.name: (p.lo, p.hi) for p in self.parameters}

    @property
    def log(self) -> frozenset[str]:
        """The parameters drawn on a log scale."""
        return frozenset(p.name for p in self.parameters if p.scale == "log")

    @staticmethod
    def load(path: Path | str = SEARCH_FILE) -> SearchSpace:
        """Read and check a search space file (default `calibration/search.toml`)."""
        source = str(path)
        raw, _ = read_toml(path)
        check_keys(raw, TOP_KEYS, source)
        search = check_keys(raw.get("search", {}), SEARCH_KEYS, source, "search")
        table = as_table(raw.get("parameters", {}), source, "parameters")
        log = text_list(search.get("log_scale", []), source, "search.log_scale")
        for name in log:
            if name not in table:
                raise InputError(
                    f"{name!r} is not a searched parameter (one of [parameters])",
                    source=source,
                    key="search.log_scale",
                )
        parameters = tuple(
            varied_parameter(name, bounds, source, f"parameters.{name}", log=name in log)
            for name, bounds in table.items()
        )
        if not parameters:
            raise InputError("no [parameters] to search", source=source)
        bounds = {p.name: p for p in parameters}
        priors_table = as_table(raw.get("priors", {}), source, "priors")
        for name in priors_table:
            if name not in bounds:
                raise InputError(
                    f"{name!r} is not a searched parameter; priors are given for those of "
                    f"[parameters]: {', '.join(bounds)}",
                    source=source,
                    key=f"priors.{name}",
                )
        declared = {
            name: read_prior(
                name, entry, bounds[name].lo, bounds[name].hi, bounds[name].scale == "log", source
            )
            for name, entry in priors_table.items()
        }
        firms = parameter_ranges(ModelParameters)["n_firms"][1]
        n_firms = search.get("n_firms", ModelParameters().n_firms)
        return SearchSpace(
            scenario=text(search.get("scenario", "historical"), source, "search.scenario"),
            parameters=parameters,
            n_firms=int(number(n_firms, source, "search.n_firms", kind=int, allowed=firms)),
            declared_priors=declared,
        )

    def second_stage(self, names: Iterable[str], calibrated: Path = CALIBRATED_FILE) -> SearchSpace:
        """Search only `names`; hold the other parameters at their values in `calibrated`.

        For a search whose targets fall into families that different parameters move: the
        held parameters keep what an earlier, wider search found.
        """
        names = list(dict.fromkeys(names))
        unknown = [n for n in names if n not in self.bounds]
        if unknown or not names:
            raise InputError(
                f"cannot search {', '.join(unknown) or 'nothing'}; "
                f"choose among {', '.join(self.bounds)}",
                key="--only",
            )
        raw, _ = read_toml(calibrated, key="--only")
        values = raw.get("parameters", {})
        held_names = [n for n in self.bounds if n not in names]
        missing = [n for n in held_names if n not in values]
        if missing:
            raise InputError(
                f"no calibrated value to hold for {', '.join(missing)}",
                source=str(calibrated),
                key="parameters",
            )
        by_name = {p.name: p for p in self.parameters}
        return dataclasses.replace(
            self,
            parameters=tuple(by_name[n] for n in names),  # in the order asked for
            declared_priors={n: p for n, p in self.declared_priors.items() if n in names},
            held={n: float(values[n]) for n in held_names},
            held_from={
                k: v for k, v in raw.get("calibration", {}).items() if not isinstance(v, dict)
            },
        )


def profile_sets(
    space: SearchSpace, best: dict[str, float], points: int
) -> dict[str, dict[str, float]]:
    """Parameter sets one step at a time around the optimum (tag -> parameters).

    Each parameter moves to `points` values each side of its optimum, spread evenly over half
    the distance to its bound, the others staying at the optimum.
    """
    sets: dict[str, dict[str, float]] = {}
    for name, (lo, hi) in space.bounds.items():
        centre = best[name]
        for side, edge in (("-", lo), ("+", hi)):
            for k in range(1, points + 1):
                value = centre + (edge - centre) * 0.5 * k / points
                sets[f"{name}{side}{k}"] = {**best, name: value}
    return sets
