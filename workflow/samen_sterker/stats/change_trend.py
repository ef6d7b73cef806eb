"""Trend across cohort years: the change per year in the course change, with its 95% CI.

Per cohort year <= the report's year the course change is estimated with its SE:

- pooled: the year model's pooled change (`funders_model.fit_pooled_change`; with fewer than
  five municipalities the paired t on couple means of the pooled year);
- per municipality: the paired t on couple means (couples, not partners, are the units).

The trend is the slope of these changes on the year by inverse-variance weighted least
squares (a fixed-effect meta-regression): slope = sum w (x - x̄_w)(y - ȳ_w) / sum w (x - x̄_w)²,
SE = 1 / sqrt(sum w (x - x̄_w)²), normal 95% CI. It treats each year's SE as known and
assumes no year-to-year variation beyond sampling; with two years it is the difference of the
two changes with its SE.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.stats

from samen_sterker.stats.funders_model import MIN_MUNICIPALITIES, fit_pooled_change
from samen_sterker.stats.participation import wide_scores

Z_95 = float(scipy.stats.norm.ppf(0.975))


def couple_mean_change(data: pd.DataFrame, roles: Mapping) -> dict | None:
    """Course change on couple means of complete pairs: estimate, SE, couples (None if < 2)."""
    baseline, course_end = roles["baseline"], roles["course_end"]
    wide = wide_scores(data, roles["order"]).dropna(subset=[baseline, course_end])
    means = wide.groupby("couple_id")[[baseline, course_end]].mean()
    change = (means[course_end] - means[baseline]).to_numpy(float)
    if len(change) < 2:
        return None
    return {
        "estimate": float(change.mean()),
        "se": float(change.std(ddof=1) / np.sqrt(len(change))),
        "couples": len(change),
    }


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


def change_trend(measurements: pd.DataFrame, name: str, roles: Mapping, year: int) -> dict:
    """Pooled and per-municipality trend of the course change over cohort years <= year."""
    data = measurements[(measurements["year"] <= year) & (measurements["outcome"] == name)]
    years = sorted(int(y) for y in data["year"].unique())
    if len(years) < 2:
        return {"available": False, "reason": "fewer than two cohort years with data"}
    pooled_rows, by_municipality = [], {}
    for y in years:
        in_year = data[data["year"] == y]
        columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
        if in_year["municipality_code"].nunique() >= MIN_MUNICIPALITIES:
            row = fit_pooled_change(in_year[columns], roles["baseline"], roles["course_end"])
            source = "year_model"
        else:
            row, source = couple_mean_change(in_year, roles), "couple_means"
        if row is not None:
            pooled_rows.append({"year": y, "source": source, **row})
        for code, own in in_year.groupby("municipality_code"):
            change = couple_mean_change(own, roles)
            if change is not None:
                by_municipality.setdefault(str(code), []).append({"year": y, **change})

    def trend_of(rows: list[dict]) -> dict:
        if len(rows) < 2 or not all(r["se"] and r["se"] > 0 for r in rows):
            return {"available": False, "reason": "fewer than two years with a change"}
        fitted = slope(
            [r["year"] for r in rows], [r["estimate"] for r in rows], [r["se"] for r in rows]
        )
        return {"available": True, **fitted, "years": rows}

    return {
        "available": True,
        "method": "inverse-variance weighted slope of each year's course change on the year "
        "(fixed-effect meta-regression, normal 95% CI); pooled changes from the year model "
        "(couple means below five municipalities), municipal ones from couple means",
        "pooled": trend_of(pooled_rows),
        "municipalities": [
            {"municipality_code": code, **trend_of(rows)}
            for code, rows in sorted(by_municipality.items())
        ],
    }
