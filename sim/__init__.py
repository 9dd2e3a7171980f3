"""Transfrontier: an agent-based model of Kazakhstan–Russia cross-border cooperation.

The public entry point is `sim.run` (see `sim.runner`).

`sim.run`, `sim.run_one` and `sim.Results` are looked up in `sim.runner` on first use (PEP 562),
so that importing a light submodule, such as the command line's parser, does not import the
model stack (NumPy, pandas, Mesa).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.runner import Results, run, run_one

__all__ = ["Results", "run", "run_one"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim import runner

        value = getattr(runner, name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
