"""Reference outputs for the docking test: two scenarios x two seeds at a small firm count.

The reference pins every structural parameter in `tests/reference/meta.json`, so a new
calibration (a new `calibration/calibrated.toml`) or new defaults do not move it; what moves it
is a change of the model's behaviour. Rewrite it only for a change meant to alter the outputs,
and say so in the commit:

    .venv/bin/python tests/docking.py
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runner import resolve_spec, run_one

REFERENCE = Path(__file__).parent / "reference"
SCENARIOS = ("historical", "no_customs_union")
SEEDS = (3, 4)
N_FIRMS = 1500
# The flows table has every region pair every year; three years keep the files small.
FLOW_YEARS = (1995, 2010, 2015)


def docking_run(scenario: str, seed: int, parameters: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables of one reference run, with the given structural parameters."""
    spec = resolve_spec(scenario, parameters, use_calibration=False)
    tables = run_one(spec, seed)
    flows = tables["flows"]
    tables["flows"] = flows[flows["year"].isin(FLOW_YEARS)].reset_index(drop=True)
    return tables


def reference_parameters(scenario: str) -> dict[str, Any]:
    """The scenario's structural parameters as shipped, calibrated set included."""
    spec = resolve_spec(scenario, {"n_firms": N_FIRMS})
    return dataclasses.asdict(spec.parameters)


def write_reference() -> None:
    """Run every reference case and write its tables and parameters."""
    REFERENCE.mkdir(exist_ok=True)
    meta: dict[str, Any] = {"seeds": list(SEEDS), "flow_years": list(FLOW_YEARS), "cases": {}}
    for scenario in SCENARIOS:
        parameters = reference_parameters(scenario)
        meta["cases"][scenario] = parameters
        for seed in SEEDS:
            for name, frame in docking_run(scenario, seed, parameters).items():
                frame.to_parquet(REFERENCE / f"{scenario}-{seed}-{name}.parquet", index=False)
    (REFERENCE / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    write_reference()
