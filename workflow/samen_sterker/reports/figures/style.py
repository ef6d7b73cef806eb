"""The look every report figure shares: Okabe-Ito colours, deterministic SVG with real text,
tick labels in the report language, and the accessible <figure> around a chart.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # headless: reports render on servers without a display

import matplotlib.pyplot as plt
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from samen_sterker.reports.formatting import format_number

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour
# vision deficiency. Paired with hatches/markers/labels so greyscale prints stay readable.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"

# Fixed salt: matplotlib otherwise puts random ids into SVG output. Text stays text in the
# SVG (fonttype none): WeasyPrint lays it out with the report's own font (DejaVu Sans, as
# report.css; the provenance records the font files) instead of drawing every letter as a
# glyph path: 1.34 → 0.38 CPU-s for five comparison charts (issue 14), and the labels are
# real text in the PDF.
_RC = {
    "svg.hashsalt": "samen-sterker",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#1a1a1a",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "hatch.linewidth": 0.6,
    "figure.dpi": 100,
}

MM_PER_INCH = 25.4


class LocaleFormatter(Formatter):
    """Tick labels in the report language (2,5 in Dutch), as few decimals as the ticks need."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.decimals = 0

    def format_ticks(self, values):
        """Choose one number of decimals for all ticks, then format each."""
        self.decimals = next(
            (d for d in range(4) if all(abs(v - round(v, d)) < 1e-9 for v in values)), 3
        )
        return [self(value) for value in values]

    def __call__(self, x, pos=None) -> str:
        return format_number(x, self.decimals, self.lang)


def localise(ax: plt.Axes, lang: str, axes: str = "xy") -> None:
    """Use the report language's decimal separator on the numeric axes ('x', 'y' or 'xy')."""
    if "x" in axes:
        ax.xaxis.set_major_formatter(LocaleFormatter(lang))
    if "y" in axes:
        ax.yaxis.set_major_formatter(LocaleFormatter(lang))


@contextmanager
def report_style() -> Iterator[None]:
    """Matplotlib settings shared by all report figures (deterministic SVG, DejaVu Sans)."""
    with matplotlib.rc_context(_RC):
        yield


def new_figure(width_mm: float = 170, height_mm: float = 70) -> tuple[Figure, plt.Axes]:
    """A figure sized in millimetres for an A4 page (text width 174 mm)."""
    with report_style():
        fig, ax = plt.subplots(
            figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), layout="constrained"
        )
    return fig, ax


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG bytes without date or random ids (same figure => same bytes)."""
    buffer = io.BytesIO()
    with report_style(), _laid_out(fig):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


@contextmanager
def _laid_out(fig: Figure) -> Iterator[None]:
    """The figure's layout done, and its layout engine set aside while it is saved.

    With a layout engine, savefig draws the whole figure once without output just to run the
    layout, then draws it again: running only the layout first saves that blind draw (a fifth
    of a chart's CPU, issue 14). The layout measures text with the SVG writer's renderer, as
    savefig's own pass does, so the bytes are the same.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    canvas, dpi = fig.canvas, fig.dpi
    FigureCanvasSVG(fig)
    try:
        engine.execute(fig)
        fig.set_layout_engine(None)
        yield
    finally:
        fig.set_layout_engine(engine)
        fig.set_canvas(canvas)
        fig.dpi = dpi


def figure_html(fig: Figure, caption: str, alt: str, *, close: bool = True) -> str:
    """Return an accessible <figure>: the chart as embedded SVG with alt text and a caption."""
    if not alt.strip() or not caption.strip():
        raise ValueError("Every report figure needs alt text and a caption")
    data = base64.b64encode(svg_bytes(fig)).decode("ascii")
    if close:
        plt.close(fig)
    return (
        '<figure class="report-figure">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(caption)}</figcaption>"
        "</figure>"
    )


def style_axis(ax: plt.Axes) -> None:
    ax.grid(axis="x", color=LIGHT_GREY, linewidth=0.5)
    ax.set_axisbelow(True)
