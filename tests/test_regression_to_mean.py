"""Regression to the mean (stats/regression_to_mean.py): r against a hand-computed Fisher-z
interval, and the expected drift against a simulated population whose truth is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from samen_sterker.stats.regression_to_mean import regression_to_the_mean, retest_correlation

MU, SD_TRUE, SD_ERROR = 7.0, 1.2, 0.8
RELIABILITY = SD_TRUE**2 / (SD_TRUE**2 + SD_ERROR**2)


def test_retest_correlation_matches_fisher_z_by_hand():
    rng = np.random.default_rng(3)
    first = rng.normal(size=30)
    second = 0.6 * first + rng.normal(scale=0.8, size=30)
    got = retest_correlation(first, second)
    r = np.corrcoef(first, second)[0, 1]
    half = 1.959963984540054 / math.sqrt(30 - 3)
    assert got["r"] == pytest.approx(r, abs=1e-12)
    assert got["ci_low"] == pytest.approx(math.tanh(math.atanh(r) - half), abs=1e-9)
    assert got["ci_high"] == pytest.approx(math.tanh(math.atanh(r) + half), abs=1e-9)


def selected_population(seed: int, n: int = 200_000, cutoff: float = 6.0):
    """No true change; people join when their baseline score is low (selection at baseline)."""
    rng = np.random.default_rng(seed)
    true = rng.normal(MU, SD_TRUE, n)
    intake, baseline, course_end = (true + rng.normal(0, SD_ERROR, n) for _ in range(3))
    joined = baseline < cutoff
    return intake[joined], baseline[joined], course_end[joined]


def test_expected_drift_equals_the_observed_one_with_the_population_reliability():
    intake, baseline, course_end = selected_population(11)
    result = regression_to_the_mean(intake, baseline, course_end, {"value": MU})
    # Normal theory: E[next | baseline] = mu + rho (baseline - mu); with no true change the
    # whole observed change is regression to the mean.
    expected_with_rho = (1 - RELIABILITY) * (MU - result["baseline_mean"])
    assert result["course_change"] == pytest.approx(expected_with_rho, abs=0.01)
    assert result["course_change"] > 0.5  # a visible drift upwards without any course


def test_the_cohorts_retest_r_overstates_the_drift_never_understates_it():
    intake, baseline, course_end = selected_population(12)
    result = regression_to_the_mean(intake, baseline, course_end, {"value": MU, "citation": "x"})
    assert result["retest"]["r"] < RELIABILITY  # range restriction lowers r
    assert result["expected"] > result["course_change"]
    assert result["beyond_expected"] < 0  # no course effect is claimed from a pure drift
    assert result["population_mean_source"] == "x"


def test_without_population_mean_or_enough_pairs():
    intake, baseline, course_end = selected_population(13, n=2_000)
    result = regression_to_the_mean(intake, baseline, course_end, None)
    assert result["available"] and result["expected"] is None
    assert result["reliable_change_threshold"] == pytest.approx(
        1.96 * math.sqrt(2) * np.std(baseline, ddof=1) * math.sqrt(1 - result["retest"]["r"])
    )
    nan = np.full(4, np.nan)
    assert not regression_to_the_mean(nan, baseline[:4], course_end[:4])["available"]
