"""Measure every figure that the teacher's guide, `docs/teaching.md`, quotes.

The guide's sections THINGS TO NOTICE and THINGS TO TRY (exercises 1-7), and its note on the
notebook's small runs (HOW TO USE IT), quote figures measured with the model. This script
measures all of them with the shipped scenarios as they stand, that is with the structural
parameters of the current `calibration/calibrated.toml`, and prints them as Markdown: one table
per section or exercise, each row saying where in the guide the figure is used.

How:

- Every scenario or class variant is run once, with `sim.run` over the same replicate seeds
  (master seed 1, 10 replicates of 20,000 firm agents by default), and all its figures are
  computed from those tables.
- An exercise's variant is built as the app builds it (`sim.classroom.controls.what_if`, the
  app's controls by name), or is the shipped scenario that the guide names.
- A figure is the mean over replicates with its 90% interval over replicates (5% and 95%
  quantiles) in brackets. A difference between two scenarios is taken replicate by replicate
  (common random numbers): its mean, the 90% interval of the paired differences, and the mean
  difference relative to the reference's mean.
- The notebook's configuration (3,000 firm agents, 3 replicates) is run too: the guide quotes a
  few of its levels, and says that it shows the same directions of change. Every difference
  whose 90% interval excludes zero at full size is checked for the same sign at notebook size.

With `--posterior N` every variant runs over the first N posterior draws x the replicate seeds
(the notebook's small runs stay at the calibrated point), so that intervals and paired
differences count parameter uncertainty.

Run from the project folder (about a quarter of an hour on two cores at 10 x 20,000):

    .venv/bin/python docs/teaching_figures.py [--replicates 10] [--firms 20000] [--seed 1]
        [--workers 2] [--posterior N] [--notebook-firms 3000] [--notebook-replicates 3]

Measure again, and update the guide, after every new calibration.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.classroom.controls import what_if
from sim.classroom.figures import MAP_FLOWS
from sim.compare import LEVEL
from sim.data import load_regions
from sim.scenario import CALIBRATED_FILE, ScenarioSpec, load_scenario
from sim.targets import targets_by_measure

HISTORY = "historical"
TURNOVER = "turnover_usd_bn"
LEADING_REGIONS = 4

# The runs behind the guide: name -> (scenario the class starts from, the app's controls).
# Without controls the run is the shipped scenario itself. The names of the class variants are
# those of the notebook's `what_if` calls.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    HISTORY: (HISTORY, {}),
    "controls_kept": (HISTORY, {"internal_controls_removed": False}),
    "border_formalities_kept": ("border_formalities_kept", {}),
    "union_2000": (HISTORY, {"customs_union_year": 2000}),
    "no_union": (HISTORY, {"customs_union_year": 2016}),
    "early_customs_union": ("early_customs_union", {}),
    "no_customs_union": ("no_customs_union", {}),
    "no_forums": (HISTORY, {"forums": "none"}),
    "twice_a_year": (HISTORY, {"forums": "twice a year"}),
    "legal_0.9": (HISTORY, {"legal_framework": 0.9}),
    "funding_2": (HISTORY, {"state_funding": 2.0}),
    "investment_2": (HISTORY, {"investment_attraction": 2.0}),
    "enforcement_0": (HISTORY, {"enforcement": 0.0, "policy_year": 1992}),
    "enforcement_1": (HISTORY, {"enforcement": 1.0, "policy_year": 1992}),
    "eaeu_prospects_2030": ("eaeu_prospects_2030", {}),
    "paper_recommendations_2030": ("paper_recommendations_2030", {}),
}
FULL_TABLES = {HISTORY}  # the map's figures need history's `flows` and `regions` too

# Kazakhstan's recorded imports by partner and in all (exercise 3: diversion or creation).
IMPORTS = (
    "kz_imports_from_ru_usd_bn",
    "kz_imports_from_cn_usd_bn",
    "kz_imports_from_eu_usd_bn",
    "kz_imports_from_row_usd_bn",
    "kz_imports_usd_bn",
)

# Columns that enforcement must leave untouched (exercise 6): ventures and agreements.
INSTITUTIONS = (
    "jv_kz",
    "jv_kz_russian",
    "jv_kz_row",
    "jv_ru",
    "jv_founded",
    "jv_dissolved",
    "agreements",
    "linked_ru_regions",
    "linked_kz_regions",
)


# --- running ---------------------------------------------------------------------------------
def scenario(name: str) -> ScenarioSpec | str:
    """The scenario of a variant: a shipped name, or the app's scenario for its controls."""
    base, controls = VARIANTS[name]
    if not controls:
        return base
    spec = what_if(name, base, **controls)
    if spec.name != name:  # the controls equal the scenario's own values: nothing would change
        raise ValueError(f"variant {name!r} changes nothing in {base!r}: {controls}")
    return spec


