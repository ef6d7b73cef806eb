"""Reliable change (Jacobson & Truax 1991) and clinically significant change."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from statsmodels.stats.proportion import proportion_confint

# Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
# defining meaningful change in psychotherapy research. J Consult Clin Psychol, 59(1), 12-19.
RCI_CRITERION = 1.96
SENSITIVITY_RELIABILITIES = (0.70, 0.80, 0.90)


def share(count: int, n: int) -> dict:
    """A count out of n with its 95% Wilson CI."""
    if n == 0:
        return {"count": int(count), "n": 0, "share": None, "ci_low": None, "ci_high": None}
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return {
        "count": int(count),
        "n": int(n),
        "share": count / n,
        "ci_low": float(low),
        "ci_high": float(high),
    }


def se_difference(sd_baseline: float, reliability: float) -> float:
    """S_diff = sqrt(2) * SD_pre * sqrt(1 - r_xx), the SE of a difference of two scores."""
    return math.sqrt(2) * sd_baseline * math.sqrt(1 - reliability)


def classify(
    before: np.ndarray, after: np.ndarray, s_diff: float, higher_is_better: bool
) -> np.ndarray:
    """Per person: +1 reliably improved, 0 unchanged, -1 reliably deteriorated."""
    rci = (after - before) / s_diff
    if not higher_is_better:
        rci = -rci
    return np.where(rci > RCI_CRITERION, 1, np.where(rci < -RCI_CRITERION, -1, 0))


def _category_shares(categories: np.ndarray) -> dict:
    n = int(categories.size)
    return {
        "improved": share(int((categories == 1).sum()), n),
        "unchanged": share(int((categories == 0).sum()), n),
        "deteriorated": share(int((categories == -1).sum()), n),
    }


def reliable_change(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    baseline_scores: Sequence[float] | np.ndarray,
    reliability: dict | None,
    higher_is_better: bool,
) -> dict:
    """RCI classification of complete pairs; SD_pre from all baseline scores of the group."""
    if not reliability:
        return {
            "available": False,
            "reason": "no published reliability is configured for this outcome (a single item "
            "has none), so reliable change is not computed",
        }
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    baseline_scores = np.asarray(baseline_scores, dtype=float)
    baseline_scores = baseline_scores[~np.isnan(baseline_scores)]
    if before.size < 1 or baseline_scores.size < 2:
        return {"available": False, "reason": "too few complete pairs or baseline scores"}
    sd_baseline = float(baseline_scores.std(ddof=1))
    if sd_baseline == 0:
        return {"available": False, "reason": "baseline scores have SD 0"}
    r_xx = float(reliability["value"])
    s_diff = se_difference(sd_baseline, r_xx)
    sensitivity = []
    for alternative in SENSITIVITY_RELIABILITIES:
        alt_s_diff = se_difference(sd_baseline, alternative)
        sensitivity.append(
            {
                "reliability": alternative,
                "minimal_reliable_change": RCI_CRITERION * alt_s_diff,
                **_category_shares(classify(before, after, alt_s_diff, higher_is_better)),
            }
        )
    return {
        "available": True,
        "reliability": {"value": r_xx, "citation": str(reliability["citation"]).strip()},
        "criterion": RCI_CRITERION,
        "sd_baseline": sd_baseline,
        "sd_baseline_n": int(baseline_scores.size),
        "se_measurement": sd_baseline * math.sqrt(1 - r_xx),
        "se_difference": s_diff,
        "minimal_reliable_change": RCI_CRITERION * s_diff,
        "n": int(before.size),
        **_category_shares(classify(before, after, s_diff, higher_is_better)),
        "sensitivity": sensitivity,
    }


def clinical_change(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    reliable: dict,
    cutoff: dict | None,
    higher_is_better: bool,
) -> dict:
    """Recovered / improved / unchanged / deteriorated among those starting dysfunctional."""
    if not cutoff:
        return {"available": False, "reason": "no clinical cut-off is configured for this outcome"}
    if not reliable.get("available"):
        return {
            "available": False,
            "reason": "clinically significant change needs reliable change, which is unavailable",
        }
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    value = float(cutoff["value"])
    # Functional = on the better side of the cut-off; a score exactly on it counts functional.
    if higher_is_better:
        functional_before, functional_after = before >= value, after >= value
    else:
        functional_before, functional_after = before <= value, after <= value
    categories = classify(before, after, reliable["se_difference"], higher_is_better)
    started_dysfunctional = ~functional_before
    cats = categories[started_dysfunctional]
    ended_functional = functional_after[started_dysfunctional]
    n = int(started_dysfunctional.sum())
    return {
        "available": True,
        "cutoff": {"value": value, "citation": str(cutoff["citation"]).strip()},
        "functional_side": "above" if higher_is_better else "below",
        "n_started_dysfunctional": n,
        "n_started_functional": int(functional_before.sum()),
        "recovered": share(int(((cats == 1) & ended_functional).sum()), n),
        "improved": share(int(((cats == 1) & ~ended_functional).sum()), n),
        "unchanged": share(int((cats == 0).sum()), n),
        "deteriorated": share(int((cats == -1).sum()), n),
    }
