"""The municipal report's sections in reading order, one module per section.

The template (notebooks/municipality_report.ipynb) imports this package once and calls
`municipal.<section>(ctx)`; every section renders the stats stage's disclosure decisions
(samen_sterker.reports.published) and compares no count with a threshold. The appendix
sections are shared with the overview (samen_sterker.reports.appendix).
"""

from samen_sterker.reports.appendix import (
    data_quality_appendix,
    methods_appendix,
    provenance_appendix,
    report_files,
)
from samen_sterker.reports.headline import meaning
from samen_sterker.reports.municipal.certainty import certainty_section
from samen_sterker.reports.municipal.comparison import comparison_section
from samen_sterker.reports.municipal.page_one import (
    key_figures,
    privacy_note,
    report_title,
    suppressed_notice,
    title_block,
)
from samen_sterker.reports.municipal.participation import participation_section
from samen_sterker.reports.municipal.ratings import ratings_section
from samen_sterker.reports.municipal.reliable_change import reliable_change_section
from samen_sterker.reports.published import is_suppressed

__all__ = [
    "certainty_section",
    "comparison_section",
    "data_quality_appendix",
    "is_suppressed",
    "key_figures",
    "meaning",
    "methods_appendix",
    "participation_section",
    "privacy_note",
    "provenance_appendix",
    "ratings_section",
    "reliable_change_section",
    "report_files",
    "report_title",
    "suppressed_notice",
    "title_block",
]
