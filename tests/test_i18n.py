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

import pandas as pd
import pytest

import sim
from sim import i18n, schema
from sim.classroom.controls import LEVER_CONTROLS
from sim.errors import InputError
from sim.plots import SERIES, regime_title
from sim.record import SERIES as RECORD_SERIES
from sim.scenario import available_scenarios, load_scenario
from sim.targets import load_targets
from sim.world import PARTNERS

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
    found |= set(PARTNERS)  # `control_text` names the partners of a lever group
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


# --- what a Russian reader sees ------------------------------------------------------------------
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ACRONYMS = {"DOTS", "WDI"}  # the names of the trade record's databases, written so in Russian too


def english_words(texts, allowed=()) -> list[str]:
    """The Latin-script words in `texts` but for database names (HTML tags and code removed)."""
    text = re.sub(r"<code>.*?</code>", " ", " ".join(texts))
    words = LATIN_WORD.findall(re.sub(r"<[^>]+>", " ", text))
    return [w for w in words if w not in ACRONYMS and w not in set(allowed)]


def figure_texts(figure) -> list[str]:
    """Every text drawn in a figure: titles, axis labels, legends, annotations, ticks."""
    from matplotlib.text import Text

    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


RU = i18n.translator("ru") if "ru" in i18n.LANGUAGES else None


@pytest.mark.parametrize("name", list(SERIES))
def test_run_figures_in_russian(small_results, name):
    """A run's figure made with lang="ru" has the Russian title and no English word left."""
    import matplotlib.pyplot as plt

    from sim.plots import view_figure

    view = SERIES[name]
    figure = view_figure(small_results.model, view, "ru")
    texts = figure_texts(figure)
    assert RU(view.title) in texts and view.title not in texts
    assert {RU(view.label(c)) for c in view.columns} <= set(texts)
    assert not english_words(texts)
    plt.close(figure)


def test_record_and_comparison_figures_in_russian(small_results):
    """The record's panels and a comparison of scenarios speak Russian (scenario names kept)."""
    import matplotlib.pyplot as plt

    from sim.plots import comparison_figure, record_figure
    from sim.targets import path_frame

    record = record_figure(path_frame(small_results.model), "ru")
    texts = figure_texts(record)
    assert RU("The model against the trade record (IMF DOTS, WDI)") in texts
    assert not english_words(texts)
    model = small_results.model
    both = pd.concat([model, model.assign(scenario="copy")], ignore_index=True)
    comparison = comparison_figure(both, ["historical", "copy"], "jv_kz", "ru")
    texts = figure_texts(comparison)
    assert any(t.startswith(RU(schema.column("jv_kz").label)) for t in texts)
    assert not english_words(texts, allowed={"historical", "copy"})
    plt.close("all")


def test_english_figures_are_unchanged_by_the_languages(small_results):
    """lang="en" (the default) draws the English texts of the code and schema."""
    import matplotlib.pyplot as plt

    from sim.plots import view_figure

    view = SERIES["trade"]
    texts = figure_texts(view_figure(small_results.model, view))
    assert view.title in texts and schema.column("turnover_usd_bn").label in texts
    plt.close("all")


def test_classroom_chart_map_and_panel_in_russian():
    """The live chart, the map (Russian region names) and the panel of a class run in Russian."""
    from sim.classroom.figures import SeriesChart, map_figure
    from sim.classroom.model import ClassroomModel
    from sim.classroom.tables import panel_html
    from sim.data import region_names

    model = ClassroomModel(n_firms=1500, seed=2, legal_framework=0.9)
    assert "до первого шага" in panel_html(model, "ru")
    model.run_for(16)  # to 2006
    for view in SERIES.values():
        texts = figure_texts(SeriesChart(model, view, lang="ru").figure)
        assert texts and not english_words(texts)
    texts = figure_texts(map_figure(model, lang="ru"))
    assert not english_words(texts)
    assert set(texts) & set(region_names("ru").values())  # the leading regions are named
    panel = panel_html(model, "ru")
    assert "Действующие рычаги" in panel and "правовая база 0.9" in panel
    assert not english_words([panel], allowed={"historical"})  # the scenario keeps its name


