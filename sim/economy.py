"""The economy that adds up: each country's income, spending and the clearing of its goods market.

Five countries (`sim.world.COUNTRIES`): Kazakhstan, Russia, China, the European Union and the
rest of the world. Each year and for each country c, from the data (`sim.macro`), in current
US$ bn:

    Y_c  GDP
    Q_c  goods value added: agriculture and manufacturing, g_c * Y_c (what the goods firms earn),
    s_c  the services share of GDP,
    R_c  commodity exports, C_c commodity imports (fuels, ores and metals; `sim.commodities`),
    B_c  goods trade balance (merchandise exports less imports; the rest of the world's closes
         the world's, so sum_c B_c = 0).

What is left of GDP, Z_c = Y_c - s_c Y_c - Q_c - R_c, sets how the rest adds up. Where it is
positive, it is the value added of construction, utilities and mining for home use: with the
services it makes the non-traded sector, N_c = s_c Y_c + Z_c, which sells only at home. Where it
is negative, commodity exports (a gross value) exceed the value added left for them: the
commodity sector bought goods (equipment, pipe, chemicals) worth I_c = -Z_c, and N_c = s_c Y_c.
So income at market prices is Y = N + (R - I) + S + TR: the non-traded sector, the commodity
sector's value added, the sales S of the country's goods firms (at producer prices, home sales
included) and the tariff revenue TR it collects. Absorption is income less the goods surplus,
Y - B, so final spending on goods is Y - B - N - C, and with the commodity sector's inputs,
spending on goods at buyers' prices is

    E_c = Y_c - B_c - N_c - C_c + I_c,

shared among the country's regions by their GDP share. The goods firms' sales must match their
value added from the data:

    S_c(w) + TR_c(w) = Q_c        for every country c (market clearing),

where w_c is the US$ unit cost of country c's goods (its price level for trade). The rest of the
world's unit cost is its US$ price level (the numeraire); the other four are solved each year
(`clear_markets`), and Walras' law clears the fifth. With every market cleared, each country's
income is its GDP, its goods exports less imports equal B_c, world exports equal world imports,
and no country buys more than its income less its surplus. Firm mass is each country's real
goods output, Q_c / P_c (P its US$ price level of GDP): the number of firms follows real output,
their prices follow the market.

Partners' commodity trade among themselves is not separated from their goods; for them R and C
are only their commodity sales to and purchases from Kazakhstan and Russia.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError
from sim.macro import MacroYear
from sim.trade import YearTrade
from sim.world import CN, COUNTRIES, EU, KZ, RU, World

CLEARED = (KZ, RU, CN, EU)  # solved for; the rest of the world's clears by Walras' law


@dataclass(frozen=True)
class Accounts:
    """One year's national accounts targets, arrays over `COUNTRIES` (US$ bn)."""

    gdp: np.ndarray
    nontraded: np.ndarray
    commodity_exports: np.ndarray
    commodity_imports: np.ndarray
    balance: np.ndarray  # goods balance from the data, which the market clearing delivers
    price: np.ndarray  # US$ price level of GDP (2010 = 1)
    commodity_inputs: np.ndarray  # goods the commodity sector buys, I

    @property
    def final_goods_spending(self) -> np.ndarray:
        """Absorption less services and commodities: Y - B - N - C."""
        return self.gdp - self.balance - self.nontraded - self.commodity_imports

    @property
    def goods_spending(self) -> np.ndarray:
        """E: spending on goods at buyers' prices, final and by the commodity sector."""
        return self.final_goods_spending + self.commodity_inputs

    @property
    def goods_income(self) -> np.ndarray:
        """Q: what the goods firms earn (sales plus the tariffs collected at home)."""
        return self.gdp - self.nontraded - self.commodity_exports + self.commodity_inputs

    @property
    def real_goods_output(self) -> np.ndarray:
        """Q / P: firm mass, in 2010 US$ bn."""
        return self.goods_income / self.price


def national_accounts(
    macro: MacroYear, commodities: np.ndarray, world: World, year: int
) -> Accounts:
    """The year's accounts from the data and the commodity flows (M, M).

    Raises an `InputError` when the inputs leave a country no goods spending or income (an
    adjustment or a macro file far from the data).
    """
    country = world.country
    n = len(COUNTRIES)
    exports = np.bincount(country, weights=commodities.sum(axis=1), minlength=n)
    imports = np.bincount(country, weights=commodities.sum(axis=0), minlength=n)
    goods = macro.goods_share * macro.gdp
    rest = macro.gdp * (1.0 - macro.services_share) - goods - exports
    accounts = Accounts(
        macro.gdp,
        macro.services_share * macro.gdp + np.maximum(rest, 0.0),
        exports,
        imports,
        macro.balance,
        macro.price,
        np.maximum(-rest, 0.0),
    )
    for name in ("final_goods_spending", "goods_income"):
        bad = np.flatnonzero(getattr(accounts, name) <= 0)
        if bad.size:
            raise InputError(
                f"{COUNTRIES[bad[0]]} has no {name.replace('_', ' ')} left in {year}: GDP, "
                "its services share, commodity trade and balance leave nothing for goods",
                key="macro",
            )
    return accounts


