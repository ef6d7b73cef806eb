"""Report figures: matplotlib, Okabe-Ito colours, readable in greyscale, aggregated data only.

Every chart function returns a matplotlib Figure drawn from summary numbers (means, CIs,
counts, quartiles); none takes individual scores, so nothing individual can reach the PDF.
`figure_html` turns a Figure into an accessible <figure> with alt text and caption, as
deterministic SVG.

`style` holds what every figure shares, `intervals` the charts of estimates with intervals
and `shares` the charts of shares.
"""

from samen_sterker.reports.figures.intervals import (
    COMPARISON_ROWS,
    IntervalRow,
    before_after_chart,
    interval_chart,
    nearest_rows,
    trend_chart,
)
from samen_sterker.reports.figures.shares import funnel_chart, share_chart
from samen_sterker.reports.figures.style import (
    GREY,
    LIGHT_GREY,
    MM_PER_INCH,
    OKABE_ITO,
    LocaleFormatter,
    figure_html,
    localise,
    new_figure,
    report_style,
    style_axis,
    svg_bytes,
)

__all__ = [
    "COMPARISON_ROWS",
    "GREY",
    "LIGHT_GREY",
    "MM_PER_INCH",
    "OKABE_ITO",
    "IntervalRow",
    "LocaleFormatter",
    "before_after_chart",
    "figure_html",
    "funnel_chart",
    "interval_chart",
    "localise",
    "nearest_rows",
    "new_figure",
    "report_style",
    "share_chart",
    "style_axis",
    "svg_bytes",
    "trend_chart",
]