def test_the_posterior_band_is_labelled_in_russian():
    """The shipped scenario's band behind a class run has its legend entry in Russian."""
    from matplotlib.figure import Figure

    from sim.classroom.figures import BAND_LABEL, draw_band

    band = pd.DataFrame(
        {"column": "turnover_usd_bn", "year": [2000, 2001], "p05": 1.0, "p50": 2.0, "p95": 3.0}
    )
    ax = Figure().add_subplot()
    draw_band(ax, band, SERIES["trade"], "ru")
    assert [c.get_label() for c in ax.collections] == [RU(BAND_LABEL)] != [BAND_LABEL]


def test_russian_numbers_group_thousands_with_a_space():
    """2,100 in English is 2 100 (a no-break space) in Russian: no comma to misread."""
    assert i18n.grouped(2100, "en") == "2,100"
    assert i18n.grouped(2100, "ru") == "2\u00a0100"


def test_region_names_follow_the_language():
    """Region names come from the region data: Russian names in Russian, English otherwise."""
    from sim.data import region_names

    assert region_names("ru")["kz-akmola"] == "Акмолинская область"
    assert region_names("ru")["ru-omsk"] == "Омская область"
    assert region_names("en")["kz-akmola"] == "Akmola Region"
    assert len(region_names("ru")) == len(region_names("en")) == 99


# --- the command line -----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["run"], ["compare", "historical"], ["app"]])
def test_unknown_lang_is_refused_naming_the_option_and_languages(command, capsys):
    """`--lang xx` ends with one error naming --lang and every language there is."""
    from sim.cli import main

    with pytest.raises(SystemExit) as done:
        main([*command, "--lang", "xx"])
    assert done.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--lang" in error and all(repr(lang) in error for lang in i18n.LANGUAGES)


def test_run_and_compare_draw_their_figures_in_the_language_asked(tmp_path, monkeypatch):
    """`run --lang ru` and `compare --lang ru` draw their PNG figures in Russian."""
    import sim.plots
    from sim.cli import main

    asked = []
    for name in ("save_plots", "save_comparison_plots"):
        real = getattr(sim.plots, name)

        def spy(*args, _real=real, **kwargs):
            asked.append(args[-1])
            return _real(*args, **kwargs)

        monkeypatch.setattr(sim.plots, name, spy)
    run = ["run", "--firms", "500", "--quiet", "--lang", "ru", "--out", str(tmp_path / "r")]
    assert main(run) == 0
    compare = ["compare", "historical", "no_customs_union", "--replicates", "1", "--firms", "500"]
    assert main([*compare, "--quiet", "--lang", "ru", "--out", str(tmp_path / "c")]) == 0
    assert asked == ["ru", "ru"]
    assert (tmp_path / "r" / "turnover.png").exists()
    assert (tmp_path / "c" / "compare-jv_kz.png").exists()


def test_app_command_serves_in_the_language_asked(monkeypatch):
    """`transfrontier app --lang ru` opens the page in Russian."""
    import sim.app
    from sim.cli import main

    served = {}
    monkeypatch.setattr(sim.app, "serve", lambda *args, **kwargs: served.update(kwargs))
    assert main(["app", "--lang", "ru"]) == 0
    assert served["lang"] == "ru"


# --- the page -----------------------------------------------------------------------------------
@pytest.fixture
def russian_page(monkeypatch):
    """The app rendered as the server renders it, opened in Russian (as `serve(lang="ru")`)."""
    import solara

    from sim import app

    monkeypatch.setenv(app.LANGUAGE_ENV, "ru")
    _box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def _page_text(rc) -> list[str]:
    """The labels, buttons and HTML texts of the page's widgets."""
    import ipyvuetify as v
    import solara

    texts = [str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets]
    texts += [str(w.label) for w in rc.find(v.Slider).widgets]
    texts += [str(w.label) for w in rc.find(v.Select).widgets]
    texts += [str(w.label) for w in rc.find(v.Checkbox).widgets]
    texts += [c for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)]
    return texts


