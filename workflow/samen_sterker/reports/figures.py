"""Report figures: matplotlib, Okabe-Ito colours, readable in greyscale, aggregated data only.

Every chart function returns a matplotlib Figure drawn from summary numbers (means, CIs,
counts, quartiles); none takes individual scores, so nothing individual can reach the PDF.
`figure_html` turns a Figure into an accessible <figure> with alt text and caption, as
deterministic SVG.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # headless: reports render on servers without a display

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, MaxNLocator

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
    with report_style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


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


@dataclass(frozen=True)
class IntervalRow:
    """One labelled estimate with a confidence interval, for forest and trend charts."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    highlight: bool = False


# Rows of the comparison chart: at national size (342 municipalities) every row made a chart
# 3 m tall, clipped after about 17 rows, and cost 5.4 CPU-s per report (issue 14).
COMPARISON_ROWS = 25


def nearest_rows(rows: Sequence[IntervalRow], limit: int = COMPARISON_ROWS) -> list[IntervalRow]:
    """At most `limit` rows, always every highlighted one: the others nearest to them in
    estimate (ties: the earlier row), in their original order."""
    if len(rows) <= limit:
        return list(rows)
    own = [row.estimate for row in rows if row.highlight]
    if not own:
        raise ValueError("nearest_rows needs a highlighted row to centre on")
    others = sorted(
        (index for index, row in enumerate(rows) if not row.highlight),
        key=lambda index: (min(abs(rows[index].estimate - e) for e in own), index),
    )
    keep = {index for index, row in enumerate(rows) if row.highlight}
    keep |= set(others[: max(0, limit - len(keep))])
    return [row for index, row in enumerate(rows) if index in keep]


def _style_axis(ax: plt.Axes) -> None:
    ax.grid(axis="x", color=LIGHT_GREY, linewidth=0.5)
    ax.set_axisbelow(True)


def before_after_chart(
    labels: Sequence[str],
    means: Sequence[float],
    ci_lows: Sequence[float],
    ci_highs: Sequence[float],
    *,
    scale: tuple[float, float],
    quartiles: Sequence[tuple[float, float, float]] | None = None,
    axis_label: str,
    quartile_label: str = "",
    mean_label: str = "",
    lang: str = "nl",
) -> Figure:
    """Mean per timepoint with 95% CI, over a grey band from first to third quartile."""
    fig, ax = new_figure(170, 22 + 11 * len(labels))
    positions = list(range(len(labels)))[::-1]
    if quartiles is not None:
        for y, (q1, median, q3) in zip(positions, quartiles, strict=True):
            ax.barh(
                y,
                q3 - q1,
                left=q1,
                height=0.5,
                color=LIGHT_GREY,
                edgecolor=GREY,
                linewidth=0.6,
                label=quartile_label if y == positions[0] else None,
            )
            ax.plot([median, median], [y - 0.25, y + 0.25], color="#333333", linewidth=1.2)
    for y, mean, low, high in zip(positions, means, ci_lows, ci_highs, strict=True):
        ax.errorbar(
            mean,
            y,
            xerr=[[max(0.0, mean - low)], [max(0.0, high - mean)]],
            fmt="o",
            color=OKABE_ITO["blue"],
            ecolor=OKABE_ITO["blue"],
            capsize=3,
            markersize=6,
            label=mean_label if y == positions[0] else None,
        )
    ax.set_yticks(positions, labels)
    low, high = scale
    ax.set_xlim(low - 0.02 * (high - low), high + 0.02 * (high - low))
    # Scores are whole points (1-10, CSI-4 0-21): ticks such as 2,5 would suggest otherwise.
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis_label)
    _style_axis(ax)
    if quartile_label or mean_label:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=7.5)
    localise(ax, lang, "x")
    return fig


