"""Market choice and trade flows of heterogeneous firms (the per-year hot path).

Each firm sells in a market if its variable profit there covers the fixed cost of serving it
(Melitz/Chaney). With CES demand, firm i from origin o sells in market d

    x_i = E_d * T_od * w_i * a_i / Psi_d,     Psi_d = sum over sellers j of T_o(j)d * w_j * a_j,

with `a = phi**(sigma-1)`, `w` the firm mass an agent stands for (its weighted share of its
country's real output, see `sim.firms`), `T_od = (tau_od * b_od * c_o)**(1-sigma)` the market
access (iceberg distance cost `(d_od / d_internal)^rho`, border barriers, the origin country's
unit cost `c_o`, solved by `sim.economy`),
and variable profit `x_i / (sigma * (1 + tariff_od))`. The rule is a productivity cutoff per
(sector, origin, destination):

    a*_od = sigma * F_od * (1 + tariff_od) * Psi_d / (E_d * T_od).

Cutoffs and crowding are solved together each year. A market not served last year needs the
fixed plus the sunk cost (annuity equivalent) covered; one served last year is kept while the
fixed cost is covered, so the cutoff moves inside a band (hysteresis):

    cut_t = min(entry_cut, max(exit_cut, cut_{t-1})).

Because every firm of a (sector, origin) pair faces the same costs, the sellers are the firms
above the cutoff: with firms sorted by productivity inside each (sector, origin) segment and
cumulative sums of `w * a`, every cutoff costs one binary search: O(N log N + S R^2) per year.
Firms with joint-venture ties face a lower fixed cost in the partner country; they are a sparse
correction on top. The partner markets (China, the EU, the rest of the world) supply as continua
of firms with Pareto productivity whose sizes start at `floor`, so their sellers' mass above a
cutoff is exact:
`M * floor * theta/(theta-1) * max(cut/floor, 1)^(1-theta)`, theta = pareto_shape/(sigma-1).
Demand, costs and the firms' mass come from `sim.economy` and `sim.trade_costs`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.firms import FirmColumns

KEY_SPAN = 1000.0  # separates segments in the sort key; log sizes stay far below it


@dataclass(frozen=True)
class Supply:
    """Who can sell: the firm agents, sorted for cutoff queries, and the continuum origins."""

    firms: FirmColumns
    keys: np.ndarray  # segment * KEY_SPAN + log(size), ascending
    edges: np.ndarray  # lower edge, in key units, of the sizes each sorted agent stands for
    csum: np.ndarray  # cumulative mass * size in sorted order, with a leading zero
    bounds: np.ndarray  # segment start positions, length n_segments + 1
    mass: np.ndarray  # firm mass of each slot
    rank: np.ndarray  # sorted position of each slot
    order: np.ndarray  # slot at each sorted position
    continuum: np.ndarray  # (S, M) firm mass of continuum origins (0 where agents supply)
    floor: np.ndarray  # (S, M) smallest size of the continuum's firms
    continuum_origins: np.ndarray  # origins that supply as a continuum
    lowest: np.ndarray  # per segment: lower edge of its smallest agent (inf if empty)
    ceiling: np.ndarray  # per segment: upper edge of its top agent (-inf if empty)
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
    floor: np.ndarray,
    pareto_shape: float,
    sigma: float,
) -> Supply:
    """Sort the firm agents by (sector, home market, size) once per year.

    Args:
        firms: The firm columns.
        mass: Firm mass each agent stands for.
        continuum: (S, M) firm mass of origins supplied as a continuum (the Rest of World).
        floor: (S, M) smallest firm size of the continuum origins.
        pareto_shape: Pareto shape of productivity.
        sigma: Elasticity of substitution.
    """
    n_sectors, n_markets = continuum.shape
    segment = firms.sector.astype(np.int64) * n_markets + firms.market
    unsorted = segment * KEY_SPAN + np.log(firms.size)
    order = np.argsort(unsorted, kind="stable")
    keys = unsorted[order]
    seg_sorted = segment[order]
    csum = np.concatenate(([0.0], np.cumsum(firms.size[order] * mass[order])))
    bounds = np.searchsorted(seg_sorted, np.arange(n_sectors * n_markets + 1))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    theta = pareto_shape / (sigma - 1.0)
    origins = np.flatnonzero((continuum > 0).any(axis=0) & (floor > 0).any(axis=0))
    # Each agent stands for firms spread in log size halfway to its neighbours (the end agents
    # as far outward as inward, one unit if alone, never below size 1). Cutoffs below a
    # segment's lowest edge let all of it sell, above its top edge none of it: only cutoffs in
    # between need a search (see `_sellers`).
    start, end = bounds[:-1], bounds[1:]
    filled = end > start
    edges = np.empty_like(keys)
    if keys.size:
        edges[1:] = 0.5 * (keys[1:] + keys[:-1])
        first = start[filled]
        alone = end[filled] - first == 1
        half_up = np.where(
            alone, 0.5, 0.5 * (keys[np.minimum(first + 1, keys.size - 1)] - keys[first])
        )
        base = seg_sorted[first] * KEY_SPAN  # log size 0: size 1, the smallest there is
        edges[first] = np.maximum(keys[first] - half_up, base)
    top = np.maximum(end - 1, 0)
    half_down = np.where(end - start > 1, keys[top] - edges[top], 0.5)
    lowest = np.where(filled, edges[np.minimum(start, len(keys) - 1)], np.inf)
    ceiling = np.where(filled, keys[top] + half_down, -np.inf)
    return Supply(
        firms,
        keys,
        edges,
        csum,
        bounds,
        mass,
        rank,
        order,
        continuum,
        floor,
        origins,
        lowest,
        ceiling,
        theta,
        n_sectors,
        n_markets,
    )


def _log_cut(cut: np.ndarray) -> np.ndarray:
    return np.minimum(np.log(np.maximum(cut, 1.0)), KEY_SPAN / 2)


def _query(seg: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """A cutoff as a sort key of its segment, comparable with `Supply.keys` and `edges`."""
    return seg * KEY_SPAN + _log_cut(cut)


def _marginal(
    supply: Supply, seg: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The agents whose firms all clear `cut`, and the share of the one whose firms straddle it.

    An agent stands for many firms of similar productivity, spread in log size between the
    midpoints to its neighbours up and down its segment (see `build_supply`); the firms above
    the cutoff sell. Spreading symmetrically keeps the mass above a cutoff an unbiased estimate
    of the firms' to first order. Returns (pos, fraction, end of segment): agents from `pos` to
    the end sell in full, the agent at `pos - 1` sells `fraction` of its mass. `query` is the
    cutoff as a key (`_query`).
    """
    pos = np.searchsorted(supply.edges, query)
    start = supply.bounds[seg]
    end = supply.bounds[seg + 1]
    lower = supply.edges[np.maximum(pos - 1, 0)]
    upper = np.where(
        pos < end, supply.edges[np.minimum(pos, len(supply.edges) - 1)], supply.ceiling[seg]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (upper - query) / (upper - lower)
    frac = np.where(pos > start, np.clip(np.nan_to_num(frac), 0.0, 1.0), 0.0)
    return pos, frac, end


def _sellers(
    supply: Supply, s: np.ndarray, o: np.ndarray, cut: np.ndarray, counts: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Seller mass `sum w * a` and number of seller agents of sector s from origin o.

    The firms an agent stands for sell where they clear the cutoff (see `_marginal`), so the
    mass is continuous in the cutoff and each year's equilibrium exists; an agent counts as a
    seller when its own size clears it. Continuum origins add their exact Pareto integral.
    `s`, `o` and `cut` broadcast together. The count (None unless `counts`) costs a second
    search, which the equilibrium's iterations do without.
    """
    shape = np.broadcast_shapes(np.shape(s), np.shape(o), np.shape(cut))
    cut = np.broadcast_to(cut, shape)
    # Per-segment quantities are gathered on the small (s, o) shape and only broadcast here.
    seg = s * supply.n_markets + o
    start, end = supply.bounds[seg], supply.bounds[seg + 1]
    query = _query(seg, cut)  # the search's own comparison, so counts are exact
    everyone = query <= supply.lowest[seg]
    mass = np.where(everyone, supply.csum[end] - supply.csum[start], 0.0)
    count = np.where(everyone, end - start, 0) if counts else None
    inner = ~everyone & (query < supply.ceiling[seg])
    if inner.any():
        inner_query = query[inner]
        pos, frac, last = _marginal(supply, np.broadcast_to(seg, shape)[inner], inner_query)
        before = supply.csum[np.maximum(pos - 1, 0)]
        at = supply.csum[pos]
        mass[inner] = supply.csum[last] - at + frac * (at - before)
        if count is not None:
            count[inner] = last - np.searchsorted(supply.keys, inner_query)
    theta = supply.theta
    for origin in supply.continuum_origins:
        here = np.broadcast_to(o == origin, shape)
        sectors = np.broadcast_to(s, shape)[here]
        floor = supply.floor[sectors, origin]
        tail = np.maximum(cut[here] / floor, 1.0) ** (1 - theta)
        mass[here] += supply.continuum[sectors, origin] * floor * theta / (theta - 1.0) * tail
    return mass, count


def seller_mass(supply: Supply, s: np.ndarray, o: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Mass-weighted size `sum w * a` of the sellers of sector s from origin o above `cut`."""
    return _sellers(supply, s, o, cut, counts=False)[0]


@dataclass(frozen=True)
class TradeCosts:
    """Costs of serving each market from each origin in one year."""

    access: np.ndarray  # (S, M, M) market access T = (tau * barrier * price) ** (1 - sigma)
    fixed: np.ndarray  # (M, M) fixed cost per unit of firm mass, US$ bn
    tariff: np.ndarray  # (M, M) ad-valorem tariff
    sunk: np.ndarray  # (M, M) sunk cost as a multiple of the fixed cost (0 at home)


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
    psi: np.ndarray  # (S, M) market crowding the sellers create
    flows: np.ndarray  # (M, M) sales at producer prices, model money units, summed over sectors
    sellers: np.ndarray  # (M, M) number of firm agents selling from o in d
    tie_gain: np.ndarray  # (n_ties, M) markets a tied firm serves only thanks to its tie
    solved: np.ndarray | None = None  # (S, M) the crowding the cutoffs were set for


@dataclass(frozen=True)
class CutoffRule:
    """The year's cutoff rule: cut = ratio * psi, kept in the hysteresis band.

    `ratio = sigma * F_od * (1 + tariff_od) / (E_sd * T_sod)` is fixed within a year, so the exit
    cutoff is `ratio * psi_sd`. A market not served last year needs the sunk cost covered too
    (entry cutoff `exit * (1 + sunk_od)`); one served last year is kept while the fixed cost is
    covered: the cutoff in force stays inside that band around last year's.
    """

    ratio: np.ndarray  # (S, M, M)
    entry: np.ndarray  # (M, M) 1 + sunk cost ratio
    previous: np.ndarray | None  # (S, M, M) last year's cutoffs, or None without history

    @staticmethod
    def of(
        demand: np.ndarray, costs: TradeCosts, sigma: float, previous: np.ndarray | None
    ) -> CutoffRule:
        """The rule for this year's demand and costs."""
        ratio = sigma * costs.fixed * (1.0 + costs.tariff) / (demand[:, None, :] * costs.access)
        return CutoffRule(ratio, 1.0 + costs.sunk, previous)

    def _band(self, exit_cut: np.ndarray, entry: np.ndarray, previous: np.ndarray | None):
        if previous is None:
            return exit_cut
        return np.minimum(exit_cut * entry, np.maximum(exit_cut, previous))

    def full(self, psi: np.ndarray) -> np.ndarray:
        """(S, M, M) cutoffs in force."""
        return self._band(self.ratio * psi[:, None, :], self.entry[None], self.previous)

    def cells(self, psi: np.ndarray, s: np.ndarray, d: np.ndarray) -> np.ndarray:
        """(K, M) cutoffs from every origin into the cells (s[k], d[k])."""
        prev = None if self.previous is None else self.previous[s, :, d]
        return self._band(self.ratio[s, :, d] * psi[s, d][:, None], self.entry[:, d].T, prev)


def exit_cutoffs(
    demand: np.ndarray, costs: TradeCosts, psi: np.ndarray, sigma: float
) -> np.ndarray:
    """(S, M, M) cutoffs at which variable profit equals the fixed cost."""
    return CutoffRule.of(demand, costs, sigma, None).full(psi)


def cutoffs(
    demand: np.ndarray,
    costs: TradeCosts,
    psi: np.ndarray,
    sigma: float,
    previous_cut: np.ndarray | None,
) -> np.ndarray:
    """(S, M, M) cutoffs in force given crowding (see `CutoffRule`)."""
    return CutoffRule.of(demand, costs, sigma, previous_cut).full(psi)


def tie_gains(supply: Supply, own_cut: np.ndarray, ties: Ties) -> np.ndarray:
    """(n_ties, M): markets a tied firm clears only with its reduced fixed cost.

    `own_cut` holds each tied firm's cutoffs into every market (n_ties, M).
    """
    a = supply.firms.size[ties.slots][:, None]
    return ties.partner & (a < own_cut) & (a >= own_cut * (1.0 - ties.reduction))


@dataclass(frozen=True)
class TiePairs:
    """Every (tied firm, partner market) pair, sorted by cell and size for range queries.

    A tied firm sells in a partner market where it clears the reduced cutoff `cut * (1 -
    reduction)` but not the common one. Like every agent, it stands for firms spread in log size
    over its interval between its neighbours (see `build_supply`), so the part of it that gains
    is the part of that interval between the two cutoffs: the extra mass is continuous in the
    cutoffs (and the markets clear smoothly). The intervals of a segment's agents tile its log
    sizes without overlap, so inside a cell the tied pairs are ordered alike by their lower and
    upper edges: the pairs wholly between the cutoffs are a contiguous run, found with two
    binary searches, and at most one pair straddles each cutoff.
    """

    lower: np.ndarray  # cell * KEY_SPAN + lower log-size edge; cell = (s * M + o) * M + d
    upper: np.ndarray  # cell * KEY_SPAN + upper edge, in the same (ascending) order
    weight: np.ndarray  # w * a of each pair, in that order
    csum: np.ndarray  # cumulative weight with a leading zero
    reduction: float
    n_markets: int

    @staticmethod
    def of(supply: Supply, ties: Ties) -> TiePairs:
        """The pairs of this year's ties."""
        tie, d = np.nonzero(ties.partner)
        slots = ties.slots[tie]
        f = supply.firms
        m = supply.n_markets
        seg = f.sector[slots].astype(np.int64) * m + f.market[slots]
        rank = supply.rank[slots]
        top = rank + 1 >= supply.bounds[seg + 1]
        lo = supply.edges[rank] - seg * KEY_SPAN
        following = supply.edges[np.minimum(rank + 1, len(supply.edges) - 1)]
        hi = np.where(top, supply.ceiling[seg], following) - seg * KEY_SPAN
        base = (seg * m + d) * KEY_SPAN
        order = np.argsort(base + lo, kind="stable")
        weight = (f.size[slots] * supply.mass[slots])[order]
        return TiePairs(
            (base + lo)[order],
            (base + hi)[order],
            weight,
            np.concatenate(([0.0], np.cumsum(weight))),
            ties.reduction,
            m,
        )

    def extra(
        self, supply: Supply, s: np.ndarray, o: np.ndarray, d: np.ndarray, cut: np.ndarray
    ) -> np.ndarray:
        """Extra seller mass of tied firms in the cells (s, o, d) at common cutoffs `cut`.

        `s`, `o`, `d` and `cut` broadcast together.
        """
        shape = np.broadcast_shapes(np.shape(s), np.shape(o), np.shape(d), np.shape(cut))
        if self.lower.size == 0:
            return np.zeros(shape)
        m = self.n_markets
        base = np.broadcast_to(((s * m + o) * m + d) * KEY_SPAN, shape).ravel()
        cut = np.broadcast_to(cut, shape).ravel()
        high = base + _log_cut(cut)  # the common cutoff
        low = base + _log_cut(cut * (1.0 - self.reduction))  # the reduced one
        first = np.searchsorted(self.lower, low)  # first pair starting above the reduced cutoff
        after = np.searchsorted(self.upper, high, side="right")  # first pair ending above the cut
        out = np.maximum(self.csum[after] - self.csum[first], 0.0)
        last = self.lower.size - 1
        # The pairs that straddle a cutoff (one pair may straddle both: count it once).
        for pair, valid in (
            (first - 1, first > 0),
            (after, (after <= last) & (after != first - 1)),
        ):
            j = np.clip(pair, 0, last)
            valid = valid & (self.lower[j] >= base) & (self.lower[j] < base + KEY_SPAN)
            span = self.upper[j] - self.lower[j]
            inside = np.minimum(self.upper[j], high) - np.maximum(self.lower[j], low)
            with np.errstate(divide="ignore", invalid="ignore"):
                part = np.where(span > 0, np.clip(inside / span, 0.0, 1.0), 0.0)
            out += np.where(valid, self.weight[j] * part, 0.0)
        return out.reshape(shape)


def settle(
    demand: np.ndarray,
    costs: TradeCosts,
    supply: Supply,
    cut: np.ndarray,
    ties: Ties,
    pairs: TiePairs | None = None,
) -> YearTrade:
    """Sales, crowding and sellers given the cutoffs in force (`pairs`: the ties' pairs)."""
    s = np.arange(supply.n_sectors)[:, None, None]
    o = np.arange(supply.n_markets)[None, :, None]
    mass, count = _sellers(supply, s, o, cut)
    to = supply.firms.market[ties.slots].astype(np.int64)
    gain = tie_gains(supply, cut[supply.firms.sector[ties.slots], to, :], ties)
    if ties.slots.size:
        d = np.arange(supply.n_markets)[None, None, :]
        pairs = pairs or TiePairs.of(supply, ties)
        mass = mass + pairs.extra(supply, s, o, d, cut)
    weighted = costs.access * mass  # (S, O, D)
    psi = weighted.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(psi[:, None, :] > 0, weighted / psi[:, None, :], 0.0)
    flows = (demand[:, None, :] * share / (1.0 + costs.tariff)[None]).sum(axis=0)
    sellers = count.sum(axis=0)
    if ties.slots.size:
        ti, d = np.nonzero(gain)
        n_m = supply.n_markets
        sellers += np.bincount(to[ti] * n_m + d, minlength=n_m * n_m).reshape(n_m, n_m)
    return YearTrade(cut, psi, flows, sellers, gain)


def equilibrium(
    demand: np.ndarray,
    costs: TradeCosts,
    supply: Supply,
    sigma: float,
    ties: Ties,
    previous: YearTrade | None = None,
    guess: np.ndarray | None = None,
    pairs: TiePairs | None = None,
    iterations: int = 60,
    tolerance: float = 1e-7,
) -> YearTrade:
    """This year's market choice: cutoffs consistent with this year's crowding.

    The cutoffs into market d depend on d's crowding `psi_sd` only, and the sellers' mass falls
    as it rises, so each (sector, market) has one root of `G(psi) - psi`, where `G` is the
    crowding the implied sellers create. It is bracketed by 0 and `G(0)` (everyone sells) and
    found by the secant method kept inside the bracket (bisection when a step leaves it, and
    every fifth round, so the bracket always shrinks) to a relative `tolerance`; only cells not
    yet converged are evaluated again. With `previous` (last year's outcome) the sunk cost
    creates the hysteresis band and last year's crowding is the first guess; without it (the
    first year) there is no history. `guess` (a crowding solved for nearby costs) replaces
    last year's as the first guess; `pairs` are the ties' pairs when already built.
    """
    rule = CutoffRule.of(demand, costs, sigma, None if previous is None else previous.cut)
    origins = np.arange(supply.n_markets)[None, :]
    pairs = pairs or TiePairs.of(supply, ties)

    def crowding(psi: np.ndarray, s: np.ndarray, d: np.ndarray, todo: np.ndarray) -> np.ndarray:
        """G for the cells (s[k], d[k]) = `todo`, given the crowding `psi` of every cell."""
        cut = rule.cells(psi, s, d)
        # Origin-major order makes the queries (nearly) ascending, which binary search is
        # fastest on.
        mass = seller_mass(supply, s[None, :], origins.T, cut.T)
        if ties.slots.size:
            mass = mass + pairs.extra(supply, s[None, :], origins.T, d[None, :], cut.T)
        mass = mass.T
        return (costs.access[s, :, d] * mass).sum(axis=1)

    # G(0): every firm sells everywhere; it bounds the root from above.
    seg = supply.segments
    everyone = supply.csum[supply.bounds[seg + 1]] - supply.csum[supply.bounds[seg]]
    everyone = everyone + supply.continuum * supply.floor * supply.theta / (supply.theta - 1.0)
    hi = np.einsum("sod,so->sd", costs.access, everyone)
    lo = np.zeros_like(demand)
    start = guess if guess is not None else None if previous is None else previous.solved
    x = 0.5 * hi if start is None else np.clip(start, lo, hi)
    x_prev, h_prev = x.copy(), np.full_like(x, np.nan)
    todo = np.ones(demand.shape, dtype=bool)
    for rounds in range(iterations):
        s, d = np.nonzero(todo)
        g = crowding(x, s, d, todo)
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
        # Bisect when a step leaves the bracket, and every fifth round so that it shrinks.
        outside = ~np.isfinite(step) | (step <= lo_k) | (step >= hi_k) | (rounds % 5 == 4)
        lo[s, d], hi[s, d] = lo_k, hi_k
        x_prev[s, d], h_prev[s, d] = xk, h
        x[s, d] = np.where(done, xk, np.where(outside, 0.5 * (lo_k + hi_k), step))
        todo[s, d] = ~done
        if not todo.any():
            break
    outcome = settle(demand, costs, supply, rule.full(x), ties, pairs)
    return dataclasses.replace(outcome, solved=x)


def active_firms(
    supply: Supply, trade: YearTrade, ties: Ties, markets: np.ndarray | None = None
) -> np.ndarray:
    """Firm agents that sell in at least one market this year (one of `markets`, if given).

    Args:
        supply: This year's supply.
        trade: This year's outcome.
        ties: Joint-venture ties.
        markets: (M, M) True where d counts for origin o (e.g. the other country's regions,
            for cross-border exporters); every market if None.
    """
    f = supply.firms
    cut = trade.cut if markets is None else np.where(markets[None], trade.cut, np.inf)
    lowest = cut.min(axis=2)  # (S, O): the easiest market
    selling = f.size >= lowest[f.sector, f.market]
    if ties.slots.size:
        gain = trade.tie_gain if markets is None else trade.tie_gain & markets[f.market[ties.slots]]
        selling[ties.slots[gain.any(axis=1)]] = True
    return selling
