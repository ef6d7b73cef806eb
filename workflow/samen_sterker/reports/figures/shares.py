"""Charts of shares: bars of shares with their intervals (or a withheld share's possible range),
and the funnel plot of shares against the number of participants.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from samen_sterker.reports.figures.style import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    localise,
    new_figure,
    style_axis,
)


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
    """Horizontal bars of shares (0-1) with their 95% intervals and the count beside each bar.

    A category whose exact share is withheld for privacy may have a `ranges` entry (lowest,
    highest possible share): it is drawn as a pale band over that range, without a CI.
    """
    ranges = list(ranges) if ranges is not None else [None] * len(labels)
    colours = [OKABE_ITO["bluish_green"], GREY, OKABE_ITO["vermillion"]]
    # Second cue besides colour for greyscale prints. Lines, not dots: WeasyPrint draws a
    # dotted hatch's every dot (0.045 CPU-s more per chart in each PDF; issue 14).
    hatches = ["", "--", "//"]
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
            # A limit can sit a rounding error beyond the share (Wilson's was 1e-17 at 0%).
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
    style_axis(ax)
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
