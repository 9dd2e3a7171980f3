"""Shared fixtures: small, fast versions of the shipped scenario."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
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


def kill_when_recorded(args: list[str], ledger_path: Path, runs: int) -> int:
    """Start a study's driver, SIGKILL it once its ledger holds `runs` runs; return the count.

    Fails if the driver records fewer in time. The count is read again after the kill, since a
    run may be recorded between the last look and the kill.
    """
    from sim.ledger import Ledger

    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if ledger_path.exists():
            with Ledger(ledger_path) as ledger:
                seen = ledger.count()
            if seen >= runs:
                break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert seen >= runs, "the driver did not record runs in time"
    with Ledger(ledger_path) as ledger:
        return ledger.count()
