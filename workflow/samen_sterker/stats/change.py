"""The headline course change: the primary model's estimate, and where its interval lies.

A one-group pre/post design shows change, not an effect of the course, and a p-value alone
says nothing about how large a change is. So the report's sentence about the change is chosen
from where the 95% CI lies relative to 0 and to a smallest effect of interest (SESOI, config
`smallest_effect_of_interest`, in points of the primary outcome), never from p. The reading
is computed here, once, and reports map it to a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

from scipy import stats

# Power for the minimal detectable effect (two-sided alpha .05, 80% power: the usual choice).
MDE_POWER = 0.80
MDE_ALPHA = 0.05
PRIMARY_SOURCE = "mixed_model"
FALLBACK_SOURCE = "couple_means"
METHOD = (
    "contrast course_end - baseline of the primary dyadic mixed model fitted on the baseline "
    "and course-end measurements (REML, lmerTest Satterthwaite df): value ~ timepoint + "
    "(1 | couple) + (1 | couple:participant) + (1 | couple:timepoint)"
)
FALLBACK_METHOD = (
    "paired t on couple means (the primary model could not be fitted; couple means keep "
    "partners from counting as independent)"
)

# Readings in the direction of improvement (`higher_is_better` decides the sign).
READINGS = (
    "better_beyond_sesoi",  # whole CI above the SESOI: probably larger than the SESOI
    "better_size_unclear",  # CI above 0, straddles the SESOI
    "better_below_sesoi",  # CI above 0, below the SESOI: improved, probably by less
    "no_change_within_sesoi",  # CI contains 0, lies within +-SESOI: any change is small
    "unclear",  # CI contains 0 and reaches beyond the SESOI (or no SESOI): cannot tell
    "worse_below_sesoi",
    "worse_size_unclear",
    "worse_beyond_sesoi",
    "better",  # without a SESOI: CI above 0
    "worse",  # without a SESOI: CI below 0
)


def interval_reading(
    ci_low: float, ci_high: float, sesoi: float | None, higher_is_better: bool = True
) -> str:
    """Where a CI of a change lies relative to 0 and +-SESOI, in the direction of improvement.

    Boundaries: an interval that touches 0 contains it (no clear change); one that touches the
    SESOI is not beyond it.
    """
    low, high = (ci_low, ci_high) if higher_is_better else (-ci_high, -ci_low)
    if sesoi is None:
        return "better" if low > 0 else "worse" if high < 0 else "unclear"
    if sesoi <= 0:
        raise ValueError("smallest_effect_of_interest must be positive")
    if low > 0:
        if low > sesoi:
            return "better_beyond_sesoi"
        return "better_below_sesoi" if high < sesoi else "better_size_unclear"
    if high < 0:
        if high < -sesoi:
            return "worse_beyond_sesoi"
        return "worse_below_sesoi" if low > -sesoi else "worse_size_unclear"
    return "no_change_within_sesoi" if -sesoi < low and high < sesoi else "unclear"


def minimal_detectable_effect(se: float, df: float) -> float:
    """Smallest true change detected with 80% power at alpha .05 (two-sided), given SE and df."""
    return float((stats.t.ppf(1 - MDE_ALPHA / 2, df) + stats.t.ppf(MDE_POWER, df)) * se)


def headline_change(
    mixed_model: Mapping,
    couple_means: Mapping,
    course_end: str,
    sesoi: float | None,
    higher_is_better: bool,
) -> dict:
    """The headline change baseline -> course_end with its CI, reading and precision.

    From the primary model's contrast; if that model is unavailable, from the paired t on
    couple means (flagged in `source`). `checks` names the participant-level and couple-mean
    paired analyses that stay beside it (not copied: each number lives in one place).
    """
    contrast = (mixed_model.get("contrasts") or {}).get(course_end) or {}
    checks = {"paired_t": "paired.course", "couple_mean_t": "couple_means.course"}
    if mixed_model.get("available") and contrast.get("available", True) and contrast.get("se"):
        estimate, se, df = contrast["estimate"], contrast["se"], contrast["df"]
        ci_low, ci_high, p = contrast["ci_low"], contrast["ci_high"], contrast["p"]
        source, method = PRIMARY_SOURCE, METHOD
    elif couple_means.get("available") and couple_means["t_test"]["t"] is not None:
        estimate, se = couple_means["mean_change"], couple_means["se_change"]
        df = couple_means["t_test"]["df"]
        ci_low, ci_high = couple_means["ci_low"], couple_means["ci_high"]
        p = couple_means["t_test"]["p_value"]
        source, method = FALLBACK_SOURCE, FALLBACK_METHOD
    else:
        return {
            "available": False,
            "reason": "neither the primary model nor the couple-mean paired t is available",
            "smallest_effect_of_interest": sesoi,
            "checks": checks,
        }
    if df is None or ci_low is None or ci_high is None:
        return {
            "available": False,
            "reason": "the change has no finite degrees of freedom or interval",
            "smallest_effect_of_interest": sesoi,
            "checks": checks,
        }
    return {
        "available": True,
        "source": source,
        "method": method,
        "estimate": estimate,
        "se": se,
        "df": df,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "p": p,
        "smallest_effect_of_interest": sesoi,
        "interval_reading": interval_reading(ci_low, ci_high, sesoi, higher_is_better),
        "minimal_detectable_effect": minimal_detectable_effect(se, df),
        "checks": checks,
    }
