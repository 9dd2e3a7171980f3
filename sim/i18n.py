"""Languages: gettext message catalogues for the app, the CLI's figures and the class pages.

English is the source language: the English text in the code is the message id, and English
needs no catalogue. Every other language is one gettext catalogue,
``sim/locale/<code>/LC_MESSAGES/transfrontier.po``, read here by a small parser (no compile
step, no .mo file to keep in step). A message whose translation is empty or marked fuzzy falls
back to the English text.

To add a language (Kazakh, say): copy ``sim/locale/ru/LC_MESSAGES/transfrontier.po`` to
``sim/locale/kk/LC_MESSAGES/transfrontier.po``, set its header's ``Language: kk`` and
``X-Language-Name: Қазақша`` (the name the language switch shows), and write every ``msgstr``.
Nothing in the code changes: `LANGUAGES` lists the catalogues present, so the CLI's ``--lang``
and the page's switch offer it at once, and `tests/test_i18n.py` checks it is complete.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from sim.errors import InputError

SOURCE_LANGUAGE = "en"
DOMAIN = "transfrontier"
LOCALE_DIR = Path(__file__).parent / "locale"


def _catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


LANGUAGES: tuple[str, ...] = (
    SOURCE_LANGUAGE,
    *sorted(
        p.parent.parent.name
        for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
        if p.parent.parent.name != SOURCE_LANGUAGE
    ),
)


def check_language(lang: str) -> str:
    """`lang` itself if it is one of `LANGUAGES`; otherwise one InputError naming them."""
    if lang not in LANGUAGES:
        raise InputError(
            f"unknown language {lang!r}: the languages with a catalogue are {', '.join(LANGUAGES)}"
        )
    return lang


def parse_po(text: str) -> dict[str, str]:
    """The entries of a .po file as {msgid: msgstr}, the header under the empty msgid.

    Handles what the project's catalogues use: comments, ``#, fuzzy`` flags (such an entry
    counts as untranslated, as msgfmt has it), and strings continued over several lines.
    """
    entries: dict[str, str] = {}
    field: str | None = None
    current: dict[str, str] = {}
    fuzzy = False

    def close() -> None:
        nonlocal fuzzy
        if "msgid" in current:
            entries[current["msgid"]] = "" if fuzzy else current.get("msgstr", "")
        current.clear()
        fuzzy = False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                close()  # the flag belongs to the entry that follows it
                fuzzy = True
            continue
        if line.startswith('"'):
            if field is None:
                raise ValueError(f"line {number}: a string continues no msgid or msgstr")
            current[field] += ast.literal_eval(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword not in ("msgid", "msgstr"):
            raise ValueError(f"line {number}: {keyword!r} is not supported (msgid, msgstr only)")
        if keyword == "msgid" and "msgid" in current:
            close()
        field = keyword
        current[field] = ast.literal_eval(rest)
    close()
    return entries


@cache
def _entries(lang: str) -> Mapping[str, str]:
    """Every entry of `lang`'s catalogue, its header under the empty msgid (none for English)."""
    if check_language(lang) == SOURCE_LANGUAGE:
        return {}
    return parse_po(_catalogue_path(lang).read_text(encoding="utf-8"))


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The messages of `lang`'s catalogue, {English text: translation} (empty for English)."""
    return {message: text for message, text in _entries(lang).items() if message}


@cache
def _header(lang: str) -> dict[str, str]:
    """The header fields of `lang`'s catalogue (a value keeps a no-break space: a separator)."""
    lines = _entries(lang).get("", "").splitlines()
    return {key.strip(): value.strip(" \t") for key, _, value in (x.partition(":") for x in lines)}


def language_name(lang: str) -> str:
    """The language's name in itself, as the language switch shows it."""
    if check_language(lang) == SOURCE_LANGUAGE:
        return "English"
    return _header(lang).get("X-Language-Name") or lang


def grouped(value: float, lang: str) -> str:
    """`value` rounded to a whole number, its thousands grouped as `lang` writes them.

    The separator is the catalogue header's ``X-Thousands-Separator`` (English: a comma).
    """
    return f"{value:,.0f}".replace(",", _header(lang).get("X-Thousands-Separator", ","))


def translator(lang: str) -> Callable[[str], str]:
    """A gettext function for `lang`: English text in, its translation out.

    A message the catalogue lacks (or leaves empty) comes back in English. An unknown `lang`
    raises one InputError (a ValueError) naming the languages there are.
    """
    messages = catalogue(lang)

    def gettext(message: str) -> str:
        return messages.get(message) or message

    return gettext


def N_(message: str) -> str:
    """Mark `message` for the catalogues where it is declared; it is translated where shown."""
    return message
