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

Border regions whose administration decides its own levers (`sim.policy.RegionLevers`) add to
that: `funding` is the state funding their programme budgets add to the pair; a proposal the
partner region accepts (or a pair that proposed to each other) signs one agreement that year;
a proposal to a region that decided nothing is accepted by the model's own rule, with the
probability that the pair would sign at least one agreement in `proposal_horizon` years at its
hazard, 1 - exp(-proposal_horizon * h).
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ModelParameters, RegimeParameters
from sim.policy import RegionLevers


def signing_hazard(
    pair_trade: np.ndarray,
    contacts: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
    funding: np.ndarray,
) -> np.ndarray:
    """Expected new agreements of each (Russian, Kazakh) region pair this year.

    `funding` is the state funding the pair's own regions add (`RegionLevers.funding`).
    """
    mean = pair_trade.mean()
    floor = params.agreement_trade_floor * mean
    relative = (pair_trade + floor) / mean if mean > 0 else np.ones_like(pair_trade)
    return (
        params.agreement_rate
        * levers.agreement_programme
        * (1.0 + params.agreement_funding_effect * (levers.state_funding + funding))
        * relative**params.agreement_trade_elasticity
        * (1.0 + params.agreement_forum_effect * contacts)
    )


def decided_agreements(
    region: RegionLevers, rng: np.random.Generator, hazard: np.ndarray, params: ModelParameters
) -> np.ndarray:
    """(n_ru, n_kz) agreements the regions' own proposals sign this year (0 or 1 a pair).

    `hazard` is the pairs' signing hazard; `rng` is drawn only when a proposal awaits the
    model's rule, so that a year without one leaves the stream where it was.
    """
    signed = region.agreed.copy()
    if region.offered.any():
        accept = rng.random(hazard.shape) < -np.expm1(-params.proposal_horizon * hazard)
        signed |= region.offered & accept
    return signed.astype(np.int64)


def update_agreements(
    active: np.ndarray,
    rng: np.random.Generator,
    pair_trade: np.ndarray,
    contacts: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
    region: RegionLevers,
    decision_rng: np.random.Generator,
) -> tuple[np.ndarray, int, int, np.ndarray]:
    """Lapse and sign agreements for one year.

    Args:
        active: (n_ru, n_kz) number of active agreements per region pair.
        rng: Random stream of the agreement submodel.
        pair_trade: Recorded turnover per pair last year.
        contacts: Forum contacts per pair.
        levers: Policy levers of the year.
        params: Structural parameters.
        region: The border regions' own levers of the year.
        decision_rng: Random stream of the regions' decisions (the model's rule on proposals).

    Returns:
        The new counts, the number signed, the number lapsed, and the agreements the regions'
        own proposals signed per pair.
    """
    hazard = signing_hazard(pair_trade, contacts, levers, params, region.funding)
    lapsed = rng.binomial(active, -np.expm1(-params.agreement_lapse_rate))
    signed = rng.poisson(hazard)
    decided = decided_agreements(region, decision_rng, hazard, params)
    total = active - lapsed + signed + decided
    return total, int(signed.sum() + decided.sum()), int(lapsed.sum()), decided
