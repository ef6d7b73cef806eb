"""Reliable change (Jacobson & Truax 1991) and clinically significant change."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from samen_sterker.stats.share_interval import CI_METHOD, couple_share_interval

# Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
# defining meaningful change in psychotherapy research. J Consult Clin Psychol, 59(1), 12-19.
RCI_CRITERION = 1.96
SENSITIVITY_RELIABILITIES = (0.70, 0.80, 0.90)


def share(in_class: np.ndarray, couple_ids: np.ndarray) -> dict:
    """The people in a class (booleans, one per person; couple_ids[i] the couple of person i)
    out of all: count, n, share and its couple-aware 95% interval (share_interval.py)."""
    in_class = np.asarray(in_class, dtype=bool)
    count, n = int(in_class.sum()), int(in_class.size)
    if n == 0:
        return {"count": 0, "n": 0, "share": None, "ci_low": None, "ci_high": None}
    low, high = couple_share_interval(in_class, couple_ids)
    return {"count": count, "n": n, "share": count / n, "ci_low": low, "ci_high": high}


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


def _category_shares(categories: np.ndarray, couple_ids: np.ndarray) -> dict:
    return {
        "improved": share(categories == 1, couple_ids),
        "unchanged": share(categories == 0, couple_ids),
        "deteriorated": share(categories == -1, couple_ids),
    }


def reliable_change(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    baseline_scores: Sequence[float] | np.ndarray,
    reliability: dict | None,
    higher_is_better: bool,
    *,
    couple_ids: Sequence[str] | np.ndarray,
) -> dict:
    """RCI classification of complete pairs (couple_ids[i] the couple of pair i, for the
    shares' intervals); SD_pre from all baseline scores of the group."""
    if not reliability:
        return {
            "available": False,
            "reason": "no published reliability is configured for this outcome (a single item "
            "has none), so reliable change is not computed",
        }
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    couple_ids = np.asarray(couple_ids, dtype=object)
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
                **_category_shares(
                    classify(before, after, alt_s_diff, higher_is_better), couple_ids
                ),
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
        "ci_method": CI_METHOD,
        **_category_shares(classify(before, after, s_diff, higher_is_better), couple_ids),
        "sensitivity": sensitivity,
    }


def clinical_change(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    reliable: dict,
    cutoff: dict | None,
    higher_is_better: bool,
    *,
    couple_ids: Sequence[str] | np.ndarray,
) -> dict:
    """Recovered / improved / unchanged / deteriorated among those starting dysfunctional
    (couple_ids[i] the couple of pair i, for the shares' intervals)."""
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
    couples = np.asarray(couple_ids, dtype=object)[started_dysfunctional]
    n = int(started_dysfunctional.sum())
    return {
        "available": True,
        "cutoff": {"value": value, "citation": str(cutoff["citation"]).strip()},
        "functional_side": "above" if higher_is_better else "below",
        "n_started_dysfunctional": n,
        "n_started_functional": int(functional_before.sum()),
        "ci_method": CI_METHOD,
        "recovered": share((cats == 1) & ended_functional, couples),
        "improved": share((cats == 1) & ~ended_functional, couples),
        "unchanged": share(cats == 0, couples),
        "deteriorated": share(cats == -1, couples),
    }
