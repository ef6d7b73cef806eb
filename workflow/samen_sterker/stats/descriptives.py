"""Descriptive statistics of the scores at one timepoint, with a couple-aware interval of the
mean (docs/methods.md, "Descriptives")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samen_sterker.stats.couple_interval import (
    COUPLE_ROBUST_METHOD,
    NO_CI_FEWER_THAN_TWO_COUPLES,
    couple_robust_interval,
)

CI_METHOD = "mean of the respondents; " + COUPLE_ROBUST_METHOD


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
