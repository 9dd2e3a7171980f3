"""The classroom's figures of a run as it goes: the live time-path chart and the map.

The time-path views are those of the command line's figures (`sim.plots.SERIES`), drawn here
year by year for one run; the map sets the regions at their centres with the largest flows
between Russian and Kazakh regions. Plain matplotlib figures, shown by the teaching app.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.classroom.tables import model_frame, pair_flows
from sim.data import region_names
from sim.i18n import N_, translator
from sim.model import TransfrontierModel
from sim.plots import SeriesView, decorate, legend_below
from sim.policy import levers_for_year

KZ_COLOUR, RU_COLOUR = "#1f4e79", "#c00000"
MAP_LON, MAP_LAT = (18.0, 122.0), (38.0, 71.0)  # degrees: the map's frame
FIG_DPI = 80
FAST_PNG = {"compress_level": 1}  # a little larger, much quicker to encode at every step


def regime_years(model: TransfrontierModel) -> pd.DataFrame:
    """The regime in force for most of each year of the whole run (simulated or not)."""
    spec = model.spec
    years = range(spec.start_year, spec.end_year + 1)
    names = [levers_for_year(spec.regimes, y)[1] for y in years]
    return pd.DataFrame({"year": list(years), "regime": names})


def _year_text(model: TransfrontierModel, lang: str) -> str:
    _ = translator(lang)
    return str(model.year) if model.records else _("before the first step")


BAND_LABEL = N_("scenario as shipped: 90% over posterior draws and seeds")


def draw_band(ax: Any, band: pd.DataFrame, view: SeriesView, lang: str = "en") -> None:
    """Shade each left-axis series' precomputed band (`sim.bands`) behind the run."""
    label = translator(lang)(BAND_LABEL)
    drawn = False
    for column, colour in view.columns.items():
        part = band[band.column == column].sort_values("year")
        if part.empty:
            continue
        ax.fill_between(part.year, part.p05, part.p95, color=colour, alpha=0.13, lw=0,
                        label=label if not drawn else None)  # fmt: skip
        drawn = True


class SeriesChart:
    """A time-path figure of one model, drawn once and brought up to date after each step.

    The regime periods of the whole run are shaded from the start, so a class sees what comes;
    the lines grow year by year; the paper's figures and the trade record are marked where they
    apply. With a `band` (`sim.bands.load_bands`), each series' range over posterior draws and
    seeds of the shipped scenario is shaded behind the run, so a class sees how far a result
    moves with what the data leave open about the parameters.

    A live chart (`live=True`, the app's) keeps the drawn background (shading, axes, paper's
    figures, legend) and redraws only the lines, the year marker and the title at each step
    (matplotlib's blitting); the background is drawn again only when the lines outgrow the y
    axis, which then grows by half at least. That keeps a step's redraw short. Its texts are
    in `lang` (one of `sim.i18n.LANGUAGES`).
    """

    def __init__(
        self,
        model: TransfrontierModel,
        view: SeriesView,
        live: bool = False,
        band: pd.DataFrame | None = None,
        lang: str = "en",
    ):
        self.view = view
        self.live = live
        self.lang = lang
        self.figure = Figure(figsize=(6.4, 4.4), dpi=FIG_DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.11, right=0.97, top=0.92, bottom=0.27)
        ax = self.axes = self.figure.add_subplot()
        self.right, self.floor_top = decorate(
            ax, view, regime_years(model), view.regime_names, lang
        )
        ax.yaxis.label.set_fontsize(9)
        ax.tick_params(labelsize=8)
        axes = {c: ax for c in view.columns} | {c: self.right for c in view.right}
        self.lines = {
            column: axes[column].plot([], [], color=colour, lw=2, label=view.label(column, lang),
                                      ls="--" if column in view.right else "-",
                                      animated=live)[0]
            for column, colour in (view.columns | view.right).items()
        }  # fmt: skip
        if band is not None:
            draw_band(ax, band, view, lang)
        if self.right is not None:
            self.right.yaxis.label.set_fontsize(9)
            self.right.tick_params(labelsize=8)
            self.figure.subplots_adjust(right=0.89)
        spec = model.spec
        self.now = ax.axvline(
            spec.start_year, color="#888888", lw=0.8, ls=":", visible=False, animated=live
        )
        self.title = ax.set_title("", fontsize=10, animated=live)
        rows = legend_below(ax, self.right, fontsize=7)
        self.figure.subplots_adjust(bottom=0.14 + 0.04 * rows)
        self.top = 0.0
        self.background: Any = None
        self.update(model)

    def update(self, model: TransfrontierModel) -> Figure:
        """Bring the artists up to the run so far; return the figure."""
        frame = model_frame(model)
        for column, line in self.lines.items():
            if column in frame:
                line.set_data(frame["year"].to_numpy(), frame[column].to_numpy(float))
        self.now.set_xdata([model.year, model.year])
        self.now.set_visible(bool(model.records))
        title = self.view.text(self.lang)[0]
        self.title.set_text(f"{title} — {_year_text(model, self.lang)}")
        if self.view.top is not None:
            needed = self.view.top
        else:
            left = [self.lines[c] for c in self.view.columns]
            drawn = [np.nanmax(line.get_ydata()) for line in left if len(frame)]
            needed = 1.08 * max([self.floor_top, *drawn])
        if not self.live:
            self.axes.set_ylim(0, needed)
        elif needed > self.top:
            self.top = needed if self.view.top is not None else max(needed, 1.5 * self.top)
            self.axes.set_ylim(0, self.top)
            self.background = None
        return self.figure

    def png(self, model: TransfrontierModel) -> bytes:
        """The live chart of the run so far as PNG: background kept, moving parts redrawn."""
        self.update(model)
        if self.background is None:
            self.canvas.draw()  # everything but the animated artists
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in (*self.lines.values(), self.now, self.title):
            artist.axes.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        out = io.BytesIO()
        image.save(out, format="png", **FAST_PNG)
        return out.getvalue()


