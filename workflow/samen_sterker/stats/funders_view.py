"""The funder's view of one outcome in the overview: year model and funnel (issue 12); its
trend over the years is `stats.trend` (pooled.analyse_year adds it).

Called from `pooled.analyse_year`; every per-municipality row is keyed by
`municipality_code`, so disclosure rules can drop withheld municipalities before reporting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from samen_sterker.stats.funders_model import fit_year_model
from samen_sterker.stats.funnel import funnel_for_year

COLUMNS = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]


def funders_view(
    frame: pd.DataFrame,
    name: str,
    outcome: Mapping,
    roles: Mapping,
    municipalities: Sequence[Mapping],
    pooled_reliable: Mapping,
    point_decisions: Mapping[str, Mapping] | None = None,
) -> dict:
    """`year_model` and `funnel` of one outcome and cohort year;
    `point_decisions`: the disclosure decision of each municipality's funnel count."""
    higher_is_better = bool(outcome.get("higher_is_better", True))
    data = frame[frame["outcome"] == name][COLUMNS].reset_index(drop=True)
    return {
        "year_model": fit_year_model(
            data, roles["baseline"], roles["course_end"], higher_is_better
        ),
        "funnel": funnel_for_year(
            frame, name, roles, pooled_reliable, municipalities, higher_is_better,
            point_decisions,
        ),
    }