def test_the_page_opens_in_russian_and_runs(russian_page):
    """Controls, buttons, panel in Russian; a moved slider and the forum choice reach the model."""
    import ipyvuetify as v

    rc = russian_page
    texts = _page_text(rc)
    for label, _ in LEVER_CONTROLS.values():
        assert RU(label) in texts and label not in texts
    assert {"Сброс", "Шаг", "Русский", "English"} <= set(texts)
    # English only in the language switch and in the scenarios' names (what a user types).
    assert not english_words(texts, allowed={"English", *available_scenarios()})
    rc.find(v.Slider, label=RU("Legal framework")).widget.v_model = 0.9
    rc.find(v.Select, label=RU("Forums")).widget.v_model = RU("none")
    rc.find(v.Btn, children=["Сброс"]).widget.click()
    rc.find(v.Btn, children=["Шаг"]).widget.click()
    panel = " ".join(_page_text(rc))
    assert "<b>1991</b>" in panel and "правовая база 0.9" in panel and "форумы: нет" in panel
    scenario_file = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
    assert "legal_framework = 0.9" in scenario_file  # a file: its keys are the same in any language


def test_the_switch_changes_the_language_of_the_page(russian_page):
    """Choosing English in the switch relabels the page; the run goes on."""
    import ipyvuetify as v

    rc = russian_page
    rc.find(v.Btn, children=["Шаг"]).widget.click()
    switch = rc.find(v.BtnToggle).widget
    switch.v_model = i18n.LANGUAGES.index("en")
    rc.find(v.Slider, label="Legal framework").assert_single()
    texts = _page_text(rc)
    assert "Step" in texts and "Шаг" not in texts
    assert "<b>1991</b>" in " ".join(texts)


# --- the teacher's guide in Russian -------------------------------------------------------------
DOCS = PACKAGE.parent / "docs"
NBSP = "\u00a0"


def guide_numbers(text: str, lang: str) -> list[list[str]]:
    """The numbers of each section of a guide, written one way.

    English groups thousands with a comma (2,044) and writes decimals with a point; Russian
    groups them with a no-break space (2 044) and writes decimals with a comma (7,5).
    """
    if lang == "en":
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    else:
        text = re.sub(rf"(?<=\d){NBSP}(?=\d{{3}}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    sections = re.split(r"^#+ .*$", text, flags=re.M)
    # An ordinal ("every 2nd") is a word in Russian ("каждый второй"): not a figure.
    return [re.findall(r"\d+(?:\.\d+)*(?![A-Za-z\d])", section) for section in sections]


def test_the_russian_guide_has_the_english_guides_sections_exercises_and_figures():
    """docs/teaching.ru.md: the same sections and exercises, and the same figures in each."""
    english = (DOCS / "teaching.md").read_text(encoding="utf-8")
    russian = (DOCS / "teaching.ru.md").read_text(encoding="utf-8")
    headings = re.compile(r"^(#+) ", re.M)
    assert headings.findall(russian) == headings.findall(english)
    exercises = russian.split("### Упражнение ")[1:]
    assert len(exercises) == len(english.split("### Exercise ")[1:])
    assert all("*Студенты должны увидеть*" in e for e in exercises)
    for label, _ in LEVER_CONTROLS.values():
        assert RU(label) in russian, label
    for number, (en, ru) in enumerate(
        zip(guide_numbers(english, "en"), guide_numbers(russian, "ru"), strict=True)
    ):
        assert sorted(ru) == sorted(en), f"section {number}: {sorted(set(en) ^ set(ru))}"
