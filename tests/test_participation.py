"""Participation counts, attrition (Welch vs R), publication cells and which groups a year
publishes (samen_sterker.disclosure.decide_groups)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samen_sterker.disclosure.decide import decide_groups
from samen_sterker.stats.participation import (
    attrition_comparison,
    outcome_publication,
    participation,
    publication_cell,
    wide_scores,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "fixtures" / "reference" / "paired" / "reference.json").read_text(
        encoding="utf-8"
    )
)
TIMEPOINTS = ["intake", "pre", "post", "followup"]
THRESHOLDS = {"min_respondents": 10, "min_couples": 5}


def _long(rows):
    return pd.DataFrame(rows, columns=["couple_id", "participant_id", "timepoint", "value"])


def _small_cohort():
    # K1: both partners pre+post; K2: A pre+post, B pre only; K3: one partner, pre only;
    # K4: A post only (no baseline).
    return wide_scores(
        _long(
            [
                ("K1", "K1A", "pre", 5.0),
                ("K1", "K1A", "post", 8.0),
                ("K1", "K1B", "pre", 6.0),
                ("K1", "K1B", "post", 7.0),
                ("K2", "K2A", "pre", 4.0),
                ("K2", "K2A", "post", 6.0),
                ("K2", "K2B", "pre", 3.0),
                ("K3", "K3A", "pre", 7.0),
                ("K4", "K4A", "post", 9.0),
            ]
        ),
        TIMEPOINTS,
    )


def test_participation_counts_by_hand():
    result = participation(_small_cohort(), TIMEPOINTS, "pre", "post")
    assert result["participants"] == 6
    assert result["couples"] == 4
    assert result["couples_both_partners"] == 2
    assert result["couples_one_partner"] == 2
    assert result["measurements_per_timepoint"] == {"intake": 0, "pre": 5, "post": 4, "followup": 0}
    assert result["participants_at_baseline"] == 5
    assert result["complete_pairs"] == 3
    assert result["complete_pair_couples"] == 2
    assert result["post_response_rate"] == pytest.approx(3 / 5)
    assert result["attrition_rate"] == pytest.approx(2 / 5)
    # Non-completers (3.0, 7.0) against completers (5, 6, 4): difference 5 - 5 = 0.
    comparison = result["completers_vs_noncompleters"]
    assert comparison["difference"] == pytest.approx(0.0)
    assert comparison["n_noncompleters"] == 2


def test_welch_attrition_comparison_equals_r():
    ref = REFERENCE["welch"]
    result = attrition_comparison(np.array(ref["completers"]), np.array(ref["noncompleters"]))
    for key in ("difference", "ci_low", "ci_high", "t", "df", "p_value"):
        assert result[key] == pytest.approx(ref[key], abs=1e-8), key


def test_attrition_needs_two_in_each_group():
    result = attrition_comparison(np.array([1.0, 2.0]), np.array([3.0]))
    assert result["available"] is False


def test_duplicate_measurements_are_named_by_row_not_value():
    frame = _long([("K1", "K1A", "pre", 5.0), ("K1", "K1A", "pre", 6.5)])
    with pytest.raises(ValueError) as error:
        wide_scores(frame, TIMEPOINTS)
    message = str(error.value)
    assert "rows 0, 1" in message and "participant_id" in message
    assert "6.5" not in message and "K1A" not in message


def test_publication_cell_thresholds():
    assert publication_cell(10, 5, THRESHOLDS)["suppressed"] is False
    assert publication_cell(9, 5, THRESHOLDS)["reasons"] == ["fewer_respondents_than_min"]
    assert publication_cell(12, 4, THRESHOLDS)["reasons"] == ["fewer_couples_than_min"]
    assert publication_cell(3, 2, THRESHOLDS)["suppressed"] is True


def test_outcome_publication_scopes_reasons():
    result = outcome_publication(_small_cohort(), TIMEPOINTS, "pre", "post", THRESHOLDS)
    assert result["suppressed"] is True
    assert "pre:fewer_respondents_than_min" in result["reasons"]
    assert "course_change:fewer_couples_than_min" in result["reasons"]
    assert result["course_change"]["respondents"] == 3
    assert result["by_timepoint"]["pre"] == {
        "respondents": 5,
        "couples": 3,
        "suppressed": True,
        "reasons": ["fewer_respondents_than_min", "fewer_couples_than_min"],
    }


def _cells(respondents, couples):
    cell = publication_cell(respondents, couples, THRESHOLDS)
    return {"baseline": cell, "course_end": cell, "course_change": cell}


def _published(groups):
    return sorted(code for code, e in groups["municipalities"].items() if e["published"])


def test_every_municipality_published_without_small_ones():
    groups = decide_groups({"GM0001": _cells(20, 10), "GM0002": _cells(30, 15)}, THRESHOLDS)
    assert _published(groups) == ["GM0001", "GM0002"]
    assert groups["shown_groups"] == ["GM0001", "GM0002"]
    assert groups["other"]["published"] is False


def test_a_single_small_municipality_is_in_no_group_and_takes_nobody_with_it():
    """The old rule withheld GM0003 (12 respondents) to hide GM0001; now GM0003 keeps its
    report and GM0001, alone, is in no published group (a group of one would be itself)."""
    cells = {"GM0001": _cells(6, 3), "GM0002": _cells(30, 15), "GM0003": _cells(12, 6)}
    groups = decide_groups(cells, THRESHOLDS)
    assert _published(groups) == ["GM0002", "GM0003"]
    assert groups["other"]["members"] == ["GM0001"]
    assert groups["other"]["published"] is False
    assert groups["other"]["reasons"][0] == "one_member"
    assert groups["municipalities"]["GM0001"]["group"] is None


def test_small_municipalities_that_together_reach_the_thresholds_are_published_together():
    cells = {"GM0001": _cells(6, 3), "GM0002": _cells(6, 3), "GM0003": _cells(30, 15)}
    groups = decide_groups(cells, THRESHOLDS)
    assert _published(groups) == ["GM0003"]
    assert groups["other"]["published"] is True
    assert groups["shown_groups"] == ["GM0003", "other"]
    assert groups["municipalities"]["GM0001"]["group"] == "other"
