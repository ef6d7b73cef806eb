"""Paired before/after analysis: mean change, paired t-test, Wilcoxon, effect sizes (Lakens 2013)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize, special, stats

from samen_sterker.stats.couple_interval import (
    CI_LEVEL,
    COUPLE_ROBUST_METHOD,
    NO_CI_FEWER_THAN_TWO_COUPLES,
    couple_robust_interval,
)

# The mean change's interval counts couples for both units: partners' changes correlate. On
# couple means every couple is its own cluster, which is the ordinary t-interval.
CI_METHODS = {
    "participant": "mean change of the complete pairs; " + COUPLE_ROBUST_METHOD,
    "couple_mean": (
        "mean change of the couple means; " + COUPLE_ROBUST_METHOD
        + ", one cluster per couple mean: the ordinary t-interval on couples - 1 df"
    ),
}
# The paired t-test stays as a check; over participants it treats partners as independent,
# so its method says so beside the p-value.
T_TEST_METHODS = {
    "participant": (
        "paired t-test over participants (pingouin.ttest, paired=True); its p-value treats "
        "partners as independent: a participant-level check, no interval or sentence comes "
        "from it"
    ),
    "couple_mean": "paired t-test on couple means (pingouin.ttest, paired=True)",
}
# Below this many non-zero differences (and without ties or zeros) R's wilcox.test uses the
# exact null distribution; above it the normal approximation. We follow R.
WILCOXON_EXACT_BELOW = 50

HEADLINE_EFFECT_SIZE = "g_av"
HEADLINE_REASON = (
    "g_av standardises the change by the average SD of the two measurements (not by the SD of "
    "the change), so a high correlation between before and after cannot inflate it, and it "
    "is corrected for small-sample bias; it is therefore comparable with published pre-post "
    "and controlled benchmarks (Lakens 2013)."
)


def unavailable(reason: str, **extra: object) -> dict:
    """The JSON object of an analysis that could not be run."""
    return {"available": False, "reason": reason, **extra}


def finite_or_none(value: float | None) -> float | None:
    """A float, or None for NaN/inf (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def hedges_correction(df: float) -> float | None:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)).

    None for df < 2: Γ(0) is infinite, so J(1) would be 0 and g a meaningless 0.
    """
    if df < 2:
        return None
    return math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)


def noncentrality_ci(t_observed: float, df: float, level: float = CI_LEVEL) -> tuple[float, float]:
    """CI of the noncentrality parameter of a t statistic by inverting the noncentral t cdf."""
    alpha = 1 - level

    # Approximate SD of t around its noncentrality: the bracket starts near the root.
    scale = math.sqrt(1 + t_observed**2 / (2 * df))

    def gap(ncp: float, target: float) -> float:
        value = stats.nct.cdf(t_observed, df, ncp)
        if math.isnan(value):
            # scipy's nct.cdf returns NaN far in a tail (e.g. t=8.68, df=17, ncp=-10), where
            # the cdf, monotone decreasing in ncp, is 1 below t and 0 above it.
            value = 1.0 if ncp < t_observed else 0.0
        return value - target

    def solve(target: float) -> float:
        width = 2 * scale
        low, high = t_observed - width, t_observed + width
        while gap(low, target) < 0:
            width *= 2
            low = t_observed - width
        while gap(high, target) > 0:
            width *= 2
            high = t_observed + width
        return optimize.brentq(gap, low, high, args=(target,), xtol=1e-12, rtol=1e-12, maxiter=500)

    return solve(1 - alpha / 2), solve(alpha / 2)


def effect_sizes(before: np.ndarray, after: np.ndarray, level: float = CI_LEVEL) -> dict[str, dict]:
    """Cohen's d_z, d_av and Hedges' g_av of after - before with CIs (Lakens 2013)."""
    change = after - before
    n = change.size
    mean_change = change.mean()
    sd_change = change.std(ddof=1)
    sd_av = (before.std(ddof=1) + after.std(ddof=1)) / 2
    j = hedges_correction(n - 1)
    nct_method = "noncentral t, exact inversion (as MBESS ci.sm)"
    rescaled_method = (
        "d_z noncentral-t CI rescaled by sd_change / sd_av (Algina & Keselman 2003 approximation)"
    )
    none = {"estimate": None, "ci_low": None, "ci_high": None}
    if sd_change == 0:
        d_z = dict(none, ci_method=nct_method)
        d_av_ci = (None, None)
    else:
        d = mean_change / sd_change
        ncp_low, ncp_high = noncentrality_ci(d * math.sqrt(n), n - 1, level)
        d_z = {
            "estimate": d,
            "ci_low": ncp_low / math.sqrt(n),
            "ci_high": ncp_high / math.sqrt(n),
            "ci_method": nct_method,
        }
        d_av_ci = (
            (d_z["ci_low"] * sd_change / sd_av, d_z["ci_high"] * sd_change / sd_av)
            if sd_av > 0
            else (None, None)
        )
    g_method = rescaled_method + ", times Hedges' J"
    if sd_av == 0:
        d_av = dict(none, ci_method=rescaled_method)
    else:
        d_av = {
            "estimate": mean_change / sd_av,
            "ci_low": d_av_ci[0],
            "ci_high": d_av_ci[1],
            "ci_method": rescaled_method,
        }
    if d_av["estimate"] is None or j is None:
        g_av = dict(none, ci_method=g_method)
    else:
        g_av = {
            key: (None if d_av[key] is None else d_av[key] * j)
            for key in ("estimate", "ci_low", "ci_high")
        } | {"ci_method": g_method}
    return {"d_z": d_z, "d_av": d_av, "g_av": g_av}


def wilcoxon_signed_rank(before: np.ndarray, after: np.ndarray) -> dict:
    """Wilcoxon signed-rank test of after - before as R's wilcox.test(after, before, paired=TRUE)."""
    change = after - before
    nonzero = change[change != 0]
    n_zeros = int(change.size - nonzero.size)
    base = {"n_nonzero": int(nonzero.size), "n_zeros": n_zeros, "zero_method": "wilcox"}
    if nonzero.size == 0:
        return dict(
            base,
            available=False,
            reason="all differences are zero",
            statistic_v=None,
            p_value=None,
            ties=False,
            exact=False,
            correction=False,
            method="not computed",
        )
    ranks = stats.rankdata(np.abs(nonzero))
    statistic_v = float(ranks[nonzero > 0].sum())
    ties = bool(np.unique(np.abs(nonzero)).size < nonzero.size)
    exact = nonzero.size < WILCOXON_EXACT_BELOW and not ties and n_zeros == 0
    if exact:
        p_value = stats.wilcoxon(nonzero, method="exact").pvalue
        method = "exact signed-rank distribution (R wilcox.test default for n < 50, no ties/zeros)"
    else:
        # scipy's approximation with zero_method='wilcox' equals R's: zeros dropped, variance
        # corrected for ties, continuity correction 0.5 towards zero.
        p_value = stats.wilcoxon(
            nonzero, zero_method="wilcox", correction=True, method="approx"
        ).pvalue
        method = (
            "normal approximation with tie-corrected variance and continuity correction "
            "(R wilcox.test default with ties or zeros, or n >= 50)"
        )
    return dict(
        base,
        available=True,
        statistic_v=statistic_v,
        p_value=float(p_value),
        ties=ties,
        exact=bool(exact),
        correction=not exact,
        method=method,
    )


