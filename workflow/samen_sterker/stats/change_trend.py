"""Trend across cohort years: the change per year in the course change, with its 95% CI.

The inputs are the points of `stats.trend` (each year's couple-level course change with its
SE, over that year's published groups), the same the trend charts plot. The trend is their
slope on the year by inverse-variance weighted least squares (a fixed-effect
meta-regression): slope = sum w (x - x̄_w)(y - ȳ_w) / sum w (x - x̄_w)², SE = 1 / sqrt(sum w
(x - x̄_w)²), normal 95% CI. It treats each year's SE as known and assumes no year-to-year
variation beyond sampling; with two years it is the difference of the two changes with its SE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.stats

Z_95 = float(scipy.stats.norm.ppf(0.975))


def slope(years: list[int], estimates: list[float], ses: list[float]) -> dict:
    """Inverse-variance weighted slope of the change on the year, with normal 95% CI."""
    x, y = np.asarray(years, float), np.asarray(estimates, float)
    w = 1 / np.asarray(ses, float) ** 2
    x_bar, y_bar = np.sum(w * x) / w.sum(), np.sum(w * y) / w.sum()
    sxx = float(np.sum(w * (x - x_bar) ** 2))
    estimate = float(np.sum(w * (x - x_bar) * (y - y_bar)) / sxx)
    se = float(1 / np.sqrt(sxx))
    return {
        "change_per_year": estimate,
        "se": se,
        "ci_low": estimate - Z_95 * se,
        "ci_high": estimate + Z_95 * se,
    }


def trend_points(rows: Sequence[Mapping]) -> list[Mapping]:
    """The rows of `stats.trend` with a course change: the points the charts plot (a withheld
    row has none), every one of them an input of the slope."""
    return [row for row in rows if row["mean_change"] is not None]


def trend_fit(rows: Sequence[Mapping]) -> dict:
    """The slope of one group's trend points (rows of `stats.trend`)."""
    points = trend_points(rows)
    if len(points) < 2:
        return {"available": False, "reason": "fewer than two years with a change"}
    if not all(point["se"] and point["se"] > 0 for point in points):
        # Weighting by 1/SE² needs a spread in every year; dropping that year instead would
        # fit fewer points than the chart shows.
        return {"available": False, "reason": "a year's change has no standard error"}
    fitted = slope([r["year"] for r in points], [r["mean_change"] for r in points],
                   [r["se"] for r in points])
    return {"available": True, **fitted, "years": [r["year"] for r in points]}
