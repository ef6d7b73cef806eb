"""The pooled overview JSON of one cohort year: the published groups pooled, the comparison
rows, the funder's view and the cost per reliably improved participant."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import pandas as pd

from samen_sterker.config import primary_outcome, slugify
from samen_sterker.disclosure.apply import cell_decision, hidden_outcome, publishable_outcome
from samen_sterker.disclosure.decide import OTHER, POOLED, thresholds_of
from samen_sterker.stats.analyse import json_header, progress
from samen_sterker.stats.funders_view import funders_view
from samen_sterker.stats.outcome import (
    add_every_mixed_model,
    check_measurements,
    every_outcome,
    mixed_model_result,
    timepoint_roles,
)
from samen_sterker.stats.paired import unavailable
from samen_sterker.stats.participation import (
    group_publication,
)
from samen_sterker.stats.trend import pooled_trend, trend_slopes

log = logging.getLogger(__name__)


def pooled_model(frame: pd.DataFrame, name: str, roles: dict) -> dict:
    """The municipality × timepoint model on the timepoints every municipality measured.

    A timepoint that only some municipalities have (e.g. an intake in one) leaves interaction
    cells empty and the design rank-deficient; the course change needs only the shared ones.
    """
    data = frame[frame["outcome"] == name]
    per_municipality = data.groupby("municipality_code")["timepoint"].agg(set)
    shared = set.intersection(*per_municipality) if len(per_municipality) else set()
    timepoints = [tp for tp in roles["order"] if tp in shared]
    if roles["baseline"] not in timepoints:
        return unavailable("not every municipality has baseline measurements")
    data = data[data["timepoint"].isin(timepoints)]
    columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
    started = time.perf_counter()
    result = mixed_model_result(
        "fit_pooled_model", data[columns].reset_index(drop=True), timepoints, roles["baseline"]
    )
    log.info("pooled model of %s: %.2f s in all", name, time.perf_counter() - started)
    return result


def _comparison_row(entry: dict, result: dict) -> dict:
    """A published group's row of the overview's comparison table (numbers already cut).

    Its change and interval are the group's headline change, the one its own page 1 shows
    (couple-aware; a withheld one has no numbers, so the row has none either); the means
    before and after are the complete pairs' (paired.course), as the table's caption says.
    """
    row = {k: entry[k] for k in ("municipality", "municipality_code", "slug", "suppressed")}
    row["group"] = entry["group"]
    if "members" in entry:
        row["members"] = entry["members"]
    if entry["suppressed"]:
        return row
    course = result["paired"]["course"]
    change = result["headline_change"]
    part = result["participation"]
    reliable = result["reliable_change"]
    return row | {
        "participants": part["participants"],
        "couples": part["couples"],
        "complete_pairs": part["complete_pairs"],
        "post_response_rate": part["post_response_rate"],
        "mean_baseline": course.get("mean_from"),
        "mean_course_end": course.get("mean_to"),
        "mean_change": change.get("estimate"),
        "ci_low": change.get("ci_low"),
        "ci_high": change.get("ci_high"),
        "change_source": change.get("source"),
        "headline_effect_size": course.get("headline_effect_size"),
        "reliably_improved": reliable["improved"] if reliable.get("available") else None,
    }


def _withheld_outcomes(config: Mapping, municipalities: list[dict]) -> dict:
    """The overview's outcomes when no group is published: names of the municipalities only."""
    return {
        name: hidden_outcome({"label": dict(o.get("label") or {}),
                              "primary": bool(o.get("primary", False))})
        | {"publication": {"suppressed": True, "reasons": ["no_published_group"]},
           "comparison": [_comparison_row(entry, None) for entry in municipalities],
           "funnel": unavailable("no published group")}
        for name, o in config["outcomes"].items()
    }


