"""A cohort year's groups, statistics to decide on, decisions and audit table, from the
canonical measurements (the statistics stage's entry point to disclosure control)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from samen_sterker.config import primary_outcome
from samen_sterker.disclosure.decide import (
    GROUP_SCOPES,
    OTHER,
    POOLED,
    decide_groups,
    decide_year,
    publication_cell,
    thresholds_of,
)
from samen_sterker.stats.funnel import common_threshold_classes, common_threshold_counts
from samen_sterker.stats.groups import every_outcome_of_groups
from samen_sterker.stats.outcome import every_outcome, timepoint_roles

AUDIT_COLUMNS = ["cell", "published_as", "derivable_low", "derivable_high", "prior_low",
                 "prior_high", "verdict"]


def group_scopes(frame_year: pd.DataFrame, config: Mapping) -> dict[str, dict[str, dict]]:
    """Respondents and couples of each municipality's primary outcome in GROUP_SCOPES."""
    roles = timepoint_roles(config)
    data = frame_year[frame_year["outcome"] == primary_outcome(config)]
    # One pass over all municipalities (342 of them, for every report and trend year).
    by_person = data.pivot_table(
        index=["municipality_code", "couple_id", "participant_id"],
        columns="timepoint",
        values="value",
        aggfunc="count",
    ).reindex(columns=roles["order"])
    baseline = by_person[roles["baseline"]].fillna(0) > 0
    course_end = by_person[roles["course_end"]].fillna(0) > 0
    masks = dict(zip(GROUP_SCOPES, (baseline, course_end, baseline & course_end), strict=True))
    persons = by_person.index.to_frame(index=False)
    scopes: dict[str, dict[str, dict]] = {
        str(code): {} for code in frame_year["municipality_code"].unique()
    }
    for scope, mask in masks.items():
        chosen = persons[mask.to_numpy()]
        respondents = chosen.groupby("municipality_code")["participant_id"].nunique()
        couples = chosen.groupby("municipality_code")["couple_id"].nunique()
        for code, cells in scopes.items():
            cells[scope] = {"respondents": int(respondents.get(code, 0)),
                            "couples": int(couples.get(code, 0))}
    return scopes


def year_groups(frame_year: pd.DataFrame, config: Mapping) -> dict:
    """decide_groups for one cohort year's measurements."""
    return decide_groups(group_scopes(frame_year, config), thresholds_of(config))


def members(groups: Mapping, group: str) -> list[str]:
    """Municipality codes of a group: one municipality, OTHER, or POOLED (the shown groups)."""
    if group == OTHER:
        return list(groups["other"]["members"])
    if group == POOLED:
        return [code for code, entry in groups["municipalities"].items()
                if entry.get("group") is not None]
    return [group]


def group_frame(frame_year: pd.DataFrame, groups: Mapping, group: str) -> pd.DataFrame:
    """The measurements of a group (POOLED: the published groups only, never the others)."""
    return frame_year[frame_year["municipality_code"].isin(members(groups, group))]


def outcome_results(frame: pd.DataFrame, config: Mapping) -> dict:
    """analyse_outcome of every configured outcome of a group, without mixed models."""
    return every_outcome(frame, config, fit_mixed=False)


def disclose(frame_year: pd.DataFrame, config: Mapping,
             per_municipality: Mapping[str, dict] | None = None, workers: int = 1) -> dict:
    """Decisions and audit of one cohort year (raises DisclosureError when it fails).

    per_municipality: outcome_results already computed per municipality code (the overview
    job has them), else computed here, in `workers` processes
    (stats.groups.every_outcome_of_groups).
    """
    return disclose_with_outcomes(frame_year, config, per_municipality, workers)[0]


def disclose_with_outcomes(frame_year: pd.DataFrame, config: Mapping,
                           per_municipality: Mapping[str, dict] | None = None,
                           workers: int = 1) -> tuple[dict, dict[str, dict]]:
    """disclose(...), and the outcome_results the decisions were made on of every group
    published: each municipality published on its own, OTHER when published and POOLED when
    any group is (rule year_stats adds only the mixed models to them; issue 14)."""
    groups = year_groups(frame_year, config)
    given = per_municipality or {}
    frames = {}
    # The pooled group first: the largest, so that the other workers share out the rest.
    if groups["shown_groups"]:
        frames[POOLED] = group_frame(frame_year, groups, POOLED)
    if groups["other"]["published"]:
        frames[OTHER] = group_frame(frame_year, groups, OTHER)
    frames.update({code: frame_year[frame_year["municipality_code"] == code]
                   for code in groups["municipalities"] if not given.get(code)})
    computed = dict(every_outcome_of_groups(frames, config, fit_mixed=False, workers=workers))
    results = {code: given.get(code) or computed[code] for code in groups["municipalities"]}
    results.update({key: computed[key] for key in (OTHER, POOLED) if key in computed})
    common = funnel_counts(frame_year, config, groups, results.get(POOLED, {}))
    decisions = decide_year(results, groups, timepoint_roles(config), thresholds_of(config),
                            primary_outcome(config), common)
    decisions = {"year": int(frame_year["year"].iloc[0]), "groups": groups, **decisions}
    published = {key: results[key] for key in sorted(results)
                 if key in (OTHER, POOLED) or groups["municipalities"][key]["published"]}
    return decisions, published


def funnel_counts(frame_year: pd.DataFrame, config: Mapping, groups: Mapping,
                  pooled: Mapping[str, Mapping]) -> dict[str, dict[str, dict[str, int]]]:
    """group → outcome → {n, improved} at the year's common reliable-change threshold (the
    pooled group's, as the overview's funnel uses it): for each municipality published on
    its own, "other municipalities" when published, and the pooled shown groups."""
    roles = timepoint_roles(config)
    pooled_frame = group_frame(frame_year, groups, POOLED)
    own = [code for code, entry in groups["municipalities"].items() if entry["group"] == code]
    out: dict[str, dict[str, dict[str, int]]] = {}
    for name, outcome in config["outcomes"].items():
        reliable = (pooled.get(name) or {}).get("reliable_change") or {}
        if not reliable.get("available"):
            continue
        classes = common_threshold_classes(
            pooled_frame, name, roles, float(reliable["se_difference"]),
            bool(outcome.get("higher_is_better", True)),
        )
        counts = common_threshold_counts(classes)
        zero = {"n": 0, "improved": 0, "unchanged": 0, "deteriorated": 0}

        def total(codes, counts=counts, zero=zero):
            return {key: sum(counts.get(c, zero)[key] for c in codes) for key in zero}

        for code in own:
            out.setdefault(code, {})[name] = counts.get(code, zero)
        if groups["other"]["published"]:
            out.setdefault(OTHER, {})[name] = total(groups["other"]["members"])
        out.setdefault(POOLED, {})[name] = total(counts)
    return out


def audit_table(decisions: Mapping) -> pd.DataFrame:
    """results/disclosure/{year}.csv: one row per withheld or ranged protected count."""
    return pd.DataFrame(decisions["audit"], columns=AUDIT_COLUMNS)


__all__ = ["audit_table", "disclose", "disclose_with_outcomes", "group_frame", "publication_cell",
           "year_groups"]
