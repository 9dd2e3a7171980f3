"""Docking: the code reproduces the committed reference outputs exactly.

A refactor must not change what the model computes. The reference (see `tests/docking.py`)
holds two scenarios x two seeds, with every structural parameter pinned.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from docking import REFERENCE, docking_run

META = json.loads((REFERENCE / "meta.json").read_text())
CASES = [(scenario, seed) for scenario in META["cases"] for seed in META["seeds"]]


@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_the_reference_outputs_are_reproduced_exactly(scenario: str, seed: int):
    tables = docking_run(scenario, seed, META["cases"][scenario])
    stored = sorted(REFERENCE.glob(f"{scenario}-{seed}-*.parquet"))
    assert {p.stem.removeprefix(f"{scenario}-{seed}-") for p in stored} == set(tables)
    for path in stored:
        name = path.stem.removeprefix(f"{scenario}-{seed}-")
        pd.testing.assert_frame_equal(
            tables[name], pd.read_parquet(path), check_exact=True, obj=f"{name} table"
        )