def paired_t_test(before: np.ndarray, after: np.ndarray, method: str) -> dict:
    """Paired t-test of after - before by pingouin (equal to R t.test(paired=TRUE)); method
    says what it treats as independent (T_TEST_METHODS)."""
    n = before.size
    if np.all(after - before == (after - before)[0]):
        # Zero variance of the change: t is undefined (R stops with "data are essentially
        # constant"); report no test instead of an infinite t.
        return {
            "t": None,
            "df": float(n - 1),
            "p_value": None,
            "alternative": "two-sided",
            "method": "not computed: the change has SD 0",
        }
    import pingouin as pg  # 0.9 s to import: only where a paired test runs (issue 14)

    result = pg.ttest(after, before, paired=True).iloc[0]
    return {
        "t": float(result["T"]),
        "df": float(result["dof"]),
        "p_value": float(result["p_val"]),
        "alternative": "two-sided",
        "method": method,
    }


def analyse_pairs(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    couple_ids: Sequence[str] | np.ndarray,
    from_timepoint: str,
    to_timepoint: str,
    unit: str = "participant",
) -> dict:
    """Paired analysis of complete pairs (before[i], after[i]) of one unit ("participant", or
    "couple_mean" for couple means); couple_ids[i] is the couple of pair i.

    The mean change's interval (ci_low, ci_high, with se_change and ci_df) counts couples:
    couple_robust_interval of the changes. The t-test is pingouin's, over the unit's pairs.
    """
    if unit not in CI_METHODS:
        raise ValueError(f"analyse_pairs: unit must be one of {', '.join(CI_METHODS)}")
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    n = before.size
    n_couples = len(set(couple_ids))
    header = {
        "unit": unit,
        "from_timepoint": from_timepoint,
        "to_timepoint": to_timepoint,
        "n_pairs": int(n),
        "n_couples": n_couples,
    }
    if n < 2:
        return dict(unavailable("fewer than 2 complete pairs"), **header)
    change = after - before
    mean_change = change.mean()
    sd_change = change.std(ddof=1)
    interval = couple_robust_interval(change, couple_ids)
    if interval is None:
        ci_low = ci_high = se_change = ci_df = None
        ci_method = NO_CI_FEWER_THAN_TWO_COUPLES
    else:
        ci_low, ci_high, se_change, ci_df = interval
        ci_method = CI_METHODS[unit]
    sd_from, sd_to = before.std(ddof=1), after.std(ddof=1)
    correlation = float(np.corrcoef(before, after)[0, 1]) if sd_from > 0 and sd_to > 0 else None
    sizes = effect_sizes(before, after)
    headline = sizes[HEADLINE_EFFECT_SIZE]
    return dict(
        header,
        available=True,
        mean_from=float(before.mean()),
        mean_to=float(after.mean()),
        sd_from=float(sd_from),
        sd_to=float(sd_to),
        correlation=correlation,
        mean_change=float(mean_change),
        sd_change=float(sd_change),
        se_change=se_change,
        ci_low=ci_low,
        ci_high=ci_high,
        ci_df=ci_df,
        ci_method=ci_method,
        t_test=paired_t_test(before, after, T_TEST_METHODS[unit]),
        wilcoxon=wilcoxon_signed_rank(before, after),
        effect_sizes={
            name: {key: finite_or_none(v) if key != "ci_method" else v for key, v in es.items()}
            for name, es in sizes.items()
        },
        headline_effect_size={
            "name": HEADLINE_EFFECT_SIZE,
            "estimate": finite_or_none(headline["estimate"]),
            "ci_low": finite_or_none(headline["ci_low"]),
            "ci_high": finite_or_none(headline["ci_high"]),
            "reason": HEADLINE_REASON,
        },
    )
