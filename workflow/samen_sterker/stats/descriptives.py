"""Descriptive statistics of the scores at one timepoint, with a couple-aware interval of the
mean (docs/methods.md, "Descriptives")."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

CI_LEVEL = 0.95
CI_METHOD = (
    "mean of the respondents; cluster-robust (CR2) standard error with couples as clusters and "
    "Bell-McCaffrey degrees of freedom (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018)"
)
NO_CI_FEWER_THAN_TWO_COUPLES = "no interval: fewer than 2 couples"


def couple_robust_interval(
    values: np.ndarray, couple_ids: Sequence[str] | np.ndarray, level: float = CI_LEVEL
) -> tuple[float, float, float, float] | None:
    """(low, high, se, df) of the t-interval of the plain mean with couples as clusters.

    The mean is the respondents' own, whatever the couple sizes; only its uncertainty counts
    couples. CR2 is the bias-reduced sandwich estimator (Bell & McCaffrey 2002) of the
    intercept-only regression, and its degrees of freedom the Satterthwaite approximation
    under the working model of independent scores (Bell-McCaffrey; clubSandwich's
    `coef_test(vcov = "CR2", test = "Satterthwaite")` for `lm`). With X = 1 everything has a
    closed form per couple c of m_c respondents among n, with r_c the couple's sum of
    deviations from the mean and a_c = 1 / (n sqrt(1 - m_c / n)):

        Var = sum_c a_c^2 r_c^2
        df  = tr(Q)^2 / ||Q||_F^2,   Q = diag(a_c^2 m_c) - u u' / n,   u_c = a_c m_c

    With both partners of every couple this is exactly the t-interval of couple means (df =
    couples - 1); with one respondent per couple it is the ordinary t-interval (df = n - 1).
    None with fewer than 2 couples: then nothing is known about how couples differ.
    """
    _, couple_index = np.unique(np.asarray(couple_ids), return_inverse=True)
    m = np.bincount(couple_index).astype(float)
    if m.size < 2:
        return None
    n = float(values.size)
    r = np.bincount(couple_index, weights=values - values.mean())
    a2 = 1.0 / (n * n * (1.0 - m / n))
    se = math.sqrt(float(np.sum(a2 * r * r)))
    diagonal = a2 * m
    u2 = a2 * m * m
    trace = diagonal.sum() - u2.sum() / n
    frobenius2 = (
        np.sum(diagonal * diagonal) - 2.0 / n * np.sum(diagonal * u2) + (u2.sum() / n) ** 2
    )
    df = float(trace * trace / frobenius2)
    # stdtrit(df, p) is t.ppf(p, df) without the distribution object's overhead (ten times
    # faster; the coverage test calls this thousands of times).
    half_width = special.stdtrit(df, 1 - (1 - level) / 2) * se
    mean = float(values.mean())
    return mean - half_width, mean + half_width, se, df


def describe(
    values: Sequence[float] | np.ndarray, couple_ids: Sequence[str] | np.ndarray
) -> dict:
    """n, couples, mean, SD, median, quartiles (R type 7) and the couple-aware 95% CI of the
    mean of the non-missing values; couple_ids[i] is the couple of values[i]."""
    values = np.asarray(values, dtype=float)
    couple_ids = np.asarray(couple_ids, dtype=object)
    if couple_ids.shape != values.shape:
        raise ValueError("describe: values and couple_ids differ in length")
    present = ~np.isnan(values)
    values, couple_ids = values[present], couple_ids[present]
    n = int(values.size)
    n_couples = len(set(couple_ids.tolist()))
    if n == 0:
        return {key: None for key in ("mean", "sd", "median", "q1", "q3", "ci_low", "ci_high",
                                      "ci_df", "ci_method")} | {"n": 0, "n_couples": 0}
    mean = float(values.mean())
    # numpy's default 'linear' quantile method is R's quantile type 7.
    q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
    sd = float(values.std(ddof=1)) if n >= 2 else None
    interval = couple_robust_interval(values, couple_ids)
    if interval is None:
        ci_low = ci_high = ci_df = None
        ci_method = NO_CI_FEWER_THAN_TWO_COUPLES
    else:
        ci_low, ci_high, _, ci_df = interval
        ci_method = CI_METHOD
    return {
        "n": n,
        "n_couples": n_couples,
        "mean": mean,
        "sd": sd,
        "median": median,
        "q1": q1,
        "q3": q3,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "ci_df": ci_df,
        "ci_method": ci_method,
    }