def run_variant(
    name: str, replicates: int, firms: int, seed: int, workers: int, posterior: int | None = None
) -> sim.Results:
    """`sim.run` of one variant over the common replicate seeds (and posterior draws).

    Over draws, each table's `replicate` becomes the run's index among draws x seeds (draw
    rank x replicates + replicate), the same for every variant, so that every figure below is
    taken over runs and every difference is paired by draw and seed.
    """
    results = sim.run(scenario(name), seed=seed, replicates=replicates, n_firms=firms,
                      workers=workers, posterior=posterior)  # fmt: skip
    if posterior:
        for frame in results.tables.values():
            rank = frame.draw.rank(method="dense").astype(int) - 1
            frame["replicate"] = rank * replicates + frame.replicate
    return results


@dataclass
class Runs:
    """The tables of every variant, each run once over the same replicate seeds."""

    tables: dict[str, dict[str, pd.DataFrame]]
    meta: dict[str, dict[str, Any]]
    replicates: int
    firms: int
    seed: int
    posterior: int | None = None

    @classmethod
    def measure(
        cls, replicates: int, firms: int, seed: int, workers: int, posterior: int | None = None
    ) -> Runs:
        """Run every variant of `VARIANTS` once with `sim.run`."""
        tables, meta = {}, {}
        for name in VARIANTS:
            print(f"running {name}: {replicates} x {firms:,} firm agents", file=sys.stderr)
            results = run_variant(name, replicates, firms, seed, workers, posterior)
            keep = results.tables if name in FULL_TABLES else {"model": results.model}
            tables[name] = dict(keep)
            meta[name] = results.meta
        return cls(tables, meta, replicates, firms, seed, posterior)

    def model(self, name: str) -> pd.DataFrame:
        """The `model` table of a variant."""
        return self.tables[name]["model"]

    def series(self, name: str, outcome: str, year: int) -> pd.Series:
        """An outcome in one year, one value per replicate (indexed by replicate)."""
        frame = self.model(name)
        return frame[frame.year == year].set_index("replicate")[outcome]

    def window(self, name: str, outcome: str, first: int, last: int) -> pd.Series:
        """An outcome's mean over the years `first` to `last`, one value per replicate."""
        frame = self.model(name)
        return frame[frame.year.between(first, last)].groupby("replicate")[outcome].mean()

    def yearly(self, name: str, outcome: str) -> pd.Series:
        """An outcome's mean over replicates, year by year."""
        return self.model(name).groupby("year")[outcome].mean()

    def level(self, name: str, outcome: str, year: int) -> Stat:
        """An outcome in one year over replicates."""
        return Stat.of(self.series(name, outcome, year))

    def paired(self, name: str, reference: str, outcome: str, year: int) -> Stat:
        """`name` minus `reference`, replicate by replicate, in one year."""
        return Stat.of(self.series(name, outcome, year) - self.series(reference, outcome, year))


# --- statistics and formatting ---------------------------------------------------------------
@dataclass(frozen=True)
class Stat:
    """One quantity over replicates: mean, 90% interval, smallest and largest value."""

    mean: float
    lo: float
    hi: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Stat:
        """Summarise replicate values (quantiles interpolate linearly, as `compare` does)."""
        v = np.asarray(list(values), dtype=float)
        tail = (1 - LEVEL) / 2
        return cls(
            float(v.mean()),
            float(np.quantile(v, tail)),
            float(np.quantile(v, 1 - tail)),
            float(v.min()),
            float(v.max()),
        )

    @property
    def clear(self) -> bool:
        """Whether the 90% interval excludes zero (for a difference)."""
        return self.lo > 0 or self.hi < 0


