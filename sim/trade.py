"""Market choice and trade flows of heterogeneous firms (the per-year hot path).

Each firm sells in a market if its variable profit there covers the fixed cost of serving it
(Melitz/Chaney). With CES demand, firm i from origin o sells in market d

    x_i = E_d * T_od * w_i * a_i / Psi_d,     Psi_d = sum over sellers j of T_o(j)d * w_j * a_j,

with `a = phi**(sigma-1)`, `w` the firm mass an agent stands for (its country's real output over
its number of agents), `T_od = (tau_od * b_od * p_o)**(1-sigma)` the market access (iceberg
distance cost `(d_od / d_internal)^rho`, border barriers, origin price level), and variable profit
`x_i / (sigma * (1 + tariff_od))`. The rule is a productivity cutoff per (sector, origin,
destination):

    a*_od = sigma * F_od * (1 + tariff_od) * Psi_d / (E_d * T_od).

Cutoffs and crowding are solved together each year. A market not served last year needs the
fixed plus the sunk cost (annuity equivalent) covered; one served last year is kept while the
fixed cost is covered, so the cutoff moves inside a band (hysteresis):

    cut_t = min(entry_cut, max(exit_cut, cut_{t-1})).

Because every firm of a (sector, origin) pair faces the same costs, the sellers are the firms
above the cutoff: with firms sorted by productivity inside each (sector, origin) segment and
cumulative sums of `w * a`, every cutoff costs one binary search: O(N log N + S R^2) per year.
Firms with joint-venture ties face a lower fixed cost in the partner country; they are a sparse
correction on top. The Rest of World supplies as a continuum of firms with the same Pareto
productivity, so its sellers' mass above a cutoff is exact: `M * theta/(theta-1) * cut^(1-theta)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.firms import FirmColumns

KEY_SPAN = 1000.0  # separates segments in the sort key; log sizes stay far below it


@dataclass(frozen=True)
class Supply:
    """Who can sell: the firm agents, sorted for cutoff queries, and the continuum origins."""

    firms: FirmColumns
    keys: np.ndarray  # segment * KEY_SPAN + log(size), ascending
    csum: np.ndarray  # cumulative mass * size in sorted order, with a leading zero
    bounds: np.ndarray  # segment start positions, length n_segments + 1
    mass: np.ndarray  # firm mass of each slot
    continuum: np.ndarray  # (S, M) firm mass of continuum origins (0 where agents supply)
    theta: float  # Pareto shape of a = phi**(sigma-1)
    n_sectors: int
    n_markets: int

    @property
    def segments(self) -> np.ndarray:
        """Segment id of each (sector, origin) pair."""
        return np.arange(self.n_sectors * self.n_markets).reshape(self.n_sectors, self.n_markets)


def build_supply(
    firms: FirmColumns,
    mass: np.ndarray,
    continuum: np.ndarray,
    pareto_shape: float,
    sigma: float,
) -> Supply:
    """Sort the firm agents by (sector, home market, size) once per year.

    Args:
        firms: The firm columns.
        mass: Firm mass each agent stands for.
        continuum: (S, M) firm mass of origins supplied as a continuum (the Rest of World).
        pareto_shape: Pareto shape of productivity.
        sigma: Elasticity of substitution.
    """
    n_sectors, n_markets = continuum.shape
    segment = firms.sector.astype(np.int64) * n_markets + firms.market
    order = np.lexsort((firms.size, segment))
    seg_sorted = segment[order]
    keys = seg_sorted * KEY_SPAN + np.log(firms.size[order])
    csum = np.concatenate(([0.0], np.cumsum(firms.size[order] * mass[order])))
    bounds = np.searchsorted(seg_sorted, np.arange(n_sectors * n_markets + 1))
    theta = pareto_shape / (sigma - 1.0)
    return Supply(firms, keys, csum, bounds, mass, continuum, theta, n_sectors, n_markets)


def _positions(supply: Supply, seg: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Sorted position of the first agent at or above `cut` in segment `seg`."""
    log_cut = np.minimum(np.log(np.maximum(cut, 1.0)), KEY_SPAN / 2)
    return np.searchsorted(supply.keys, seg * KEY_SPAN + log_cut)


