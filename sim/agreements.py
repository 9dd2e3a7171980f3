"""Interregional cooperation agreements between Russian and Kazakh regional administrations.

Each (Russian region, Kazakh region) pair signs new agreements each year as a Poisson count with
mean

    h = agreement_rate * programme * (1 + funding_effect * funding)
        * ((trade_ij + floor * mean trade) / mean trade) ** trade_elasticity
        * (1 + forum_effect * contacts_ij),

so that agreements follow existing trade ties, national programmes, state funding and forum
contacts; the floor (`agreement_trade_floor`) lets pairs that barely trade sign too, which is
how national programmes reach regions far from the border. A pair may hold several
agreements (on trade, transport, culture, ...); each lapses with hazard `agreement_lapse_rate`.
A pair with at least one active agreement is linked: its firms save part of the search (fixed)
cost of cross-border selling (see `sim.model`).
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
    """Expected new agreements of each (Russian, Kazakh) region pair this year."""
    mean = pair_trade.mean()
    floor = params.agreement_trade_floor * mean
    relative = (pair_trade + floor) / mean if mean > 0 else np.ones_like(pair_trade)
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
    """Lapse and sign agreements for one year.

    Args:
        active: (n_ru, n_kz) number of active agreements per region pair.
        rng: Random stream of the agreement submodel.
        pair_trade: Recorded turnover per pair last year.
        contacts: Forum contacts per pair.
        levers: Policy levers of the year.
        params: Structural parameters.

    Returns:
        The new counts, the number signed and the number lapsed.
    """
    lapsed = rng.binomial(active, -np.expm1(-params.agreement_lapse_rate))
    signed = rng.poisson(signing_hazard(pair_trade, contacts, levers, params))
    return active - lapsed + signed, int(signed.sum()), int(lapsed.sum())
