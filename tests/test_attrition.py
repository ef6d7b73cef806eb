"""Tipping-point sensitivity for attrition (stats/attrition.py).

The formula (the marginal change shifts by share_missing x delta) is checked two ways: against
hand-worked numbers, and against the primary mixed model itself, refitted after shifting some
participants' course-end scores by delta on complete data. The scale's limit on delta is
checked against hand-worked numbers and against R's refit of the primary model with every
non-completer at the worst score (tests/fixtures/reference/attrition).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samen_sterker.simulate import (
    DEMO_PARAMETERS,
    RATING,
    responses_to_measurements,
    simulate_responses,
)
from samen_sterker.stats.attrition import tipping_point
from samen_sterker.stats.mixed import fit_dyadic_model

HEADLINE = {"available": True, "estimate": 2.4, "ci_low": 1.4, "ci_high": 3.4,
            "smallest_effect_of_interest": 0.5}
# Baseline mean of all 40, course-end mean of the 30 completers, the 1-10 scale.
MEANS = (5.0, 7.5, (1, 10))
REFERENCE = Path(__file__).parent / "fixtures" / "reference" / "attrition"


def test_hand_worked_tipping_points():
    # 40 at baseline, 10 without a course-end score: f = 0.25. The CI's lower bound 1.4 reaches
    # 0 when the missing 10 changed 1.4 / 0.25 = 5.6 points less than assumed, and the SESOI
    # 0.5 at (1.4 - 0.5) / 0.25 = 3.6.
    result = tipping_point(HEADLINE, 40, 30, *MEANS)
    assert result["share_missing"] == 0.25
    assert result["delta_to_zero"] == pytest.approx(5.6)
    assert result["delta_to_smallest_effect"] == pytest.approx(3.6)


def test_lower_is_better_reads_the_upper_bound():
    worse_is_lower = {**HEADLINE, "estimate": -2.4, "ci_low": -3.4, "ci_high": -1.4}
    result = tipping_point(worse_is_lower, 40, 30, 5.0, 2.5, (1, 10), higher_is_better=False)
    assert result["delta_to_zero"] == pytest.approx(5.6)


def test_no_tipping_point_where_the_interval_already_reaches_the_bound():
    unclear = {**HEADLINE, "ci_low": -0.2}
    assert tipping_point(unclear, 40, 30, *MEANS)["delta_to_zero"] is None
    small = {**HEADLINE, "ci_low": 0.3}
    result = tipping_point(small, 40, 30, *MEANS)
    assert result["delta_to_zero"] == pytest.approx(1.2)
    assert result["delta_to_smallest_effect"] is None
    assert not tipping_point(HEADLINE, 40, 40, *MEANS)["available"]
    assert not tipping_point({"available": False}, 40, 30, *MEANS)["available"]
    with pytest.raises(ValueError):
        tipping_point(HEADLINE, 10, 12, *MEANS)


def test_the_mixed_models_change_shifts_by_share_times_delta():
    # Complete pre/post data of the demo's size; lowering the post score of m of n participants
    # by delta lowers the primary model's change by about (m / n) x delta: exactly for balanced
    # data, where the REML GLS estimate is the difference of means; within a few percent here,
    # where some couples have one partner. This is the relation the tipping point uses.
    responses = simulate_responses(DEMO_PARAMETERS, 7)
    data = responses_to_measurements(responses)
    data = data[(data["outcome"] == RATING) & data["timepoint"].isin(["pre", "post"])]
    both = data.groupby("participant_id")["timepoint"].transform("nunique") == 2
    data = data[both].reset_index(drop=True)
    columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
    before = fit_dyadic_model(data[columns], ["pre", "post"], "pre")["contrasts"]["post"]
    people = sorted(data["participant_id"].unique())
    shifted = people[::4]
    delta = 1.5
    lowered = data.copy()
    mask = lowered["participant_id"].isin(shifted) & (lowered["timepoint"] == "post")
    lowered.loc[mask, "value"] -= delta
    after = fit_dyadic_model(lowered[columns], ["pre", "post"], "pre")["contrasts"]["post"]
    share = len(shifted) / len(people)
    assert before["estimate"] - after["estimate"] == pytest.approx(share * delta, rel=0.03)
    assert np.isfinite(after["se"])


def test_a_tipping_point_only_counts_where_the_scale_reaches():
    # Under MAR the model gives all 40 a course-end mean of 5.0 + 2.4 = 7.4; the 30 completers
    # have 7.5, so the 10 non-completers are filled in at (40 x 7.4 - 30 x 7.5) / 10 = 7.1. On
    # the 1-10 scale they can fall at most 7.1 - 1 = 6.1 points short: the tipping points 5.6
    # (to 0) and 3.6 (to the SESOI) are possible, and the worst case is 2.4 - 0.25 x 6.1.
    result = tipping_point(HEADLINE, 40, 30, *MEANS)
    assert result["implied_course_end_mean_missing"] == pytest.approx(7.1)
    assert result["largest_possible_delta"] == pytest.approx(6.1)
    assert result["delta_to_zero_possible"] and result["delta_to_smallest_effect_possible"]
    assert result["worst_case_estimate"] == pytest.approx(0.875)
    assert result["worst_case_ci_low"] == pytest.approx(-0.125)
    # On a 4-10 scale the worst score is only 3.1 below 7.1: neither point can be reached.
    narrow = tipping_point(HEADLINE, 40, 30, 5.0, 7.5, (4, 10))
    assert narrow["largest_possible_delta"] == pytest.approx(3.1)
    assert narrow["delta_to_zero_possible"] is False
    assert narrow["delta_to_smallest_effect_possible"] is False
    assert narrow["worst_case_ci_low"] == pytest.approx(1.4 - 0.25 * 3.1)
    # Lower is better: the worst score is the scale's maximum. Model: 5.0 - 2.4 = 2.6 for all
    # 40, completers 2.5, so the 10 are filled in at 2.9 and can be at most 10 - 2.9 = 7.1 worse.
    lower = {**HEADLINE, "estimate": -2.4, "ci_low": -3.4, "ci_high": -1.4}
    mirrored = tipping_point(lower, 40, 30, 5.0, 2.5, (1, 10), higher_is_better=False)
    assert mirrored["largest_possible_delta"] == pytest.approx(7.1)
    assert mirrored["worst_case_estimate"] == pytest.approx(-2.4 + 0.25 * 7.1)
    assert mirrored["worst_case_ci_high"] == pytest.approx(-1.4 + 0.25 * 7.1)


def _nergenshuizen():
    from samen_sterker.config import load_config
    from samen_sterker.simulate import demo_truth
    from samen_sterker.stats.analyse import analyse_group

    return analyse_group(demo_truth(), load_config("config/config.yaml"), 2024, "GM9999")


@pytest.mark.parametrize("outcome", ["relationship_rating", "couple_satisfaction"])
def test_the_worst_case_agrees_with_rs_refit_with_the_worst_scores(outcome):
    # The reviewer's check: Nergenshuizen's 3 non-completers given the scale's worst score at
    # course end, the primary model refitted in R (lme4 + lmerTest). The 1-10 rating's change
    # stays +2.25 (1.04 to 3.47): no tipping point is reachable, where the report used to say
    # "only at 16.2 points less". The bound's worst-case change is within 1% of R's; R's
    # interval is wider (the worst scores add spread; the bound keeps the width) and still
    # above 0 and the SESOI, so the report's "still certain" holds for the refit too.
    r = json.loads((REFERENCE / f"{outcome}_worst.json").read_text())
    block = _nergenshuizen()["outcomes"][outcome]
    tipping, headline = block["attrition_tipping_point"], block["headline_change"]
    assert tipping["n_missing_course_end"] == 3
    assert tipping["worst_case_estimate"] == pytest.approx(r["estimate"], rel=0.01)
    assert tipping["delta_to_zero"] > tipping["largest_possible_delta"]
    assert tipping["delta_to_zero_possible"] is False
    assert r["ci_low"] > 0
    sesoi = headline["smallest_effect_of_interest"]
    if sesoi is not None:
        assert tipping["delta_to_smallest_effect_possible"] is False
        assert r["ci_low"] > sesoi


def test_the_report_says_what_the_tipping_point_can_and_cannot_show():
    from samen_sterker.reports import municipal
    from samen_sterker.reports.context import ReportContext

    stats = _nergenshuizen()
    tipping = stats["outcomes"][RATING]["attrition_tipping_point"]
    assert tipping["available"] and not tipping["delta_to_zero_possible"]
    html = municipal.participation_section(ReportContext(stats=stats, lang="nl"))
    assert "Pas bij gemiddeld" not in html
    assert "Ook als zij na de cursus allemaal de slechtste score hadden, is een verandering zeker." in html
    assert "kunnen deze gegevens niet laten zien" in html
    english = municipal.participation_section(ReportContext(stats=stats, lang="en"))
    assert "even if they all had the worst possible score after the course" in english
    # A tipping point the scale allows is named in points.
    tipping.update(delta_to_zero=2.5, delta_to_zero_possible=True)
    html = municipal.participation_section(ReportContext(stats=stats, lang="nl"))
    assert "Pas bij gemiddeld 2,5 punt minder" in html
    assert "slechtste score" not in html