def number(outcome: str, value: float, signed: bool = False) -> str:
    """A value in the outcome's unit: US$ bn to 0.1, shares to 0.001, counts to 1."""
    if outcome.endswith("_usd_bn"):
        spec = ".1f"
    elif "share" in outcome:
        spec = ".3f"
    else:
        spec = ",.0f"
    return format(value, ("+" if signed else "") + spec)


def interval(outcome: str, stat: Stat, signed: bool = False) -> str:
    """`mean [5%, 95%]` in the outcome's unit."""
    lo, hi = number(outcome, stat.lo, signed), number(outcome, stat.hi, signed)
    return f"{number(outcome, stat.mean, signed)} [{lo}, {hi}]"


def extremes(outcome: str, stat: Stat) -> str:
    """The smallest and the largest replicate."""
    return f"replicates {number(outcome, stat.low)} to {number(outcome, stat.high)}"


def year_range(outcome: str, means: pd.Series, first: int, last: int) -> str:
    """Lowest and highest yearly mean over `first` to `last`, with their years."""
    part = means.loc[first:last]
    low, high = part.idxmin(), part.idxmax()
    return (
        f"{number(outcome, part[low])} ({low}) to {number(outcome, part[high])} ({high}), "
        f"yearly means {first}–{last}"
    )


def first_year(means: pd.Series, start: int, threshold: float) -> str:
    """The first year from `start` whose mean reaches `threshold`."""
    reached = means.loc[start:][means.loc[start:] >= threshold]
    return str(reached.index[0]) if len(reached) else "never"


def falling_years(means: pd.Series) -> str:
    """The years whose mean is below the year before's."""
    falls = [str(year) for year in means.index[1:] if means[year] < means[year - 1]]
    return ", ".join(falls) or "none"


# --- rows of the output ------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One measured figure: where the guide uses it, what it is, its value and difference."""

    where: str
    figure: str
    value: str
    difference: str = ""
    change: Stat | None = None  # the paired difference, for the notebook's direction check


@dataclass(frozen=True)
class Group:
    """The figures of one section or exercise of the guide."""

    title: str
    rows: list[Row]


def level_row(
    runs: Runs, where: str, name: str, outcome: str, year: int, spread: bool = False
) -> Row:
    """An outcome of one run in one year (with the extreme replicates when `spread`)."""
    stat = runs.level(name, outcome, year)
    value = interval(outcome, stat) + (f"; {extremes(outcome, stat)}" if spread else "")
    return Row(where, f"`{outcome}` {year}, {name}", value)


def paper_row(runs: Runs, where: str, name: str, outcome: str) -> Row:
    """An outcome over its calibration target's years, against the paper's figure."""
    target = targets_by_measure()[outcome]
    first, last = target.years
    stat = Stat.of(runs.window(name, outcome, first, last))
    bound = "≥ " if target.kind == "lower_bound" else ""
    tolerance = f" ± {number(outcome, target.tolerance)}" if target.tolerance else ""
    verdict = "met" if target.met(stat.mean) else "missed"
    years = str(first) if first == last else f"{first}–{last} mean"
    return Row(
        where,
        f"`{outcome}` {years}, {name}; paper {bound}{number(outcome, target.value)}{tolerance}",
        f"{interval(outcome, stat)}; {extremes(outcome, stat)}; {verdict}",
    )


def _difference_row(
    where: str, what: str, stat: Stat, base: Stat, change: Stat, outcome: str
) -> Row:
    relative = f" ({change.mean / base.mean:+.0%})" if base.mean else ""
    return Row(
        where,
        what,
        f"{interval(outcome, stat)} vs {interval(outcome, base)}",
        interval(outcome, change, signed=True) + relative,
        change,
    )


def change_row(
    runs: Runs, where: str, name: str, outcome: str, year: int, reference: str = HISTORY
) -> Row:
    """An outcome of `name` beside `reference` in one year, with the paired difference."""
    return _difference_row(
        where,
        f"`{outcome}` {year}, {name} − {reference}",
        runs.level(name, outcome, year),
        runs.level(reference, outcome, year),
        runs.paired(name, reference, outcome, year),
        outcome,
    )


