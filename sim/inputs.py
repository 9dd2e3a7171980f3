"""Reading TOML input files: one set of checks, one kind of error.

Every file a user writes (sweep parameters, calibration search spaces, the targets, scenarios)
is read and checked with these functions, so that every mistake is reported the same way: an
`InputError` naming the file (`source`), the key (dotted, with list positions such as
``outputs[1].year``) and what is allowed, with a "did you mean" for a misspelt name.

The functions take the value to check, the file it came from and its key, and return the value
in the type the program uses (or raise). A reader of a new file writes its own structure on top
of them: what is a table and which keys it allows (`as_table`, `check_keys`), which it needs
(`require_keys`), and what each value may be (`number`, `interval`, `one_of`, `flag`, `text`,
`text_list`).
"""

from __future__ import annotations

import difflib
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
        text = path.read_text()
        return tomllib.loads(text), text
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=str(path), key=key) from exc
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


def check_keys(
    table: Any, allowed: Collection[str], source: str, where: str = "", what: str = "key"
) -> dict[str, Any]:
    """A table whose keys are all allowed; the first unknown key is named with a hint.

    Args:
        table: The value read at `where`.
        allowed: Its allowed keys.
        source: The file.
        where: The table's key (``""`` for the top level, ``outputs[0]``, ``macro``, ...).
        what: What a key names, in the message (``key``, ``lever``, ...).
    """
    for key in as_table(table, source, where):
        if key not in allowed:
            raise InputError(
                f"unknown {what} '{key}' (allowed: {', '.join(sorted(allowed))})"
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


def text_list(value: Any, source: str, key: str) -> tuple[str, ...]:
    """A list of strings."""
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise InputError(f"must be a list of strings, got {value!r}", source=source, key=key)
    return tuple(value)