def interval_chart(
    rows: Sequence[IntervalRow],
    *,
    axis_label: str,
    reference: float | None = 0.0,
    reference_label: str | None = None,
    band: tuple[float, float] | None = None,
    band_label: str | None = None,
    lang: str = "nl",
) -> Figure:
    """Forest-style chart: one estimate with CI per row, highlighted rows bold and orange."""
    fig, ax = new_figure(170, 18 + 9 * max(len(rows), 1))
    positions = list(range(len(rows)))[::-1]
    if band is not None:
        ax.axvspan(band[0], band[1], color=LIGHT_GREY, alpha=0.6, linewidth=0, label=band_label)
    if reference is not None:
        ax.axvline(reference, color="#333333", linewidth=0.8, linestyle="--", label=reference_label)
    for y, row in zip(positions, rows, strict=True):
        colour = OKABE_ITO["vermillion"] if row.highlight else OKABE_ITO["blue"]
        marker = "D" if row.highlight else "o"  # shape differs too: readable in greyscale
        ax.errorbar(
            row.estimate,
            y,
            xerr=[[max(0.0, row.estimate - row.ci_low)], [max(0.0, row.ci_high - row.estimate)]],
            fmt=marker,
            color=colour,
            ecolor=colour,
            elinewidth=2.2 if row.highlight else 1.2,
            capsize=4 if row.highlight else 3,
            markersize=7 if row.highlight else 6,
            zorder=3,
        )
    ax.set_yticks(positions, [row.label for row in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.highlight:
            tick.set_fontweight("bold")
    ax.set_xlabel(axis_label)
    _style_axis(ax)
    if reference_label or band_label:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=7.5)
    localise(ax, lang, "x")
    return fig


def share_chart(
    labels: Sequence[str],
    shares: Sequence[float],
    ci_lows: Sequence[float],
    ci_highs: Sequence[float],
    count_labels: Sequence[str],
    *,
    axis_label: str,
    lang: str = "nl",
    ranges: Sequence[tuple[float, float] | None] | None = None,
) -> Figure:
    """Horizontal bars of shares (0-1) with Wilson CIs and the count written beside each bar.

    A category whose exact share is withheld for privacy may have a `ranges` entry (lowest,
    highest possible share): it is drawn as a pale band over that range, without a CI.
    """
    ranges = list(ranges) if ranges is not None else [None] * len(labels)
    colours = [OKABE_ITO["bluish_green"], GREY, OKABE_ITO["vermillion"]]
    hatches = ["", "..", "//"]  # second cue besides colour for greyscale prints
    fig, ax = new_figure(170, 20 + 10 * len(labels))
    positions = list(range(len(labels)))[::-1]
    for index, (y, share, low, high, text, band) in enumerate(
        zip(positions, shares, ci_lows, ci_highs, count_labels, ranges, strict=True)
    ):
        if band is not None:
            ax.barh(
                y,
                100 * (band[1] - band[0]),
                left=100 * band[0],
                height=0.6,
                color=colours[index % 3],
                alpha=0.35,
                hatch=hatches[index % 3],
                edgecolor="#333333",
                linewidth=0.6,
                linestyle="--",
            )
            ax.text(100 * band[1] + 1.5, y, text, va="center", fontsize=8)
            continue
        ax.barh(
            y,
            100 * share,
            height=0.6,
            color=colours[index % 3],
            hatch=hatches[index % 3],
            edgecolor="#333333",
            linewidth=0.6,
        )
        ax.errorbar(
            100 * share,
            y,
            # Wilson limits can sit a rounding error beyond the share (1e-17 at 0%).
            xerr=[[max(0.0, 100 * (share - low))], [max(0.0, 100 * (high - share))]],
            fmt="none",
            ecolor="#1a1a1a",
            capsize=3,
            linewidth=1,
        )
        ax.text(100 * high + 1.5, y, text, va="center", fontsize=8)
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel(axis_label)
    _style_axis(ax)
    localise(ax, lang, "x")
    return fig


def funnel_chart(
    limits_n: Sequence[int],
    lower_95: Sequence[float],
    upper_95: Sequence[float],
    lower_998: Sequence[float],
    upper_998: Sequence[float],
    pooled_share: float,
    points: Sequence[tuple[int, float, str, bool]],
    *,
    axis_label_x: str,
    axis_label_y: str,
    legend_labels: tuple[str, str, str],
    lang: str = "nl",
) -> Figure:
    """Funnel plot: share per municipality against n, control limits around the pooled share.

    points: (n, share, label, highlight). Suppressed municipalities must be left out by the
    caller. legend_labels: (pooled share, 95% limits, 99.8% limits).
    """
    fig, ax = new_figure(170, 80)
    ns = list(limits_n)
    ax.step(
        ns,
        [100 * v for v in lower_95],
        where="mid",
        color=OKABE_ITO["blue"],
        linestyle="--",
        linewidth=0.9,
        label=legend_labels[1],
    )
    ax.step(
        ns,
        [100 * v for v in upper_95],
        where="mid",
        color=OKABE_ITO["blue"],
        linestyle="--",
        linewidth=0.9,
    )
    ax.step(
        ns,
        [100 * v for v in lower_998],
        where="mid",
        color="#333333",
        linestyle=":",
        linewidth=0.9,
        label=legend_labels[2],
    )
    ax.step(
        ns, [100 * v for v in upper_998], where="mid", color="#333333", linestyle=":", linewidth=0.9
    )
    ax.axhline(100 * pooled_share, color="#333333", linewidth=0.9, label=legend_labels[0])
    # Labels alternate above and below their dot so that neighbours do not overprint.
    for index, (n, share, label, highlight) in enumerate(sorted(points)):
        colour = OKABE_ITO["vermillion"] if highlight else OKABE_ITO["blue"]
        ax.plot(
            n,
            100 * share,
            "D" if highlight else "o",
            color=colour,
            markersize=6,
            markeredgecolor="#1a1a1a",
            markeredgewidth=0.5,
        )
        ax.annotate(
            label,
            (n, 100 * share),
            xytext=(5, 4 if index % 2 == 0 else -10),
            textcoords="offset points",
            fontsize=7.5,
            fontweight="bold" if highlight else "normal",
        )
    ax.set_ylim(-2, 102)
    ax.set_xlim(0, max(ns) + 1 if ns else 1)
    ax.set_xlabel(axis_label_x)
    ax.set_ylabel(axis_label_y)
    ax.grid(color=LIGHT_GREY, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7.5)
    localise(ax, lang, "xy")
    return fig


def trend_chart(
    years: Sequence[int],
    estimates: Sequence[float],
    ci_lows: Sequence[float],
    ci_highs: Sequence[float],
    *,
    axis_label: str,
    lang: str = "nl",
) -> Figure:
    """Course change per cohort year with 95% CIs."""
    fig, ax = new_figure(120, 60)
    ax.axhline(0, color="#333333", linewidth=0.8, linestyle="--")
    ax.errorbar(
        years,
        estimates,
        yerr=[
            [max(0.0, e - lo) for e, lo in zip(estimates, ci_lows, strict=True)],
            [max(0.0, hi - e) for e, hi in zip(estimates, ci_highs, strict=True)],
        ],
        fmt="o-",
        color=OKABE_ITO["blue"],
        capsize=3,
        markersize=5,
    )
    ax.set_xticks(list(years), [str(year) for year in years])
    # A vertical label longer than the axis is cut off at the page edge: wrap it.
    ax.set_ylabel(textwrap.fill(axis_label, 32))
    ax.grid(axis="y", color=LIGHT_GREY, linewidth=0.5)
    ax.set_axisbelow(True)
    localise(ax, lang, "y")
    return fig