def window_change_row(
    runs: Runs, where: str, name: str, outcome: str, first: int, last: int, reference: str = HISTORY
) -> Row:
    """Like `change_row`, for the outcome's mean over the years `first` to `last`."""
    window, base = (
        runs.window(name, outcome, first, last),
        runs.window(reference, outcome, first, last),
    )
    return _difference_row(
        where,
        f"`{outcome}` {first}–{last} mean, {name} − {reference}",
        Stat.of(window),
        Stat.of(base),
        Stat.of(window - base),
        outcome,
    )


def changes(
    runs: Runs, name: str, wanted: Sequence[tuple[str, str, int]], reference: str = HISTORY
) -> list[Row]:
    """`change_row` for each (where, outcome, year) of `wanted`."""
    return [change_row(runs, w, name, outcome, year, reference) for w, outcome, year in wanted]


def levels(runs: Runs, names: Sequence[str], wanted: Sequence[tuple[str, str, int]]) -> list[Row]:
    """`level_row` for each run of `names` and each (where, outcome, year) of `wanted`."""
    return [level_row(runs, w, name, o, y) for w, o, y in wanted for name in names]


def growth_row(runs: Runs, where: str, outcome: str, first: int, last: int) -> Row:
    """Mean yearly increase of an outcome in history from `first` to `last`."""
    per_year = (runs.series(HISTORY, outcome, last) - runs.series(HISTORY, outcome, first)) / (
        last - first
    )
    return Row(
        where, f"`{outcome}` increase per year {first}–{last}", interval(outcome, Stat.of(per_year))
    )


def identical_row(
    runs: Runs,
    where: str,
    names: Sequence[str],
    columns: Sequence[str] | None = None,
    label: str | None = None,
) -> Row:
    """Whether some `model` columns (default: every outcome and lever) are equal across runs.

    Equal means equal in every year and replicate; `label` names the columns in the output.
    """
    keys = ["replicate", "year"]
    if columns is None:
        columns = [
            c for c in runs.model(names[0]).columns if c not in ("scenario", "regime", *keys)
        ]
    frames = [runs.model(n).sort_values(keys).reset_index(drop=True) for n in names]
    unequal = [c for c in columns if any(not frames[0][c].equals(f[c]) for f in frames[1:])]
    value = "identical in every year and replicate" if not unequal else f"differ: {unequal}"
    what = label or ", ".join(f"`{c}`" for c in columns)
    return Row(where, f"{what}: {' and '.join(names)}", value)


# --- history's map ------------------------------------------------------------------------------
def top_pairs(flows: pd.DataFrame, year: int, top: int = MAP_FLOWS) -> pd.DataFrame:
    """Per replicate, the `top` largest Russian–Kazakh pair flows, as the app's map draws them.

    A pair's flow is its recorded trade in both directions. Columns: replicate, the two regions
    `a` and `b`, `usd_bn`, `agreement`, `border` (both are border regions) and `neighbours`
    (the two regions share the border).
    """
    regions = load_regions().set_index("region_id")
    # The flows table also holds domestic pairs and the partner markets (cn, eu, row).
    flows = flows[flows.year == year]
    home, away = flows.origin.map(regions.country), flows.destination.map(regions.country)
    cross = flows[home.notna() & away.notna() & (home != away)]
    ends = np.sort(cross[["origin", "destination"]].to_numpy(), axis=1)
    pairs = cross.assign(a=ends[:, 0], b=ends[:, 1])
    pairs = pairs.groupby(["replicate", "a", "b"], as_index=False).agg(
        usd_bn=("recorded_usd_bn", "sum"), agreement=("agreement", "max")
    )
    pairs = pairs[pairs.usd_bn > 0].sort_values("usd_bn", ascending=False)
    pairs = pairs.groupby("replicate").head(top)
    neighbours = regions.neighbours.fillna("").str.split(";")
    pairs["neighbours"] = [b in neighbours[a] for a, b in zip(pairs.a, pairs.b, strict=True)]
    pairs["border"] = regions.border[pairs.a].to_numpy() & regions.border[pairs.b].to_numpy()
    return pairs


def count_row(where: str, figure: str, counts: pd.Series) -> Row:
    """A count per replicate: mean, 90% interval and the extreme replicates."""
    stat = Stat.of(counts)
    value = f"{stat.mean:.1f} [{stat.lo:.1f}, {stat.hi:.1f}]; {extremes('count', stat)}"
    return Row(where, figure, value)


