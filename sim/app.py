"""The teaching app: a Mesa page where a class watches integration happen, in its language.

`transfrontier app` serves it on localhost (`serve`). A class picks a shipped scenario, moves
a few policy levers and steps through the years: trade with the regime periods shaded, the two
cooperation shares against the paper's figures, joint ventures by capital origin, agreements and
linked regions, Kazakhstan's imports by partner against the trade record, a map of the regions
with the flows between them, and a panel that sets the run so far beside the paper's figures and
the trade record.

The page only lays out what `sim.classroom` makes: the controls and the scenario they make
(`sim.classroom.controls`, whose docstring says how each control maps onto the scenario), the
model (`sim.classroom.model`), the tables and the panel (`sim.classroom.tables`) and the figures
(`sim.classroom.figures`). Controls take effect when **Reset** is pressed, as in every Mesa
app; choosing another scenario starts it at once with its own starting values.

Every text is in the page's language (`sim.i18n`): the one `serve` is given, then the one
chosen with the switch at the top of the sidebar. The page is built from Mesa's SolaraViz parts
(its parameter controls, `ModelCreator`, and its grid of views) with run buttons of its own,
because SolaraViz's own labels (Reset, Step, Model Parameters…) are English only.
"""

from __future__ import annotations

import html
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import solara
import solara.lab
from mesa.visualization import Slider
from mesa.visualization.solara_viz import ModelCreator, make_initial_grid_layout
from mesa.visualization.utils import force_update, update_counter

from sim.bands import load_bands
from sim.classroom.controls import (
    CONTROL_RANGES,
    DEFAULT_SCENARIO,
    EARLIEST_CUSTOMS_UNION,
    FIRMS_RANGE,
    FORUM_CHOICES,
    LEVER_CONTROLS,
    SEED_RANGE,
    baseline,
    control_phrase,
    control_text,
)
from sim.classroom.figures import FAST_PNG, SeriesChart, map_figure
from sim.classroom.model import ClassroomModel
from sim.classroom.tables import panel_html
from sim.i18n import (
    LANGUAGES,
    N_,
    SOURCE_LANGUAGE,
    check_language,
    grouped,
    language_name,
    translator,
)
from sim.model import TransfrontierModel
from sim.plots import SERIES
from sim.scenario import available_scenarios

MAX_APP_FIRMS = 100_000  # the app's cap on firm agents, to stay responsive
PLAY_INTERVAL = 0.1  # seconds between the years that ▶ plays (SolaraViz's default)
LANGUAGE_ENV = "TRANSFRONTIER_LANG"  # the page's first language, as `serve` was given it
TITLE = N_("Transfrontier: Kazakhstan–Russia cross-border cooperation")


def model_params(scenario: str = DEFAULT_SCENARIO, lang: str = SOURCE_LANGUAGE) -> dict[str, Any]:
    """The controls for a scenario, starting at the scenario's own values, labelled in `lang`.

    The forum choices are shown in `lang` too; `model_kwargs` turns them back into the model's.
    """
    _ = translator(lang)
    base = baseline(scenario)
    spec = base.spec
    params: dict[str, Any] = {
        "scenario_name": scenario,  # fixed: the chooser above the controls sets it
        "customs_union_year": Slider(
            _("Customs Union year"),
            base.customs_union_year,
            EARLIEST_CUSTOMS_UNION,
            base.never,
            1,
        ),
        "internal_controls_removed": {
            "type": "Checkbox",
            "value": base.internal_controls_removed,
            "label": _("Internal customs controls removed"),
        },
        "forums": {
            "type": "Select",
            "value": _("as scheduled"),
            "values": [_(choice) for choice in FORUM_CHOICES],
            "label": _("Forums"),
        },
        "policy_year": Slider(
            _("Lever changes from"),
            base.policy_year,
            spec.start_year + 1,
            spec.end_year,
        ),
    }
    for name, (label, step) in LEVER_CONTROLS.items():
        rng, start = CONTROL_RANGES[name], base.control_values[name]
        params[name] = Slider(_(label), start, rng.lo, rng.hi, step, dtype=float)
    params["seed"] = Slider(_("Seed"), 0, *SEED_RANGE, 1)
    firms = spec.parameters.n_firms
    params["n_firms"] = Slider(_("Firm agents"), firms, int(FIRMS_RANGE.lo), MAX_APP_FIRMS, 200)
    return params


