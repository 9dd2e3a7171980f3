"""Reading TOML input files: one set of checks, one kind of error.

Every file a user writes (sweep parameters, calibration search spaces, the targets, scenarios)
is read and checked with these functions, so that every mistake is reported the same way: an
`InputError` naming the file (`source`), the key (dotted, with list positions such as
``outputs[1].year``) and what is allowed, with a "did you mean" for a misspelt name.

The functions take the value to check, the file it came from and its key, and return the value
in the type the program uses (or raise). A reader of a new file writes its own structure on top
of them: what is a table and which keys it allows (`as_table`, `table_list`, `check_keys`), which
it needs (`require_keys`), and what each value may be (`number`, `interval`, `one_of`, `flag`,
`text`, `text_list`, and `fractional_year` for a year or a date; `date_of_year` turns one back
into a date).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.parameters import Range


def read_toml(path: Path | str, *, key: str | None = None) -> tuple[dict[str, Any], str]:
    """The parsed table and the text of a TOML file.

    Args:
        path: The file.
        key: What the file stands for in an error, when it was given as an option
            (e.g. ``--only``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")  # TOML is UTF-8, whatever the machine's locale
        return tomllib.loads(text), text
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path), key=key) from exc
    except UnicodeDecodeError as exc:
        message = f"malformed TOML: not UTF-8 text (byte {exc.start})"
        raise InputError(message, source=str(path), key=key) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", source=str(path), key=key) from exc


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def join(where: str, key: str) -> str:
    """The dotted key of `key` inside the table at `where` (`""` for the top level)."""
    return f"{where}.{key}" if where else key


def as_table(value: Any, source: str, where: str) -> dict[str, Any]:
    """A TOML table (a dict)."""
    if not isinstance(value, dict):
        raise InputError("must be a table", source=source, key=where or None)
    return value


def table_list(value: Any, source: str, key: str) -> list[dict[str, Any]]:
    """A list of tables (what TOML's ``[[key]]`` reads), each checked with `as_table`."""
    if not isinstance(value, list):
        raise InputError(f"must be a list of [[{key}]] tables", source=source, key=key)
    return [as_table(entry, source, f"{key}[{i}]") for i, entry in enumerate(value)]


def check_keys(
    table: Any,
    allowed: Collection[str],
    source: str,
    where: str = "",
    what: str = "key",
    *,
    ordered: bool = False,
) -> dict[str, Any]:
    """A table whose keys are all allowed; the first unknown key is named with a hint.

    Args:
        table: The value read at `where`.
        allowed: Its allowed keys.
        source: The file.
        where: The table's key (``""`` for the top level, ``outputs[0]``, ``macro``, ...).
        what: What a key names, in the message (``key``, ``lever``, ``regime``, ...).
        ordered: List `allowed` in its own order (a timeline's regimes), not sorted.
    """
    listed = list(allowed) if ordered else sorted(allowed)
    for key in as_table(table, source, where):
        if key not in allowed:
            raise InputError(
                f"unknown {what} '{key}' (allowed: {', '.join(listed)})"
                f"{did_you_mean(key, allowed)}",
                source=source,
                key=join(where, key),
            )
    return table


