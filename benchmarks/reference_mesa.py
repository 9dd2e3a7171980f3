"""A plain per-agent Mesa implementation of one year's market choice, for comparison.

`sim.trade` evaluates the market choice of all firms at once on sorted numpy arrays. This
module does the same thing the textbook agent-based way, so that the two can be checked against
each other (`tests/test_reference.py`) and timed against each other
(`benchmarks/run_benchmarks.py`):

- each firm is a `mesa.Agent` with its own home market `o`, sector `s`, size `a` and mass `w`;
- the model works out the cutoff of every (sector, origin, destination) with the documented
  rule `cut = sigma * F_od * (1 + tariff_od) / (E_sd * T_sod) * psi_sd`, moved inside the
  hysteresis band `min(entry_cut, max(exit_cut, previous_cut))` when last year's cutoffs are
  given (`entry_cut = exit_cut * (1 + sunk_od)`);
- every agent's `step()` loops over the destination markets and sells in `d` iff
  `a >= cut[s, o, d]`, booking sales `E_sd * T_sod * w * a / psi_sd / (1 + tariff_od)` and
  adding `T_sod * w * a` to the crowding its sales create in `d`.

Two pieces of `sim.trade.seller_mass` are reproduced so that the aggregates match:

- an agent stands for many firms spread in log size halfway to its neighbours up and down its
  (sector, origin) segment (an end agent as far outward as inward, half a unit each way if it is
  alone, never below size 1): it sells with the share of that spread that lies above the
  cutoff, and counts as a seller when its own size clears the cutoff;
- the partners (China, the EU, the rest of the world) are continua of firms, not agents, with
  Pareto sizes from `floor` up: their sellers' mass above a cutoff is `M * floor * theta /
  (theta - 1) * max(cut / floor, 1) ** (1 - theta)`, added by the model after the agents.

The market clearing of `sim.economy` (each country's unit cost) sets the costs the firms face;
the reference takes them as given, like the vectorized code does inside one clearing step.

Only Mesa idioms that Mesa 4 keeps are used: `Model(rng=...)`, `Agent.create_agents` and
`model.agents.shuffle_do("step")`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import trade

if TYPE_CHECKING:
    from sim.model import TransfrontierModel


@dataclass(frozen=True)
class MarketInputs:
    """Everything one year's market choice depends on, as the vectorized code receives it."""

    demand: np.ndarray  # (S, M) expenditure E_sd
    costs: trade.TradeCosts  # access T_sod, fixed cost F_od, tariff, sunk-cost ratio
    supply: trade.Supply  # the firm columns, their mass and the continuum origins
    psi: np.ndarray  # (S, M) the crowding the firms expect in each market
    sigma: float  # elasticity of substitution
    previous_cut: np.ndarray | None  # (S, M, M) last year's cutoffs, or None (no history)


def year_inputs(model: TransfrontierModel) -> tuple[np.ndarray, trade.TradeCosts]:
    """Spending and costs of the model's current year, at the unit costs its markets cleared at."""
    return model.spending, model.costs_in_force()


def inputs_from_model(
    model: TransfrontierModel,
    previous_cut: np.ndarray | None = None,
    psi: np.ndarray | None = None,
) -> MarketInputs:
    """The inputs of the model's current year's market choice.

    Args:
        model: A model that has run at least one step.
        previous_cut: Last year's cutoffs (for the hysteresis band), or None.
        psi: Crowding to evaluate at; by default the crowding of the model's current year.
    """
    demand, costs = year_inputs(model)
    return MarketInputs(
        demand=demand,
        costs=costs,
        supply=model.supply,
        psi=model.trade.psi.copy() if psi is None else np.asarray(psi, dtype=float),
        sigma=float(model.params.sigma),
        previous_cut=previous_cut,
    )


