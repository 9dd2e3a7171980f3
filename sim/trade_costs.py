"""Trade costs between markets: tariffs, border barriers, distance, fixed and sunk costs.

Assembled each year from the regime's levers, the structural parameters, the search-cost
savings of agreements and forums, and each country's unit cost (its goods' US$ price, solved by
`sim.economy`). For origin o and destination d:

- tariff t_od: `mutual_tariff` between Kazakhstan and Russia; `external_tariff_<kz|ru>_<p>` on
  goods from partner p; `partner_tariff_<p>` on Kazakh and Russian goods entering p; 0 within a
  country and between partners (their tariffs on each other are not modelled);
- barrier b_od = (1 + t_od)(1 + ntb)(1 + formalities) between Kazakhstan and Russia,
  (1 + t_od)(1 + partner_barrier_p) from partner p into either of them and
  (1 + t_od)(1 + partner_export_barrier) from either of them into any partner, times
  (1 + ntb)(1 + formalities) again where that route transits the other country (`World.transit`),
  1 otherwise;
- iceberg tau_od = (d_od / d_int)^rho;
- market access T_od = (tau_od * b_od * w_c(o))^(1 - sigma), with w the origin's unit cost;
- fixed cost F_od = Fbar_od * Phi_od * (1 - S_od) * w_c(o) / sigma, per unit of firm mass, with
  Phi = 1 + `formalities_fixed_share` * formalities between Kazakhstan and Russia and S the search
  saving (agreements, forum contacts, state funding national and regional, human-capital
  exchange);
- sunk cost: `sunk_cost_ratio` times the fixed cost for every market but the own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameters import ModelParameters, RegimeParameters
from sim.trade import TradeCosts
from sim.world import COUNTRIES, KZ, PARTNERS, RU, World

PARTNER_KEYS = {COUNTRIES.index(p): p.lower() for p in PARTNERS}  # lever and parameter suffixes


@dataclass(frozen=True)
class CostStructure:
    """What does not change within a run: the geography and the base fixed costs."""

    country: np.ndarray  # country of each market
    cross_border: np.ndarray  # (M, M) Kazakh-Russian pairs, either direction
    transit: np.ndarray  # (M, M) routes to partners that cross the Kazakh-Russian border
    log_tau: np.ndarray  # (M, M) log iceberg cost
    fixed_base: np.ndarray  # (M, M) Fbar
    sunk: np.ndarray  # (M, M) sunk cost as a multiple of the fixed cost
    ru: np.ndarray  # market indices of Russia's regions
    kz: np.ndarray  # and of Kazakhstan's

    @staticmethod
    def build(world: World, distance_km: np.ndarray, params: ModelParameters) -> CostStructure:
        """The run's cost structure."""
        c_o, c_d = world.country[:, None], world.country[None, :]
        pair = (c_o <= RU) & (c_d <= RU)
        cross = pair & (c_o != c_d)
        fixed = np.where(
            pair,
            np.where(cross, params.fixed_cost_cross_border, params.fixed_cost_national),
            params.fixed_cost_partner,
        )
        np.fill_diagonal(fixed, params.fixed_cost_home)
        log_tau = params.distance_elasticity * np.log(distance_km / params.internal_distance_km)
        m = world.n_markets
        return CostStructure(
            world.country,
            cross,
            world.transit,
            log_tau,
            fixed,
            params.sunk_cost_ratio * (1.0 - np.eye(m)),
            world.of(RU),
            world.of(KZ),
        )


def tariffs(structure: CostStructure, levers: RegimeParameters) -> np.ndarray:
    """(M, M) ad-valorem tariff on each flow."""
    country = structure.country
    c_o, c_d = country[:, None], country[None, :]
    out = np.where(structure.cross_border, levers.mutual_tariff, 0.0)
    for p, key in PARTNER_KEYS.items():
        for c, home in ((KZ, "kz"), (RU, "ru")):
            out = np.where(
                (c_o == p) & (c_d == c), getattr(levers, f"external_tariff_{home}_{key}"), out
            )
        out = np.where((c_o <= RU) & (c_d == p), getattr(levers, f"partner_tariff_{key}"), out)
    return out


def barriers(
    structure: CostStructure, levers: RegimeParameters, params: ModelParameters, tariff: np.ndarray
) -> np.ndarray:
    """(M, M) barrier factor b (tariff and non-tariff, beyond distance)."""
    country = structure.country
    c_o, c_d = country[:, None], country[None, :]
    border = (1.0 + levers.mutual_ntb) * (1.0 + levers.border_formalities)
    extra = np.where(structure.cross_border, border, 1.0)
    extra = np.where((c_o <= RU) & (c_d > RU), 1.0 + params.partner_export_barrier, extra)
    for p, key in PARTNER_KEYS.items():
        barrier = 1.0 + getattr(params, f"partner_barrier_{key}")
        extra = np.where((c_o == p) & (c_d <= RU), barrier, extra)
    return (1.0 + tariff) * np.where(structure.transit, extra * border, extra)


def search_saving(
    structure: CostStructure,
    linked: np.ndarray,
    contacts: np.ndarray,
    levers: RegimeParameters,
    params: ModelParameters,
    funding: np.ndarray,
) -> np.ndarray:
    """(M, M) share of the cross-border fixed cost saved (0 outside Kazakh–Russian pairs).

    `funding` is the state funding the pairs' own regions add to the national level
    (`sim.policy.RegionLevers.funding`).
    """
    pair = np.minimum(
        params.max_search_saving,
        params.agreement_cost_reduction * linked
        + params.forum_cost_reduction * contacts
        + params.funding_cost_reduction * (levers.state_funding + funding)
        + params.human_capital_cost_reduction * levers.human_capital_exchange,
    )
    m = len(structure.country)
    saving = np.zeros((m, m))
    saving[np.ix_(structure.ru, structure.kz)] = pair
    saving[np.ix_(structure.kz, structure.ru)] = pair.T
    return saving


@dataclass(frozen=True)
class YearCosts:
    """This year's costs before the unit costs: what `at` turns into `TradeCosts`."""

    tariff: np.ndarray  # (M, M)
    log_barrier: np.ndarray  # (M, M) log(tau * b)
    fixed: np.ndarray  # (M, M) fixed cost per unit of mass at unit cost 1
    sunk: np.ndarray
    country: np.ndarray
    sigma: float

    def at(self, unit_cost: np.ndarray) -> TradeCosts:
        """Trade costs with the origins' unit costs (per country)."""
        w = unit_cost[self.country]
        access = np.exp((1.0 - self.sigma) * (self.log_barrier + np.log(w)[:, None]))[None]
        return TradeCosts(access, self.fixed * w[:, None], self.tariff, self.sunk)


def year_costs(
    structure: CostStructure,
    levers: RegimeParameters,
    params: ModelParameters,
    saving: np.ndarray,
) -> YearCosts:
    """This year's costs (tariffs, barriers, fixed costs after savings)."""
    tariff = tariffs(structure, levers)
    barrier = barriers(structure, levers, params, tariff)
    formalities = np.where(
        structure.cross_border,
        1.0 + params.formalities_fixed_share * levers.border_formalities,
        1.0,
    )
    fixed = structure.fixed_base * formalities * (1.0 - saving) / params.sigma
    return YearCosts(
        tariff,
        structure.log_tau + np.log(barrier),
        fixed,
        structure.sunk,
        structure.country,
        params.sigma,
    )