def require_keys(table: dict[str, Any], required: Iterable[str], source: str, where: str) -> None:
    """Every required key is present (checked after `check_keys`)."""
    missing = [key for key in required if key not in table]
    if missing:
        raise InputError(f"missing {', '.join(missing)}", source=source, key=where or None)


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted names of a table: TOML reads `regimes.eaeu.start = ...` as nested tables."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def is_number(value: Any) -> bool:
    """Whether a TOML value is a number (a boolean is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(
    value: Any, source: str, key: str, *, kind: type = float, allowed: Range | None = None
) -> float | int:
    """A number of type `kind` (int or float) inside `allowed`.

    An integer may be written as a float with no fraction (``2.0``).
    """
    inside = f" in {allowed}" if allowed is not None else ""
    if kind is int and is_number(value) and float(value).is_integer():
        value = int(value)
    elif kind is int or not is_number(value):
        what = "an integer" if kind is int else "a number"
        raise InputError(f"must be {what}{inside}, got {value!r}", source=source, key=key)
    if allowed is not None and value not in allowed:
        raise InputError(f"value {value!r} out of range; allowed {allowed}", source=source, key=key)
    return kind(value)


def interval(
    value: Any,
    source: str,
    key: str,
    *,
    kind: type = float,
    allowed: Range | None = None,
    strict: bool = True,
    what: str = "bounds",
    inside: str = "inside the allowed range",
) -> tuple[float, float]:
    """A `[low, high]` pair of numbers of type `kind`, in order and inside `allowed`.

    Args:
        value: The value read.
        source: The file.
        key: Its key.
        kind: int or float.
        allowed: The range both ends must lie in.
        strict: Whether low must be below high (else low <= high).
        what: What the pair is, in the message (``bounds``, ``years``).
        inside: How the message introduces `allowed`.
    """
    ok = isinstance(value, list) and len(value) == 2 and all(map(is_number, value))
    if ok and kind is int:
        ok = all(isinstance(v, int) for v in value)
    if not ok:
        integers = " (integers)" if kind is int else ""
        raise InputError(f"must be [low, high]{integers}, got {value!r}", source=source, key=key)
    lo, hi = kind(value[0]), kind(value[1])
    ordered = lo < hi if strict else lo <= hi
    if not ordered or (allowed is not None and not (allowed.lo <= lo and hi <= allowed.hi)):
        order = "increasing" if strict else "in increasing order (low <= high)"
        where = f" and {inside} {allowed}" if allowed is not None else ""
        raise InputError(f"{what} [{lo:g}, {hi:g}] must be {order}{where}", source=source, key=key)
    return lo, hi


def one_of(value: Any, choices: Sequence[Any], source: str, key: str, what: str) -> Any:
    """A value among fixed choices (`what` names it in the message)."""
    if value not in choices:
        hint = did_you_mean(value, map(str, choices)) if isinstance(value, str) else ""
        raise InputError(
            f"{what} {value!r} not one of {tuple(choices)}{hint}", source=source, key=key
        )
    return value


def flag(value: Any, source: str, key: str) -> bool:
    """A boolean."""
    if not isinstance(value, bool):
        raise InputError(f"must be true or false, got {value!r}", source=source, key=key)
    return value


def text(value: Any, source: str, key: str, what: str = "a string") -> str:
    """A string (`what` says which, e.g. "a scenario name or path")."""
    if not isinstance(value, str):
        raise InputError(f"must be {what}", source=source, key=key)
    return value


def fractional_year(value: Any, source: str = "", key: str = "", what: str = "start") -> float:
    """A year (2010) or a date (2011-07-01, or the same as an ISO string) as a fractional year.

    1 July 2011 is 2011 + 181/365. Anything else raises `InputError` at `source` and `key`
    (`what` names the value in the message: a regime's ``start``).
    """
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return float(value)
    elif isinstance(value, dt.date):
        year_start = dt.date(value.year, 1, 1)
        days = (dt.date(value.year + 1, 1, 1) - year_start).days
        return value.year + (value - year_start).days / days
    elif isinstance(value, str):
        try:
            return fractional_year(dt.date.fromisoformat(value), source, key, what)
        except ValueError:
            pass
    raise InputError(
        f"{what} must be a year (e.g. 2010) or a date (e.g. 2011-07-01), got {value!r}",
        source=source,
        key=key,
    )


def date_of_year(year: float) -> dt.date:
    """The date of a fractional year, to the nearest day (2010.5 -> 2 July 2010)."""
    whole = math.floor(year)
    days = (dt.date(whole + 1, 1, 1) - dt.date(whole, 1, 1)).days
    return dt.date(whole, 1, 1) + dt.timedelta(days=round((year - whole) * days))


def text_list(value: Any, source: str, key: str) -> tuple[str, ...]:
    """A list of strings."""
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise InputError(f"must be a list of strings, got {value!r}", source=source, key=key)
    return tuple(value)
