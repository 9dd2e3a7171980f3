"""Transfrontier: an agent-based model of Kazakhstan–Russia cross-border cooperation.

The public entry point is `sim.run` (see `sim.runner`).
"""

from sim.runner import Results, run, run_one

__all__ = ["Results", "run", "run_one"]
