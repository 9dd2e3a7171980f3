"""The student notebooks, English and Russian, run from top to bottom, as a class would run them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK = NOTEBOOKS / "integration-dynamics.ipynb"
RUSSIAN = NOTEBOOKS / "integration-dynamics.ru.ipynb"
TIME_LIMIT = 900  # seconds for the whole notebook (it takes one to two minutes)


def _read(path: Path, monkeypatch):
    """A notebook as saved, read with Jupyter's standard paths (no migration warning)."""
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    import nbformat

    return nbformat.read(path, as_version=4)


@pytest.fixture(params=[NOTEBOOK, RUSSIAN], ids=["en", "ru"])
def notebook(request, monkeypatch):
    """Each student notebook as saved."""
    return _read(request.param, monkeypatch)


def test_the_russian_notebook_has_the_english_ones_cells(monkeypatch):
    """The Russian notebook is the English one cell for cell, its figures drawn in Russian."""
    english, russian = _read(NOTEBOOK, monkeypatch), _read(RUSSIAN, monkeypatch)
    assert [c.cell_type for c in russian.cells] == [c.cell_type for c in english.cells]
    assert 'LANG = "ru"' in russian.cells[1].source
    assert "comparison_figure(model, order, outcome, LANG)" in russian.cells[1].source


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
        resources={"metadata": {"path": str(NOTEBOOKS)}},
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
