"""Descriptive statistics of the scores at one timepoint."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

CI_LEVEL = 0.95


def describe(values: Sequence[float] | np.ndarray) -> dict:
    """n, mean, SD, median, quartiles (R type 7) and 95% t-CI of the mean of non-missing values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return {key: None for key in ("mean", "sd", "median", "q1", "q3", "ci_low", "ci_high")} | {
            "n": 0
        }
    mean = float(values.mean())
    # numpy's default 'linear' quantile method is R's quantile type 7.
    q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
    if n < 2:
        sd = ci_low = ci_high = None
    else:
        sd = float(values.std(ddof=1))
        half_width = stats.t.ppf(1 - (1 - CI_LEVEL) / 2, n - 1) * sd / math.sqrt(n)
        ci_low, ci_high = mean - half_width, mean + half_width
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "median": median,
        "q1": q1,
        "q3": q3,
        "ci_low": ci_low,
        "ci_high": ci_high,
    }
