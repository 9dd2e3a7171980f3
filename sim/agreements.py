"""Interregional cooperation agreements between Russian and Kazakh regional administrations.

Each (Russian region, Kazakh region) pair without an active agreement signs one in a year with
probability `1 - exp(-h)`, with hazard

    h = agreement_rate * programme * (1 + funding_effect * funding)
        * (trade_ij / mean trade) ** trade_elasticity * (1 + forum_effect * contacts_ij),

so that agreements follow existing trade ties, national programmes, state funding and forum
contacts. An active agreement lapses with hazard `agreement_lapse_rate`. Agreements lower the
search (fixed) cost of cross-border selling between the two regions (see `sim.model`).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ModelParameters, RegimeParameters


def signing_hazard(
    pair_trade: np.ndarray,
    contacts: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
) -> np.ndarray:
    """Annual signing hazard of each (Russian, Kazakh) region pair."""
    mean = pair_trade.mean()
    relative = (pair_trade + 0.001 * mean) / mean if mean > 0 else np.ones_like(pair_trade)
    return (
        params.agreement_rate
        * levers.agreement_programme
        * (1.0 + params.agreement_funding_effect * levers.state_funding)
        * relative**params.agreement_trade_elasticity
        * (1.0 + params.agreement_forum_effect * contacts)
    )


def update_agreements(
    active: np.ndarray,
    rng: np.random.Generator,
    pair_trade: np.ndarray,
    contacts: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
) -> tuple[np.ndarray, int, int]:
    """Sign and lapse agreements for one year; return the new state, signed and lapsed counts."""
    draw = rng.random(active.shape)
    sign = ~active & (draw < -np.expm1(-signing_hazard(pair_trade, contacts, levers, params)))
    lapse = active & (draw < -np.expm1(-params.agreement_lapse_rate))
    return (active | sign) & ~lapse, int(sign.sum()), int(lapse.sum())
