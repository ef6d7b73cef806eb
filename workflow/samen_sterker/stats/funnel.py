"""Funnel-plot data: share reliably improved against n with binomial control limits."""

from __future__ import annotations

from collections.abc import Sequence

from scipy import stats

# Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
# Statistics in Medicine, 24(8), 1185-1202. 95% and 99.8% limits (about 2 and 3 SD).
LIMIT_LEVELS = {"95": 0.95, "998": 0.998}


def binomial_limits(n: int, pooled_share: float, level: float) -> tuple[float, float]:
    """Exact binomial quantile limits r/n around the pooled share for a unit of size n."""
    alpha = 1 - level
    lower = stats.binom.ppf(alpha / 2, n, pooled_share) / n
    upper = stats.binom.isf(alpha / 2, n, pooled_share) / n
    return float(lower), float(upper)


def funnel_data(points: Sequence[dict]) -> dict:
    """Pooled share and limits per n; points are dicts with n and improved (and labels)."""
    n_total = int(sum(p["n"] for p in points))
    improved_total = int(sum(p["improved"] for p in points))
    if n_total == 0:
        return {"available": False, "reason": "no municipality has classified participants"}
    pooled = improved_total / n_total
    limits = []
    for n in range(1, max(p["n"] for p in points) + 1):
        row = {"n": n}
        for name, level in LIMIT_LEVELS.items():
            row[f"lower_{name}"], row[f"upper_{name}"] = binomial_limits(n, pooled, level)
        limits.append(row)
    return {
        "available": True,
        "pooled_share": pooled,
        "n_total": n_total,
        "improved_total": improved_total,
        "points": [dict(p, share=(p["improved"] / p["n"] if p["n"] else None)) for p in points],
        "limits": limits,
        "method": "exact binomial quantiles r/n around the pooled share (scipy.stats.binom ppf "
        "and isf at alpha/2), 95% and 99.8% limits, no interpolation (Spiegelhalter 2005)",
    }
