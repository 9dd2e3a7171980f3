"""Transfrontier: cross-border cooperation between the regions of Kazakhstan and Russia.

An agent-based model of trade and joint ventures between the 16 Kazakh regions and 83 Russian
federal subjects of 2010 and three partner markets (China, the European Union, the rest of the
world), from 1991 onward, under a timeline of policy regimes (before the Customs Union, the
Customs Union of 2010, the Eurasian Economic Union of 2015), inside an economy whose spending
follows its income (`sim.economy`). It is compared with Issabayev, Sadykov, Seitkazina and
Bekmaganbetov (2016), "Kazakhstan and Russia: experience and prospects of transfrontier
cooperation (1991-2015)", and with the trade record of both countries.

This module holds the schedule; every rule lives in the module named for it. One step is one
calendar year, in this order: levers (national, and the border regions' own decisions) and
macro conditions of the year; firm exit and entry
(`sim.firms`); forums (`sim.forums`); agreements (`sim.agreements`); commodity trade
(`sim.commodities`) and the national accounts (`sim.economy`); market choice and trade
(`sim.trade`, costs from `sim.trade_costs`) with the goods markets cleared; joint ventures
(`sim.ventures`); records (`sim.reporting`). See `docs/ODD.md` for the full description.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import agreements, commodities, economy, forums, trade, trade_costs, ventures
from sim.agents import Firm, JointVenture, Region
from sim.firms import exits, initial_firms, renew
from sim.macro import MacroYear, macro_path
from sim.parameters import RegimeParameters
from sim.policy import RegionLevers, levers_for_year, region_levers_for_year
from sim.reporting import YearRecord, record_year
from sim.scenario import RegionDecision, ScenarioSpec, TransfrontierScenario, load_scenario
from sim.shadow import unrecorded_share
from sim.world import COUNTRIES, KZ, RU, World, load_world

# A stream added later goes at the end: `SeedSequence.spawn` gives the earlier ones unchanged.
STREAMS = ("firms", "demography", "forums", "agreements", "ventures", "decisions")


class TransfrontierModel(mesa.Model):
    """The Transfrontier model: one run of one scenario with one seed.

    Args:
        scenario: A `TransfrontierScenario` (resolved spec and seed). A bare
            `TransfrontierModel()` runs the shipped `historical` scenario with a random seed.
        world: The markets and their geography (default: built from `sim/data/`, shared).
    """

    def __init__(self, scenario: TransfrontierScenario | None = None, world: World | None = None):
        if scenario is None:
            scenario = TransfrontierScenario(spec=load_scenario("historical"))
        super().__init__(scenario=scenario)
        spec: ScenarioSpec = scenario.spec
        self.spec = spec
        self.params = p = spec.parameters
        self.world = world = world or load_world()
        self.seed = int(scenario.rng) if scenario.rng is not None else int(self._seed)
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }
        self.n_markets = m = world.n_markets
        self.region_ids = world.market_ids
        self.country_of = world.country
        self.border = world.border
        self.neighbours = world.neighbours
        self.ru, self.kz = world.of(RU), world.of(KZ)
        self.distance = world.distance_km(p.internal_distance_km, p.row_distance_km)
        self.costs = trade_costs.CostStructure.build(world, self.distance, p)
        self.macro = macro_path(spec)
        # Trade elasticity of a CES-Pareto demand system: a cost change moves a seller's sales
        # through its price (sigma - 1) and its sellers (the Pareto tail).
        self.trade_elasticity = p.sigma * p.pareto_shape / (p.sigma - 1.0) - 1.0
        self.cleared = np.isin(np.arange(len(COUNTRIES)), economy.CLEARED)
        self.regions = list(
            Region.create_agents(
                self,
                m,
                np.arange(m),
                world.market_ids,
                world.names,
                [COUNTRIES[c] for c in world.country],
                world.lat,
                world.lon,
                world.population,
                world.border,
                [world.neighbours.get(rid, ()) for rid in world.market_ids],
            )
        )

        self.year = spec.start_year
        self.decisions: list[RegionDecision] = list(spec.decisions)
        self.region_levers = self._region_levers()
        # (year, Russian region, Kazakh region) of each agreement the regions' own proposals signed
        self.decided_agreements: list[tuple[int, str, str]] = []
        # Stays above 0 for any oversampling in [0, 1], since pareto_shape > sigma - 1.
        self.sampling_shape = p.pareto_shape - p.tail_oversampling * (p.sigma - 1.0)
        self.firms = initial_firms(
            self.streams["firms"],
            p.n_firms,
            self._entry_weights(),
            self.country_of,
            {KZ: p.kz_agent_share, RU: 1.0 - p.kz_agent_share},
            np.ones(1),
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
        self.trade: trade.YearTrade | None = None
        self.unit_cost = self.macro.at(self.year).price.copy()
        levers, _ = levers_for_year(spec.regimes, self.year)
        self._trade_year(self.macro.at(self.year), levers)  # the start: no history yet
        self.pair_trade = self._pair_trade(0.0)
        self.cross_border_turnover_usd_bn = np.zeros(m)
        self.records: list[YearRecord] = []

    # --- yearly inputs -------------------------------------------------------------------
    def _region_levers(self) -> RegionLevers:
        """The border regions' own levers for this year (none without decisions)."""
        return region_levers_for_year(
            self.decisions, self.year, self.world, self.params.region_budget
        )

    def decide(self, decisions: list[RegionDecision]) -> None:
        """Add border regions' decisions for the coming year (as a scenario's `[[decisions]]`).

        A class gives them year by year; each must be for the next year to step, once per
        region and year, or a ValueError says why.
        """
        coming = self.spec.start_year + round(self.time)
        taken = {(d.year, d.region) for d in self.decisions}
        for d in decisions:
            if d.year != coming:
                raise ValueError(f"{d.region} decided for {d.year}; the next year is {coming}")
            if (d.year, d.region) in taken:
                raise ValueError(f"{d.region} has already decided for {d.year}")
            taken.add((d.year, d.region))
        self.decisions.extend(decisions)

    def _entry_weights(self) -> np.ndarray:
        """Where firms locate: the regions' shares of their country's spending (none abroad)."""
        return np.where(self.country_of <= RU, self.world.gdp_share, 0.0)

    def _supply(self) -> trade.Supply:
        """This year's sellers: each country's firm mass is its real goods output.

        A Kazakh or Russian agent stands for its country's real goods output in proportion to
        its weight (`sim.firms`); a partner is a continuum with its real goods output as mass.
        """
        p = self.params
        mass_c = self.accounts.real_goods_output
        country = self.country_of[self.firms.market]
        weight = np.bincount(country, weights=self.firms.weight, minlength=len(COUNTRIES))
        mass = (mass_c / np.where(weight > 0, weight, 1.0))[country] * self.firms.weight
        partner = self.country_of > RU
        continuum = np.where(partner, mass_c[self.country_of], 0.0)[None, :]
        floor = partner.astype(float)[None, :]
        return trade.build_supply(self.firms, mass, continuum, floor, p.pareto_shape, p.sigma)

    def _active_mass(self) -> np.ndarray:
        """Firm mass of the active firms per market (economic weight, whatever the agents)."""
        weights = self.supply.mass * self.firms.active
        return np.bincount(self.firms.market, weights=weights, minlength=self.n_markets)

    def _firm_count(self, which: np.ndarray) -> np.ndarray:
        """Weighted number of the firm agents in `which`, per home market (see `sim.firms`)."""
        weights = self.firms.weight * which
        return np.bincount(self.firms.market, weights=weights, minlength=self.n_markets)

    def _pair_trade(self, shadow: float) -> np.ndarray:
        """Recorded turnover per (Russian region, Kazakh region) pair, US$ bn."""
        goods = self.trade.flows
        ru, kz = self.ru, self.kz
        recorded = (goods[np.ix_(ru, kz)] + goods[np.ix_(kz, ru)].T) * (1.0 - shadow)
        return recorded + self.commodities[np.ix_(ru, kz)] + self.commodities[np.ix_(kz, ru)].T

    def _trade_year(self, macro: MacroYear, levers: RegimeParameters) -> None:
        """Commodity trade, accounts, and the year's market choice with goods markets cleared."""
        p = self.params
        self.commodities = commodities.commodity_flows(
            self.world,
            self.distance,
            p.internal_distance_km,
            macro,
            p.commodity_distance_elasticity,
            p.commodity_affinity,
        )
        self.accounts = economy.national_accounts(macro, self.commodities, self.world, self.year)
        self.supply = self._supply()
        saving = trade_costs.search_saving(
            self.costs, self.linked, self.contacts, levers, p, self.region_levers.funding
        )
        year_costs = trade_costs.year_costs(self.costs, levers, p, saving)
        spending = economy.market_spending(self.world, self.accounts)
        previous = self.trade
        latest: list[np.ndarray | None] = [None if previous is None else previous.solved]
        pairs = trade.TiePairs.of(self.supply, self.ties)

        def solve(unit_cost: np.ndarray, accuracy: float) -> trade.YearTrade:
            outcome = trade.equilibrium(
                spending, year_costs.at(unit_cost), self.supply, p.sigma, self.ties, previous,
                guess=latest[0], pairs=pairs, tolerance=accuracy,
            )  # fmt: skip
            latest[0] = outcome.solved
            return outcome

        self.clearing = economy.clear_markets(
            solve,
            self.world,
            self.accounts,
            year_costs.tariff,
            self.unit_cost,
            self.trade_elasticity,
            None if previous is None else self.clearing.jacobian,
        )
        self.year_costs, self.spending = year_costs, spending  # kept for views and checks
        self.tariff = year_costs.tariff
        self.trade = self.clearing.trade
        self.unit_cost = self.clearing.unit_cost
        self.firms.active[:] = trade.active_firms(self.supply, self.trade, self.ties)
        self.active_firms_by_market = self._firm_count(self.firms.active)

    # --- the year --------------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one calendar year."""
        p = self.params
        year = self.spec.start_year + round(self.time) - 1
        if year > self.spec.end_year:
            raise RuntimeError(
                f"the scenario ends in {self.spec.end_year}: there is no year {year} to step"
            )
        last_price = self.macro.at(self.year).price
        self.year = year
        levers, regime = levers_for_year(self.spec.regimes, self.year)
        self.region_levers = region = self._region_levers()
        macro = self.macro.at(self.year)
        entered = exited = 0
        closed = np.zeros((self.n_markets, len(COUNTRIES)), dtype=np.int64)
        if self.year > self.spec.start_year:
            entered, exited, closed = self._demography()

        self.contacts *= p.forum_contact_decay
        held = [f for f in self.spec.forums if f.year == self.year]
        forum = forums.hold_forums(
            held,
            self.streams["forums"],
            self.contacts,
            self.region_ids[: self.world.n_regions],
            self.border[: self.world.n_regions],
            self.ru,
            self.kz,
            self._active_mass()[: self.world.n_regions],
            p,
            self.neighbours,
            region.delegation[: self.world.n_regions],
        )
        self.agreements, signed, lapsed, decided = agreements.update_agreements(
            self.agreements,
            self.streams["agreements"],
            self.pair_trade,
            self.contacts,
            levers,
            p,
            region,
            self.streams["decisions"],
        )
        for r, k in zip(*np.nonzero(decided), strict=True):
            self.decided_agreements.append(
                (self.year, str(self.region_ids[self.ru[r]]), str(self.region_ids[self.kz[k]]))
            )

        self.ties = ventures.ties(self.ventures, self.firms, self.country_of, p.jv_cost_reduction)
        # Last year's unit costs, moved with each country's US$ price level, start the solver;
        # the numeraire's is its price level.
        self.unit_cost = np.where(
            self.cleared, self.unit_cost * macro.price / last_price, macro.price
        )
        self._trade_year(macro, levers)
        shadow = unrecorded_share(levers, p)
        self.pair_trade = self._pair_trade(shadow)
        exporters = self._firm_count(
            trade.active_firms(self.supply, self.trade, self.ties, self.costs.cross_border)
        )

        self.ventures, dissolved = ventures.dissolve(
            self.ventures, self.streams["ventures"], levers, p, self.country_of, self.n_markets
        )
        founded = ventures.found(self, levers, forum.protocols, region.attraction)

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
            dissolved=dissolved + closed,
            entered=entered,
            exited=exited,
        )
        self.cross_border_turnover_usd_bn = record.region_cross_border_usd_bn
        self.records.append(record)
        if self.year >= self.spec.end_year:
            self.running = False

    def _demography(self) -> tuple[int, int, np.ndarray]:
        """Firm exit and entry (`sim.firms`), with their agents and their ventures.

        Returns the entrants and the exits, counted with their weights (`sim.firms`), and the
        ventures closed with their host, per (location, capital origin).
        """
        p = self.params
        rng = self.streams["demography"]
        exiting = exits(self.firms, rng, p.exit_rate)
        exited = round(self.firms.weight[exiting].sum())
        slots = renew(
            self.firms,
            rng,
            exiting,
            self._entry_weights(),
            self.country_of,
            np.ones(1),
            p.pareto_shape,
            self.sampling_shape,
            p.sigma,
            self.year,
        )
        closed = np.zeros((self.n_markets, len(COUNTRIES)), dtype=np.int64)
        if slots.size == 0:
            return 0, 0, closed
        entered = round(self.firms.weight[slots].sum())
        for slot in slots:
            self.firm_agents[slot].remove()
        for slot, agent in zip(slots, Firm.create_agents(self, slots.size, slots), strict=True):
            self.firm_agents[slot] = agent
        gone = np.zeros(len(self.firms), dtype=bool)
        gone[slots] = True
        self.ventures, closed = ventures.close_hosted(
            self.ventures, gone, self.country_of, self.n_markets
        )
        return entered, exited, closed

    # --- views for agents and apps ----------------------------------------------------------
    def costs_in_force(self) -> trade.TradeCosts:
        """This year's trade costs at the unit costs the goods markets cleared at."""
        return self.year_costs.at(self.unit_cost)

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
