"""The course change per cohort year and its change over the years, computed once.

Each year's point is the couple-level course change that year published for the group, so the
trend repeats a year's published change and never a withheld one (docs/privacy.md):

- a municipality: its couple-mean change (`couple_means.course` of that year's file), and only
  in a year it was published on its own;
- pooled: over that year's published groups (`disclosure.year.group_frame(..., POOLED)`, never
  over this year's groups), the year model's pooled change (`year_model.pooled_change` of that
  year's overview) from `MIN_MUNICIPALITIES` municipalities on, else the couple-mean change.

A point is left out (`suppressed`) where that year withheld the course change (its respondents
or couples below the thresholds). The charts plot these points and `change_trend` fits its
slope to them, so chart and sentence share their numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from samen_sterker.disclosure.decide import POOLED, thresholds_of
from samen_sterker.stats.change_trend import trend_fit
from samen_sterker.stats.funders_model import MIN_MUNICIPALITIES, fit_pooled_change
from samen_sterker.stats.outcome import couple_mean_comparison, timepoint_roles
from samen_sterker.stats.participation import outcome_publication, wide_scores

YEAR_MODEL_COLUMNS = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
WITHHELD = {"source": None, "n_pairs": None, "n_couples": None, "mean_change": None,
            "se": None, "df": None, "ci_low": None, "ci_high": None, "suppressed": True}


def groups_by_year(measurements: pd.DataFrame, config: Mapping, years) -> dict[int, dict]:
    """The published groups of each cohort year (samen_sterker.disclosure.year.year_groups)."""
    from samen_sterker.disclosure.year import year_groups

    return {
        int(y): year_groups(measurements[measurements["year"] == y], config) for y in years
    }


def course_change_row(frame: pd.DataFrame, name: str, roles: Mapping, thresholds: Mapping,
                      pooled: bool) -> dict:
    """One trend row: a group's couple-level course change of an outcome in one cohort year
    (frame: that group's measurements of that year), or no numbers where the year withheld it."""
    data = frame[frame["outcome"] == name]
    wide = wide_scores(data, roles["order"])
    baseline, course_end = roles["baseline"], roles["course_end"]
    publication = outcome_publication(wide, roles["order"], baseline, course_end, thresholds)
    if publication["suppressed"]:
        return dict(WITHHELD)
    counts = {"n_pairs": publication["course_change"]["respondents"],
              "n_couples": publication["course_change"]["couples"]}
    # Counted as fit_year_model counts them, so the point is the year model exactly where
    # that year's overview publishes one.
    at_both = data[data["timepoint"].isin([baseline, course_end]) & data["value"].notna()]
    if pooled and at_both["municipality_code"].nunique() >= MIN_MUNICIPALITIES:
        model = fit_pooled_change(data[YEAR_MODEL_COLUMNS], baseline, course_end)
        if model is not None and model["se"]:
            return {"source": "year_model", **counts, "mean_change": model["estimate"],
                    "se": model["se"], "df": model["df"], "ci_low": model["ci_low"],
                    "ci_high": model["ci_high"], "suppressed": False}
    # Below five municipalities (or a year model that failed) that year's overview publishes
    # no pooled year-model change; its couple-mean change is published for every group.
    change = couple_mean_comparison(wide, baseline, course_end)
    if not change.get("available"):
        return dict(WITHHELD, suppressed=False, source="couple_means", **counts)
    return {"source": "couple_means", **counts, "mean_change": change["mean_change"],
            "se": change["se_change"], "df": float(change["n_pairs"] - 1),
            "ci_low": change["ci_low"], "ci_high": change["ci_high"], "suppressed": False}


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
                in_year = group_frame(in_year, groups[y], POOLED)
                shown = bool((in_year["outcome"] == name).any())
            else:
                shown = groups[y]["municipalities"][municipality_code]["published"]
            row = (course_change_row(in_year, name, roles, thresholds, municipality_code is None)
                   if shown else dict(WITHHELD))
            rows.append({"year": y, **row})
        by_outcome[name] = rows
    return {"available": True, "years": years, "by_outcome": by_outcome}


def pooled_trend(
    measurements: pd.DataFrame, config: Mapping, year: int, codes: Sequence[str]
) -> dict:
    """Trend over cohort years ≤ year: pooled, and per municipality published on its own this
    year."""
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


def trend_slopes(trend_result: Mapping) -> dict[str, dict]:
    """Per outcome, the slope of the overview's trend points (`change_trend.trend_fit`)."""
    if not trend_result.get("available"):
        return {}
    return {
        name: {
            "available": True,
            "method": "inverse-variance weighted slope on the year of the course changes in "
            "trend (fixed-effect meta-regression, normal 95% CI)",
            "pooled": trend_fit(rows),
            "municipalities": [
                {"municipality_code": code, **trend_fit(outcomes.get(name, []))}
                for code, outcomes in sorted(trend_result["by_municipality"].items())
            ],
        }
        for name, rows in trend_result["pooled"].items()
    }
