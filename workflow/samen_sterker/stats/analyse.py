"""Assemble the stats JSON of one municipality and year (the overview: `pooled.py`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from samen_sterker.config import primary_outcome
from samen_sterker.disclosure.apply import hidden_outcome, publishable_outcome
from samen_sterker.disclosure.decide import thresholds_of
from samen_sterker.stats.outcome import (
    check_measurements,
    every_outcome,
    timepoint_roles,
)
from samen_sterker.stats.participation import (
    group_publication,
)
from samen_sterker.stats.trend import trend

SCHEMA_VERSION = "1.0"


# One line per step of a year's statistics, with counts (issue 14: a national or 100k-row
# year must not run silently); the statistics job shows them on the console.
progress = logging.getLogger("samen_sterker.progress")


def json_header(config: Mapping, roles: dict, frame: pd.DataFrame, year: int) -> dict:
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
    return every_outcome(frame, config)


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
        **json_header(config, roles, frame, year),
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
