"""Reliable change (Jacobson & Truax 1991), clinical change and Wilson CIs."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from samen_sterker.stats.reliable_change import (
    RCI_CRITERION,
    clinical_change,
    reliable_change,
    se_difference,
    share,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "fixtures" / "reference" / "paired" / "reference.json").read_text(
        encoding="utf-8"
    )
)
CSI = {"value": 0.94, "citation": "Funk & Rogge (2007)"}


@pytest.mark.parametrize("case", REFERENCE["wilson"], ids=lambda c: f"{c['count']}/{c['n']}")
def test_wilson_interval_equals_r_prop_test(case):
    result = share(case["count"], case["n"])
    assert result["share"] == pytest.approx(case["count"] / case["n"])
    assert result["ci_low"] == pytest.approx(case["ci_low"], abs=1e-10)
    assert result["ci_high"] == pytest.approx(case["ci_high"], abs=1e-10)


def test_share_of_nobody_is_null():
    assert share(0, 0) == {"count": 0, "n": 0, "share": None, "ci_low": None, "ci_high": None}


def test_jacobson_truax_worked_example():
    # Jacobson & Truax (1991): SD_pre = 7.5, r_xx = .88 -> S_diff = sqrt(2 * (7.5*sqrt(.12))^2)
    # = 3.67; a change of 7.2 or more is reliable (1.96 * 3.67).
    assert se_difference(7.5, 0.88) == pytest.approx(3.674, abs=1e-3)
    assert RCI_CRITERION * se_difference(7.5, 0.88) == pytest.approx(7.2, abs=0.01)


def _cohort():
    # Baseline SD = 1.7889; S_diff = sqrt(2) * 1.7889 * sqrt(.06) = 0.6197; minimal reliable
    # change = 1.96 * S_diff = 1.2146.
    baseline = np.array([6.0, 8.0, 10.0, 6.0, 8.0, 10.0])
    after = baseline + np.array([2.0, 1.3, 0.0, -1.4, 3.0, -0.5])
    return baseline, after


def test_classification_by_hand():
    before, after = _cohort()
    assert before.std(ddof=1) == pytest.approx(1.7888543819998317)
    result = reliable_change(before, after, before, CSI, higher_is_better=True)
    s_diff = math.sqrt(2) * before.std(ddof=1) * math.sqrt(1 - 0.94)
    assert result["se_difference"] == pytest.approx(s_diff)
    assert result["minimal_reliable_change"] == pytest.approx(1.96 * s_diff)
    # +2, +1.3, +3 exceed 1.2146: improved; -1.4: deteriorated; 0 and -0.5: unchanged.
    assert result["improved"]["count"] == 3
    assert result["deteriorated"]["count"] == 1
    assert result["unchanged"]["count"] == 2
    assert result["n"] == 6 and result["reliability"] == CSI


def test_lower_is_better_flips_the_direction():
    before, after = _cohort()
    result = reliable_change(before, after, before, CSI, higher_is_better=False)
    assert result["improved"]["count"] == 1 and result["deteriorated"]["count"] == 3


def test_sensitivity_is_monotone_in_reliability():
    before, after = _cohort()
    result = reliable_change(before, after, before, CSI, higher_is_better=True)
    thresholds = [row["minimal_reliable_change"] for row in result["sensitivity"]]
    assert [row["reliability"] for row in result["sensitivity"]] == [0.70, 0.80, 0.90]
    assert thresholds == sorted(thresholds, reverse=True)
    # r = .70: threshold 1.96*sqrt(2)*1.789*sqrt(.3) = 2.716: only the +3 is reliable.
    assert result["sensitivity"][0]["improved"]["count"] == 1


def test_no_reliability_is_unavailable_with_reason():
    result = reliable_change([1.0, 2.0], [3.0, 4.0], [1.0, 2.0], None, True)
    assert result["available"] is False and "reliability" in result["reason"]


def test_clinical_change_recovered_needs_reliable_improvement_and_crossing():
    before = np.array([10.0, 10.0, 12.0, 14.0, 9.0, 16.0])
    after = np.array([16.0, 11.0, 13.8, 10.0, 9.5, 18.0])
    reliable = reliable_change(before, after, before, CSI, higher_is_better=True)
    # SD_pre = 2.714 -> minimal reliable change 1.96 * sqrt(2) * 2.714 * sqrt(.06) = 1.843.
    mrc = reliable["minimal_reliable_change"]
    assert mrc == pytest.approx(1.843, abs=1e-3)
    result = clinical_change(
        before, after, reliable, {"value": 13.5, "citation": "x"}, higher_is_better=True
    )
    # Started below 13.5: 10, 10, 12, 9. 10->16 is reliable and crosses: recovered. 10->11,
    # 12->13.8 (1.8 < 1.843) and 9->9.5 are not reliable: unchanged.
    assert result["n_started_dysfunctional"] == 4 and result["n_started_functional"] == 2
    expected_recovered = int((after[:1] - before[:1] > mrc).sum())
    assert result["recovered"]["count"] == expected_recovered == 1
    assert result["unchanged"]["count"] == 3
    assert result["recovered"]["n"] == 4


def test_clinical_change_needs_a_cutoff():
    reliable = reliable_change([1.0, 5.0], [3.0, 4.0], [1.0, 5.0], CSI, True)
    assert clinical_change([1.0], [3.0], reliable, None, True)["available"] is False
