"""Every statistic of one outcome of one group (a municipality, "other municipalities" or
the published groups pooled): descriptives, paired tests, reliable and clinical change,
regression to the mean and the dyadic mixed models with the headline change."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from samen_sterker.canonical import MEASUREMENT_COLUMNS
from samen_sterker.config import primary_outcome
from samen_sterker.disclosure.decide import thresholds_of
from samen_sterker.stats.attrition import tipping_point
from samen_sterker.stats.change import headline_change
from samen_sterker.stats.descriptives import describe
from samen_sterker.stats.paired import analyse_pairs, unavailable
from samen_sterker.stats.participation import (
    outcome_publication,
    participation,
    wide_scores,
)
from samen_sterker.stats.regression_to_mean import regression_to_the_mean
from samen_sterker.stats.reliable_change import clinical_change, reliable_change

# Default of config `smallest_effect_of_interest` (workflow/schemas/config.schema.yaml).
DEFAULT_SMALLEST_EFFECT = 0.5

log = logging.getLogger(__name__)


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


def mixed_model_result(fit_name: str, data: pd.DataFrame, timepoints: Sequence[str], baseline: str) -> dict:
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


def _outcome_rows(frame: pd.DataFrame, name: str, roles: dict) -> tuple:
    """One outcome's rows of a group, its scores per participant and the participants with
    both a baseline and a course-end score."""
    data = frame[frame["outcome"] == name]
    wide = wide_scores(data, roles["order"])
    return data, wide, _pairs(wide, roles["baseline"], roles["course_end"])


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
    disclosure decisions need neither); add_mixed_models adds them to such a result afterwards
    for every published group, whose comparison row and own JSON show its headline change.
    """
    data, wide, pairs = _outcome_rows(frame, name, roles)
    result = _without_mixed_models(wide, pairs, outcome, roles, thresholds)
    if fit_mixed:
        result.update(_mixed_models(data, wide, pairs, result, roles, smallest_effect))
    return result


def add_mixed_models(
    without_mixed: Mapping,
    frame: pd.DataFrame,
    name: str,
    roles: dict,
    smallest_effect: float | None = None,
) -> dict:
    """analyse_outcome(..., fit_mixed=True) of a group, given its fit_mixed=False result of
    the same rows: that result with the mixed models, headline change and attrition tipping
    point added (issue 14: rule year_stats reuses what rule disclosure computed)."""
    data, wide, pairs = _outcome_rows(frame, name, roles)
    return {**without_mixed, **_mixed_models(data, wide, pairs, without_mixed, roles,
                                             smallest_effect)}


def _without_mixed_models(
    wide: pd.DataFrame, pairs: pd.DataFrame, outcome: Mapping, roles: dict, thresholds: dict
) -> dict:
    order = roles["order"]
    observed = [tp for tp in order if wide[tp].notna().any()]
    reliable = reliable_change(
        pairs[roles["baseline"]],
        pairs[roles["course_end"]],
        wide[roles["baseline"]],
        outcome.get("reliability"),
        bool(outcome.get("higher_is_better", True)),
        couple_ids=pairs["couple_id"],
    )
    return {
        "label": dict(outcome.get("label") or {}),
        "scale_min": outcome["min"],
        "scale_max": outcome["max"],
        "primary": bool(outcome.get("primary", False)),
        "higher_is_better": bool(outcome.get("higher_is_better", True)),
        "publication": outcome_publication(
            wide, order, roles["baseline"], roles["course_end"], thresholds
        ),
        "participation": participation(wide, order, roles["baseline"], roles["course_end"]),
        "descriptives": {tp: describe(wide[tp], wide["couple_id"]) for tp in observed},
        "paired": _paired_set(wide, roles, observed, paired_comparison),
        "couple_means": _paired_set(wide, roles, observed, couple_mean_comparison),
        "reliable_change": reliable,
        "clinical_change": clinical_change(
            pairs[roles["baseline"]],
            pairs[roles["course_end"]],
            reliable,
            outcome.get("clinical_cutoff"),
            bool(outcome.get("higher_is_better", True)),
            couple_ids=pairs["couple_id"],
        ),
        "regression_to_the_mean": _regression_to_the_mean(wide, roles, observed, outcome),
    }


def _mixed_models(
    data: pd.DataFrame,
    wide: pd.DataFrame,
    pairs: pd.DataFrame,
    without_mixed: Mapping,
    roles: dict,
    smallest_effect: float | None,
) -> dict:
    """The mixed-model part of analyse_outcome, in the order its keys are written."""
    columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
    part = {
        "mixed_model": mixed_model_result(
            "fit_dyadic_model", data[columns].reset_index(drop=True), roles["order"],
            roles["baseline"],
        )
    }
    # The headline is fitted on baseline and course end only: a couple's shared change
    # starts with the course, and over all occasions the couple x timepoint variance is
    # spread thin and the headline interval too narrow (docs/methods.md, validation).
    course = [roles["baseline"], roles["course_end"]]
    part["course_model"] = mixed_model_result(
        "fit_dyadic_model",
        data.loc[data["timepoint"].isin(course), columns].reset_index(drop=True),
        course,
        roles["baseline"],
    )
    part["headline_change"] = headline_change(
        part["course_model"],
        without_mixed["couple_means"]["course"],
        roles["course_end"],
        smallest_effect,
        without_mixed["higher_is_better"],
    )
    part["attrition_tipping_point"] = tipping_point(
        part["headline_change"],
        int(wide[roles["baseline"]].notna().sum()),
        len(pairs),
        float(wide[roles["baseline"]].mean()),
        float(pairs[roles["course_end"]].mean()) if len(pairs) else 0.0,
        (without_mixed["scale_min"], without_mixed["scale_max"]),
        without_mixed["higher_is_better"],
    )
    return part


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


def every_outcome(frame: pd.DataFrame, config: Mapping, fit_mixed: bool = True) -> dict:
    """analyse_outcome of every configured outcome of one group (see fit_mixed there)."""
    roles = timepoint_roles(config)
    thresholds = thresholds_of(config)
    return {
        name: analyse_outcome(
            frame, name, outcome, roles, thresholds, fit_mixed=fit_mixed,
            smallest_effect=smallest_effect_of(config, name),
        )
        for name, outcome in config["outcomes"].items()
    }


def add_every_mixed_model(without_mixed: Mapping[str, Mapping], frame: pd.DataFrame,
                          config: Mapping) -> dict:
    """every_outcome(frame, config) of one group, given its every_outcome(..., fit_mixed=False)
    of the same rows (add_mixed_models of each outcome)."""
    roles = timepoint_roles(config)
    return {
        name: add_mixed_models(without_mixed[name], frame, name, roles,
                               smallest_effect_of(config, name))
        for name in config["outcomes"]
    }
