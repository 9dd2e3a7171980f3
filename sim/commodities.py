"""Commodity trade: fuels, ores and metals sold at world prices.

Commodities are homogeneous goods whose values come from the data (`sim.macro`: each country's
fuel and ores-and-metals exports and imports, scaled by the oil price in a scenario); this module
only decides who trades them with whom. Kazakhstan and Russia sell their commodity exports R_c to
buyers in proportion to the buyer's commodity imports times a distance discount (gravity with
the literature's distance elasticity delta):

    F_ij = R_c(i) * g_i * D_j * phi_ij / sum_k D_k * phi_ik   (summed over the buyers k of c(i)),
    phi_ij = (d_ij / d_int) ** (-delta) * (kappa if i and j are border regions of the two),

over the markets j outside the seller's country: the other country's regions (D_j its commodity
imports C times the region's GDP share g_j) and the partners (D_j their commodity imports). The
affinity kappa (`commodity_affinity`) carries the pipelines, rail links and plants built for one
economy across what became the border: gas from West Kazakhstan processed in Orenburg, ore from
Kostanay smelted in Chelyabinsk Oblast, coal from Pavlodar burnt in the Urals, crude refined in
Omsk and Pavlodar. What the two countries buy from each other is part of their commodity imports
(and never more than all of them: the excess goes to the partners); the rest of each one's
commodity imports comes from the partners in proportion to the partner's commodity exports times
phi. Regions sell in proportion to their GDP share and buy in proportion to it times the distance
discount from the seller.

Partners' commodity trade among themselves is not separated from their other goods (see
`sim.economy`); here a partner's commodity exports and imports are only its sales to and
purchases from Kazakhstan and Russia.
"""

from __future__ import annotations

import numpy as np

from sim.macro import MacroYear
from sim.world import KZ, RU, World


def commodity_flows(
    world: World,
    distance_km: np.ndarray,
    internal_km: float,
    macro: MacroYear,
    delta: float,
    affinity: float,
) -> np.ndarray:
    """(M, M) commodity flows between markets this year, current US$ bn.

    Args:
        world: Markets and their countries.
        distance_km: (M, M) distances between markets.
        internal_km: The distance floor the discount is relative to.
        macro: This year's commodity exports and imports per country.
        delta: Distance elasticity of commodity flows.
        affinity: Multiplier of the discount between Kazakhstan and Russia.
    """
    country = world.country
    m = world.n_markets
    partner = country > RU
    own = country[:, None] == country[None, :]
    border = world.border
    phi = (np.maximum(distance_km, internal_km) / internal_km) ** (-delta)
    phi = np.where(border[:, None] & border[None, :], phi * affinity, phi)
    phi[own] = 0.0
    buys = np.where(partner, macro.commodity_imports[country], 0.0)
    sells = np.where(partner, macro.commodity_exports[country], 0.0)
    flows = np.zeros((m, m))
    # Exports of Kazakhstan and Russia: to the other country's regions and to the partners.
    for c, other in ((KZ, RU), (RU, KZ)):
        origin = world.of(c)
        size = buys + np.where(
            country == other, macro.commodity_imports[other] * world.gdp_share, 0
        )
        weight = size[None, :] * phi[origin]
        flows[origin] = (
            macro.commodity_exports[c] * world.gdp_share[origin, None]
            * weight / weight.sum(axis=1, keepdims=True)
        )  # fmt: skip
        # A country cannot buy from the other more commodities than it imports in all: what
        # would exceed that goes to the partners instead, in the same proportions.
        dest = world.of(other)
        inbound = flows[np.ix_(origin, dest)].sum()
        if inbound > macro.commodity_imports[other]:
            excess = flows[np.ix_(origin, dest)] * (1.0 - macro.commodity_imports[other] / inbound)
            flows[np.ix_(origin, dest)] -= excess
            to_partners = flows[origin][:, partner]
            share = to_partners / to_partners.sum(axis=1, keepdims=True)
            flows[np.ix_(origin, np.flatnonzero(partner))] += excess.sum(axis=1)[:, None] * share
    # Imports of Kazakhstan and Russia from the partners: what the other country did not sell.
    for c in (KZ, RU):
        dest = world.of(c)
        rest = macro.commodity_imports[c] - flows[:, dest].sum()
        weight = sells[:, None] * phi[:, dest] * world.gdp_share[None, dest]
        flows[:, dest] += max(rest, 0.0) * weight / weight.sum()
    return flows
