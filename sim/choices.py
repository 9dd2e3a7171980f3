"""Fixed choices the command line offers, importable without the model stack.

`transfrontier --help` and argument errors answer from these alone (no NumPy, pandas or Mesa);
`sim.runner` and `sim.sweeps` take them from here.
"""

from __future__ import annotations

FORMATS = ("parquet", "csv", "both")  # table formats of `sim.runner.write_outputs`
DESIGNS = ("morris", "sobol", "lhs", "grid")  # experimental designs of `sim.sweeps.design`