def seller_mass(supply: Supply, s: np.ndarray, o: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Mass-weighted size `sum w * a` of the sellers of sector s from origin o above `cut`.

    An agent stands for many firms of similar productivity, spread (in log size) between it
    and the next agent up its segment (the top agent over the gap below it). The firms of the
    marginal agent above the cutoff sell, so the mass is continuous in the cutoff and each
    year's equilibrium exists. `s`, `o` and `cut` broadcast together.
    """
    s, o, cut = np.broadcast_arrays(s, o, cut)
    seg = s * supply.n_markets + o
    pos = _positions(supply, seg, cut)
    start = supply.bounds[seg]
    end = supply.bounds[seg + 1]
    full = supply.csum[end] - supply.csum[pos]
    marginal = np.maximum(pos - 1, 0)
    lower = supply.keys[marginal]
    below = supply.keys[np.maximum(marginal - 1, 0)]
    upper = np.where(
        pos < end,
        supply.keys[np.minimum(pos, len(supply.keys) - 1)],
        lower + np.where(marginal > start, lower - below, 1.0),
    )
    log_cut = np.minimum(np.log(np.maximum(cut, 1.0)), KEY_SPAN / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((upper - (seg * KEY_SPAN + log_cut)) / (upper - lower), 0.0, 1.0)
    frac = np.where(pos > start, np.nan_to_num(frac), 0.0)
    agents = full + frac * (supply.csum[pos] - supply.csum[marginal])
    theta = supply.theta
    continuum = supply.continuum[s, o] * theta / (theta - 1.0) * np.maximum(cut, 1.0) ** (1 - theta)
    return agents + continuum


def seller_count(supply: Supply, cut: np.ndarray) -> np.ndarray:
    """Number of firm agents at or above each (s, o, ...) cutoff."""
    seg = supply.segments.reshape(supply.n_sectors, supply.n_markets, *([1] * (cut.ndim - 2)))
    end = supply.bounds[seg + 1]
    return end - _positions(supply, seg, cut)


@dataclass(frozen=True)
class TradeCosts:
    """Costs of serving each market from each origin in one year."""

    access: np.ndarray  # (S, M, M) market access T = (tau * barrier * price) ** (1 - sigma)
    fixed: np.ndarray  # (M, M) fixed cost per unit of firm mass, model money units
    tariff: np.ndarray  # (M, M) ad-valorem tariff
    sunk: np.ndarray  # (M, M) sunk cost as a multiple of the fixed cost (0 at home)


def market_access(
    distance_km: np.ndarray,
    internal_km: float,
    distance_multiplier: np.ndarray,
    distance_elasticity: float,
    barrier: np.ndarray,
    origin_price: np.ndarray,
    sigma: float,
) -> np.ndarray:
    """T[s, o, d] = ((d_od / d_internal)^(rho * m_s) * barrier_od * price_o)^(1 - sigma)."""
    rho = distance_elasticity * distance_multiplier[:, None, None]
    log_tau = rho * np.log(np.maximum(distance_km, internal_km) / internal_km)[None, :, :]
    log_cost = log_tau + np.log(barrier)[None] + np.log(origin_price)[None, :, None]
    return np.exp((1.0 - sigma) * log_cost)


@dataclass(frozen=True)
class Ties:
    """Firms whose joint ventures lower their fixed cost in a partner country."""

    slots: np.ndarray  # firm slot of each tied firm (unique)
    partner: np.ndarray  # (n_ties, M) True for markets of any partner country of that firm
    reduction: float  # share of the fixed cost saved

    @staticmethod
    def none(n_markets: int) -> Ties:
        """No ties."""
        return Ties(np.empty(0, dtype=np.int64), np.zeros((0, n_markets), dtype=bool), 0.0)


@dataclass(frozen=True)
class YearTrade:
    """Outcome of one year's market choice."""

    cut: np.ndarray  # (S, M, M) cutoffs in force
    psi: np.ndarray  # (S, M) market crowding
    flows: np.ndarray  # (M, M) sales at producer prices, model money units, summed over sectors
    sellers: np.ndarray  # (M, M) number of firm agents selling from o in d
    tie_gain: np.ndarray  # (n_ties, M) markets a tied firm serves only thanks to its tie


def exit_cutoffs(
    demand: np.ndarray, costs: TradeCosts, psi: np.ndarray, sigma: float
) -> np.ndarray:
    """Cutoff at which variable profit equals the fixed cost, for each (s, o, d)."""
    num = sigma * costs.fixed * (1.0 + costs.tariff)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = num[None] * psi[:, None, :] / (demand[:, None, :] * costs.access)
    return np.nan_to_num(cut, nan=np.inf, posinf=np.inf)


def cutoffs(
    demand: np.ndarray,
    costs: TradeCosts,
    psi: np.ndarray,
    sigma: float,
    previous_cut: np.ndarray | None,
) -> np.ndarray:
    """Cutoffs in force given crowding: the hysteresis band around last year's cutoffs."""
    exit_cut = exit_cutoffs(demand, costs, psi, sigma)
    if previous_cut is None:
        return exit_cut
    entry_cut = exit_cut * (1.0 + costs.sunk)[None]
    return np.minimum(entry_cut, np.maximum(exit_cut, previous_cut))


def tie_gains(supply: Supply, cut: np.ndarray, ties: Ties) -> np.ndarray:
    """(n_ties, M): markets a tied firm clears only with its reduced fixed cost."""
    f = supply.firms
    own_cut = cut[f.sector[ties.slots], f.market[ties.slots], :]
    a = f.size[ties.slots][:, None]
    return ties.partner & (a < own_cut) & (a >= own_cut * (1.0 - ties.reduction))


def tie_mass(supply: Supply, cut: np.ndarray, ties: Ties) -> np.ndarray:
    """(S, M, M) extra seller mass from tied firms."""
    extra = np.zeros(cut.shape)
    if ties.slots.size:
        f = supply.firms
        ti, d = np.nonzero(tie_gains(supply, cut, ties))
        slots = ties.slots[ti]
        np.add.at(extra, (f.sector[slots], f.market[slots], d), f.size[slots] * supply.mass[slots])
    return extra


def settle(
    demand: np.ndarray, costs: TradeCosts, supply: Supply, cut: np.ndarray, ties: Ties
) -> YearTrade:
    """Sales, crowding and sellers given the cutoffs in force."""
    s = np.arange(supply.n_sectors)[:, None, None]
    o = np.arange(supply.n_markets)[None, :, None]
    mass = seller_mass(supply, s, o, cut) + tie_mass(supply, cut, ties)
    weighted = costs.access * mass  # (S, O, D)
    psi = weighted.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(psi[:, None, :] > 0, weighted / psi[:, None, :], 0.0)
    flows = (demand[:, None, :] * share / (1.0 + costs.tariff)[None]).sum(axis=0)
    gain = tie_gains(supply, cut, ties)
    sellers = seller_count(supply, cut).sum(axis=0)
    if ties.slots.size:
        np.add.at(
            sellers, (supply.firms.market[ties.slots][:, None], np.arange(gain.shape[1])), gain
        )
    return YearTrade(cut, psi, flows, sellers, gain)


def equilibrium(
    demand: np.ndarray,
    costs: TradeCosts,
    supply: Supply,
    sigma: float,
    ties: Ties,
    previous: YearTrade | None = None,
    iterations: int = 60,
    tolerance: float = 1e-4,
) -> YearTrade:
    """This year's market choice: cutoffs consistent with this year's crowding.

    The cutoffs into market d depend on d's crowding `psi_sd` only, and the sellers' mass falls
    as it rises, so each (sector, market) has one root of `G(psi) - psi`, where `G` is the
    crowding the implied sellers create. It is bracketed by 0 and `G(0)` (everyone sells) and
    found by the secant method kept inside the bracket (bisection when a step leaves it); only
    cells not yet converged are evaluated again. With `previous` (last year's outcome) the sunk
    cost creates the hysteresis band and last year's crowding is the first guess; without it
    (the first year) there is no history.
    """
    previous_cut = None if previous is None else previous.cut
    origins = np.arange(supply.n_markets)

    def crowding(psi: np.ndarray, s: np.ndarray, d: np.ndarray) -> np.ndarray:
        """G for the cells (s[k], d[k]), given the crowding `psi` of every cell."""
        cut = cutoffs(demand, costs, psi, sigma, previous_cut)
        mass = seller_mass(supply, s[:, None], origins[None, :], cut[s, :, d])
        if ties.slots.size:
            mass = mass + tie_mass(supply, cut, ties)[s, :, d]
        return (costs.access[s, :, d] * mass).sum(axis=1)

    # G(0): every firm sells everywhere; it bounds the root from above.
    seg = supply.segments
    everyone = supply.csum[supply.bounds[seg + 1]] - supply.csum[supply.bounds[seg]]
    everyone = everyone + supply.continuum * supply.theta / (supply.theta - 1.0)
    hi = np.einsum("sod,so->sd", costs.access, everyone)
    lo = np.zeros_like(demand)
    x = 0.5 * hi if previous is None else np.clip(previous.psi, lo, hi)
    x_prev, h_prev = x.copy(), np.full_like(x, np.nan)
    todo = np.ones(demand.shape, dtype=bool)
    for _ in range(iterations):
        s, d = np.nonzero(todo)
        g = crowding(x, s, d)
        xk, lo_k, hi_k = x[s, d], lo[s, d], hi[s, d]
        h = g - xk
        done = (np.abs(h) <= tolerance * np.maximum(g, 1e-300)) | (
            hi_k - lo_k <= tolerance * np.maximum(hi_k, 1e-300)
        )
        up = h > 0  # the root lies above x
        lo_k = np.where(up, xk, lo_k)
        hi_k = np.where(up, hi_k, xk)
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = xk - h * (xk - x_prev[s, d]) / (h - h_prev[s, d])
        step = np.where(np.isnan(h_prev[s, d]), g, secant)  # first step: plain fixed point
        outside = ~np.isfinite(step) | (step <= lo_k) | (step >= hi_k)
        lo[s, d], hi[s, d] = lo_k, hi_k
        x_prev[s, d], h_prev[s, d] = xk, h
        x[s, d] = np.where(done, xk, np.where(outside, 0.5 * (lo_k + hi_k), step))
        todo[s, d] = ~done
        if not todo.any():
            break
    return settle(demand, costs, supply, cutoffs(demand, costs, x, sigma, previous_cut), ties)


def active_firms(supply: Supply, trade: YearTrade, ties: Ties) -> np.ndarray:
    """Firms that sell in at least one market this year."""
    f = supply.firms
    lowest = trade.cut.min(axis=2)  # (S, O)
    active = f.size >= lowest[f.sector, f.market]
    if ties.slots.size:
        active[ties.slots[trade.tie_gain.any(axis=1)]] = True
    return active


def exporters(supply: Supply, trade: YearTrade, ties: Ties, foreign: np.ndarray) -> np.ndarray:
    """Number of firm agents per origin market that sell in at least one `foreign` market.

    Args:
        supply: This year's supply.
        trade: This year's outcome.
        ties: Joint-venture ties.
        foreign: (M, M) True where d is a foreign market for origin o.
    """
    masked = np.where(foreign[None], trade.cut, np.inf)
    lowest = masked.min(axis=2)  # (S, O): the easiest foreign market
    count = seller_count(supply, lowest).sum(axis=0)
    if ties.slots.size:
        f = supply.firms
        origin = f.market[ties.slots]
        gained = (trade.tie_gain & foreign[origin]).any(axis=1)
        below = f.size[ties.slots] < lowest[f.sector[ties.slots], origin]
        np.add.at(count, origin[gained & below], 1)
    return count
