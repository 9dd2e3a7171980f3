"""Prior distributions of the calibrated parameters (the `[priors]` table of the search file).

Each searched parameter has a prior on its search range. Without an entry it is uniform on the
range, or log-uniform for a parameter of ``log_scale``: a wide prior, for the parameters whose
values the empirical literature does not give in the model's units. An entry makes it
informative, truncated to the range::

    [priors]
    sunk_cost_ratio = { distribution = "lognormal", median = 2.0, sd_log = 0.5,
                        source = "where the median and width come from" }

Distributions: ``uniform``, ``loguniform``, ``normal`` (``mean``, ``sd``) and ``lognormal``
(``median``, ``sd_log``); an informative prior must say its ``source``.

Everything the posterior does with a prior goes through the unit cube: `Prior.value` maps a
point u in [0, 1] to the parameter by the prior's inverse distribution function, so that draws
uniform on the cube are draws from the prior, and the sampler works on the cube with a flat
prior whatever the distributions are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.errors import InputError
from sim.inputs import as_table, check_keys, number, one_of, text
from sim.parameters import Range

DISTRIBUTIONS = {
    "uniform": (),
    "loguniform": (),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sd_log"),
}


@dataclass(frozen=True)
class Prior:
    """One parameter's prior, truncated to its search range [lo, hi]."""

    name: str
    lo: float
    hi: float
    distribution: str = "uniform"
    location: float = 0.0  # normal: mean; lognormal: log of the median
    scale: float = 1.0  # normal: sd; lognormal: sd of the log
    source: str = ""

    def _frozen(self) -> Any:
        if self.distribution == "normal":
            a, b = (self.lo - self.location) / self.scale, (self.hi - self.location) / self.scale
            return stats.truncnorm(a, b, loc=self.location, scale=self.scale)
        a = (math.log(self.lo) - self.location) / self.scale
        b = (math.log(self.hi) - self.location) / self.scale
        return stats.truncnorm(a, b, loc=self.location, scale=self.scale)

    def value(self, u: np.ndarray) -> np.ndarray:
        """The parameter at unit-cube coordinates `u` (the prior's inverse distribution)."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        if self.distribution == "uniform":
            return self.lo + u * (self.hi - self.lo)
        if self.distribution == "loguniform":
            return np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        out = self._frozen().ppf(u)
        return np.clip(np.exp(out) if self.distribution == "lognormal" else out, self.lo, self.hi)

    def unit(self, value: np.ndarray) -> np.ndarray:
        """The unit-cube coordinate of parameter values (the prior's distribution function)."""
        value = np.clip(np.asarray(value, float), self.lo, self.hi)
        if self.distribution == "uniform":
            return (value - self.lo) / (self.hi - self.lo)
        if self.distribution == "loguniform":
            return np.log(value / self.lo) / math.log(self.hi / self.lo)
        x = np.log(value) if self.distribution == "lognormal" else value
        return self._frozen().cdf(x)

    def describe(self) -> str:
        """The prior in words, for the report."""
        if self.distribution in ("uniform", "loguniform"):
            return f"{self.distribution} on [{self.lo:.4g}, {self.hi:.4g}]"
        if self.distribution == "normal":
            shape = f"normal(mean {self.location:.4g}, sd {self.scale:.4g})"
        else:
            shape = f"lognormal(median {math.exp(self.location):.4g}, sd of log {self.scale:.4g})"
        return f"{shape} truncated to [{self.lo:.4g}, {self.hi:.4g}]"


def default_prior(name: str, lo: float, hi: float, log: bool) -> Prior:
    """The wide prior of a parameter without an entry: uniform, or log-uniform on a log scale."""
    return Prior(name, lo, hi, "loguniform" if log else "uniform")


def read_prior(
    name: str, entry: Any, lo: float, hi: float, log: bool, source: str
) -> Prior:  # fmt: skip
    """One `[priors]` entry, checked against the parameter's search range."""
    where = f"priors.{name}"
    entry = as_table(entry, source, where)
    kind = one_of(
        entry.get("distribution", ""), sorted(DISTRIBUTIONS), source, f"{where}.distribution",
        "distribution",
    )  # fmt: skip
    needed = DISTRIBUTIONS[kind]
    check_keys(entry, {"distribution", "source", *needed}, source, where)
    missing = [k for k in needed if k not in entry]
    if missing:
        raise InputError(
            f"a {kind} prior needs {', '.join(needed)}; missing {', '.join(missing)}",
            source=source,
            key=where,
        )
    if kind in ("loguniform", "lognormal") and lo <= 0:
        raise InputError(
            f"a {kind} prior needs a positive range; the search range is [{lo}, {hi}]",
            source=source,
            key=where,
        )
    if kind in ("uniform", "loguniform"):
        return Prior(name, lo, hi, kind, source=text(entry.get("source", ""), source, where))
    cite = text(entry.get("source", ""), source, f"{where}.source")
    if not cite.strip():
        raise InputError("an informative prior must say its source", source=source, key=where)
    inside = Range(lo, hi)
    if kind == "normal":
        mean = float(number(entry["mean"], source, f"{where}.mean", allowed=inside))
        sd = _positive(entry["sd"], source, f"{where}.sd")
        return Prior(name, lo, hi, kind, mean, sd, cite)
    median = float(number(entry["median"], source, f"{where}.median", allowed=inside))
    sd_log = _positive(entry["sd_log"], source, f"{where}.sd_log")
    return Prior(name, lo, hi, kind, math.log(median), sd_log, cite)


def _positive(value: Any, source: str, key: str) -> float:
    out = float(number(value, source, key))
    if not out > 0:
        raise InputError(f"must be a number > 0, got {value!r}", source=source, key=key)
    return out
