"""Charts of estimates with confidence intervals: before and after, one row per group
(forest style, at most COMPARISON_ROWS rows), and the change per cohort year.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from samen_sterker.reports.figures.style import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    localise,
    new_figure,
    style_axis,
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


def before_after_chart(
    labels: Sequence[str],
    means: Sequence[float],
    ci_lows: Sequence[float],
    ci_highs: Sequence[float],
    *,
    scale: tuple[float, float],
    quartiles: Sequence[tuple[float, float, float] | None] | None = None,
    axis_label: str,
    quartile_label: str = "",
    mean_label: str = "",
    lang: str = "nl",
) -> Figure:
    """Mean per timepoint with 95% CI, over a grey band from first to third quartile; no band
    where a timepoint's quartiles are None (withheld, docs/privacy.md rule 8)."""
    fig, ax = new_figure(170, 22 + 11 * len(labels))
    positions = list(range(len(labels)))[::-1]
    if quartiles is not None:
        legend_pending = True
        for y, quartile in zip(positions, quartiles, strict=True):
            if quartile is None:
                continue
            q1, median, q3 = quartile
            ax.barh(
                y,
                q3 - q1,
                left=q1,
                height=0.5,
                color=LIGHT_GREY,
                edgecolor=GREY,
                linewidth=0.6,
                label=quartile_label if legend_pending else None,
            )
            legend_pending = False
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
    style_axis(ax)
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
    style_axis(ax)
    if reference_label or band_label:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=7.5)
    localise(ax, lang, "x")
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
