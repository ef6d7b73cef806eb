"""The pooled overview report's sections in reading order, built from overview.json.

The template (notebooks/overview_report.ipynb) imports this package once and calls
`overview.<section>(ctx)`.

Privacy: the stats stage computes pooled figures over the published groups only (each
published municipality, and "other municipalities" when those together meet the thresholds),
so the overview minus the municipal reports never gives a withheld municipality; it says how
many participants are in no published group. Counts not shown exactly carry their decision
(samen_sterker.disclosure); these modules render them and compare no count with a threshold.
"""

from samen_sterker.reports.overview.appendix_pages import appendix, interaction_text
from samen_sterker.reports.overview.cost import cost_section
from samen_sterker.reports.overview.municipalities import funnel_section, municipalities_section
from samen_sterker.reports.overview.page_one import (
    key_figures,
    meaning,
    privacy_note,
    report_title,
    title_block,
    unshown_note,
)
from samen_sterker.reports.overview.participation import completers_section, flow_section
from samen_sterker.reports.overview.trend import trend_section

__all__ = [
    "appendix",
    "completers_section",
    "cost_section",
    "flow_section",
    "funnel_section",
    "interaction_text",
    "key_figures",
    "meaning",
    "municipalities_section",
    "privacy_note",
    "report_title",
    "title_block",
    "trend_section",
    "unshown_note",
]