class ReferenceFirm(mesa.Agent):
    """One firm agent: sells in every market whose cutoff its size clears.

    Args:
        model: The reference model.
        market: Home market (origin) index.
        sector: Sector index.
        a: Size, `productivity ** (sigma - 1)`.
        w: Firm mass the agent stands for.
    """

    model: ReferenceMarket

    def __init__(self, model: ReferenceMarket, market: int, sector: int, a: float, w: float):
        super().__init__(model)
        self.market = market
        self.sector = sector
        self.a = a
        self.w = w
        # Log-size range of the firms the agent stands for (set by the model).
        self.set_spread(max(math.log(a) - 0.5, 0.0), math.log(a) + 0.5)

    def set_spread(self, log_bottom: float, log_top: float) -> None:
        """Set the log-size range of the firms this agent stands for."""
        self.log_bottom, self.log_top = log_bottom, log_top
        self.spread = log_top - log_bottom
        self.bottom, self.top = math.exp(log_bottom), math.exp(log_top)

    def step(self) -> None:
        """Choose markets: sell where `a >= cut`, and a share of the spread at the margin."""
        model = self.model
        s, o, a, top = self.sector, self.market, self.a, self.top
        wa = self.w * a
        cuts = model.cut[s][o]
        unit = model.unit[s][o]
        access = model.access[s][o]
        sales = model.sales[s][o]
        crowding = model.crowding[s]
        sellers = model.sellers[o]
        bottom = self.bottom
        for d, cut in enumerate(cuts):
            if a >= cut:
                sellers[d] += 1
            if bottom >= cut:
                sales[d] += wa * unit[d]
                crowding[d] += wa * access[d]
            elif top > cut:  # the cutoff falls inside this agent's spread
                share = (self.log_top - math.log(cut)) / self.spread
                sales[d] += share * wa * unit[d]
                crowding[d] += share * wa * access[d]


