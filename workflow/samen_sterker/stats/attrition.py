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

What this can show: how strong a departure from MAR would overturn the reading. What it cannot
show: whether such a departure happened.
"""

from __future__ import annotations

from collections.abc import Mapping


def tipping_point(
    headline: Mapping,
    n_baseline: int,
    n_course_end: int,
    higher_is_better: bool = True,
) -> dict:
    """Delta (in outcome points, in the direction of improvement) at which the headline CI
    would reach 0 and the smallest effect of interest, were non-completers' course-end scores
    that much lower than the model assumes. n_baseline: participants with a baseline score;
    n_course_end: those of them with a course-end score."""
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
    }
