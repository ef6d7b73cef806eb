"""Reviewer-only views of individual data: never part of a PDF.

The paired slope plot draws one line per participant from the baseline to the end of the
course, partners of a couple in the same colour. It shows individual change scores, so the
templates call it only in cells tagged `reviewer-only` (removed before printing) and only for
groups that may be published; no participant or couple code is drawn or printed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samen_sterker.reports import figures

# Fixed seed: the jitter that separates tied whole-number ratings must be the same each run.
JITTER_SEED = 20240101
JITTER_WIDTH = 0.12


def paired_values(
    measurements_csv: str | Path,
    *,
    year: int,
    municipality_code: str,
    outcome: str,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Complete pairs of one group: columns couple (0..k-1), partner (0/1), start, end.

    Codes are replaced by anonymous numbers in sorted order, so nothing identifying leaves.
    """
    table = pd.read_csv(
        measurements_csv,
        dtype={"municipality_code": str, "couple_id": str, "participant_id": str},
    )
    group = table[
        (table["year"] == int(year))
        & (table["municipality_code"] == municipality_code)
        & (table["outcome"] == outcome)
        & (table["timepoint"].isin([start, end]))
    ]
    wide = group.pivot_table(
        index=["couple_id", "participant_id"], columns="timepoint", values="value"
    ).dropna(subset=[c for c in (start, end)], how="any")
    wide = wide.reset_index()
    couples = {code: i for i, code in enumerate(sorted(wide["couple_id"].unique()))}
    wide["couple"] = wide["couple_id"].map(couples)
    wide["partner"] = wide.groupby("couple_id").cumcount()
    return wide.rename(columns={start: "start", end: "end"})[
        ["couple", "partner", "start", "end"]
    ].reset_index(drop=True)


def slope_chart(
    pairs: pd.DataFrame, *, start_label: str, end_label: str, axis_label: str, lang: str = "nl"
) -> Figure:
    """One line per participant from start to end; partners share a colour, B dashed."""
    palette = [c for name, c in figures.OKABE_ITO.items() if name not in ("black", "yellow")]
    rng = np.random.default_rng(JITTER_SEED)
    fig, ax = figures.new_figure(120, 90)
    for row in pairs.itertuples(index=False):
        jitter = rng.uniform(-JITTER_WIDTH, JITTER_WIDTH, size=2)
        ax.plot(
            [0, 1],
            [row.start + jitter[0], row.end + jitter[1]],
            color=palette[row.couple % len(palette)],
            linestyle="-" if row.partner == 0 else "--",
            marker="o",
            markersize=3,
            linewidth=1,
            alpha=0.85,
        )
    ax.set_xticks([0, 1], [start_label, end_label])
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylabel(axis_label)
    figures.localise(ax, lang, "y")
    return fig
