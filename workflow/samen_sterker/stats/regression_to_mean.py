"""Regression to the mean (RTM) where a waiting-period (intake) measurement exists.

People tend to sign up for a relationship course when things are worse than usual; measured
again, their scores drift back towards their usual level with or without a course. With an
intake measurement some weeks before the course this can be sized:

- the test-retest correlation r of the outcome from intake to baseline (this cohort's, with
  its 95% CI): a lower bound of the reliability when true scores changed during the wait, and
  lowered further by selection on low scores (range restriction), so RTM is overstated,
  never understated, by using it;
- the RTM expected over the course, (1 - r)(mu - x_bar) (e.g. Barnett, van der Pols & Dobson
  2005), with x_bar the baseline mean of the course pairs and mu the mean of the population
  participants were drawn from (config `population_mean`, with its source; without it the
  expectation is not computed). The formula assumes selection at the baseline measurement;
  where people were selected at intake, the waiting-period change shows the regression
  directly (`paired.waiting_period`);
- the course change beyond that expectation, and the reliable-change threshold that r gives
  (Jacobson & Truax 1991: 1.96 * sqrt(2) * SD_baseline * sqrt(1 - r)).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

from samen_sterker.stats.reliable_change import RCI_CRITERION, se_difference

MIN_RETEST_PAIRS = 5


def unavailable(reason: str) -> dict:
    return {"available": False, "reason": reason}


def retest_correlation(first: np.ndarray, second: np.ndarray) -> dict:
    """Pearson r of two occasions of the same persons, with its Fisher-z 95% CI."""
    result = stats.pearsonr(first, second)
    interval = result.confidence_interval(confidence_level=0.95)
    return {
        "n": int(first.size),
        "r": float(result.statistic),
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
    }


def regression_to_the_mean(
    intake: np.ndarray,
    baseline: np.ndarray,
    course_end: np.ndarray,
    population_mean: Mapping | None = None,
    higher_is_better: bool = True,
) -> dict:
    """RTM figures of one outcome; arrays are per person (NaN where not measured)."""
    intake, baseline, course_end = (np.asarray(a, dtype=float) for a in (intake, baseline,
                                                                           course_end))
    retest = ~np.isnan(intake) & ~np.isnan(baseline)
    if retest.sum() < MIN_RETEST_PAIRS:
        return unavailable(f"fewer than {MIN_RETEST_PAIRS} persons measured at intake and baseline")
    if np.ptp(intake[retest]) == 0 or np.ptp(baseline[retest]) == 0:
        return unavailable("no variation at intake or baseline")
    correlation = retest_correlation(intake[retest], baseline[retest])
    r = correlation["r"]
    pairs = ~np.isnan(baseline) & ~np.isnan(course_end)
    if pairs.sum() < 2:
        return unavailable("fewer than 2 persons measured at baseline and course end")
    baseline_mean = float(baseline[pairs].mean())
    course_change = float((course_end[pairs] - baseline[pairs]).mean())
    sd_baseline = float(np.nanstd(baseline[~np.isnan(baseline)], ddof=1))
    usable = 0 < r < 1
    result = {
        "available": True,
        "reliability_source": (
            "test-retest correlation intake -> baseline of this group (a lower bound of the "
            "reliability: true change during the wait and selection on low scores lower it)"
        ),
        "retest": correlation,
        "baseline_mean": baseline_mean,
        "course_change": course_change,
        "reliable_change_threshold": (
            RCI_CRITERION * se_difference(sd_baseline, r) if usable else None
        ),
    }
    if population_mean is None or population_mean.get("value") is None:
        return {
            **result,
            "expected": None,
            "expected_reason": "no population mean is configured (outcomes.*.population_mean)",
        }
    if not usable:
        return {**result, "expected": None, "expected_reason": "r is not between 0 and 1"}
    mu = float(population_mean["value"])
    expected = (1 - r) * (mu - baseline_mean)
    beyond = course_change - expected
    return {
        **result,
        "population_mean": mu,
        "population_mean_source": population_mean.get("citation"),
        "expected": expected,
        "beyond_expected": beyond,
        # Expected drift in the direction of improvement (a worse-than-usual start).
        "expected_is_improvement": bool((expected > 0) == higher_is_better and expected != 0),
    }