MAP_FLOWS = 40  # the largest cross-border flows the map draws


def map_figure(model: TransfrontierModel, top: int = MAP_FLOWS, lang: str = "en") -> Figure:
    """The regions at their centres, sized by cross-border trade, with the largest pair flows.

    The texts and the regions' names are in `lang` (names from the region data).
    """
    _ = translator(lang)
    names = region_names(lang)
    n = model.world.n_regions  # the partners have no place on the map
    regions = model.regions[:n]
    lon = np.array([r.lon for r in regions])
    lat = np.array([r.lat for r in regions])
    kz = np.array([r.country == "KZ" for r in regions])
    border = np.array([r.border for r in regions])
    trade = np.asarray(model.cross_border_turnover_usd_bn[:n], dtype=float)

    fig = Figure(figsize=(6.4, 4.4), dpi=FIG_DPI)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.02)
    flows = pair_flows(model).head(top)
    flows = flows[flows.usd_bn > 0]
    if len(flows):
        segments = [
            ((lon[a], lat[a]), (lon[b], lat[b])) for a, b in zip(flows.a, flows.b, strict=True)
        ]
        colours = np.where(flows.agreement, "#c55a11", "#8faadc")
        widths = 0.4 + 2.5 * np.sqrt(flows.usd_bn.to_numpy())
        ax.add_collection(
            LineCollection(segments, colors=colours, linewidths=widths, alpha=0.7, zorder=1)
        )
    size = 6 + 160 * np.sqrt(np.maximum(trade, 0))
    colours = np.where(kz, KZ_COLOUR, RU_COLOUR)
    ax.scatter(lon[~border], lat[~border], s=size[~border], c=colours[~border], alpha=0.55, lw=0)
    ax.scatter(
        lon[border], lat[border], s=size[border], c=colours[border], edgecolors="black", lw=1.2
    )
    for i in np.argsort(trade)[::-1][:4]:
        if trade[i] > 0:
            name = names[regions[i].region_id]
            ax.annotate(name, (lon[i], lat[i]), fontsize=6.5, xytext=(6, -10),
                        textcoords="offset points", bbox={"fc": "white", "ec": "none",
                        "alpha": 0.7, "pad": 0.5})  # fmt: skip
    ax.set_aspect(1 / math.cos(math.radians(55)))
    ax.set_xlim(*MAP_LON)
    ax.set_ylim(*MAP_LAT)
    east = int(np.sum(lon > MAP_LON[1]))
    off = _("{count} regions east of {lon}°E are off the map").format(count=east, lon=MAP_LON[1])
    ax.text(0.99, 0.01, off, fontsize=7,
            ha="right", va="bottom", transform=ax.transAxes, color="#555555")  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    handles = [
        Line2D([], [], ls="", marker="o", color=KZ_COLOUR, label=_("Kazakh region")),
        Line2D([], [], ls="", marker="o", color=RU_COLOUR, label=_("Russian region")),
        Line2D([], [], ls="", marker="o", mfc="white", mec="black", label=_("border region")),
        Line2D([], [], color="#c55a11", lw=2, label=_("flow, pair with agreement")),
        Line2D([], [], color="#8faadc", lw=2, label=_("flow, no agreement")),
    ]
    ax.legend(handles=handles, fontsize=7, loc="upper right", framealpha=0.85)
    title = _("Regions and their {count} largest cross-border flows — {year}").format(
        count=top, year=_year_text(model, lang)
    )
    ax.set_title(title, fontsize=10)
    return fig
