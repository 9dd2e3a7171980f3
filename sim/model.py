"""Transfrontier: cross-border cooperation between the regions of Kazakhstan and Russia.

An agent-based model of trade and joint ventures between the 16 Kazakh regions and 83 Russian
federal subjects of 2010, plus the Rest of World, from 1991 onward, under a timeline of policy
regimes (before the Customs Union, the Customs Union of 2010, the Eurasian Economic Union of
2015). It is calibrated against Issabayev, Sadykov, Seitkazina and Bekmaganbetov (2016),
"Kazakhstan and Russia: experience and prospects of transfrontier cooperation (1991-2015)".

One step is one calendar year, in this order: levers and macro conditions of the year; firm exit
and entry; forums; agreements; market choice and trade (`sim.trade`); joint ventures; records.
See `docs/ODD.md` for the full description.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import agreements, forums, trade, ventures
from sim.agents import COUNTRY_CODES, Firm, JointVenture, Region, firm_slots_of
from sim.data import ROW_ID, SIZE_YEAR, load_gateways, load_macro, load_regions, load_sectors
from sim.firms import initial_firms, renew
from sim.geography import market_distances
from sim.macro import macro_path
from sim.parameters import RegimeParameters
from sim.policy import levers_for_year
from sim.reporting import YearRecord, record_year
from sim.scenario import ScenarioSpec, TransfrontierScenario, load_scenario
from sim.shadow import unrecorded_share

KZ, RU, ROW = 0, 1, 2
STREAMS = ("firms", "demography", "forums", "agreements", "ventures")


class TransfrontierModel(mesa.Model):
    """The Transfrontier model: one run of one scenario with one seed.

    Args:
        scenario: A `TransfrontierScenario` (resolved spec and seed). A bare
            `TransfrontierModel()` runs the shipped `historical` scenario with a random seed.
    """

    def __init__(self, scenario: TransfrontierScenario | None = None):
        if scenario is None:
            scenario = TransfrontierScenario(spec=load_scenario("historical"))
        super().__init__(scenario=scenario)
        spec: ScenarioSpec = scenario.spec
        self.spec = spec
        self.params = p = spec.parameters
        self.seed = int(scenario.rng) if scenario.rng is not None else int(self._seed)
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }

        regions = load_regions()
        sectors = load_sectors()
        self.sector_names = list(sectors.sector)
        self.sector_shares = sectors.expenditure_share.to_numpy(float)
        self.distance_multiplier = sectors.distance_multiplier.to_numpy(float)
        self.row_multiplier = sectors.row_productivity_multiplier.to_numpy(float)
        n = len(regions)
        self.n_markets = m = n + 1
        self.region_ids = np.append(regions.region_id.to_numpy(str), ROW_ID)
        self.country_of = np.append(regions.country.map({"KZ": KZ, "RU": RU}).to_numpy(int), ROW)
        self.border = np.append(regions.border.to_numpy(bool), False)
        self.neighbours = {
            rid: tuple(filter(None, text.split(";")))
            for rid, text in zip(regions.region_id, regions.neighbours, strict=True)
        }
        self.ru = np.flatnonzero(self.country_of == RU)
        self.kz = np.flatnonzero(self.country_of == KZ)
        macro_table = load_macro(spec.macro_file)
        self.size = np.append(
            regions.size_usd_bn.to_numpy(float), macro_table.loc[("ROW", SIZE_YEAR), "gdp_usd_bn"]
        )
        gateway_index = np.flatnonzero(np.isin(self.region_ids[:n], load_gateways()))
        self.distance = market_distances(
            regions.lat.to_numpy(float),
            regions.lon.to_numpy(float),
            gateway_index,
            p.internal_distance_km,
            p.row_distance_km,
        )
        self.macro = macro_path(spec)
        c_o, c_d = self.country_of[:, None], self.country_of[None, :]
        self.cross_border = (c_o != c_d) & (c_o != ROW) & (c_d != ROW)
        self.fixed_base = np.where(
            (c_o == ROW) | (c_d == ROW),
            p.fixed_cost_row,
            np.where(self.cross_border, p.fixed_cost_cross_border, p.fixed_cost_national),
        )
        np.fill_diagonal(self.fixed_base, p.fixed_cost_home)
        # Firm mass is proportional to real output (2010 US$ bn), so in 2010 the average
        # variable profit per unit of mass is 1/sigma: fixed costs are stated relative to it.
        self.fixed_scale = 1.0 / p.sigma
        self.sunk = p.sunk_cost_ratio * (1.0 - np.eye(m))

        self.regions = list(
            Region.create_agents(
                self,
                m,
                np.arange(m),
                self.region_ids,
                np.append(regions.name.to_numpy(str), "Rest of World"),
                [COUNTRY_CODES[c] for c in self.country_of],
                np.append(regions.lat.to_numpy(float), np.nan),
                np.append(regions.lon.to_numpy(float), np.nan),
                np.append(regions.population.to_numpy(float), np.nan),
                self.border,
                [self.neighbours[rid] for rid in regions.region_id] + [()],
            )
        )

        self.year = spec.start_year
        # Stays above 0 for any oversampling in [0, 1], since pareto_shape > sigma - 1.
        self.sampling_shape = p.pareto_shape - p.tail_oversampling * (p.sigma - 1.0)
        levers, _ = levers_for_year(spec.regimes, self.year)
        demand_c, price_c = self.macro.at(self.year)
        self.firms = initial_firms(
            self.streams["firms"],
            p.n_firms,
            self._entry_weights(demand_c),
            self.country_of,
            {KZ: p.kz_agent_share, RU: 1.0 - p.kz_agent_share},
            self.sector_shares,
            p.pareto_shape,
            self.sampling_shape,
            p.sigma,
            self.year,
        )
        self.firm_agents: list[Firm] = list(
            Firm.create_agents(self, p.n_firms, np.arange(p.n_firms))
        )
        self.ventures: list[JointVenture] = []
        self.agreements = np.zeros((self.ru.size, self.kz.size), dtype=np.int64)
        self.contacts = np.zeros((self.ru.size, self.kz.size))
        self.ties = trade.Ties.none(m)
        self.supply = self._supply(demand_c, price_c)
        self.trade = trade.equilibrium(
            self._demand(demand_c),
            self._costs(levers, demand_c, price_c),
            self.supply,
            p.sigma,
            self.ties,
        )
        self.pair_trade = self._pair_trade(self.trade.flows, 0.0)
        self.active_firms_by_market = self._firm_count(self.firms.active)
        self.cross_border_turnover_usd_bn = np.zeros(m)
        self.records: list[YearRecord] = []

    # --- yearly inputs -------------------------------------------------------------------
    def _demand(self, demand_c: np.ndarray) -> np.ndarray:
        """Expenditure on the firm sector's output per (sector, market), model units."""
        return self.sector_shares[:, None] * (self.size * demand_c[self.country_of])[None, :]

    def _supply(self, demand_c: np.ndarray, price_c: np.ndarray) -> trade.Supply:
        """This year's sellers: firm mass follows each country's real output (2010 US$ bn).

        A Kazakh or Russian agent stands for its country's real output in proportion to its
        weight (`sim.firms`); the Rest of World is a continuum with its real output as mass.
        """
        p = self.params
        country = self.country_of[self.firms.market]
        real_output = np.bincount(self.country_of, weights=self.size, minlength=3) * (
            demand_c / price_c
        )
        weight = np.bincount(country, weights=self.firms.weight, minlength=3)
        mass = (real_output / np.where(weight > 0, weight, 1.0))[country] * self.firms.weight
        continuum = np.zeros((len(self.sector_names), self.n_markets))
        continuum[:, -1] = self.sector_shares * real_output[ROW]
        floor = np.zeros_like(continuum)
        # A productivity shift lambda of the Pareto continuum moves its smallest size.
        floor[:, -1] = (p.row_productivity * self.row_multiplier) ** (p.sigma - 1.0)
        return trade.build_supply(self.firms, mass, continuum, floor, p.pareto_shape, p.sigma)

    def _active_mass(self) -> np.ndarray:
        """Firm mass of the active firms per market (economic weight, whatever the agents)."""
        weights = self.supply.mass * self.firms.active
        return np.bincount(self.firms.market, weights=weights, minlength=self.n_markets)

    def _firm_count(self, which: np.ndarray) -> np.ndarray:
        """Weighted number of the firm agents in `which`, per home market (see `sim.firms`)."""
        weights = self.firms.weight * which
        return np.bincount(self.firms.market, weights=weights, minlength=self.n_markets)

    def _entry_weights(self, demand_c: np.ndarray) -> np.ndarray:
        """Where firms locate: the Kazakh and Russian regions' current demand (none abroad)."""
        weights = self.size * demand_c[self.country_of]
        weights[-1] = 0.0
        return weights

    def _search_saving(self, levers: RegimeParameters) -> np.ndarray:
        """Share of the cross-border fixed cost saved, per (origin, destination)."""
        p = self.params
        pair = np.minimum(
            p.max_search_saving,
            p.agreement_cost_reduction * self.linked
            + p.forum_cost_reduction * self.contacts
            + p.funding_cost_reduction * levers.state_funding
            + p.human_capital_cost_reduction * levers.human_capital_exchange,
        )
        saving = np.zeros((self.n_markets, self.n_markets))
        saving[np.ix_(self.ru, self.kz)] = pair
        saving[np.ix_(self.kz, self.ru)] = pair.T
        return saving

    def _costs(
        self, levers: RegimeParameters, demand_c: np.ndarray, price_c: np.ndarray
    ) -> trade.TradeCosts:
        p = self.params
        c_o, c_d = self.country_of[:, None], self.country_of[None, :]
        tariff = np.select(
            [
                self.cross_border,
                (c_o == ROW) & (c_d == KZ),
                (c_o == ROW) & (c_d == RU),
                (c_o != ROW) & (c_d == ROW),
            ],
            [
                levers.mutual_tariff,
                levers.external_tariff_kz,
                levers.external_tariff_ru,
                levers.row_tariff,
            ],
            0.0,
        )
        barrier = (1.0 + tariff) * np.where(
            self.cross_border, (1.0 + levers.mutual_ntb) * (1.0 + levers.border_formalities), 1.0
        )
        access = trade.market_access(
            self.distance,
            p.internal_distance_km,
            self.distance_multiplier,
            p.distance_elasticity,
            barrier,
            price_c[self.country_of] ** p.price_passthrough,
            p.sigma,
        )
        formalities = np.where(
            self.cross_border, 1.0 + p.formalities_fixed_share * levers.border_formalities, 1.0
        )
        fixed = (
            self.fixed_base
            * formalities
            * (1.0 - self._search_saving(levers))
            * self.fixed_scale
            # Fixed costs are paid at home in real resources: they move with its US$ price level.
            * price_c[self.country_of][:, None]
        )
        return trade.TradeCosts(access, fixed, tariff, self.sunk)

    def _pair_trade(self, flows: np.ndarray, shadow: float) -> np.ndarray:
        """Recorded turnover per (Russian region, Kazakh region) pair, model units."""
        ru_kz = flows[np.ix_(self.ru, self.kz)] + flows[np.ix_(self.kz, self.ru)].T
        return ru_kz * (1.0 - shadow)

    # --- the year --------------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one calendar year."""
        p = self.params
        year = self.spec.start_year + round(self.time) - 1
        if year > self.spec.end_year:
            raise RuntimeError(
                f"the scenario ends in {self.spec.end_year}: there is no year {year} to step"
            )
        self.year = year
        levers, regime = levers_for_year(self.spec.regimes, self.year)
        demand_c, price_c = self.macro.at(self.year)
        entered = exited = 0
        self.closed = np.zeros((self.n_markets, 3), dtype=np.int64)
        if self.year > self.spec.start_year:
            entered, exited = self._demography(demand_c)

        self.contacts *= p.forum_contact_decay
        held = [f for f in self.spec.forums if f.year == self.year]
        forum = forums.hold_forums(
            held,
            self.streams["forums"],
            self.contacts,
            self.region_ids[:-1],
            self.border[:-1],
            self.ru,
            self.kz,
            self._active_mass()[:-1],
            p,
            self.neighbours,
        )
        self.agreements, signed, lapsed = agreements.update_agreements(
            self.agreements, self.streams["agreements"], self.pair_trade, self.contacts, levers, p
        )

        self.ties = self._ventures_ties()
        self.supply = self._supply(demand_c, price_c)
        costs = self._costs(levers, demand_c, price_c)
        self.trade = trade.equilibrium(
            self._demand(demand_c), costs, self.supply, p.sigma, self.ties, self.trade
        )
        self.firms.active[:] = trade.active_firms(self.supply, self.trade, self.ties)
        self.active_firms_by_market = self._firm_count(self.firms.active)
        shadow = unrecorded_share(levers, p)
        self.pair_trade = self._pair_trade(self.trade.flows, shadow)
        exporters = self._firm_count(
            trade.active_firms(self.supply, self.trade, self.ties, self.cross_border)
        )

        dissolved = self._dissolve_ventures(levers) + self.closed
        founded = self._found_ventures(levers, forum.protocols)

        record = record_year(
            self,
            regime=regime,
            levers=levers,
            shadow=shadow,
            exporters=exporters,
            forum=forum,
            signed=signed,
            lapsed=lapsed,
            founded=founded,
            dissolved=dissolved,
            entered=entered,
            exited=exited,
        )
        self.cross_border_turnover_usd_bn = record.region_cross_border_usd_bn
        self.records.append(record)
        if self.year >= self.spec.end_year:
            self.running = False

    def _demography(self, demand_c: np.ndarray) -> tuple[int, int]:
        """Exit of inactive firms and a random share of the rest; entrants fill the slots.

        Returns the entrants and the exits, counted with their weights (`sim.firms`).
        """
        p = self.params
        rng = self.streams["demography"]
        exiting = ~self.firms.active | (rng.random(len(self.firms)) < p.exit_rate)
        exited = round(self.firms.weight[exiting].sum())
        slots = renew(
            self.firms,
            rng,
            exiting,
            self._entry_weights(demand_c),
            self.country_of,
            self.sector_shares,
            p.pareto_shape,
            self.sampling_shape,
            p.sigma,
            self.year,
        )
        if slots.size == 0:
            return 0, 0
        entered = round(self.firms.weight[slots].sum())
        for slot in slots:
            self.firm_agents[slot].remove()
        for slot, agent in zip(slots, Firm.create_agents(self, slots.size, slots), strict=True):
            self.firm_agents[slot] = agent
        # Ventures whose host firm exited close; an exited investor's capital stays.
        gone = np.zeros(len(self.firms), dtype=bool)
        gone[slots] = True
        keep = []
        for venture in self.ventures:
            if gone[venture.host_slot]:
                self.closed[venture.host_market, self.country_of[venture.investor_market]] += 1
                venture.remove()
                continue
            if venture.investor_slot >= 0 and gone[venture.investor_slot]:
                venture.investor_slot = -1
            keep.append(venture)
        self.ventures = keep
        return entered, exited

    def _dissolve_ventures(self, levers: RegimeParameters) -> np.ndarray:
        """Dissolve ventures with their hazard; return the count per (location, origin)."""
        rng = self.streams["ventures"]
        prob = ventures.dissolution_probability(levers, self.params)
        draw = rng.random(len(self.ventures))
        counts = np.zeros((self.n_markets, 3), dtype=np.int64)
        keep = []
        for venture, u in zip(self.ventures, draw, strict=True):
            if u < prob:
                counts[venture.host_market, self.country_of[venture.investor_market]] += 1
                venture.remove()
            else:
                keep.append(venture)
        self.ventures = keep
        return counts

    def _found_ventures(self, levers: RegimeParameters, protocols: np.ndarray) -> np.ndarray:
        """Form this year's new ventures; return the count per (location, origin)."""
        p = self.params
        rng = self.streams["ventures"]
        sampler = ventures.RegionSampler.build(self.firms, self.n_markets)
        mass = sampler.mass()
        ru_kz = ventures.pair_rates(
            p.jv_rate,
            mass[self.ru],
            mass[self.kz],
            self.distance[np.ix_(self.ru, self.kz)],
            self.linked,
            self.contacts,
            self.pair_trade,
            levers,
            p,
        )
        kz_ru = ventures.pair_rates(
            p.jv_ru_rate,
            mass[self.kz],
            mass[self.ru],
            self.distance[np.ix_(self.kz, self.ru)],
            self.linked.T,
            self.contacts.T,
            self.pair_trade.T,
            levers,
            p,
        )
        from_row = ventures.row_rates(p.jv_row_rate, mass[self.kz], levers, p)
        n_ru_kz = rng.poisson(ru_kz) + rng.binomial(protocols, p.protocol_conversion)
        n_kz_ru = rng.poisson(kz_ru)
        n_row = rng.poisson(from_row)

        inv_parts, host_parts = [], []
        for counts, inv_idx, host_idx in (
            (n_ru_kz, self.ru, self.kz),
            (n_kz_ru, self.kz, self.ru),
        ):
            i, j = np.nonzero(counts)
            k = counts[i, j]
            inv_parts.append(np.repeat(inv_idx[i], k))
            host_parts.append(np.repeat(host_idx[j], k))
        inv_parts.append(np.full(n_row.sum(), self.n_markets - 1))
        host_parts.append(np.repeat(self.kz, n_row))
        investor_market = np.concatenate(inv_parts).astype(np.int64)
        host_market = np.concatenate(host_parts).astype(np.int64)
        counts = np.zeros((self.n_markets, 3), dtype=np.int64)
        if host_market.size == 0:
            return counts
        host_slot = sampler.draw(rng, host_market)
        from_firm = investor_market != self.n_markets - 1
        investor_slot = np.full(host_market.size, -1, dtype=np.int64)
        investor_slot[from_firm] = sampler.draw(rng, investor_market[from_firm])
        share = ventures.foreign_shares(rng, host_market.size, p.jv_foreign_share)
        created = JointVenture.create_agents(
            self,
            host_market.size,
            host_slot,
            investor_slot,
            host_market,
            investor_market,
            share,
            self.year,
        )
        self.ventures.extend(created)
        np.add.at(counts, (host_market, self.country_of[investor_market]), 1)
        return counts

    def _ventures_ties(self) -> trade.Ties:
        """Firms tied by ventures, with the markets of their partner countries."""
        if not self.ventures:
            return trade.Ties.none(self.n_markets)
        host, inv = firm_slots_of(self.ventures)
        host_country = self.country_of[self.firms.market[host]]
        inv_country = np.fromiter(
            (self.country_of[v.investor_market] for v in self.ventures), dtype=np.int64
        )
        has_inv = inv >= 0
        slots = np.concatenate((host, inv[has_inv]))
        partner_country = np.concatenate((inv_country, host_country[has_inv]))
        partner = self.country_of[None, :] == partner_country[:, None]
        order = np.argsort(slots, kind="stable")
        slots, partner = slots[order], partner[order]
        unique, start = np.unique(slots, return_index=True)
        merged = np.logical_or.reduceat(partner, start, axis=0)
        return trade.Ties(unique, merged, self.params.jv_cost_reduction)

    # --- views for agents and apps ----------------------------------------------------------
    @property
    def linked(self) -> np.ndarray:
        """(n_ru, n_kz) True where a region pair has at least one active agreement."""
        return self.agreements > 0

    def agreement_partners(self, market: int) -> list[str]:
        """Region ids across the border linked to `market` by an active agreement."""
        if self.country_of[market] == RU:
            row = int(np.searchsorted(self.ru, market))
            return list(self.region_ids[self.kz[self.linked[row]]])
        if self.country_of[market] == KZ:
            col = int(np.searchsorted(self.kz, market))
            return list(self.region_ids[self.ru[self.linked[:, col]]])
        return []

    def ventures_hosted_by(self, slot: int) -> list[JointVenture]:
        """Ventures whose host is the firm in `slot`."""
        return [v for v in self.ventures if v.host_slot == slot]

    def markets_of(self, slot: int) -> list[str]:
        """Region ids of the markets the firm in `slot` sold in this year."""
        f = self.firms
        cut = self.trade.cut[f.sector[slot], f.market[slot]]
        served = f.size[slot] >= cut
        tied = np.flatnonzero(self.ties.slots == slot)
        if tied.size and self.trade.tie_gain.shape[0]:
            served |= self.trade.tie_gain[tied[0]]
        return list(self.region_ids[served])
