"""Descriptives against R: mean, sd, quantile type 7, and the couple-aware 95% interval of the
mean (CR2 with couples as clusters, Bell-McCaffrey df; docs/methods.md, "Descriptives")."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samen_sterker.stats.descriptives import (
    CI_METHOD,
    NO_CI_FEWER_THAN_TWO_COUPLES,
    describe,
)

REFERENCE_DIR = Path(__file__).parent / "fixtures" / "reference" / "paired"
REFERENCE = json.loads((REFERENCE_DIR / "reference.json").read_text(encoding="utf-8"))
PAIRS = pd.read_csv(REFERENCE_DIR / "pairs.csv")
CASES = [(name, column) for name in sorted(REFERENCE["paired"]) for column in ("before", "after")]

COUPLES_DIR = Path(__file__).parent / "fixtures" / "reference" / "descriptives"
COUPLES = json.loads((COUPLES_DIR / "reference.json").read_text(encoding="utf-8"))["cases"]
SCORES = pd.read_csv(COUPLES_DIR / "scores.csv")


def _own_couples(values):
    """Every respondent in a couple of their own."""
    return [f"C{i}" for i in range(len(values))]


@pytest.mark.parametrize(("name", "column"), CASES)
def test_describe_equals_r(name, column):
    # With one respondent per couple the couple-aware interval is R's t.test interval.
    values = PAIRS.loc[PAIRS["dataset"] == name, column]
    result = describe(values, _own_couples(values))
    expected = REFERENCE["paired"][name][column]
    assert result["n"] == expected["n"] == result["n_couples"]
    for key in ("mean", "sd", "median", "q1", "q3", "ci_low", "ci_high"):
        assert result[key] == pytest.approx(expected[key], abs=1e-8), key
    assert result["ci_df"] == pytest.approx(expected["n"] - 1, abs=1e-9)


@pytest.mark.parametrize("name", sorted(COUPLES))
def test_couple_aware_interval_equals_r_cr2(name):
    """The interval is R's CR2 / Bell-McCaffrey interval (general matrix algebra there); the
    point estimate is the respondents' plain mean, not the random-intercept model's."""
    data = SCORES[SCORES["case"] == name]
    result = describe(data["value"], data["couple_id"])
    expected = COUPLES[name]
    assert (result["n"], result["n_couples"]) == (expected["n"], expected["n_couples"])
    assert result["mean"] == pytest.approx(data["value"].mean(), abs=1e-12)
    for key, reference in (("mean", "mean"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                           ("ci_df", "df")):
        assert result[key] == pytest.approx(expected["cr2"][reference], abs=1e-8), key
    assert result["ci_method"] == CI_METHOD


@pytest.mark.parametrize("name", ["pairs", "demo_GM9998_intake", "demo_GM9998_pre"])
def test_both_partners_of_every_couple_gives_the_t_of_couple_means(name):
    data = SCORES[SCORES["case"] == name]
    assert (data.groupby("couple_id").size() == 2).all()
    result = describe(data["value"], data["couple_id"])
    expected = COUPLES[name]["t_on_couple_means"]
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(
        (expected["ci_low"], expected["ci_high"]), abs=1e-8)
    assert result["ci_df"] == pytest.approx(expected_df := data["couple_id"].nunique() - 1)
    assert expected_df == COUPLES[name]["n_couples"] - 1


def test_reviewer_case_nergenshuizen_before_course():
    """The reviewer's finding: 21 partners in 11 couples; the interval over people was
    4.2-5.8, lmer's 3.8-6.2 (R, in the fixture)."""
    data = SCORES[SCORES["case"] == "demo_GM9999_pre"]
    result = describe(data["value"], data["couple_id"])
    naive = COUPLES["demo_GM9999_pre"]["t_over_respondents"]
    assert (round(naive["ci_low"], 1), round(naive["ci_high"], 1)) == (4.2, 5.8)
    assert (round(result["ci_low"], 1), round(result["ci_high"], 1)) == (3.8, 6.2)
    assert result["mean"] == 5.0


def test_fewer_than_two_couples_has_no_interval_and_says_why():
    one_couple = describe([4.0, 6.0], ["K1", "K1"])
    assert one_couple["n"] == 2 and one_couple["sd"] == pytest.approx(2**0.5)
    assert one_couple["ci_low"] is one_couple["ci_high"] is one_couple["ci_df"] is None
    assert one_couple["ci_method"] == NO_CI_FEWER_THAN_TWO_COUPLES
    single = describe([4.0], ["K1"])
    assert single["n"] == 1 and single["mean"] == 4.0 and single["median"] == 4.0
    assert single["sd"] is None and single["ci_low"] is None
    empty = describe([], [])
    assert empty["n"] == 0 and empty["n_couples"] == 0 and empty["mean"] is None


def test_missing_values_are_ignored_with_their_couples():
    assert describe([1.0, np.nan, 3.0, 5.0], ["A", "B", "C", "C"]) == describe(
        [1.0, 3.0, 5.0], ["A", "C", "C"])


def test_values_and_couples_of_different_length_is_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        describe([1.0, 2.0], ["A"])


def test_hand_computed_small_sample():
    # 2, 4, 4, 5: mean 3.75, var = (3.0625 + .0625*2 + 1.5625) / 3 = 1.5833..; type 7 q1 = 3.5.
    result = describe([2, 4, 4, 5], ["A", "B", "C", "D"])
    assert result["mean"] == pytest.approx(3.75)
    assert result["sd"] == pytest.approx((4.75 / 3) ** 0.5)
    assert (result["q1"], result["median"], result["q3"]) == pytest.approx((3.5, 4.0, 4.25))


def test_hand_computed_couples_of_unequal_size():
    # Couples {2, 4} and {6}: mean 4, n = 3; the couples' sums of deviations are -2 and +2.
    # CR2 divides each squared sum by 1 - (couple size / n) before the 1/n^2 of a mean:
    # Var = (4 / (1/3) + 4 / (2/3)) / 9 = (12 + 6) / 9 = 2.
    # With two couples the two sums are each other's negative, so the variance is one squared
    # normal quantity: exactly 1 degree of freedom (R gives 1 too, case two_couples).
    result = describe([2.0, 4.0, 6.0], ["A", "A", "B"])
    half = stats.t.ppf(0.975, 1) * 2**0.5
    assert result["ci_df"] == pytest.approx(1.0, rel=1e-12)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((4 - half, 4 + half))


def test_coverage_with_correlated_partners():
    """21 partners in 11 couples, partners correlating 0.78 (the reviewer's simulation): the
    interval over people covered the true mean 85.7% of the time; this one about 95%
    (benchmarks/descriptives_coverage.py prints more designs). 2,000 cohorts, fixed seed:
    Monte Carlo SE 0.5 percentage points, so the bounds are 3 SE wide."""
    rng = np.random.default_rng(20250602)
    rho, cohorts = 0.78, 2000
    couple_ids = np.repeat(np.arange(11), [2] * 10 + [1])
    naive_hits = couple_hits = 0
    for _ in range(cohorts):
        values = (rng.normal(0, rho**0.5, 11)[couple_ids]
                  + rng.normal(0, (1 - rho) ** 0.5, couple_ids.size))
        result = describe(values, couple_ids)
        couple_hits += result["ci_low"] <= 0 <= result["ci_high"]
        half = stats.t.ppf(0.975, 20) * values.std(ddof=1) / 21**0.5
        naive_hits += abs(values.mean()) <= half
    assert 0.935 <= couple_hits / cohorts <= 0.965
    assert naive_hits / cohorts < 0.88
