"""The one error type users see for bad input."""

from __future__ import annotations


class InputError(ValueError):
    """A bad scenario, parameter or data file.

    The message always names where the problem is (file and key) and what is allowed, so
    that the CLI can print it as it is and exit non-zero.
    """

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.source = source
        self.key = key
        where = " ".join(part for part in (source, f"[{key}]" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
