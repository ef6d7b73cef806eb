"""Reliable change (Jacobson & Truax 1991), clinical change and the couple-aware intervals
of their shares (Korn & Graubard 1998, as R survey::svyciprop(method = "beta"))."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samen_sterker.stats.reliable_change import (
    RCI_CRITERION,
    clinical_change,
    reliable_change,
    se_difference,
    share,
)
from samen_sterker.stats.share_interval import CI_METHOD

SHARES_DIR = Path(__file__).parent / "fixtures" / "reference" / "shares"
SHARES = json.loads((SHARES_DIR / "reference.json").read_text(encoding="utf-8"))["cases"]
CLASSES = pd.read_csv(SHARES_DIR / "classes.csv")
CSI = {"value": 0.94, "citation": "Funk & Rogge (2007)"}


def _survey_is_regular(case):
    """survey gives a number that is the interval: two couples or more, 0 < p < 1 and an
    effective sample size finite and at most n (the rest is docs/methods.md's rule)."""
    survey = case["survey"]
    return "error" not in survey and isinstance(survey["n_eff_unadjusted"], float | int) and (
        0 < survey["n_eff_unadjusted"] <= case["n"]
    )


def _share_of(name):
    data = CLASSES[CLASSES["case"] == name]
    return share(data["in_class"].to_numpy() == 1, data["couple_id"].to_numpy())


REGULAR = sorted(name for name, case in SHARES.items() if _survey_is_regular(case))
DEGENERATE = sorted(set(SHARES) - set(REGULAR))


def test_the_fixture_holds_both_kinds_of_case():
    assert len(REGULAR) >= 15
    assert {"all_split", "mostly_split", "none", "all", "one_couple", "drawn_45"} <= set(
        DEGENERATE
    )


@pytest.mark.parametrize("name", REGULAR)
def test_share_interval_equals_r_survey_svyciprop_beta(name):
    result = _share_of(name)
    case = SHARES[name]
    assert (result["count"], result["n"]) == (case["count"], case["n"])
    assert result["share"] == pytest.approx(case["count"] / case["n"], abs=1e-15)
    assert result["ci_low"] == pytest.approx(case["survey"]["ci_low"], abs=1e-8)
    assert result["ci_high"] == pytest.approx(case["survey"]["ci_high"], abs=1e-8)
    # The fixture's rule (written out from qbeta in R) is survey's interval here.
    assert case["rule"]["ci_low"] == pytest.approx(case["survey"]["ci_low"], abs=1e-12)


@pytest.mark.parametrize("name", DEGENERATE)
def test_share_interval_where_survey_has_none_follows_the_documented_rule(name):
    """Effective n at most n before the df adjustment; 0 or 1 at a share of 0 or 1; one
    couple 0 to 1 (survey: NaN, 0.5-0.5, n_eff above n, or 'only one primary sampling
    unit')."""
    result = _share_of(name)
    case = SHARES[name]
    assert result["ci_low"] == pytest.approx(case["rule"]["ci_low"], abs=1e-8)
    assert result["ci_high"] == pytest.approx(case["rule"]["ci_high"], abs=1e-8)
    assert result["ci_low"] <= result["share"] <= result["ci_high"]


def test_no_one_in_the_class_of_singles_is_clopper_pearson():
    # Twelve singles, none in the class: n_eff = n and df n - 1 both ways, so the interval is
    # R's binom.test's, 0 to 1 - 0.025^(1/12).
    result = _share_of("none_singles")
    expected = SHARES["none_singles"]["clopper_pearson"]
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(
        (expected["ci_low"], expected["ci_high"]), abs=1e-12
    )
    assert result["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 12), abs=1e-12)


def test_one_couple_knows_nothing():
    assert _share_of("one_couple")["ci_low"] == 0.0 and _share_of("one_couple")["ci_high"] == 1.0


def test_partners_in_the_same_class_widen_the_interval_beyond_wilson():
    # Four of ten people in five couples, both partners always alike (design effect 2.5 with
    # survey's C/(C-1)): the Wilson interval counted ten independent people.
    result = _share_of("same_class")
    wilson = SHARES["same_class"]["wilson"]
    assert result["ci_low"] < wilson["ci_low"] and result["ci_high"] > wilson["ci_high"]


def test_share_of_nobody_is_null():
    assert share(np.zeros(0, bool), np.array([], object)) == {
        "count": 0, "n": 0, "share": None, "ci_low": None, "ci_high": None}


def test_jacobson_truax_worked_example():
    # Jacobson & Truax (1991): SD_pre = 7.5, r_xx = .88 -> S_diff = sqrt(2 * (7.5*sqrt(.12))^2)
    # = 3.67; a change of 7.2 or more is reliable (1.96 * 3.67).
    assert se_difference(7.5, 0.88) == pytest.approx(3.674, abs=1e-3)
    assert RCI_CRITERION * se_difference(7.5, 0.88) == pytest.approx(7.2, abs=0.01)


# Six people in three couples (the fixture's cohort_improved and cohort_recovered).
COUPLES = np.array(["C1", "C1", "C2", "C2", "C3", "C3"], dtype=object)


def _cohort():
    # Baseline SD = 1.7889; S_diff = sqrt(2) * 1.7889 * sqrt(.06) = 0.6197; minimal reliable
    # change = 1.96 * S_diff = 1.2146.
    baseline = np.array([6.0, 8.0, 10.0, 6.0, 8.0, 10.0])
    after = baseline + np.array([2.0, 1.3, 0.0, -1.4, 3.0, -0.5])
    return baseline, after


def test_classification_by_hand():
    before, after = _cohort()
    assert before.std(ddof=1) == pytest.approx(1.7888543819998317)
    result = reliable_change(before, after, before, CSI, higher_is_better=True,
                             couple_ids=COUPLES)
    s_diff = math.sqrt(2) * before.std(ddof=1) * math.sqrt(1 - 0.94)
    assert result["se_difference"] == pytest.approx(s_diff)
    assert result["minimal_reliable_change"] == pytest.approx(1.96 * s_diff)
    # +2, +1.3, +3 exceed 1.2146: improved; -1.4: deteriorated; 0 and -0.5: unchanged.
    assert result["improved"]["count"] == 3
    assert result["deteriorated"]["count"] == 1
    assert result["unchanged"]["count"] == 2
    assert result["n"] == 6 and result["reliability"] == CSI
    # Improved: both partners of C1 and one of C3 (R survey, case cohort_improved).
    expected = SHARES["cohort_improved"]["survey"]
    assert result["improved"]["ci_low"] == pytest.approx(expected["ci_low"], abs=1e-8)
    assert result["improved"]["ci_high"] == pytest.approx(expected["ci_high"], abs=1e-8)
    assert result["ci_method"] == CI_METHOD


def test_lower_is_better_flips_the_direction():
    before, after = _cohort()
    result = reliable_change(before, after, before, CSI, higher_is_better=False,
                             couple_ids=COUPLES)
    assert result["improved"]["count"] == 1 and result["deteriorated"]["count"] == 3


def test_sensitivity_is_monotone_in_reliability():
    before, after = _cohort()
    result = reliable_change(before, after, before, CSI, higher_is_better=True,
                             couple_ids=COUPLES)
    thresholds = [row["minimal_reliable_change"] for row in result["sensitivity"]]
    assert [row["reliability"] for row in result["sensitivity"]] == [0.70, 0.80, 0.90]
    assert thresholds == sorted(thresholds, reverse=True)
    # r = .70: threshold 1.96*sqrt(2)*1.789*sqrt(.3) = 2.716: only the +3 is reliable.
    assert result["sensitivity"][0]["improved"]["count"] == 1


def test_no_reliability_is_unavailable_with_reason():
    result = reliable_change([1.0, 2.0], [3.0, 4.0], [1.0, 2.0], None, True,
                             couple_ids=["C1", "C2"])
    assert result["available"] is False and "reliability" in result["reason"]


def test_clinical_change_recovered_needs_reliable_improvement_and_crossing():
    before = np.array([10.0, 10.0, 12.0, 14.0, 9.0, 16.0])
    after = np.array([16.0, 11.0, 13.8, 10.0, 9.5, 18.0])
    reliable = reliable_change(before, after, before, CSI, higher_is_better=True,
                             couple_ids=COUPLES)
    # SD_pre = 2.714 -> minimal reliable change 1.96 * sqrt(2) * 2.714 * sqrt(.06) = 1.843.
    mrc = reliable["minimal_reliable_change"]
    assert mrc == pytest.approx(1.843, abs=1e-3)
    result = clinical_change(
        before, after, reliable, {"value": 13.5, "citation": "x"}, higher_is_better=True,
        couple_ids=COUPLES,
    )
    # Started below 13.5: 10, 10, 12, 9. 10->16 is reliable and crosses: recovered. 10->11,
    # 12->13.8 (1.8 < 1.843) and 9->9.5 are not reliable: unchanged.
    assert result["n_started_dysfunctional"] == 4 and result["n_started_functional"] == 2
    expected_recovered = int((after[:1] - before[:1] > mrc).sum())
    assert result["recovered"]["count"] == expected_recovered == 1
    assert result["unchanged"]["count"] == 3
    assert result["recovered"]["n"] == 4
    # The interval counts the starters' own couples: C1 both, C2 and C3 one each (case
    # cohort_recovered; partners unlike each other, so survey's n_eff is above n and the
    # documented rule holds).
    expected = SHARES["cohort_recovered"]["rule"]
    assert result["recovered"]["ci_low"] == pytest.approx(expected["ci_low"], abs=1e-8)
    assert result["recovered"]["ci_high"] == pytest.approx(expected["ci_high"], abs=1e-8)
    assert result["ci_method"] == CI_METHOD


def test_clinical_change_needs_a_cutoff():
    reliable = reliable_change([1.0, 5.0], [3.0, 4.0], [1.0, 5.0], CSI, True,
                               couple_ids=["C1", "C1"])
    assert clinical_change([1.0], [3.0], reliable, None, True,
                           couple_ids=["C1"])["available"] is False