def model_kwargs(values: dict[str, Any], lang: str = SOURCE_LANGUAGE) -> dict[str, Any]:
    """The model's keyword arguments from the controls' values (forum choices in `lang`)."""
    _ = translator(lang)
    choices = {_(choice): choice for choice in FORUM_CHOICES}
    kwargs = dict(values)
    if "forums" in kwargs:
        kwargs["forums"] = choices.get(kwargs["forums"], kwargs["forums"])
    return kwargs


def starting_values_html(scenario: str, lang: str = SOURCE_LANGUAGE) -> str:
    """The controls' starting values for a scenario (sliders show theirs only while dragged)."""
    _ = translator(lang)
    base = baseline(scenario)
    cu = base.customs_union_year
    cu_text = _("never") if cu > base.spec.end_year else str(cu)
    controls = base.internal_controls_removed
    items = [
        _("Customs Union year {year} ({never} = never)").format(year=cu_text, never=base.never),
        _("internal controls removed") if controls else _("internal controls kept"),
        _("forums as scheduled"),
        _("lever changes from {year}").format(year=base.policy_year),
        *(
            f"{control_phrase(k, lang)} {control_text(k, base.final_levers, lang)}"
            for k in LEVER_CONTROLS
        ),
        _("seed 0, {firms} firm agents").format(firms=grouped(base.spec.parameters.n_firms, lang)),
    ]
    text = _(
        "The controls start at the scenario's values: {values}. Levers are given as they stand "
        "at the end of the scenario."
    ).format(values="; ".join(items))
    return f"<p style='font-size:12px'>{html.escape(text)}</p>"


# The charts of each model on the page by view and language, kept between steps (and dropped
# with the model).
_CHARTS: weakref.WeakKeyDictionary[TransfrontierModel, dict[tuple[str, str], SeriesChart]] = (
    weakref.WeakKeyDictionary()
)


@solara.component
def SeriesFigure(model: TransfrontierModel, name: str, lang: str) -> None:
    """The time-path view `name` of `SERIES` in `lang`, redrawn after each step."""
    update_counter.get()

    def draw() -> bytes:
        charts = _CHARTS.setdefault(model, {})
        if (name, lang) not in charts:
            band = load_bands(getattr(getattr(model, "settings", None), "scenario", ""))
            charts[name, lang] = SeriesChart(model, SERIES[name], live=True, band=band, lang=lang)
        return charts[name, lang].png(model)

    png = solara.use_memo(draw, [model, len(model.records), lang])
    solara.Image(png, format="png")


def series_component(name: str) -> Any:
    """The page's component of the view `name`: one component, kept from render to render.

    A plain function wrapped in a new component at every render would draw the figure anew
    each time; a component of its own is kept.
    """

    @solara.component
    def view(model: TransfrontierModel, lang: str) -> None:
        SeriesFigure(model, name, lang)

    return view


@solara.component
def MapView(model: TransfrontierModel, lang: str) -> None:
    """The map of regions and cross-border flows."""
    update_counter.get()
    key = [model, len(model.records), lang]
    figure = solara.use_memo(lambda: map_figure(model, lang=lang), key)
    solara.FigureMatplotlib(figure, dependencies=key, format="png", pil_kwargs=FAST_PNG)


