"""Tipping-point sensitivity for attrition (stats/attrition.py).

The formula (the marginal change shifts by share_missing x delta) is checked two ways: against
hand-worked numbers, and against the primary mixed model itself, refitted after shifting some
participants' course-end scores by delta on complete data.
"""

from __future__ import annotations

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


def test_hand_worked_tipping_points():
    # 40 at baseline, 10 without a course-end score: f = 0.25. The CI's lower bound 1.4 reaches
    # 0 when the missing 10 changed 1.4 / 0.25 = 5.6 points less than assumed, and the SESOI
    # 0.5 at (1.4 - 0.5) / 0.25 = 3.6.
    result = tipping_point(HEADLINE, 40, 30)
    assert result["share_missing"] == 0.25
    assert result["delta_to_zero"] == pytest.approx(5.6)
    assert result["delta_to_smallest_effect"] == pytest.approx(3.6)


def test_lower_is_better_reads_the_upper_bound():
    worse_is_lower = {**HEADLINE, "estimate": -2.4, "ci_low": -3.4, "ci_high": -1.4}
    result = tipping_point(worse_is_lower, 40, 30, higher_is_better=False)
    assert result["delta_to_zero"] == pytest.approx(5.6)


def test_no_tipping_point_where_the_interval_already_reaches_the_bound():
    unclear = {**HEADLINE, "ci_low": -0.2}
    assert tipping_point(unclear, 40, 30)["delta_to_zero"] is None
    small = {**HEADLINE, "ci_low": 0.3}
    result = tipping_point(small, 40, 30)
    assert result["delta_to_zero"] == pytest.approx(1.2)
    assert result["delta_to_smallest_effect"] is None
    assert not tipping_point(HEADLINE, 40, 40)["available"]
    assert not tipping_point({"available": False}, 40, 30)["available"]
    with pytest.raises(ValueError):
        tipping_point(HEADLINE, 10, 12)


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


def test_the_report_says_what_the_tipping_point_can_and_cannot_show():
    from samen_sterker.config import load_config
    from samen_sterker.reports import municipal
    from samen_sterker.reports.context import ReportContext
    from samen_sterker.simulate import demo_truth
    from samen_sterker.stats.analyse import analyse_group

    config = load_config("config/config.yaml")
    stats = analyse_group(demo_truth(), config, 2024, "GM9999")
    tipping = stats["outcomes"][RATING]["attrition_tipping_point"]
    assert tipping["available"] and tipping["delta_to_zero"] > 0
    html = municipal.participation_section(ReportContext(stats=stats, lang="nl"))
    delta = f"{tipping['delta_to_zero']:.1f}".replace(".", ",")
    assert f"Pas bij gemiddeld {delta} punt minder" in html
    assert "kunnen deze gegevens niet laten zien" in html