def market_spending(world: World, accounts: Accounts) -> np.ndarray:
    """(1, M) goods spending of each market: its country's, shared by GDP share."""
    return (accounts.goods_spending[world.country] * world.gdp_share)[None, :]


@dataclass(frozen=True)
class Clearing:
    """The solved goods markets of one year."""

    unit_cost: np.ndarray  # w per country
    trade: YearTrade
    sales: np.ndarray  # S per country, producer prices
    tariff_revenue: np.ndarray  # TR per country
    iterations: int
    jacobian: np.ndarray | None  # the last quasi-Newton Jacobian (a start for next year)

    def gap(self, accounts: Accounts) -> np.ndarray:
        """Relative excess of sales plus tariffs over goods income, per country."""
        return (self.sales + self.tariff_revenue) / accounts.goods_income - 1.0


def country_totals(world: World, flows: np.ndarray, tariff: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sales per selling country and tariff revenue per buying country, from (M, M) flows."""
    n = len(COUNTRIES)
    sales = np.bincount(world.country, weights=flows.sum(axis=1), minlength=n)
    revenue = np.bincount(world.country, weights=(flows * tariff).sum(axis=0), minlength=n)
    return sales, revenue


def _jacobian(world: World, flows: np.ndarray, tariff: np.ndarray, elasticity: float):
    """D log(sales) / d log(w), from the shares of a CES-Pareto demand system.

    A country's share of a market falls with its unit cost at the trade elasticity eps, and
    rises with a rival's in proportion to the rival's share: J = -eps (I - X P'), where X holds
    each seller's sales shares by market and P each market's purchase shares by seller.
    """
    n = len(COUNTRIES)
    onehot = np.eye(n)[world.country]  # (M, n)
    by_country = onehot.T @ flows @ onehot  # (seller country, buyer country)
    spend = (onehot.T @ (flows * (1.0 + tariff)) @ onehot).sum(axis=0)
    x = by_country / by_country.sum(axis=1, keepdims=True)
    p = by_country / spend[None, :]
    return -elasticity * (np.eye(n) - x @ p.T)


def clear_markets(
    solve: Callable[[np.ndarray, float], YearTrade],
    world: World,
    accounts: Accounts,
    tariff: np.ndarray,
    start: np.ndarray,
    elasticity: float,
    jacobian: np.ndarray | None = None,
    tolerance: float = 1e-4,
    iterations: int = 60,
) -> Clearing:
    """Solve the unit costs at which every country's goods sales match its goods income.

    Quasi-Newton (Broyden) steps on log unit costs, starting from the demand system's Jacobian
    (`_jacobian`) at `start`, or from `jacobian`, and updating it with every step's observed
    response (firms inside their sunk-cost band respond less than the Pareto tail implies). A
    step that does not shrink the largest gap is halved (up to four times). The rest of the
    world's unit cost (the numeraire) stays as given. The market choice is solved to an
    accuracy that follows the gap: loosely while the unit costs are far off, tightly as they
    settle.

    Args:
        solve: This year's market choice for given unit costs, to a relative accuracy.
        world: The markets.
        accounts: This year's accounts.
        tariff: (M, M) tariffs (for the revenue).
        start: First guess of the unit costs; the numeraire's entry is kept.
        elasticity: Trade elasticity of the demand-system Jacobian.
        jacobian: A Jacobian to start from instead (last year's).
        tolerance: Largest relative gap (log) of sales plus tariffs to goods income accepted.
        iterations: Most evaluations of `solve`.
    """
    free = np.isin(np.arange(len(COUNTRIES)), CLEARED)
    target = accounts.goods_income
    log_w = np.log(start)

    accuracy = [1e-4]

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, YearTrade, np.ndarray, np.ndarray]:
        log_w[free] = x
        trade = solve(np.exp(log_w), accuracy[0])
        sales, revenue = country_totals(world, trade.flows, tariff)
        return np.log((sales + revenue) / target)[free], trade, sales, revenue

    x = log_w[free].copy()
    gap, trade, sales, revenue = evaluate(x)
    jac = jacobian
    if jac is None:
        jac = _jacobian(world, trade.flows, tariff, elasticity)[np.ix_(free, free)]
    count = 1
    while np.max(np.abs(gap)) > tolerance:
        accuracy[0] = float(np.clip(0.01 * np.max(np.abs(gap)), 1e-7, 1e-4))
        step = np.clip(np.linalg.solve(jac, -gap), -1.0, 1.0)
        for halving in range(5):
            if count >= iterations:
                worst = np.flatnonzero(free)[np.argmax(np.abs(gap))]
                raise RuntimeError(
                    f"goods markets did not clear in {iterations} evaluations: "
                    f"{COUNTRIES[worst]}'s sales miss its goods income by "
                    f"{np.max(np.abs(gap)):.2g} (log); trade costs this high leave it too "
                    "little to trade"
                )
            trial = evaluate(x + step)
            count += 1
            if np.max(np.abs(trial[0])) < np.max(np.abs(gap)) or halving == 4:
                break
            step = step / 2
        jac = jac + np.outer(trial[0] - gap - jac @ step, step) / (step @ step)
        x = x + step
        gap, trade, sales, revenue = trial
    log_w[free] = x
    return Clearing(np.exp(log_w), trade, sales, revenue, count, jac)
