"""The parameter sheets: every number a scenario may set, with its type, range and meaning.

Two sheets. `ModelParameters` holds the structural parameters of the submodels (elasticities,
fixed costs, rates); `RegimeParameters` holds the policy levers that a regime of the timeline sets
(tariffs, formalities, legal framework, ...). Regime levers have no default on purpose: their
values live in the scenario files, never in code.

Ranges are written as `Annotated[type, Range(lo, hi)]`, read by the scenario validator, by the
varied parameters of sweeps and calibration (`sim.varied`) and by the app, so a range is stated
once.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class Range:
    """Closed interval of allowed values for a parameter."""

    lo: float
    hi: float

    def __contains__(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def __str__(self) -> str:
        return f"[{self.lo:g}, {self.hi:g}]"


@dataclass(frozen=True)
class ModelParameters:
    """Structural parameters of the model (overridable in a scenario's `[parameters]` table).

    Money is in current US$ bn throughout: each economy's size comes from the data (see
    `sim.economy`), so there is no scale factor to set.

    Args:
        n_firms: Number of Kazakh and Russian firm agents (a resolution, not the economy's
            size; money stays comparable across values).
        kz_agent_share: Share of the firm agents located in Kazakhstan (a resolution: each
            country's agents share its real goods output, so this sets how finely Kazakhstan's
            much smaller economy is sampled, not its size).
        sigma: Elasticity of substitution between varieties (CES demand): 3.8, after Bernard,
            Eaton, Jensen & Kortum (2003, AER 93(4)), who estimate 3.79 on US plants.
        pareto_shape: Shape of the Pareto distribution of firm productivity, which is also the
            model's trade elasticity: 5, the preferred estimate of Head & Mayer (2014,
            Handbook of International Economics 4, ch. 3; Simonovska & Waugh 2014 find about
            4). Must exceed `sigma - 1`.
        tail_oversampling: How much the firm agents oversample the productive tail (a
            resolution, not a behaviour). Agents draw productivity from a Pareto law of shape
            `pareto_shape - tail_oversampling * (sigma - 1)` and carry weights that restore the
            `pareto_shape` law in their firm mass and in firm counts. 0: every agent stands for
            the same firm mass; 1: every agent stands for the same sales potential, which steadies
            the aggregates that a few large exporters carry (see the ODD).
        distance_elasticity: Elasticity of the iceberg trade cost to distance,
            tau = (d / internal_distance_km)^rho: 0.18, the distance elasticity of trade flows
            (0.9, the mean of 1,467 estimates in Disdier & Head 2008, REStat 90(1)) over the
            trade elasticity (`pareto_shape`).
        commodity_distance_elasticity: Elasticity of commodity flows to distance in their
            gravity allocation: 0.9 (Disdier & Head 2008, as above).
        internal_distance_km: Distance of sales inside a market (region or partner), and the
            floor of all distances.
        row_distance_km: Distance from a gateway region to the rest of the world's market, and
            between the rest of the world and China or the European Union.
        partner_barrier_cn: Ad-valorem equivalent of the costs of bringing Chinese goods into
            Kazakhstan or Russia beyond distance and tariffs (transshipment between rail
            gauges, standards, distribution networks); fitted to the partner shares of Kazakh
            imports.
        partner_barrier_eu: Same, for goods from the European Union.
        partner_barrier_row: Same, for goods from the rest of the world.
        partner_export_barrier: Same, for Kazakh and Russian goods entering any partner's
            market (an exporter-specific trade cost, as in Waugh 2010, AER 100(5)); fitted to
            the two countries' goods exports relative to GDP.
        commodity_affinity: Multiplier on the gravity weight of commodity trade between the
            border regions of Kazakhstan and Russia (pipelines, rail links and plants built for
            a single economy); fitted to their bilateral trade.
        fixed_cost_home: Annual fixed cost of selling in the own market, relative to the average
            variable profit per unit of firm mass in 2010 (1/sigma).
        fixed_cost_national: Same, for another region of the own country.
        fixed_cost_cross_border: Same, for a region across the Kazakhstan–Russia border, before
            search-cost reductions.
        fixed_cost_partner: Same, between a Kazakh or Russian region and a partner (China, the
            European Union, the rest of the world), in either direction, and between partners.
        formalities_fixed_share: How strongly border formalities raise the fixed cost of
            cross-border selling, per unit of their ad-valorem equivalent.
        sunk_cost_ratio: Sunk cost of entering a new market, as a multiple of its annual fixed
            cost (annuity equivalent); creates hysteresis.
        exit_rate: Annual exogenous exit hazard of firms.
        agreement_rate: Expected new cooperation agreements a year between a Russian and a
            Kazakh region with average trade ties (Poisson mean), before programme, funding and
            forum effects.
        agreement_trade_elasticity: Elasticity of the signing hazard to the pair's trade relative
            to the average pair.
        agreement_trade_floor: Trade, as a share of the average pair's, that every pair counts
            in the signing hazard on top of its own: how far agreements reach beyond the pairs
            that already trade (national programmes pair up regions that barely trade).
        agreement_forum_effect: Increase of the signing hazard per unit of forum contacts.
        agreement_funding_effect: Increase of the signing hazard per unit of state funding.
        agreement_lapse_rate: Annual hazard that an active agreement lapses.
        agreement_cost_reduction: Share of the cross-border fixed (search) cost saved by firms of
            two regions linked by an agreement.
        forum_cost_reduction: Share of the cross-border fixed cost saved per unit of forum
            contacts (capped with agreements at `max_search_saving`).
        max_search_saving: Cap on the total share of the cross-border fixed cost that agreements,
            forums, state funding and human-capital exchange can save.
        funding_cost_reduction: Share of the cross-border fixed cost saved per unit of state
            funding of cross-border programmes.
        human_capital_cost_reduction: Share of the cross-border fixed cost saved by full
            human-capital exchange.
        forum_contact_decay: Share of forum contacts kept from one year to the next.
        forum_interregional_attendance: Probability that a non-border region attends a forum in
            the interregional format.
        protocol_rate: Probability that a Russian and a Kazakh participant of a business forum
            sign a protocol of intent.
        protocol_conversion: Share of protocols of intent that become joint ventures.
        jv_rate: New joint ventures with Russian capital in Kazakhstan per year at reference
            conditions (legal framework, capital mobility and investment attraction 1), before
            the boosts from agreements, forum contacts and trade ties.
        jv_ru_rate: Same for joint ventures with Kazakh capital in Russia.
        jv_row_rate: Same for joint ventures in Kazakhstan with capital from third countries.
        jv_distance_elasticity: Elasticity of joint-venture formation to distance (negative
            effect).
        jv_agreement_effect: Added to the formation boost (1 + ...) of regions linked by an
            agreement.
        jv_forum_effect: Boost of formation per unit of forum contacts between the regions.
        jv_trade_effect: Boost of formation per unit of the pair's trade relative to the
            gravity-weighted mean of all pairs.
        jv_legal_elasticity: Elasticity of formation to legal-framework quality.
        jv_mobility_elasticity: Elasticity of formation to capital mobility.
        jv_dissolution: Annual dissolution hazard of a joint venture under the worst legal
            framework.
        jv_legal_protection: Share of the dissolution hazard removed by a perfect legal framework.
        jv_cost_reduction: Share of the fixed cost saved by a joint venture's host and investor
            firms in each other's country.
        jv_foreign_share: Mean share of a joint venture's capital held by the foreign investor.
        region_budget: Programme budget of a border region whose administration decides its
            own levers (`[[decisions]]` of a scenario, a class), in units of the national
            reference level of state funding and of investment attraction (both levers'
            reference is 1): the share given to funding adds to state funding for the region's
            pairs across the border, the rest to investment attraction in the region.
        proposal_horizon: Years of a pair's own signing hazard that one proposal of an
            agreement stands for when the partner region follows the model's own rule: it
            accepts with the probability that the pair would sign at least one agreement in
            that many years.
        shadow_max: Largest possible unrecorded share of cross-border trade in goods.
        shadow_barrier_half: Border barrier (ad-valorem equivalent) at which the unrecorded share
            reaches half of `shadow_max` under zero enforcement.
    """

    n_firms: Annotated[int, Range(200, 5_000_000)] = 20_000
    kz_agent_share: Annotated[float, Range(0.05, 0.95)] = 0.4
    sigma: Annotated[float, Range(1.5, 10.0)] = 3.8
    pareto_shape: Annotated[float, Range(1.1, 20.0)] = 5.0
    tail_oversampling: Annotated[float, Range(0.0, 1.0)] = 1.0
    distance_elasticity: Annotated[float, Range(0.0, 3.0)] = 0.18
    commodity_distance_elasticity: Annotated[float, Range(0.0, 5.0)] = 0.9
    internal_distance_km: Annotated[float, Range(10.0, 1000.0)] = 150.0
    row_distance_km: Annotated[float, Range(0.0, 20_000.0)] = 3000.0
    partner_barrier_cn: Annotated[float, Range(0.0, 10.0)] = 0.5
    partner_barrier_eu: Annotated[float, Range(0.0, 10.0)] = 0.5
    partner_barrier_row: Annotated[float, Range(0.0, 10.0)] = 0.5
    partner_export_barrier: Annotated[float, Range(0.0, 10.0)] = 0.5
    commodity_affinity: Annotated[float, Range(0.01, 10_000.0)] = 10.0
    fixed_cost_home: Annotated[float, Range(0.0, 10.0)] = 0.01
    fixed_cost_national: Annotated[float, Range(0.0, 10.0)] = 0.05
    fixed_cost_cross_border: Annotated[float, Range(0.0, 10.0)] = 0.3
    fixed_cost_partner: Annotated[float, Range(0.0, 10.0)] = 0.3
    formalities_fixed_share: Annotated[float, Range(0.0, 20.0)] = 2.0
    sunk_cost_ratio: Annotated[float, Range(0.0, 20.0)] = 1.5
    exit_rate: Annotated[float, Range(0.0, 0.5)] = 0.05
    agreement_rate: Annotated[float, Range(0.0, 1.0)] = 0.0128
    agreement_trade_elasticity: Annotated[float, Range(0.0, 3.0)] = 0.64
    agreement_trade_floor: Annotated[float, Range(0.0, 1.0)] = 0.044
    agreement_forum_effect: Annotated[float, Range(0.0, 50.0)] = 1.0
    agreement_funding_effect: Annotated[float, Range(0.0, 50.0)] = 1.0
    agreement_lapse_rate: Annotated[float, Range(0.0, 0.5)] = 0.01
    agreement_cost_reduction: Annotated[float, Range(0.0, 1.0)] = 0.35
    forum_cost_reduction: Annotated[float, Range(0.0, 1.0)] = 0.1
    max_search_saving: Annotated[float, Range(0.0, 1.0)] = 0.7
    funding_cost_reduction: Annotated[float, Range(0.0, 1.0)] = 0.1
    human_capital_cost_reduction: Annotated[float, Range(0.0, 1.0)] = 0.2
    forum_contact_decay: Annotated[float, Range(0.0, 1.0)] = 0.6
    forum_interregional_attendance: Annotated[float, Range(0.0, 1.0)] = 0.3
    protocol_rate: Annotated[float, Range(0.0, 1.0)] = 0.0098
    protocol_conversion: Annotated[float, Range(0.0, 1.0)] = 0.3
    jv_rate: Annotated[float, Range(0.0, 5000.0)] = 374.0
    jv_ru_rate: Annotated[float, Range(0.0, 5000.0)] = 40.0
    jv_row_rate: Annotated[float, Range(0.0, 5000.0)] = 93.0
    jv_distance_elasticity: Annotated[float, Range(0.0, 5.0)] = 1.0
    jv_agreement_effect: Annotated[float, Range(0.0, 50.0)] = 1.0
    jv_forum_effect: Annotated[float, Range(0.0, 50.0)] = 0.5
    jv_trade_effect: Annotated[float, Range(0.0, 50.0)] = 0.5
    jv_legal_elasticity: Annotated[float, Range(0.0, 5.0)] = 1.0
    jv_mobility_elasticity: Annotated[float, Range(0.0, 5.0)] = 1.0
    jv_dissolution: Annotated[float, Range(0.0, 1.0)] = 0.12
    jv_legal_protection: Annotated[float, Range(0.0, 1.0)] = 0.5
    jv_cost_reduction: Annotated[float, Range(0.0, 1.0)] = 0.5
    jv_foreign_share: Annotated[float, Range(0.01, 0.99)] = 0.45
    region_budget: Annotated[float, Range(0.0, 5.0)] = 0.5
    proposal_horizon: Annotated[float, Range(0.0, 100.0)] = 10.0
    shadow_max: Annotated[float, Range(0.0, 1.0)] = 0.6
    shadow_barrier_half: Annotated[float, Range(1e-3, 5.0)] = 0.3


@dataclass(frozen=True)
class RegimeParameters:
    """Policy levers set by a regime of the timeline (all ad-valorem figures are fractions).

    Args:
        mutual_tariff: Tariff on Russia–Kazakhstan trade.
        mutual_ntb: Ad-valorem equivalent of non-tariff barriers on mutual trade.
        border_formalities: Ad-valorem equivalent of the time and cost of customs formalities at
            the internal border (also raises the fixed cost of cross-border selling).
        external_tariff_kz_cn: Kazakhstan's average applied tariff on goods from China.
        external_tariff_kz_eu: Same, on goods from the European Union.
        external_tariff_kz_row: Same, on goods from the rest of the world.
        external_tariff_ru_cn: Russia's average applied tariff on goods from China.
        external_tariff_ru_eu: Same, on goods from the European Union.
        external_tariff_ru_row: Same, on goods from the rest of the world.
        partner_tariff_cn: Average tariff China applies to Kazakh and Russian goods.
        partner_tariff_eu: Same, for the European Union.
        partner_tariff_row: Same, for the rest of the world.
        legal_framework: Quality of the legal framework for cross-border cooperation (0 to 1).
        capital_mobility: Freedom of capital movement between the two countries (0 to 1).
        state_funding: State funding of cross-border programmes (0 none, 1 the reference level).
        investment_attraction: Multiplier on the attraction of foreign investment (1 reference).
        enforcement: Enforcement against unrecorded (shadow) trade (0 to 1).
        agreement_programme: Multiplier on the signing of interregional agreements from national
            programmes of cooperation (1 reference).
        human_capital_exchange: Exchange of scientific, educational and human capital between
            the two countries beyond its historical level (0 as in history, 1 full); it lowers
            the cost of doing business across the border.
    """

    mutual_tariff: Annotated[float, Range(0.0, 2.0)]
    mutual_ntb: Annotated[float, Range(0.0, 3.0)]
    border_formalities: Annotated[float, Range(0.0, 3.0)]
    external_tariff_kz_cn: Annotated[float, Range(0.0, 2.0)]
    external_tariff_kz_eu: Annotated[float, Range(0.0, 2.0)]
    external_tariff_kz_row: Annotated[float, Range(0.0, 2.0)]
    external_tariff_ru_cn: Annotated[float, Range(0.0, 2.0)]
    external_tariff_ru_eu: Annotated[float, Range(0.0, 2.0)]
    external_tariff_ru_row: Annotated[float, Range(0.0, 2.0)]
    partner_tariff_cn: Annotated[float, Range(0.0, 2.0)]
    partner_tariff_eu: Annotated[float, Range(0.0, 2.0)]
    partner_tariff_row: Annotated[float, Range(0.0, 2.0)]
    legal_framework: Annotated[float, Range(0.0, 1.0)]
    capital_mobility: Annotated[float, Range(0.0, 1.0)]
    state_funding: Annotated[float, Range(0.0, 10.0)]
    investment_attraction: Annotated[float, Range(0.0, 10.0)]
    enforcement: Annotated[float, Range(0.0, 1.0)]
    agreement_programme: Annotated[float, Range(0.0, 20.0)]
    human_capital_exchange: Annotated[float, Range(0.0, 1.0)]


def parameter_ranges(sheet: type) -> dict[str, tuple[type, Range]]:
    """Map each field of a parameter sheet to its type and allowed range."""
    hints = typing.get_type_hints(sheet, include_extras=True)
    out: dict[str, tuple[type, Range]] = {}
    for field in dataclasses.fields(sheet):
        hint = hints[field.name]
        base, rng = typing.get_args(hint)
        out[field.name] = (base, rng)
    return out
