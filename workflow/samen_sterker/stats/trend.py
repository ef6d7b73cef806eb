"""The course change per cohort year: for one municipality, or pooled over each year's
published groups (never over a group that year left unpublished)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from samen_sterker.disclosure.decide import POOLED, thresholds_of
from samen_sterker.stats.outcome import paired_comparison, timepoint_roles
from samen_sterker.stats.participation import (
    outcome_publication,
    wide_scores,
)


def groups_by_year(measurements: pd.DataFrame, config: Mapping, years) -> dict[int, dict]:
    """The published groups of each cohort year (samen_sterker.disclosure.year.year_groups)."""
    from samen_sterker.disclosure.year import year_groups

    return {
        int(y): year_groups(measurements[measurements["year"] == y], config) for y in years
    }


def course_change_row(frame: pd.DataFrame, name: str, roles: dict, thresholds: dict) -> dict:
    """One trend row: the course change of an outcome in one cohort year (no numbers when the
    course change is below the thresholds)."""
    wide = wide_scores(frame[frame["outcome"] == name], roles["order"])
    publication = outcome_publication(
        wide, roles["order"], roles["baseline"], roles["course_end"], thresholds
    )
    if publication["suppressed"]:
        return {"n_pairs": None, "mean_change": None, "ci_low": None, "ci_high": None,
                "suppressed": True}
    result = paired_comparison(wide, roles["baseline"], roles["course_end"])
    return {
        "n_pairs": result["n_pairs"],
        "mean_change": result.get("mean_change"),
        "ci_low": result.get("ci_low"),
        "ci_high": result.get("ci_high"),
        "suppressed": False,
    }


def trend(
    measurements: pd.DataFrame,
    config: Mapping,
    year: int,
    municipality_code: str | None,
    groups: Mapping[int, dict] | None = None,
) -> dict:
    """Course change per cohort year <= year, for one municipality, or pooled over each year's
    published groups (None): never over a group that year left unpublished."""
    roles = timepoint_roles(config)
    thresholds = thresholds_of(config)
    data = measurements[measurements["year"] <= year]
    if municipality_code is not None:
        data = data[data["municipality_code"] == municipality_code]
    years = sorted(int(y) for y in data["year"].unique())
    if len(years) < 2:
        return {"available": False, "reason": "fewer than two cohort years with data"}
    from samen_sterker.disclosure.year import group_frame

    groups = groups or groups_by_year(measurements, config, years)
    by_outcome = {}
    for name in config["outcomes"]:
        rows = []
        for y in years:
            in_year = data[data["year"] == y]
            if not (in_year["outcome"] == name).any():
                continue
            if municipality_code is None:
                in_year = group_frame(measurements[measurements["year"] == y], groups[y], POOLED)
                shown = bool((in_year["outcome"] == name).any())
            else:
                shown = groups[y]["municipalities"][municipality_code]["published"]
            if shown:
                row = course_change_row(in_year, name, roles, thresholds)
            else:
                row = {"n_pairs": None, "mean_change": None, "ci_low": None, "ci_high": None,
                       "suppressed": True}
            rows.append(dict(year=y, **row))
        by_outcome[name] = rows
    return {"available": True, "years": years, "by_outcome": by_outcome}


def pooled_trend(
    measurements: pd.DataFrame, config: Mapping, year: int, codes: Sequence[str]
) -> dict:
    """Trend over cohort years ≤ year: pooled, and per municipality of this year."""
    years = sorted(int(y) for y in measurements["year"].unique() if y <= year)
    groups = groups_by_year(measurements, config, years)
    pooled = trend(measurements, config, year, None, groups)
    if not pooled["available"]:
        return pooled
    return {
        "available": True,
        "years": pooled["years"],
        "pooled": pooled["by_outcome"],
        "by_municipality": {
            code: result["by_outcome"]
            for code in codes
            if groups[year]["municipalities"][code]["published"]
            and (result := trend(measurements, config, year, code, groups))["available"]
        },
    }