@solara.component
def PaperView(model: TransfrontierModel, lang: str) -> None:
    """The run so far beside the paper's figures, and the scenario file of the run."""
    update_counter.get()
    _ = translator(lang)
    with solara.Column(style={"padding": "8px", "overflow": "auto", "height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=panel_html(model, lang))
        scenario_file = getattr(model, "scenario_file", "")
        if scenario_file:
            command = "<code>transfrontier run FILE --seed N --replicates 10</code>"
            text = _(
                "<b>The scenario file of this run</b>: save it as a <code>.toml</code> file and "
                "run it again with {command}."
            ).format(command=command)
            solara.HTML(
                tag="div", unsafe_innerHTML=f"<p style='font-size:12px;margin:0'>{text}</p>"
            )
            solara.Preformatted(scenario_file, style_="font-size: 11px")


# The time-path views of the command line's figures, in their order, then the map and panel.
VIEWS = [*(series_component(name) for name in SERIES), MapView, PaperView]


@solara.component
def RunControls(
    model: solara.Reactive[ClassroomModel], values: solara.Reactive[dict], lang: str
) -> None:
    """Reset, play/pause and step, as SolaraViz's model controller has them, labelled in `lang`."""
    update_counter.get()
    _ = translator(lang)
    playing = solara.use_reactive(False)

    def play() -> None:
        while playing.value and model.value.running:
            time.sleep(PLAY_INTERVAL)
            step()
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.set(False)
        model.set(ClassroomModel(**model_kwargs(values.value, lang)))

    running = model.value.running
    with solara.Row(justify="space-between"):
        solara.Button(label=_("Reset"), color="primary", on_click=reset)
        solara.Button(
            label="❚❚" if playing.value else "▶",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
        )
        solara.Button(
            label=_("Step"), color="primary", on_click=step, disabled=playing.value or not running
        )


@solara.component
def ScenarioRun(name: str, lang: str, set_name: Callable[[str], None]) -> None:
    """One scenario's run: its chooser, controls and views (a new run for a new scenario)."""
    _ = translator(lang)
    spec = baseline(name).spec
    first = solara.use_memo(lambda: ClassroomModel(scenario_name=name), [])
    model = solara.use_reactive(first)
    values = solara.use_reactive({})
    layout, set_layout = solara.use_state(make_initial_grid_layout(len(VIEWS)))
    with solara.Sidebar(), solara.Column():
        with solara.Card(_("Scenario")):
            solara.Select(
                label=_("Scenario"), value=name, values=available_scenarios(), on_value=set_name
            )
            intro = _(
                "Move the controls under <i>Model Parameters</i>, then press <b>Reset</b> to "
                "start a run with them. <b>Step</b> simulates one year; <b>▶</b> plays the years "
                "in turn."
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<p><b>{html.escape(_(spec.title))}.</b> "
                f"{html.escape(_(spec.question))}</p><p>{intro}</p>"
                + starting_values_html(name, lang),
            )
        with solara.Card(_("Run")):
            RunControls(model, values, lang)
        with solara.Card(_("Model Parameters")):
            # A new language starts the controls afresh, their labels and choices in it.
            ModelCreator(model, model_params(name, lang), model_parameters=values).key(lang)
    with solara.Column(style={"width": "100%"}):  # the grid measures its width from here
        solara.GridDraggable(
            items=[view(model.value, lang) for view in VIEWS],
            grid_layout=layout,
            resizable=True,
            draggable=True,
            on_grid_layout=set_layout,
        )


def first_language() -> str:
    """The page's language when it opens: the one `serve` was given (English by default)."""
    return check_language(os.environ.get(LANGUAGE_ENV, SOURCE_LANGUAGE))


@solara.component
def Page() -> None:
    """The app: a language switch and a scenario chooser above the controls, and the views."""
    lang, set_lang = solara.use_state(first_language())
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    title = translator(lang)(TITLE)
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
        solara.lab.ThemeToggle()
    with solara.Sidebar(), solara.ToggleButtonsSingle(value=lang, on_value=set_lang):
        for code in LANGUAGES:
            solara.Button(language_name(code), value=code, text=True)
    ScenarioRun(name, lang, set_name).key(name)


# --- serving ---------------------------------------------------------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(
    host: str = "127.0.0.1", port: int = 8765, *, quiet: bool = False, lang: str = SOURCE_LANGUAGE
) -> None:
    """Serve the app at http://HOST:PORT until interrupted (Ctrl-C), printing its URL.

    Args:
        host: Interface to listen on (default: this machine only).
        port: TCP port; 0 picks a free one.
        quiet: Do not print the URL.
        lang: The page's first language (one of `sim.i18n.LANGUAGES`); the page can switch.
    """
    os.environ[LANGUAGE_ENV] = check_language(lang)
    # Read when Solara's server module is first imported, so set before uvicorn imports it.
    os.environ["SOLARA_APP"] = f"{__name__}:Page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    settings.theme.show_banner = False  # Solara's own credit line, in English only
    port = free_port(host) if port == 0 else port
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}"

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started and not quiet:
            print(f"Transfrontier teaching app: {url}  (Ctrl-C to stop)", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
