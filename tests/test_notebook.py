"""The student notebook runs from top to bottom, as a class would run it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "integration-dynamics.ipynb"
TIME_LIMIT = 900  # seconds for the whole notebook (it takes one to two minutes)


@pytest.fixture
def notebook(monkeypatch):
    """The notebook as saved, read with Jupyter's standard paths (no migration warning)."""
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    import nbformat

    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_saved_without_outputs(notebook):
    """A clean notebook: no outputs or execution counts are committed."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, cell.source[:60]


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(notebook):
    """Every cell runs without error in a fresh kernel, in reasonable time."""
    from nbclient import NotebookClient

    client = NotebookClient(
        notebook,
        timeout=TIME_LIMIT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert images >= 10
    assert elapsed < TIME_LIMIT
