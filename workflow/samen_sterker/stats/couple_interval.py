"""The couple-aware 95% interval of a plain mean: of a timepoint's scores (descriptives) and of
the changes of complete pairs (paired analysis). Partners' scores and changes correlate, so the
interval counts couples, not people (docs/methods.md, "Descriptives" and "Paired analysis")."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

CI_LEVEL = 0.95
COUPLE_ROBUST_METHOD = (
    "cluster-robust (CR2) standard error with couples as clusters and Bell-McCaffrey degrees "
    "of freedom (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018)"
)
NO_CI_FEWER_THAN_TWO_COUPLES = "no interval: fewer than 2 couples"


def couple_robust_interval(
    values: np.ndarray, couple_ids: Sequence[str] | np.ndarray, level: float = CI_LEVEL
) -> tuple[float, float, float, float] | None:
    """(low, high, se, df) of the t-interval of the plain mean with couples as clusters.

    The mean is the values' own (every respondent or pair counts once), whatever the couple
    sizes; only its uncertainty counts couples. CR2 is the bias-reduced sandwich estimator
    (Bell & McCaffrey 2002) of the intercept-only regression, and its degrees of freedom the
    Satterthwaite approximation under the working model of independent values
    (Bell-McCaffrey; clubSandwich's `coef_test(vcov = "CR2", test = "Satterthwaite")` for
    `lm`). With X = 1 everything has a closed form per couple c of m_c values among n, with
    r_c the couple's sum of deviations from the mean and a_c = 1 / (n sqrt(1 - m_c / n)):

        Var = sum_c a_c^2 r_c^2
        df  = tr(Q)^2 / ||Q||_F^2,   Q = diag(a_c^2 m_c) - u u' / n,   u_c = a_c m_c

    With both partners of every couple this is exactly the t-interval of couple means (df =
    couples - 1); with one value per couple it is the ordinary t-interval (df = n - 1).
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
