"""Assemble the stats JSON of one municipality and year, and of the pooled year."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from samen_sterker.canonical import MEASUREMENT_COLUMNS
from samen_sterker.config import primary_outcome, slugify
from samen_sterker.disclosure.apply import cell_decision, hidden_outcome, publishable_outcome
from samen_sterker.disclosure.decide import OTHER, POOLED, thresholds_of
from samen_sterker.stats.attrition import tipping_point
from samen_sterker.stats.change import headline_change
from samen_sterker.stats.descriptives import describe
from samen_sterker.stats.funders_view import funders_view
from samen_sterker.stats.paired import analyse_pairs, unavailable
from samen_sterker.stats.participation import (
    group_publication,
    outcome_publication,
    participation,
    wide_scores,
)
from samen_sterker.stats.regression_to_mean import regression_to_the_mean
from samen_sterker.stats.reliable_change import clinical_change, reliable_change

SCHEMA_VERSION = "1.0"
# Default of config `smallest_effect_of_interest` (workflow/schemas/config.schema.yaml).
DEFAULT_SMALLEST_EFFECT = 0.5
log = logging.getLogger(__name__)
# One line per step of a year's statistics, with counts (issue 14: a national or 100k-row
# year must not run silently); the statistics job shows them on the console.
progress = logging.getLogger("samen_sterker.progress")


def check_measurements(measurements: pd.DataFrame, config: Mapping) -> None:
    """Raise ValueError naming missing columns and the rows of unknown timepoints or values."""
    missing = [c for c in MEASUREMENT_COLUMNS if c not in measurements.columns]
    if missing:
        raise ValueError(f"measurements: missing column(s) {', '.join(missing)}")
    problems = []
    unknown = measurements.index[~measurements["timepoint"].isin(config["timepoints"]["order"])]
    if len(unknown):
        rows = ", ".join(str(i) for i in unknown[:20])
        problems.append(f"column timepoint: not in config timepoints.order in row(s) {rows}")
    values = pd.to_numeric(measurements["value"], errors="coerce")
    bad = measurements.index[~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]
    if len(bad):
        rows = ", ".join(str(i) for i in bad[:20])
        problems.append(f"column value: missing or not a finite number in row(s) {rows}")
    if problems:
        raise ValueError("measurements: " + "; ".join(problems))


def timepoint_roles(config: Mapping) -> dict:
    """Timepoint order and roles from config, with the follow-ups after course_end."""
    tps = config["timepoints"]
    order = list(tps["order"])
    course_end = tps["course_end"]
    return {
        "order": order,
        "baseline": tps["baseline"],
        "course_end": course_end,
        "waiting_list": tps.get("waiting_list"),
        "follow_up": order[order.index(course_end) + 1 :],
    }


def smallest_effect_of(config: Mapping, outcome_name: str) -> float | None:
    """The smallest effect of interest of an outcome: configured for the primary outcome only.

    It is given in points of the primary outcome (the 1-10 rating); other outcomes have other
    scales and no agreed value, so their change is read against 0 only.
    """
    if outcome_name != primary_outcome(config):
        return None
    value = config.get("smallest_effect_of_interest", DEFAULT_SMALLEST_EFFECT)
    return None if value is None else float(value)


def _pairs(wide: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return wide[wide[start].notna() & wide[end].notna()]


def paired_comparison(wide: pd.DataFrame, start: str, end: str) -> dict:
    """Paired analysis per participant between two timepoints."""
    pairs = _pairs(wide, start, end)
    return analyse_pairs(pairs[start], pairs[end], pairs["couple_id"], start, end)


def couple_mean_comparison(wide: pd.DataFrame, start: str, end: str) -> dict:
    """The same paired analysis on couple means of the partners with both measurements."""
    pairs = _pairs(wide, start, end)
    means = pairs.groupby("couple_id")[[start, end]].mean()
    return analyse_pairs(means[start], means[end], means.index, start, end, unit="couple_mean")


WAITING_CHANGE = "waiting_change"
COURSE_CHANGE = "course_change"


def _paired_set(wide: pd.DataFrame, roles: dict, observed: Sequence[str], compare) -> dict:
    waiting, baseline, course_end = roles["waiting_list"], roles["baseline"], roles["course_end"]
    if waiting is None:
        waiting_result = contrast = unavailable("no waiting-list timepoint is configured")
    elif waiting not in observed:
        waiting_result = contrast = unavailable("no waiting-list measurements in this group")
    else:
        waiting_result = compare(wide, waiting, baseline)
        # Within-person waiting-list control: course change minus waiting-period change, for
        # persons measured at all three occasions.
        changes = pd.DataFrame(
            {
                "couple_id": wide["couple_id"],
                WAITING_CHANGE: wide[baseline] - wide[waiting],
                COURSE_CHANGE: wide[course_end] - wide[baseline],
            }
        )
        contrast = compare(changes, WAITING_CHANGE, COURSE_CHANGE)
    return {
        "course": compare(wide, baseline, course_end),
        "waiting_period": waiting_result,
        "course_vs_waiting": contrast,
        "follow_up": {
            tp: compare(wide, baseline, tp) for tp in roles["follow_up"] if tp in observed
        },
    }


def _mixed(fit_name: str, data: pd.DataFrame, timepoints: Sequence[str], baseline: str) -> dict:
    """Call the mixed-model code; a numerically failed fit becomes 'unavailable'.

    Input errors (MixedModelInputError) propagate: they are bugs, not properties of the data.
    """
    try:
        from samen_sterker.stats import mixed
    except ImportError:
        return unavailable("the mixed-model module is not available")
    fit = getattr(mixed, fit_name, None)
    if fit is None:
        return unavailable(f"the mixed-model function {fit_name} is not available")
    try:
        result = dict(fit(data, list(timepoints), baseline))
    except np.linalg.LinAlgError as error:
        # The type only: messages of numerical code may quote data.
        log.warning("%s failed: %s", fit_name, type(error).__name__)
        return unavailable(f"the model could not be fitted ({type(error).__name__})")
    # Wall-clock time differs between runs; log it instead of writing it, so the JSON of the
    # same inputs is byte-identical.
    seconds = result.pop("fit_seconds", None)
    if seconds is not None:
        log.info("%s took %.3f s", fit_name, seconds)
    return result if "available" in result else {"available": True, **result}


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
    result = _mixed(
        "fit_pooled_model", data[columns].reset_index(drop=True), timepoints, roles["baseline"]
    )
    log.info("pooled model of %s: %.2f s in all", name, time.perf_counter() - started)
    return result


def analyse_outcome(
    frame: pd.DataFrame,
    name: str,
    outcome: Mapping,
    roles: dict,
    thresholds: dict,
    fit_mixed: bool = True,
    smallest_effect: float | None = None,
) -> dict:
    """All per-outcome statistics of one group (a municipality, or all of them pooled).

    fit_mixed=False leaves out the mixed model and the headline change that comes from it (the
    overview's per-municipality comparison rows do not use them, and each municipality's own
    JSON has them).
    """
    order = roles["order"]
    data = frame[frame["outcome"] == name]
    wide = wide_scores(data, order)
    observed = [tp for tp in order if wide[tp].notna().any()]
    pairs = _pairs(wide, roles["baseline"], roles["course_end"])
    reliable = reliable_change(
        pairs[roles["baseline"]],
        pairs[roles["course_end"]],
        wide[roles["baseline"]],
        outcome.get("reliability"),
        bool(outcome.get("higher_is_better", True)),
    )
    result = {
        "label": dict(outcome.get("label") or {}),
        "scale_min": outcome["min"],
        "scale_max": outcome["max"],
        "primary": bool(outcome.get("primary", False)),
        "higher_is_better": bool(outcome.get("higher_is_better", True)),
        "publication": outcome_publication(
            wide, order, roles["baseline"], roles["course_end"], thresholds
        ),
        "participation": participation(wide, order, roles["baseline"], roles["course_end"]),
        "descriptives": {tp: describe(wide[tp]) for tp in observed},
        "paired": _paired_set(wide, roles, observed, paired_comparison),
        "couple_means": _paired_set(wide, roles, observed, couple_mean_comparison),
        "reliable_change": reliable,
        "clinical_change": clinical_change(
            pairs[roles["baseline"]],
            pairs[roles["course_end"]],
            reliable,
            outcome.get("clinical_cutoff"),
            bool(outcome.get("higher_is_better", True)),
        ),
        "regression_to_the_mean": _regression_to_the_mean(wide, roles, observed, outcome),
    }
    if fit_mixed:
        columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
        result["mixed_model"] = _mixed(
            "fit_dyadic_model", data[columns].reset_index(drop=True), order, roles["baseline"]
        )
        # The headline is fitted on baseline and course end only: a couple's shared change
        # starts with the course, and over all occasions the couple x timepoint variance is
        # spread thin and the headline interval too narrow (docs/methods.md, validation).
        course = [roles["baseline"], roles["course_end"]]
        result["course_model"] = _mixed(
            "fit_dyadic_model",
            data.loc[data["timepoint"].isin(course), columns].reset_index(drop=True),
            course,
            roles["baseline"],
        )
        result["headline_change"] = headline_change(
            result["course_model"],
            result["couple_means"]["course"],
            roles["course_end"],
            smallest_effect,
            result["higher_is_better"],
        )
        result["attrition_tipping_point"] = tipping_point(
            result["headline_change"],
            int(wide[roles["baseline"]].notna().sum()),
            len(pairs),
            result["higher_is_better"],
        )
    return result


def _regression_to_the_mean(
    wide: pd.DataFrame, roles: dict, observed: Sequence[str], outcome: Mapping
) -> dict:
    waiting = roles["waiting_list"]
    if waiting is None or waiting not in observed:
        return unavailable("no waiting-list (intake) measurements")
    return regression_to_the_mean(
        wide[waiting].to_numpy(),
        wide[roles["baseline"]].to_numpy(),
        wide[roles["course_end"]].to_numpy(),
        outcome.get("population_mean"),
        bool(outcome.get("higher_is_better", True)),
    )


def _header(config: Mapping, roles: dict, frame: pd.DataFrame, year: int) -> dict:
    observed = [tp for tp in roles["order"] if (frame["timepoint"] == tp).any()]
    return {
        "schema_version": SCHEMA_VERSION,
        "year": int(year),
        "synthetic_data": bool(config.get("synthetic_data", False)),
        "course_cost_per_participant": config.get("course_cost_per_participant"),
        "timepoints": dict(roles, observed=observed),
        "primary_outcome": primary_outcome(config),
        "thresholds": thresholds_of(config),
    }


def year_decisions(measurements: pd.DataFrame, config: Mapping, year: int) -> dict:
    """The disclosure decisions of a cohort year (samen_sterker.disclosure)."""
    from samen_sterker.disclosure.year import disclose

    return disclose(measurements[measurements["year"] == year], config)


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


def municipal_frame(measurements: pd.DataFrame, year: int, municipality_code: str) -> pd.DataFrame:
    """The rows of one municipality in one cohort year (an error when there are none)."""
    frame = measurements[
        (measurements["year"] == year) & (measurements["municipality_code"] == municipality_code)
    ]
    if frame.empty:
        raise ValueError(
            f"measurements: no rows for municipality_code {municipality_code} and year {year}"
        )
    return frame


def municipal_outcomes(frame: pd.DataFrame, config: Mapping) -> dict:
    """Every outcome's statistics of one municipality, before the disclosure decisions (its own
    report's, and the overview's comparison rows are taken from them)."""
    roles = timepoint_roles(config)
    thresholds = thresholds_of(config)
    return {
        name: analyse_outcome(
            frame, name, outcome, roles, thresholds,
            smallest_effect=smallest_effect_of(config, name),
        )
        for name, outcome in config["outcomes"].items()
    }


def analyse_group(
    measurements: pd.DataFrame,
    config: dict,
    year: int,
    municipality_code: str,
    decisions: Mapping | None = None,
    outcomes: Mapping[str, dict] | None = None,
) -> dict:
    """The stats JSON of one municipality in one cohort year (see docs/stats-json.md), cut to
    what the year's disclosure decisions publish (computed here when not given).

    outcomes: its `municipal_outcomes`, when the caller has them already.
    """
    check_measurements(measurements, config)
    frame = municipal_frame(measurements, year, municipality_code)
    if decisions is None:
        decisions = year_decisions(measurements, config, year)
    roles = timepoint_roles(config)
    thresholds = thresholds_of(config)
    entry = decisions["groups"]["municipalities"][municipality_code]
    header = {
        **_header(config, roles, frame, year),
        "kind": "municipality",
        "municipality": str(frame["municipality"].iloc[0]),
        "municipality_code": municipality_code,
    }
    if not entry["published"]:
        # No numbers at all: not even its counts per timepoint.
        blocks = {name: hidden_outcome({"label": dict(o.get("label") or {}),
                                        "primary": bool(o.get("primary", False))})
                  for name, o in config["outcomes"].items()}
        return {
            **header,
            "publication": {"suppressed": True, "suppression": "primary",
                            "reasons": list(entry["reasons"]), "group": entry["group"]},
            "outcomes": blocks,
            "trend": {"available": False, "reason": "withheld"},
        }
    if outcomes is None:
        outcomes = municipal_outcomes(frame, config)
    outcomes = {
        name: publishable_outcome(result, decisions, municipality_code, name)
        for name, result in outcomes.items()
    }
    primary = outcomes[primary_outcome(config)]["publication"]
    publication = group_publication(frame, roles["order"], primary, thresholds)
    publication["suppression"] = None
    publication["group"] = municipality_code
    return {
        **header,
        "publication": publication,
        "outcomes": outcomes,
        "trend": trend(measurements, config, year, municipality_code),
    }


def _comparison_row(entry: dict, result: dict) -> dict:
    """A published group's row of the overview's comparison table (numbers already cut)."""
    row = {k: entry[k] for k in ("municipality", "municipality_code", "slug", "suppressed")}
    row["group"] = entry["group"]
    if "members" in entry:
        row["members"] = entry["members"]
    if entry["suppressed"]:
        return row
    course = result["paired"]["course"]
    part = result["participation"]
    reliable = result["reliable_change"]
    return row | {
        "participants": part["participants"],
        "couples": part["couples"],
        "complete_pairs": part["complete_pairs"],
        "post_response_rate": part["post_response_rate"],
        "mean_baseline": course.get("mean_from"),
        "mean_course_end": course.get("mean_to"),
        "mean_change": course.get("mean_change"),
        "ci_low": course.get("ci_low"),
        "ci_high": course.get("ci_high"),
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
    municipal: Mapping[str, dict] | None = None,
) -> dict:
    """The pooled overview JSON of one cohort year (see docs/stats-json.md).

    Pooled figures are computed over the published groups only (each published municipality,
    and "other municipalities" when those together meet the thresholds): subtracting the
    municipal reports from them never gives a withheld municipality.

    municipal: `municipal_outcomes` of every published municipality, when the caller has them
    (rule year_stats computes them once for both the overview and each municipality's JSON).
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
    if municipal is not None and decisions is not None:
        per_municipality = dict(municipal)
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
        per_municipality[OTHER] = outcome_results(group_frame(frame, groups, OTHER), config)
        rows.append((
            {"municipality": None, "municipality_code": OTHER, "slug": OTHER,
             "suppressed": False, "group": OTHER,
             "members": [str(names[c]) for c in groups["other"]["members"]]},
            OTHER,
        ))
    pooled_frame = group_frame(frame, groups, POOLED)

    outcomes = {}
    for name, outcome in config["outcomes"].items():
        if pooled_frame.empty:
            outcomes = _withheld_outcomes(config, municipalities)
            break
        progress.info("%d overview, %s: pooled analysis of %d rows", year, name,
                      len(pooled_frame))
        pooled = analyse_outcome(
            pooled_frame,
            name,
            outcome,
            roles,
            thresholds,
            smallest_effect=smallest_effect_of(config, name),
        )
        pooled = publishable_outcome(pooled, decisions, POOLED, name)
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
            measurements[measurements["municipality_code"].isin(own)],
            pooled_frame,
            name,
            outcome,
            roles,
            year,
            [entry for entry, _ in rows if not entry["suppressed"]],
            pooled["reliable_change"],
            {code: cell_decision(decisions, code, name, "fn:improved") for code in own},
        )
        pooled["year_model"] = _own_rows(view["year_model"], own)
        trend = view["change_trend"]
        if trend.get("available") and "by_municipality" in trend:
            trend["by_municipality"] = {
                code: rows_ for code, rows_ in trend["by_municipality"].items() if code in own
            }
        pooled["change_trend"] = trend
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
    publication["unshown_participants"] = decisions["unshown_participants"]
    publication["unshown_municipalities"] = sum(
        1 for entry in municipalities if entry["group"] is None
    )
    return {
        **_header(config, roles, frame, year),
        "kind": "overview",
        "municipalities": municipalities,
        "publication": publication,
        "outcomes": outcomes,
        "cost": cost_frame(config, outcomes, primary_name) if not pooled_frame.empty
        else unavailable("no published group"),
        "trend": pooled_trend(measurements, config, year, codes),
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
