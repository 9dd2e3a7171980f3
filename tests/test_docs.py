"""Documentation kept in step with the code: ODD sections, parameters, output columns."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim import schema
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


def test_every_table_has_the_columns_of_the_schema_in_order(small_results):
    """The tables a run returns are those of `sim.schema`, column for column, in order."""
    assert set(small_results.tables) == set(schema.TABLES)
    for name, frame in small_results.tables.items():
        assert tuple(frame.columns) == schema.TABLES[name].names, name


def test_the_outputs_doc_prints_the_schema():
    """docs/outputs.md holds every table's columns exactly as the schema declares them."""
    text = (DOCS / "outputs.md").read_text()
    assert schema.render(text) == text, "run: python -m sim.schema docs/outputs.md"
    for name in ["run", *schema.TABLES]:
        assert f"<!-- columns: {name} -->" in text