def kz_trade_with_russia(regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """The Kazakh regions' recorded trade with Russia in one year, by replicate and region."""
    return regions[(regions.year == year) & (regions.country == "KZ")]


def border_share(regions: pd.DataFrame, year: int) -> pd.Series:
    """Per replicate: the Kazakh border regions' share of Kazakhstan's trade with Russia."""
    kz = kz_trade_with_russia(regions, year)
    total = kz.groupby("replicate").cross_border_turnover_usd_bn.sum()
    border = kz[kz.border].groupby("replicate").cross_border_turnover_usd_bn.sum()
    return border / total


def leading_regions(regions: pd.DataFrame, year: int, count: int = LEADING_REGIONS) -> str:
    """The Kazakh regions with the most recorded trade with Russia (replicate means)."""
    kz = kz_trade_with_russia(regions, year)
    means = kz.groupby("region_id").cross_border_turnover_usd_bn.mean().nlargest(count)
    names = load_regions().set_index("region_id")
    return ", ".join(
        f"{names.loc[r, 'name']}{' (border)' if names.loc[r, 'border'] else ''} {v:.1f}"
        for r, v in means.items()
    )


# --- the guide's sections -----------------------------------------------------------------------
def history(runs: Runs) -> list[Row]:
    """THINGS TO NOTICE and exercise 1: history, 1991-2015."""
    h = HISTORY
    turnover = runs.yearly(h, TURNOVER)
    share = runs.yearly(h, "interregional_share")
    tables = runs.tables[h]
    top = top_pairs(tables["flows"], 2015).groupby("replicate")
    border = Stat.of(border_share(tables["regions"], 2015))
    forum_conversion = runs.meta[h]["parameters"]["protocol_conversion"]
    rows = [
        *levels(runs, [h], [("Break-up; Ex. 1", TURNOVER, y) for y in (1991, 1992, 1994)]),
        Row("Break-up", "turnover through the 1990s", year_range(TURNOVER, turnover, 1992, 1999)),
        Row(
            "Break-up",
            "first year from 1993 with mean turnover ≥ 4 bn",
            first_year(turnover, 1993, 4.0),
        ),
        Row("Growth, crisis; Ex. 1", "years whose mean turnover falls", falling_years(turnover)),
        Row("Growth, crisis; Ex. 1", "year of peak mean turnover", str(turnover.idxmax())),
        *levels(
            runs,
            [h],
            [
                ("Growth, crisis; Ex. 1", TURNOVER, y)
                for y in (2002, 2003, 2008, 2009, 2013, 2014, 2015)
            ],
        ),
        paper_row(runs, "US$12.8 bn; Ex. 1", h, TURNOVER),
        *levels(
            runs,
            [h],
            [
                ("Agreements first; Ex. 1", "interregional_share", y)
                for y in (1991, 1995, 2000, 2003, 2010, 2013, 2015)
            ],
        ),
        Row(
            "Agreements first; Ex. 1",
            "first year with mean share ≥ 0.70",
            first_year(share, 1991, 0.70),
        ),
        Row(
            "Agreements first; Ex. 1",
            "`interregional_share` highest yearly mean",
            year_range("interregional_share", share, 1991, 2015),
        ),
        paper_row(runs, "Agreements first", h, "interregional_share"),
        paper_row(runs, "Agreements first", h, "agreements"),
        Row(
            "Agreements first; Ex. 1",
            "`border_region_share` throughout",
            year_range("border_region_share", runs.yearly(h, "border_region_share"), 1991, 2015),
        ),
        *levels(
            runs,
            [h],
            [
                ("Agreements first; Ex. 1", "border_region_share", y)
                for y in (1991, 1995, 2000, 2005, 2008, 2011, 2013, 2015)
            ],
        ),
        paper_row(runs, "Agreements first", h, "border_region_share"),
        paper_row(runs, "Agreements first", h, "linked_ru_regions"),
        paper_row(runs, "Joint ventures", h, "jv_kz"),
        paper_row(runs, "Joint ventures", h, "jv_kz_russian_share"),
        Row(
            "Joint ventures",
            "years whose mean `jv_kz` falls",
            falling_years(runs.yearly(h, "jv_kz")),
        ),
        growth_row(runs, "Joint ventures: growth after 2011", "jv_kz", 2005, 2011),
        growth_row(runs, "Joint ventures: growth after 2011", "jv_kz", 2011, 2015),
        Row(
            "Shadow trade",
            "`shadow_share` 1992–1994 mean",
            interval("shadow_share", Stat.of(runs.window(h, "shadow_share", 1992, 1994))),
        ),
        level_row(runs, "Shadow trade", h, "shadow_share", 2005),
        Row(
            "Shadow trade",
            "`shadow_share` from 2012",
            year_range("shadow_share", runs.yearly(h, "shadow_share"), 2012, 2015),
        ),
        count_row(
            "The map",
            f"of the {MAP_FLOWS} largest Russian–Kazakh pair flows in 2015: with an agreement",
            top.agreement.sum(),
        ),
        count_row(
            "The map",
            f"of the {MAP_FLOWS} largest Russian–Kazakh pair flows in 2015: between border regions",
            top.border.sum(),
        ),
        count_row(
            "The map",
            f"of the {MAP_FLOWS} largest Russian–Kazakh pair flows in 2015: between neighbours",
            top.neighbours.sum(),
        ),
        Row(
            "The map",
            "Kazakh border regions' share of Kazakhstan's recorded trade with Russia, 2015",
            f"{interval('share', border)}; {extremes('share', border)}",
        ),
        Row(
            "The map",
            "leading Kazakh regions, trade with Russia 2015 (US$ bn)",
            leading_regions(tables["regions"], 2015),
        ),
        level_row(runs, "Forum of 2003", h, "forum_protocols", 2003, spread=True),
        Row(
            "Forum of 2003",
            "share of protocols that become ventures (`protocol_conversion`)",
            f"{forum_conversion:.2f}",
        ),
    ]
    return rows


# The shipped scenario that makes the same change as an app variant by hand.
SHIPPED_TWIN = {
    "controls_kept": "border_formalities_kept",
    "union_2000": "early_customs_union",
}


def shipped_row(runs: Runs, name: str) -> Row:
    """Whether the shipped scenario named beside an app variant gives the same runs."""
    return identical_row(
        runs,
        "the shipped scenario instead",
        [name, SHIPPED_TWIN[name]],
        label="every outcome and lever",
    )


def exercise_2(runs: Runs) -> list[Row]:
    """Exercise 2: without the 2011 step, by the app's switch (and the shipped scenario)."""
    wanted = [
        ("ventures do not change", "jv_kz", 2015),
        ("trade does change", TURNOVER, 2013),
        ("trade does change", TURNOVER, 2015),
        ("fewer exporting firm agents", "exporters_cross_border", 2015),
        ("shadow share stays", "shadow_share", 2015),
        ("agreements barely move", "agreements", 2015),
        ("agreement-linked share barely moves", "interregional_share", 2015),
    ]
    return [*changes(runs, "controls_kept", wanted), shipped_row(runs, "controls_kept")]


def exercise_3(runs: Runs) -> list[Row]:
    """Exercise 3: the Customs Union in 2000 or never, by the app's slider (and as shipped)."""
    early = [
        ("union in 2000: turnover", TURNOVER, 2005),
        ("union in 2000: turnover", TURNOVER, 2009),
        ("union in 2000: turnover", TURNOVER, 2015),
        ("union in 2000: ventures", "jv_kz", 2015),
        ("union in 2000: agreements", "agreements", 2015),
        *(("union in 2000: diversion", outcome, 2005) for outcome in IMPORTS),
    ]
    never = [
        ("without the union", TURNOVER, 2015),
        *(("without the union", outcome, 2015) for outcome in IMPORTS),
        ("without the union", "jv_kz", 2015),
        ("without the union", "agreements", 2015),
    ]
    return [
        *changes(runs, "union_2000", early),
        shipped_row(runs, "union_2000"),
        *changes(runs, "no_union", never),
        identical_row(
            runs,
            "the shipped scenario: the union's trade policy only",
            ["no_union", "no_customs_union"],
            [c for c in runs.model(HISTORY).columns if c.startswith("lever_")],
            label="the levers",
        ),
        *changes(
            runs,
            "no_customs_union",
            [(w.replace("without the union", "trade policy only"), o, y) for w, o, y in never],
        ),
        *(
            window_change_row(
                runs, "trade policy only, 2012–2015", "no_customs_union", o, 2012, 2015
            )
            for o in (TURNOVER, "kz_exports_to_ru_usd_bn", *IMPORTS)
        ),
    ]


def exercise_4(runs: Runs) -> list[Row]:
    """Exercise 4: no forums, and two forums a year."""
    none = [
        ("without forums", "agreements", 2015),
        ("without forums", "jv_kz", 2015),
        ("without forums", TURNOVER, 2015),
        ("without forums: protocols gone", "forum_protocols", 2003),
        ("without forums", "interregional_share", 2015),
        ("without forums", "linked_ru_regions", 2015),
    ]
    twice = [("two forums a year", outcome, 2015) for outcome in ("agreements", "jv_kz", TURNOVER)]
    return changes(runs, "no_forums", none) + changes(runs, "twice_a_year", twice)


def exercise_5(runs: Runs) -> list[Row]:
    """Exercise 5: legal framework 0.9, state funding 2, investment attraction 2, from 2010."""
    outcomes = ("jv_kz", TURNOVER, "agreements", "interregional_share")
    return [
        row
        for name, where in (
            ("legal_0.9", "better legal framework"),
            ("funding_2", "doubling state funding"),
            ("investment_2", "doubling investment attraction"),
        )
        for row in changes(runs, name, [(where, outcome, 2015) for outcome in outcomes])
    ]


def exercise_6(runs: Runs) -> list[Row]:
    """Exercise 6: shadow-trade enforcement held at 0 or 1 from 1992."""
    names = ("enforcement_0", HISTORY, "enforcement_1")
    outcomes = (TURNOVER, "turnover_total_usd_bn", "shadow_share")
    return [
        *levels(runs, names, [("recorded, total, shadow", outcome, 2015) for outcome in outcomes]),
        identical_row(runs, "total turnover the same", names, ["turnover_total_usd_bn"]),
        *(
            row
            for name in ("enforcement_0", "enforcement_1")
            for row in changes(
                runs,
                name,
                [
                    ("enforcement: what else moves", outcome, 2015)
                    for outcome in (
                        "turnover_total_usd_bn",
                        "jv_kz",
                        "agreements",
                        "interregional_share",
                        "linked_ru_regions",
                    )
                ],
            )
        ),
        identical_row(
            runs,
            "ventures and agreements the same",
            names,
            INSTITUTIONS,
            label="ventures, agreements and linked regions (`jv_*`, `agreements`, `linked_*`)",
        ),
    ]


def exercise_7(runs: Runs) -> list[Row]:
    """Exercise 7: the paper's priorities against the EAEU as it stood, in 2030."""
    outcomes = ("jv_kz", "agreements", "interregional_share", TURNOVER)
    rows = changes(
        runs,
        "paper_recommendations_2030",
        [("priorities by 2030", outcome, 2030) for outcome in outcomes],
        reference="eaeu_prospects_2030",
    )
    for name in ("eaeu_prospects_2030", "paper_recommendations_2030"):
        last = max(forum.year for forum in load_scenario(name).forums)
        rows.append(Row("no forums after 2015", f"last scheduled forum, {name}", str(last)))
    return rows


SECTIONS: tuple[tuple[str, Callable[[Runs], list[Row]]], ...] = (
    ("THINGS TO NOTICE, and Exercise 1 — Watch integration happen", history),
    ("Exercise 2 — Remove the 2011 step", exercise_2),
    ("Exercise 3 — Move the Customs Union", exercise_3),
    ("Exercise 4 — Forums", exercise_4),
    ("Exercise 5 — Law, money and investment", exercise_5),
    ("Exercise 6 — Shadow trade", exercise_6),
    ("Exercise 7 — To 2030: the paper's five priorities", exercise_7),
)


def figures(runs: Runs) -> list[Group]:
    """Every figure of the guide's sections THINGS TO NOTICE and THINGS TO TRY."""
    return [Group(title, build(runs)) for title, build in SECTIONS]


def notebook(full: list[Group], small_runs: Runs) -> Group:
    """HOW TO USE IT: the notebook's small runs, their levels and directions of change."""
    small = figures(small_runs)
    where = "HOW TO USE IT: small runs"
    rows = levels(
        small_runs,
        [HISTORY],
        [(where, o, 2015) for o in ("interregional_share", "linked_ru_regions")],
    )
    clear = [
        (a, b)
        for big, little in zip(full, small, strict=True)
        for a, b in zip(big.rows, little.rows, strict=True)
        if a.change is not None and b.change is not None and a.change.clear
    ]
    flipped = [
        f"{a.figure} ({a.change.mean:+.3g} at full size, {b.change.mean:+.3g} here)"
        for a, b in clear
        if np.sign(a.change.mean) != np.sign(b.change.mean)
    ]
    rows.append(
        Row(
            "HOW TO USE IT: the same directions of change",
            "differences whose 90% interval excludes 0 at full size, same sign here",
            f"{len(clear) - len(flipped)} of {len(clear)}"
            + (f"; another sign: {'; '.join(flipped)}" if flipped else ""),
        )
    )
    size = f"{small_runs.firms:,} firm agents, {small_runs.replicates} replicates"
    title = f"HOW TO USE IT — the notebook's runs ({size})"
    return Group(title, rows)


# --- output ------------------------------------------------------------------------------------
def header(runs: Runs) -> list[str]:
    """What was measured, with which calibration and seeds."""
    with CALIBRATED_FILE.open("rb") as fh:
        calibration = tomllib.load(fh).get("calibration", {})
    meta = runs.meta[HISTORY]
    how = calibration.get("method", "optuna")
    head = [
        "# Figures of the teacher's guide (docs/teaching.md)",
        "",
        f"Calibration: calibration/calibrated.toml of {calibration.get('date', 'unknown date')} "
        f"({how}); package {meta['package_version']}.",
        f"Runs: {runs.replicates} replicates of {runs.firms:,} firm agents, master seed "
        f"{runs.seed}, the same replicate seeds for every scenario: {meta['replicate_seeds']}.",
    ]
    if runs.posterior:
        head += [
            f"Over the first {runs.posterior} posterior draws (calibration/posterior.parquet) x "
            "those seeds, the same for every scenario: each figure counts parameter uncertainty "
            "and seed noise. Values: mean over runs [90% interval over runs]. Differences: mean "
            "of the paired differences (same draw, same seed) [their 90% interval] (mean "
            "difference relative to the reference's mean). Where a row says replicates, read "
            "runs.",
        ]
    else:
        head += [
            "Values: mean over replicates [90% interval over replicates]. Differences: mean of "
            "the paired (replicate by replicate) differences [their 90% interval] (mean "
            "difference relative to the reference's mean).",
        ]
    return head


def markdown(groups: list[Group], head: list[str]) -> str:
    """The groups as Markdown tables, one per section or exercise."""
    lines = list(head)
    for group in groups:
        lines += [
            "",
            f"## {group.title}",
            "",
            "| used in | figure | mean [90% interval] | paired difference [90% interval] |",
            "| --- | --- | --- | --- |",
        ]
        lines += [f"| {r.where} | {r.figure} | {r.value} | {r.difference} |" for r in group.rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Measure and print every figure of the guide."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10, help="replicates per scenario")
    parser.add_argument("--firms", type=int, default=20_000, help="firm agents per run")
    parser.add_argument("--seed", type=int, default=1, help="master seed")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--posterior", type=int, default=None, help="run over this many posterior draws"
    )
    parser.add_argument(
        "--notebook-firms", type=int, default=3000, help="the notebook's firm agents"
    )
    parser.add_argument(
        "--notebook-replicates", type=int, default=3, help="the notebook's replicates (0: skip)"
    )
    args = parser.parse_args(argv)
    full = Runs.measure(args.replicates, args.firms, args.seed, args.workers, args.posterior)
    groups = figures(full)
    if args.notebook_replicates > 0:
        small = Runs.measure(args.notebook_replicates, args.notebook_firms, args.seed, args.workers)
        groups.append(notebook(groups, small))
    print(markdown(groups, header(full)))


if __name__ == "__main__":
    main()
