"""Attrition sensitivity: how much less would non-completers have to have changed?

The headline change comes from the primary mixed model, which uses every measurement and is
unbiased when those who skipped the course-end questionnaire resemble completers with the same
earlier scores (missing at random, MAR). Whether they do cannot be tested from the data. A
tipping-point analysis (delta adjustment; e.g. Ratitch, O'Kelly & Tosiello 2013) asks instead:
if the non-completers had changed by delta points less than MAR assumes, where would the
interval lie? With a share f of the baseline participants missing at course end, shifting
their course-end scores by delta shifts the marginal mean change by about f * delta (exactly
with balanced data; tests/test_attrition.py measures it on the primary model), so the CI's
bound nearest 0 reaches 0 at delta = bound / f, and the smallest effect of interest at
delta = (bound - SESOI) / f. The interval's width is kept as it is: imputing the missing
scores would add as much uncertainty as the extra rows would take away, roughly; the docs
say so.

A delta is only possible as far as the scale reaches: the non-completers cannot score below its
worst value. Under MAR the model fills in their course-end mean as what makes the marginal
change hold over everyone at baseline, implied = (n x (baseline mean + change) - completers x
their course-end mean) / missing (exact with balanced data, like the shift itself), so the
largest possible delta is implied minus the worst score. A tipping point beyond it cannot
happen: even the worst scores would leave the reading as it is. Checked against R's refit of
the primary model with the worst scores filled in (tests/test_attrition.py).

What this can show: how strong a departure from MAR would overturn the reading. What it cannot
show: whether such a departure happened.
"""

from __future__ import annotations

from collections.abc import Mapping


def tipping_point(
    headline: Mapping,
    n_baseline: int,
    n_course_end: int,
    baseline_mean: float,
    completers_course_end_mean: float,
    scale: tuple[float, float],
    higher_is_better: bool = True,
) -> dict:
    """Delta (in outcome points, in the direction of improvement) at which the headline CI
    would reach 0 and the smallest effect of interest, were non-completers' course-end scores
    that much lower than the model assumes, and whether the scale allows that delta.
    n_baseline: participants with a baseline score, baseline_mean their mean; n_course_end:
    those of them with a course-end score, completers_course_end_mean their course-end mean;
    scale: the outcome's (min, max)."""
    if not headline.get("available"):
        return {"available": False, "reason": "no headline change"}
    if n_baseline <= 0 or not 0 <= n_course_end <= n_baseline:
        raise ValueError("need 0 <= n_course_end <= n_baseline and n_baseline > 0")
    missing = n_baseline - n_course_end
    if missing == 0:
        return {"available": False, "reason": "every baseline participant has a course-end score"}
    share = missing / n_baseline
    # The bound nearest 0 in the direction of improvement (a worsening reads mirrored).
    bound = headline["ci_low"] if higher_is_better else -headline["ci_high"]
    sesoi = headline.get("smallest_effect_of_interest")
    to_zero = bound / share if bound > 0 else None
    to_sesoi = (bound - sesoi) / share if sesoi is not None and bound > sesoi else None
    # The non-completers' course-end mean the model implies, and how far the worst score on
    # the scale lies below it (above it where lower is better).
    completers_total = n_course_end * completers_course_end_mean if n_course_end else 0.0
    implied = (n_baseline * (baseline_mean + headline["estimate"]) - completers_total) / missing
    worst = scale[0] if higher_is_better else scale[1]
    largest_delta = max(0.0, implied - worst if higher_is_better else worst - implied)
    worst_shift = share * largest_delta if higher_is_better else -share * largest_delta
    return {
        "available": True,
        "method": (
            "delta adjustment of non-completers' course-end scores; the marginal change "
            "shifts by share_missing x delta, the CI width is kept"
        ),
        "n_baseline": int(n_baseline),
        "n_missing_course_end": int(missing),
        "share_missing": share,
        "delta_to_zero": to_zero,
        "delta_to_smallest_effect": to_sesoi,
        "smallest_effect_of_interest": sesoi,
        "implied_course_end_mean_missing": implied,
        "worst_score": worst,
        "largest_possible_delta": largest_delta,
        "delta_to_zero_possible": None if to_zero is None else to_zero <= largest_delta,
        "delta_to_smallest_effect_possible": (
            None if to_sesoi is None else to_sesoi <= largest_delta
        ),
        # Every non-completer at the worst score, by the same shift (interval width kept).
        "worst_case_estimate": headline["estimate"] - worst_shift,
        "worst_case_ci_low": headline["ci_low"] - worst_shift,
        "worst_case_ci_high": headline["ci_high"] - worst_shift,
    }