class ReferenceMarket(mesa.Model):
    """One year's market choice, evaluated agent by agent.

    Construction only turns the inputs into plain Python data and creates the agents; all the
    work that depends on the crowding `psi` happens in `step()`, as in `sim.trade.settle`.
    After `step()`: `cut` holds the cutoffs, `unit` the sales per unit of `w * a`,
    `sellers[o][d]` the number of agents selling from `o` in `d`, `sales[s][o][d]` the sales at
    the expected crowding `psi`, and `crowding[s][d]` the crowding the sellers create. See
    `flows`, `settled_flows`.

    Args:
        inputs: The year's inputs.
        rng: Seed of the activation order (results do not depend on it beyond rounding).
    """

    def __init__(self, inputs: MarketInputs, rng: int | None = None):
        super().__init__(rng=rng)
        self.inputs = inputs
        supply, costs = inputs.supply, inputs.costs
        if np.any(inputs.psi <= 0):
            raise ValueError("the expected crowding psi must be positive in every market")
        self.n_sectors, self.n_markets = supply.n_sectors, supply.n_markets
        self.sigma = float(inputs.sigma)
        self.theta = float(supply.theta)
        self.demand: list[list[float]] = inputs.demand.tolist()
        self.access: list[list[list[float]]] = costs.access.tolist()
        self.fixed: list[list[float]] = costs.fixed.tolist()
        self.tariff: list[list[float]] = costs.tariff.tolist()
        self.sunk: list[list[float]] = costs.sunk.tolist()
        self.psi: list[list[float]] = inputs.psi.tolist()
        self.previous_cut = None if inputs.previous_cut is None else inputs.previous_cut.tolist()
        self.continuum: list[list[float]] = supply.continuum.tolist()
        self.floor: list[list[float]] = supply.floor.tolist()
        firms = supply.firms
        self.firms = ReferenceFirm.create_agents(
            self,
            len(firms),
            firms.market.tolist(),
            firms.sector.tolist(),
            firms.size.tolist(),
            supply.mass.tolist(),
        )
        self._set_spreads()
        self.cut: list[list[list[float]]] = []
        self.unit: list[list[list[float]]] = []
        self._reset()

    def _set_spreads(self) -> None:
        """Give each agent the log-size range halfway to its neighbours up its (sector, origin)."""
        segments: dict[tuple[int, int], list[ReferenceFirm]] = {}
        for firm in self.firms:
            segments.setdefault((firm.sector, firm.market), []).append(firm)
        for members in segments.values():
            if len(members) == 1:
                continue  # alone: half a unit each way, as created
            members.sort(key=lambda firm: firm.a)
            logs = [math.log(firm.a) for firm in members]
            mids = [0.5 * (lo + hi) for lo, hi in itertools.pairwise(logs)]
            bottoms = [max(logs[0] - (mids[0] - logs[0]), 0.0), *mids]
            tops = [*mids, logs[-1] + (logs[-1] - mids[-1])]
            for firm, bottom, top in zip(members, bottoms, tops, strict=True):
                firm.set_spread(bottom, top)

    def _reset(self) -> None:
        """Empty the tallies of the year."""
        s_n, m = self.n_sectors, self.n_markets
        self.sellers: list[list[int]] = [[0] * m for _ in range(m)]
        self.sales: list[list[list[float]]] = [[[0.0] * m for _ in range(m)] for _ in range(s_n)]
        self.crowding: list[list[float]] = [[0.0] * m for _ in range(s_n)]

    def cutoff(self, s: int, o: int, d: int) -> float:
        """Cutoff of (s, o, d): the documented rule, inside the hysteresis band if any."""
        den = self.demand[s][d] * self.access[s][o][d]
        ratio = self.sigma * self.fixed[o][d] * (1.0 + self.tariff[o][d]) / den
        exit_cut = ratio * self.psi[s][d]
        if self.previous_cut is None:
            return exit_cut
        entry_cut = exit_cut * (1.0 + self.sunk[o][d])
        return min(entry_cut, max(exit_cut, self.previous_cut[s][o][d]))

    def unit_sales(self, s: int, o: int, d: int) -> float:
        """Sales per unit of `w * a` of (s, o, d): `E_sd * T_sod / psi_sd / (1 + tariff_od)`."""
        return self.demand[s][d] * self.access[s][o][d] / self.psi[s][d] / (1.0 + self.tariff[o][d])

    def _add_continuum(self) -> None:
        """Sales of the continuum origins (the partners): the mass above each cutoff."""
        scale = self.theta / (self.theta - 1.0)
        for s in range(self.n_sectors):
            for o, mass in enumerate(self.continuum[s]):
                floor = self.floor[s][o]
                if mass <= 0 or floor <= 0:
                    continue
                for d, cut in enumerate(self.cut[s][o]):
                    above = mass * floor * scale * max(cut / floor, 1.0) ** (1.0 - self.theta)
                    self.sales[s][o][d] += above * self.unit[s][o][d]
                    self.crowding[s][d] += above * self.access[s][o][d]

    def step(self) -> None:
        """Evaluate the year's market choice: cutoffs, then every firm agent, then the RoW."""
        self._reset()
        sectors, markets = range(self.n_sectors), range(self.n_markets)
        self.cut = [[[self.cutoff(s, o, d) for d in markets] for o in markets] for s in sectors]
        self.unit = [
            [[self.unit_sales(s, o, d) for d in markets] for o in markets] for s in sectors
        ]
        self.agents.shuffle_do("step")
        self._add_continuum()

    @property
    def seller_counts(self) -> np.ndarray:
        """(M, M) number of firm agents selling from o in d."""
        return np.array(self.sellers, dtype=np.int64)

    @property
    def flows(self) -> np.ndarray:
        """(M, M) sales from o in d at the expected crowding `psi`, summed over sectors."""
        return np.array(self.sales).sum(axis=0)

    @property
    def settled_flows(self) -> np.ndarray:
        """(M, M) sales once the crowding is the one the sellers create (as `trade.settle`)."""
        sales = np.array(self.sales)
        crowding = np.array(self.crowding)
        psi = np.array(self.psi)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(crowding > 0, psi / crowding, 0.0)
        return (sales * scale[:, None, :]).sum(axis=0)


def build_reference(
    model: TransfrontierModel,
    previous_cut: np.ndarray | None = None,
    psi: np.ndarray | None = None,
    rng: int | None = 0,
) -> ReferenceMarket:
    """Build the per-agent reference from a `TransfrontierModel`'s current year.

    Args:
        model: A model that has run at least one step.
        previous_cut: Last year's cutoffs (for the hysteresis band), or None.
        psi: Crowding to evaluate at; by default the crowding of the model's current year.
        rng: Seed of the reference model.
    """
    return ReferenceMarket(inputs_from_model(model, previous_cut, psi), rng=rng)
