"""Shared fixtures: small, fast versions of the shipped scenario."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.runner import Results, resolve_spec, run
from sim.scenario import ScenarioSpec

SMALL_FIRMS = 2000


@pytest.fixture(scope="session")
def small_spec() -> ScenarioSpec:
    """The historical scenario with few firm agents."""
    return resolve_spec("historical", {"n_firms": SMALL_FIRMS})


@pytest.fixture(scope="session")
def small_results(small_spec: ScenarioSpec) -> Results:
    """Two replicates of the small historical run."""
    return run(small_spec, seed=7, replicates=2)


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario file into a temporary folder and return its path."""

    def write(text: str, name: str = "custom.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write
