"""Documentation kept in step with the code: ODD sections, parameters, output columns."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sim.parameters import ModelParameters, RegimeParameters

DOCS = Path(__file__).resolve().parent.parent / "docs"
ODD_SECTIONS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)


def test_odd_has_the_seven_sections_in_order():
    """docs/ODD.md follows the 2020 ODD protocol's section order."""
    text = (DOCS / "ODD.md").read_text()
    positions = [text.find(f"# {title}") for title in ODD_SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(ODD_SECTIONS, positions, strict=True))
    assert positions == sorted(positions)


@pytest.mark.parametrize("sheet", [ModelParameters, RegimeParameters])
def test_odd_documents_every_parameter(sheet):
    """Every structural parameter and policy lever appears in the ODD."""
    text = (DOCS / "ODD.md").read_text()
    missing = [f.name for f in dataclasses.fields(sheet) if f"`{f.name}`" not in text]
    assert not missing


def test_outputs_doc_names_every_column(small_results):
    """Every column of the four output tables is defined in docs/outputs.md."""
    text = (DOCS / "outputs.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_]+)`", text))
    for name, frame in small_results.tables.items():
        missing = sorted(set(frame.columns) - documented)
        assert not missing, (name, missing)
