"""The teaching app: a Mesa SolaraViz page where a class watches integration happen.

`transfrontier app` serves it on localhost (`serve`). A class picks a shipped scenario, moves
a few policy levers and steps through the years: trade with the regime periods shaded, the two
cooperation shares against the paper's figures, joint ventures by capital origin, agreements and
linked regions, Kazakhstan's imports by partner against the trade record, a map of the regions
with the flows between them, and a panel that sets the run so far beside the paper's figures and
the trade record.

The page only lays out what `sim.classroom` makes: the controls and the scenario they make
(`sim.classroom.controls`, whose docstring says how each control maps onto the scenario), the
model (`sim.classroom.model`), the tables and the panel (`sim.classroom.tables`) and the figures
(`sim.classroom.figures`). Controls take effect when **Reset** is pressed, as in every SolaraViz
app; choosing another scenario starts it at once with its own starting values.
"""

from __future__ import annotations

import html
import os
import socket
import threading
import time
import weakref
from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

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
    control_text,
)
from sim.classroom.figures import FAST_PNG, SeriesChart, map_figure
from sim.classroom.model import ClassroomModel
from sim.classroom.tables import panel_html
from sim.model import TransfrontierModel
from sim.plots import SERIES
from sim.scenario import available_scenarios

MAX_APP_FIRMS = 100_000  # the app's cap on firm agents, to stay responsive


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict[str, Any]:
    """SolaraViz's controls for a scenario, starting at the scenario's own values."""
    base = baseline(scenario)
    spec = base.spec
    params: dict[str, Any] = {
        "scenario_name": scenario,  # fixed: the chooser above the controls sets it
        "customs_union_year": Slider(
            "Customs Union year",
            base.customs_union_year,
            EARLIEST_CUSTOMS_UNION,
            base.never,
            1,
        ),
        "internal_controls_removed": {
            "type": "Checkbox",
            "value": base.internal_controls_removed,
            "label": "Internal customs controls removed",
        },
        "forums": {
            "type": "Select",
            "value": "as scheduled",
            "values": list(FORUM_CHOICES),
            "label": "Forums",
        },
        "policy_year": Slider(
            "Lever changes from",
            base.policy_year,
            spec.start_year + 1,
            spec.end_year,
        ),
    }
    for name, (label, step) in LEVER_CONTROLS.items():
        rng, start = CONTROL_RANGES[name], base.control_values[name]
        params[name] = Slider(label, start, rng.lo, rng.hi, step, dtype=float)
    params["seed"] = Slider("Seed", 0, *SEED_RANGE, 1)
    firms = spec.parameters.n_firms
    params["n_firms"] = Slider("Firm agents", firms, int(FIRMS_RANGE.lo), MAX_APP_FIRMS, 200)
    return params


def starting_values_html(scenario: str) -> str:
    """The controls' starting values for a scenario (sliders show theirs only while dragged)."""
    base = baseline(scenario)
    cu = base.customs_union_year
    cu_text = "never" if cu > base.spec.end_year else str(cu)
    items = [
        f"Customs Union year {cu_text} ({base.never} = never)",
        "internal controls " + ("removed" if base.internal_controls_removed else "kept"),
        "forums as scheduled",
        f"lever changes from {base.policy_year}",
        *(
            f"{label.lower()} {control_text(k, base.final_levers)}"
            for k, (label, _) in LEVER_CONTROLS.items()
        ),
        f"seed 0, {base.spec.parameters.n_firms:,} firm agents",
    ]
    return (
        "<p style='font-size:12px'>The controls start at the scenario's values: "
        + html.escape("; ".join(items))
        + ". Levers are given as they stand at the end of the scenario.</p>"
    )


# The charts of each model on the page, kept between steps (and dropped with the model).
_CHARTS: weakref.WeakKeyDictionary[TransfrontierModel, dict[str, SeriesChart]] = (
    weakref.WeakKeyDictionary()
)


@solara.component
def SeriesFigure(model: TransfrontierModel, name: str) -> None:
    """The time-path view `name` of `SERIES`, redrawn after each step."""
    update_counter.get()

    def draw() -> bytes:
        charts = _CHARTS.setdefault(model, {})
        if name not in charts:
            band = load_bands(getattr(getattr(model, "settings", None), "scenario", ""))
            charts[name] = SeriesChart(model, SERIES[name], live=True, band=band)
        return charts[name].png(model)

    png = solara.use_memo(draw, [model, len(model.records)])
    solara.Image(png, format="png")


def series_component(name: str) -> Any:
    """The page's component of the view `name`: one component, kept from render to render.

    SolaraViz wraps a plain function in a new component at every render, which would draw the
    figure anew each time; a component of its own is kept.
    """

    @solara.component
    def view(model: TransfrontierModel) -> None:
        SeriesFigure(model, name)

    return view


@solara.component
def MapView(model: TransfrontierModel) -> None:
    """The map of regions and cross-border flows."""
    update_counter.get()
    key = [model, len(model.records)]
    figure = solara.use_memo(lambda: map_figure(model), key)
    solara.FigureMatplotlib(figure, dependencies=key, format="png", pil_kwargs=FAST_PNG)


@solara.component
def PaperView(model: TransfrontierModel) -> None:
    """The run so far beside the paper's figures, and the scenario file of the run."""
    update_counter.get()
    with solara.Column(style={"padding": "8px", "overflow": "auto", "height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=panel_html(model))
        scenario_file = getattr(model, "scenario_file", "")
        if scenario_file:
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<p style='font-size:12px;margin:0'><b>The scenario file of "
                "this run</b>: save it as a .toml file and run it again with "
                "<code>transfrontier run FILE --seed N --replicates 10</code>.</p>",
            )
            solara.Preformatted(scenario_file, style_="font-size: 11px")


# The time-path views of the command line's figures, in their order, then the map and panel.
COMPONENTS = [*((series_component(name), 0) for name in SERIES), (MapView, 0), (PaperView, 0)]


@solara.component
def Page() -> None:
    """The app: a scenario chooser above SolaraViz's controls, and the views."""
    names = available_scenarios()
    name, set_name = solara.use_state(DEFAULT_SCENARIO)
    spec = baseline(name).spec
    model = solara.use_memo(lambda: ClassroomModel(scenario_name=name), [name])
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select(label="Scenario", value=name, values=names, on_value=set_name)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<p><b>{html.escape(spec.title)}.</b> "
            f"{html.escape(spec.question)}</p><p>Move the controls under <i>Model "
            "Parameters</i>, then press <b>Reset</b> to start a run with them. <b>Step</b> "
            "simulates one year; <b>▶</b> plays the years in turn.</p>"
            + starting_values_html(name),
        )
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(name),
        name="Transfrontier: Kazakhstan–Russia cross-border cooperation",
    ).key(name)


# --- serving ---------------------------------------------------------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(host: str = "127.0.0.1", port: int = 8765, *, quiet: bool = False) -> None:
    """Serve the app at http://HOST:PORT until interrupted (Ctrl-C), printing its URL.

    Args:
        host: Interface to listen on (default: this machine only).
        port: TCP port; 0 picks a free one.
        quiet: Do not print the URL.
    """
    # Read when Solara's server module is first imported, so set before uvicorn imports it.
    os.environ["SOLARA_APP"] = f"{__name__}:Page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import uvicorn
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
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
