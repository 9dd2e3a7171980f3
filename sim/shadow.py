"""Shadow trade: the unrecorded share of Russia–Kazakhstan trade.

Part of cross-border trade escapes statistics, more so where the barriers it avoids are high
and enforcement weak:

    shadow = shadow_max * B / (B + shadow_barrier_half) * (1 - enforcement),

with B the sum of the mutual tariff, the non-tariff barriers and the border formalities (as
ad-valorem equivalents). Statistics, and so the calibration, see the recorded part only.
"""

from __future__ import annotations

from sim.parameters import ModelParameters, RegimeParameters


def unrecorded_share(levers: RegimeParameters, params: ModelParameters) -> float:
    """Share of Russia–Kazakhstan trade that goes unrecorded this year."""
    barrier = levers.mutual_tariff + levers.mutual_ntb + levers.border_formalities
    pressure = barrier / (barrier + params.shadow_barrier_half)
    return params.shadow_max * pressure * (1.0 - levers.enforcement)
