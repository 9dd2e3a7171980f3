"""Languages: the catalogues are complete, and a Russian figure, panel or page speaks Russian.

The messages are every English text the code passes to a translator: the literals it marks
(`_("…")`, `N_("…")`) and the texts it takes from data and shows — the schema labels of the
figures' lines and axes, the paper's figures and their sections, the trade record's series, and
the shipped scenarios' titles, questions and regimes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sim
from sim import i18n, schema
from sim.classroom.controls import LEVER_CONTROLS
from sim.errors import InputError
from sim.plots import SERIES, regime_title
from sim.record import SERIES as RECORD_SERIES
from sim.scenario import available_scenarios, load_scenario
from sim.targets import load_targets

PACKAGE = Path(sim.__file__).resolve().parent
MARKERS = {"_", "N_"}


def marked_messages() -> set[str]:
    """The string literals the package's code passes to `_` or `N_`."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def data_messages() -> set[str]:
    """The texts the app and the figures take from data and show in the page's language."""
    shown = {c for view in SERIES.values() for c in (*view.columns, *view.right)}
    found = {schema.column(c).label for c in (*shown, *schema.KEY_OUTCOMES)}
    found |= {schema.axis_label(c) for c in schema.KEY_OUTCOMES}
    found |= {label.lower() for label, _ in LEVER_CONTROLS.values()}  # `control_phrase`
    found |= {text for t in load_targets() for text in (t.figure, t.section)}
    found |= {text for s in RECORD_SERIES.values() for text in (s.label, s.unit)}
    for name in available_scenarios():
        spec = load_scenario(name)
        found |= {spec.title, spec.question}
        found |= {text for r in spec.regimes for text in (r.label, regime_title(r.name))}
    return found


def messages() -> set[str]:
    """Every message the code shows."""
    return (marked_messages() | data_messages()) - {""}


TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE]


def test_english_comes_first_and_every_catalogue_is_a_language():
    """The languages are English, then one per catalogue file present."""
    assert i18n.LANGUAGES[0] == "en" and "ru" in i18n.LANGUAGES
    files = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/transfrontier.po"))
    assert [p.parent.parent.name for p in files] == list(i18n.LANGUAGES[1:])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_has_a_translation(lang):
    """Each catalogue translates every text the code shows (no missing or empty entry)."""
    catalogue = i18n.catalogue(lang)
    missing = sorted(m for m in messages() if not catalogue.get(m))
    assert not missing, f"{len(missing)} messages lack a {lang} translation: {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_catalogue_entry_is_stale(lang):
    """Each catalogue holds only messages the code shows (none left from removed texts)."""
    assert not sorted(set(i18n.catalogue(lang)) - messages())


FIELDS = re.compile(r"\{(\w*)[^}]*\}")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    """A translation fills the same `{fields}` as its English text, so `.format` cannot fail."""
    wrong = {
        message: text
        for message, text in i18n.catalogue(lang).items()
        if sorted(FIELDS.findall(message)) != sorted(FIELDS.findall(text))
    }
    assert not wrong


def test_unknown_language_is_refused_naming_the_languages():
    """`translator("xx")` raises one error that names every language there is."""
    with pytest.raises(InputError) as error:
        i18n.translator("xx")
    assert "'xx'" in str(error.value) and all(lang in str(error.value) for lang in i18n.LANGUAGES)


def test_a_missing_or_fuzzy_translation_falls_back_to_english():
    """An empty or fuzzy entry of a catalogue reads as untranslated."""
    text = 'msgid "a"\nmsgstr ""\n\n#, fuzzy\nmsgid "b"\nmsgstr "B?"\n\nmsgid "c"\nmsgstr "C"\n'
    assert i18n.parse_po(text) == {"a": "", "b": "", "c": "C"}


def test_continued_strings_are_joined():
    """A msgid or msgstr continued over several quoted lines is read whole, escapes and all."""
    text = 'msgid ""\n"one "\n"two"\nmsgstr ""\n"раз "\n"\\"два\\"\\n"\n'
    assert i18n.parse_po(text) == {"one two": 'раз "два"\n'}
