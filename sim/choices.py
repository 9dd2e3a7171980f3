"""Fixed choices the command line offers, importable without the model stack.

`transfrontier --help` and argument errors answer from these alone (no NumPy, pandas or Mesa).
They equal `sim.runner.FORMATS` and `sim.sweep.DESIGNS`, which act on them; tests/test_cli.py
checks that they agree.
"""

from __future__ import annotations

FORMATS = ("parquet", "csv", "both")  # table formats of `sim.runner.write_outputs`
DESIGNS = ("morris", "sobol", "lhs", "grid")  # experimental designs of `sim.sweep`