def analyse_year(
    measurements: pd.DataFrame,
    config: dict,
    year: int,
    decisions: Mapping | None = None,
    group_outcomes: Mapping[str, dict] | None = None,
) -> dict:
    """The pooled overview JSON of one cohort year (see docs/stats-json.md).

    Pooled figures are computed over the published groups only (each published municipality,
    and "other municipalities" when those together meet the thresholds): subtracting the
    municipal reports from them never gives a withheld municipality.

    group_outcomes: every outcome's statistics of every published group, when the caller has
    them (rule year_stats computes them once for both the overview and each municipality's
    JSON): each published municipality's, OTHER's and POOLED's with mixed models
    (every_outcome). A published group given without them gets them here: every comparison
    row shows its group's headline change.
    """
    from samen_sterker.disclosure.year import group_frame, outcome_results

    check_measurements(measurements, config)
    frame = measurements[measurements["year"] == year]
    if frame.empty:
        raise ValueError(f"measurements: no rows for year {year}")
    roles = timepoint_roles(config)
    thresholds = thresholds_of(config)
    primary_name = primary_outcome(config)
    codes = sorted(frame["municipality_code"].unique())
    names = frame.groupby("municipality_code")["municipality"].first()

    # Per-municipality statistics feed the comparison table, the funnel and the decisions.
    progress.info("%d overview: results of %d municipalities (%d rows)", year, len(codes),
                  len(frame))
    if group_outcomes is not None and decisions is not None:
        per_municipality = dict(group_outcomes)
    else:
        per_municipality = {
            code: outcome_results(frame[frame["municipality_code"] == code], config)
            for code in codes
        }
    if decisions is None:
        from samen_sterker.disclosure.year import disclose

        decisions = disclose(frame, config, per_municipality)
    groups = decisions["groups"]
    municipalities = []
    for code in codes:
        entry = groups["municipalities"][code]
        municipalities.append(
            {
                "municipality": str(names[code]),
                "municipality_code": str(code),
                "slug": slugify(str(names[code])),
                "suppressed": not entry["published"],
                "suppression": None if entry["published"] else "primary",
                "group": entry["group"],
            }
        )
    rows = [(entry, entry["municipality_code"]) for entry in municipalities]
    if groups["other"]["published"]:
        if OTHER not in per_municipality:
            per_municipality[OTHER] = outcome_results(group_frame(frame, groups, OTHER), config)
        rows.append((
            {"municipality": None, "municipality_code": OTHER, "slug": OTHER,
             "suppressed": False, "group": OTHER,
             "members": [str(names[c]) for c in groups["other"]["members"]]},
            OTHER,
        ))
    for entry, group in rows:
        if not entry["suppressed"] and "headline_change" not in per_municipality[group][
                primary_name]:
            per_municipality[group] = add_every_mixed_model(
                per_municipality[group], group_frame(frame, groups, group), config)
    pooled_frame = group_frame(frame, groups, POOLED)
    if not pooled_frame.empty and POOLED not in per_municipality:
        progress.info("%d overview: pooled analysis of %d rows", year, len(pooled_frame))
        per_municipality[POOLED] = every_outcome(pooled_frame, config)

    trend = pooled_trend(measurements, config, year, codes)
    change_trends = trend_slopes(trend)
    outcomes = {}
    for name, outcome in config["outcomes"].items():
        if pooled_frame.empty:
            outcomes = _withheld_outcomes(config, municipalities)
            break
        pooled = publishable_outcome(per_municipality[POOLED][name], decisions, POOLED, name)
        comparison = []
        for entry, group in rows:
            result = None
            if not entry["suppressed"]:
                result = publishable_outcome(per_municipality[group][name], decisions, group,
                                             name)
            comparison.append(_comparison_row(entry, result))
        pooled["comparison"] = comparison
        # The funder's view (issue 12) over the published groups only, like every pooled
        # figure; a municipality gets its own row only when it is published on its own.
        own = {code for code, entry in groups["municipalities"].items() if entry["group"] == code}
        progress.info("%d overview, %s: year model of %d municipalities", year, name, len(own))
        view = funders_view(
            pooled_frame,
            name,
            outcome,
            roles,
            [entry for entry, _ in rows if not entry["suppressed"]],
            pooled["reliable_change"],
            {code: cell_decision(decisions, code, name, "fn:improved") for code in own},
        )
        pooled["year_model"] = _own_rows(view["year_model"], own)
        # The slope of the very points the trend chart plots (stats/trend.py).
        pooled["change_trend"] = change_trends.get(
            name, unavailable("fewer than two cohort years with data")
        )
        # The common-threshold counts went through the disclosure pass (cells fn:*): a point
        # whose count is not published exactly is listed without it.
        pooled["funnel"] = view["funnel"]
        if pooled["year_model"].get("fallback") == "fixed_effects":
            pooled["pooled_model"] = pooled_model(pooled_frame, name, roles)
            if pooled["pooled_model"].get("available"):
                # Only groups published on their own get their own change from the model.
                pooled["pooled_model"]["changes"] = [
                    cell for cell in pooled["pooled_model"]["changes"]
                    if cell["municipality_code"] in own
                ]
        else:
            pooled["pooled_model"] = unavailable(
                "five or more municipalities: the year model (year_model) is used"
            )
        outcomes[name] = pooled

    if pooled_frame.empty:
        publication = {"suppressed": True, "reasons": ["no_published_group"]}
    else:
        primary_pub = outcomes[primary_name]["publication"]
        publication = group_publication(pooled_frame, roles["order"], primary_pub, thresholds)
    publication["other"] = {
        "published": groups["other"]["published"],
        "members": len(groups["other"]["members"]),
    }
    publication["unshown_municipalities"] = sum(
        1 for entry in municipalities if entry["group"] is None
    )
    return {
        **json_header(config, roles, frame, year),
        "kind": "overview",
        "municipalities": municipalities,
        "publication": publication,
        "outcomes": outcomes,
        "cost": cost_frame(config, outcomes, primary_name) if not pooled_frame.empty
        else unavailable("no published group"),
        "trend": trend,
    }


def _own_rows(year_model: dict, own: set[str]) -> dict:
    """The year model with per-municipality rows only for municipalities published on their
    own (members of "other municipalities" and withheld ones stay in the fit, not in print)."""
    if "municipalities" not in year_model:
        return year_model
    rows = [row for row in year_model["municipalities"] if row["municipality_code"] in own]
    return {**year_model, "municipalities": rows}


def cost_frame(config: Mapping, outcomes: dict, primary_name: str) -> dict:
    """Total cost and cost per reliably improved participant from the configured course cost."""
    cost = config.get("course_cost_per_participant")
    if cost is None:
        return unavailable("no course_cost_per_participant is configured")
    started = outcomes[primary_name]["participation"]["participants_at_baseline"]
    by_outcome = {}
    for name, result in outcomes.items():
        reliable = result["reliable_change"]
        if reliable.get("available"):
            improved = reliable["improved"]["count"]
            if improved is None:  # withheld: its cost per person would give it away
                continue
            by_outcome[name] = {
                "reliably_improved": improved,
                "cost_per_reliably_improved": started * cost / improved if improved else None,
            }
    return {
        "available": True,
        "course_cost_per_participant": cost,
        "participants_started": started,
        "total_cost": started * cost,
        "by_outcome": by_outcome,
    }
