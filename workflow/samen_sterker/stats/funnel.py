"""Funnel-plot data: share reliably improved against n with binomial control limits.

`funnel_for_year` is the overview's funnel; `funnel_data` the earlier per-municipality-
threshold version, kept for its R reference test of the exact binomial limits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from samen_sterker.stats.participation import wide_scores
from samen_sterker.stats.reliable_change import classify

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


# ------------------------------------------------------------------ the overview's funnel
# One common reliable-change threshold per outcome and year, interpolated limits, an
# overdispersion test and effective n for couples (issue 12; docs/methods.md, "Funnel plot").

Z_LEVELS = {"95": 0.95, "998": 0.998}
OVERDISPERSION_ALPHA = 0.05
# Spiegelhalter (2005) winsorises the z-scores at their 10th and 90th percentiles before
# estimating overdispersion, so a few true outliers do not inflate every limit.
WINSOR_SHARE = 0.10


def interpolated_limit(n: float, share: float, p: float) -> float:
    """Spiegelhalter (2005, appendix A.1.1) interpolated binomial p-quantile of r/n.

    r_p = the smallest r with P(R <= r) >= p; alpha = (P(R <= r_p) - p) / P(R = r_p); limit =
    (r_p - alpha) / n. n must be a whole number (the effective n of a point is placed between
    the limits of the whole numbers around it, see `limit_at`).
    """
    n = int(n)
    r = stats.binom.ppf(p, n, share)
    at, below = stats.binom.cdf(r, n, share), stats.binom.cdf(r - 1, n, share)
    alpha = (at - p) / (at - below) if at > below else 0.0
    # A share cannot leave [0, 1]; at r_p = 0 the interpolation would go below 0.
    return float(min(1.0, max(0.0, (r - alpha) / n)))


def limit_table(max_n: int, share: float, inflation: float = 0.0) -> list[dict]:
    """Limits per whole n = 1..max_n: interpolated binomial, or normal with additive tau^2."""
    rows = []
    for n in range(1, max_n + 1):
        row = {"n": n}
        for name, level in Z_LEVELS.items():
            alpha = 1 - level
            if inflation > 0:
                z = stats.norm.ppf(1 - alpha / 2)
                half = z * np.sqrt(share * (1 - share) / n + inflation)
                row[f"lower_{name}"], row[f"upper_{name}"] = share - half, share + half
            else:
                row[f"lower_{name}"] = interpolated_limit(n, share, alpha / 2)
                row[f"upper_{name}"] = interpolated_limit(n, share, 1 - alpha / 2)
        rows.append(row)
    return rows


def limit_at(table: list[dict], n: float, key: str) -> float:
    """A limit at a (possibly fractional) effective n, linear between whole numbers."""
    low = max(1, min(int(np.floor(n)), len(table)))
    high = max(1, min(int(np.ceil(n)), len(table)))
    a, b = table[low - 1][key], table[high - 1][key]
    return float(a if high == low else a + (b - a) * (n - low) / (high - low))


def couple_icc(improved: np.ndarray, couples: np.ndarray) -> float:
    """One-way ANOVA ICC of a 0/1 indicator within couples (>= 0), for the design effect."""
    frame = pd.DataFrame({"y": improved.astype(float), "c": couples})
    groups = frame.groupby("c")["y"]
    sizes = groups.size().to_numpy(float)
    k, n = len(sizes), float(sizes.sum())
    if k < 2 or n - k < 1:
        return 0.0
    grand = frame["y"].mean()
    between = float((sizes * (groups.mean().to_numpy() - grand) ** 2).sum()) / (k - 1)
    within = float(((frame["y"] - groups.transform("mean")) ** 2).sum()) / (n - k)
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    denominator = between + (n0 - 1) * within
    return float(max(0.0, (between - within) / denominator)) if denominator > 0 else 0.0


def overdispersion(points: list[dict], share: float) -> dict:
    """Spiegelhalter (2005) overdispersion: winsorised z-scores, phi, chi2 test, tau^2."""
    n = np.array([p["n_effective"] for p in points], float)
    y = np.array([p["share"] for p in points], float)
    variance = share * (1 - share) / n
    if len(points) < 2 or not np.all(variance > 0):
        return {"available": False, "reason": "fewer than two municipalities or a share of 0/1"}
    z = (y - share) / np.sqrt(variance)
    low, high = np.quantile(z, [WINSOR_SHARE, 1 - WINSOR_SHARE])
    z_w = np.clip(z, low, high)
    units = len(points)
    phi = float(np.mean(z_w**2))
    p_value = float(stats.chi2.sf(units * phi, units - 1))
    weights = 1 / variance
    # Additive random-effects inflation (DerSimonian-Laird form, Spiegelhalter 2005 sec. 6.2).
    tau2 = (units * phi - (units - 1)) / (weights.sum() - (weights**2).sum() / weights.sum())
    overdispersed = p_value < OVERDISPERSION_ALPHA
    return {
        "available": True,
        "units": units,
        "phi": phi,
        "chi2": units * phi,
        "df": units - 1,
        "p": p_value,
        "overdispersed": bool(overdispersed),
        "tau2": float(max(0.0, tau2)),
        "inflation": "additive" if overdispersed else None,
        "method": "z-scores against the pooled share at each municipality's effective n, "
        "winsorised at the 10th/90th percentiles; phi = mean z^2; n*phi ~ chi2(n - 1); when "
        "p < .05 the limits get the additive between-municipality variance tau^2 "
        "(Spiegelhalter 2005, sec. 6)",
    }


def common_threshold_classes(
    frame: pd.DataFrame, name: str, roles: Mapping, s_diff: float, higher_is_better: bool
) -> pd.DataFrame:
    """Participants with baseline and course end: couple, municipality and their reliable-change
    class at one threshold `s_diff` (the pooled year's) for everyone: `category` 1 improved,
    0 unchanged, -1 deteriorated, and `improved`."""
    baseline, course_end = roles["baseline"], roles["course_end"]
    data = frame[frame["outcome"] == name]
    wide = wide_scores(data, roles["order"])
    wide = wide[wide[baseline].notna() & wide[course_end].notna()]
    couple_municipality = data.drop_duplicates("couple_id").set_index("couple_id")[
        "municipality_code"
    ]
    category = classify(
        wide[baseline].to_numpy(float), wide[course_end].to_numpy(float), s_diff, higher_is_better
    )
    return pd.DataFrame(
        {
            "couple_id": wide["couple_id"].to_numpy(),
            "municipality_code": wide["couple_id"].map(couple_municipality).astype(str).to_numpy(),
            "category": category,
            "improved": category == 1,
        }
    )


COMMON_CLASSES = {"improved": 1, "unchanged": 0, "deteriorated": -1}


def common_threshold_counts(classes: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per municipality: classified participants (n) and the count of each class. These are
    the counts the disclosure pass decides on (cells `fn:n`, `fn:improved`, ...)."""
    out = {}
    for code, own in classes.groupby("municipality_code"):
        counts = {name: int((own["category"] == value).sum())
                  for name, value in COMMON_CLASSES.items()}
        out[str(code)] = {"n": len(own), **counts}
    return out


def funnel_for_year(
    frame: pd.DataFrame,
    name: str,
    roles: Mapping,
    pooled_reliable: Mapping,
    municipalities: Sequence[Mapping],
    higher_is_better: bool,
    point_decisions: Mapping[str, Mapping] | None = None,
) -> dict:
    """The year's funnel: share reliably improved per municipality at one common threshold.

    `point_decisions` (municipality code -> the disclosure decision of its `fn:improved` cell)
    keeps only points whose count is published exactly; the others are listed with their
    decision and no count, and are left out of the pooled share and the overdispersion test,
    so every published figure is a function of published counts. Without it every point is
    used (tests and validation only).
    """
    if not pooled_reliable.get("available"):
        return {"available": False, "reason": "reliable change is not available for this outcome"}
    # The threshold of the pooled year: SD at baseline of all the year's municipalities.
    s_diff = float(pooled_reliable["se_difference"])
    wide = common_threshold_classes(frame, name, roles, s_diff, higher_is_better)
    shown, not_shown = [], []
    for entry in municipalities:
        n = int((wide["municipality_code"] == entry["municipality_code"]).sum())
        if n == 0:
            continue
        decision = dict((point_decisions or {}).get(entry["municipality_code"], {"how": "exact"}))
        if decision["how"] == "exact":
            shown.append(entry)
        else:
            not_shown.append(
                {
                    "municipality": entry["municipality"],
                    "municipality_code": entry["municipality_code"],
                    "n": n,
                    "disclosure": decision,
                }
            )
    wide = wide[wide["municipality_code"].isin([e["municipality_code"] for e in shown])]
    rho = couple_icc(wide["improved"].to_numpy(), wide["couple_id"].to_numpy())
    points = []
    for entry in shown:
        own = wide[wide["municipality_code"] == entry["municipality_code"]]
        n = len(own)
        couples = int(own["couple_id"].nunique())
        # Design effect of clustering by couple: 1 + (mean persons per couple - 1) * ICC.
        design_effect = 1 + (n / couples - 1) * rho
        points.append(
            {
                "municipality": entry["municipality"],
                "municipality_code": entry["municipality_code"],
                "n": n,
                "couples": couples,
                "n_effective": n / design_effect,
                "improved": int(own["improved"].sum()),
                "share": float(own["improved"].mean()),
                "suppressed": bool(entry["suppressed"]),
            }
        )
    n_total = sum(p["n"] for p in points)
    if n_total == 0:
        reason = (
            "no municipality's count is published exactly (disclosure decisions)"
            if not_shown
            else "no municipality has classified participants"
        )
        return {"available": False, "reason": reason, "points_not_shown": not_shown}
    improved_total = sum(p["improved"] for p in points)
    share = improved_total / n_total
    dispersion = overdispersion(points, share)
    tau2 = dispersion["tau2"] if dispersion.get("overdispersed") else 0.0
    max_n = int(np.ceil(max(p["n"] for p in points)))
    limits = limit_table(max_n, share)
    inflated = limit_table(max_n, share, tau2) if tau2 > 0 else None
    for point in points:
        for level, coverage in Z_LEVELS.items():
            if inflated:
                low = limit_at(inflated, point["n_effective"], f"lower_{level}")
                high = limit_at(inflated, point["n_effective"], f"upper_{level}")
            else:
                # Judged by the exact binomial quantiles (the interpolated limits are for
                # drawing: a share of 1 would lie above them however likely it is).
                low, high = binomial_limits(max(1, round(point["n_effective"])), share, coverage)
            point[f"outside_{level}"] = bool(point["share"] < low or point["share"] > high)
    return {
        "available": True,
        "threshold": {
            "se_difference": s_diff,
            "minimal_reliable_change": float(pooled_reliable["minimal_reliable_change"]),
            "sd_baseline": float(pooled_reliable["sd_baseline"]),
            "scope": "one threshold for all municipalities of the year: SD at baseline of the "
            "pooled year",
        },
        "pooled_share": share,
        "n_total": int(n_total),
        "improved_total": int(improved_total),
        "couple_icc": rho,
        "effective_n": "n / (1 + (persons per couple - 1) * ICC), ICC of being reliably "
        "improved within couples (one-way ANOVA estimator over the year); points are placed "
        "and judged at their effective n",
        "points": points,
        "points_not_shown": not_shown,
        "limits": limits,
        "limits_inflated": inflated,
        "overdispersion": dispersion,
        "method": "Spiegelhalter (2005): interpolated exact binomial limits around the pooled "
        "share (appendix A.1.1), 95% and 99.8%, drawn; a point is outside when its share lies "
        "beyond the exact binomial quantiles at its effective n (rounded); with "
        "overdispersion, normal limits widened by the additive tau^2 (`limits_inflated`), "
        "against which `outside_*` is judged",
    }
