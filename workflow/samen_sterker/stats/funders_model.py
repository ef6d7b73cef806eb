"""The funder's view of one outcome and cohort year: the year model as a JSON-able dict.

`fit_year_model` fits `year_model.YEAR_FORMULA` (municipal random level and change on top of
the couple-level model), and reports the pooled change with Satterthwaite df, the variance
components, the between-municipality SD of the change with its profile CI, and per
municipality the raw and partially pooled change with their intervals and a rank interval.
With fewer than `MIN_MUNICIPALITIES` municipalities a between-municipality variance cannot be
estimated sensibly; the result then says so and the caller reports the fixed-effects model.
Per-municipality rows are keyed by `municipality_code`, so a disclosure rule can drop the
rows of withheld municipalities.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import scipy.stats

from samen_sterker.stats.mixed_fit import identifiable_terms, level_codes, prepare
from samen_sterker.stats.municipal_pooling import (
    RANK_DRAWS,
    RANK_SEED,
    municipal_estimates,
    profile_sd_change,
    rank_intervals,
)
from samen_sterker.stats.year_model import COUPLE_TERMS, fit_year, satterthwaite

log = logging.getLogger(__name__)

YEAR_FORMULA = (
    "value ~ timepoint + (1 + change | municipality) + (1 | couple) + (1 | couple:participant)"
    " + (1 | couple:timepoint)"
)
# Below this many municipalities the municipal variances rest on too few units (and the
# fixed-effects model is cheap): the overview keeps the fixed-effects pooled model.
MIN_MUNICIPALITIES = 5
Z_95 = float(scipy.stats.norm.ppf(0.975))


def _row(estimate: float, se: float, df: float | None = None, test: bool = True) -> dict:
    """Estimate, SE and 95% interval (t with df, else normal); with df and `test` also t, p."""
    quantile = Z_95 if df is None else float(scipy.stats.t.ppf(0.975, df))
    out = {
        "estimate": float(estimate),
        "se": float(se),
        "ci_low": float(estimate - quantile * se),
        "ci_high": float(estimate + quantile * se),
    }
    if df is not None:
        out["df"] = float(df)
    if df is not None and test:
        t = estimate / se
        out.update(t=float(t), p=float(2 * scipy.stats.t.sf(abs(t), df)))
    return {k: (v if np.isfinite(v) else None) for k, v in out.items()}


def fit_year_model(
    data: pd.DataFrame, baseline: str, course_end: str, higher_is_better: bool = True
) -> dict:
    """The year model of one outcome (rows: municipality_code, couple_id, participant_id,
    timepoint, value)."""
    started = time.perf_counter()
    model = {
        "model": YEAR_FORMULA,
        "timepoints": [baseline, course_end],
        "change": f"1 at {course_end}, 0 at {baseline}",
        "estimation": "REML (profiled, as lme4), block algebra by municipality and couple",
        "df_method": "Satterthwaite (as lmerTest)",
    }
    subset = data[data["timepoint"].isin([baseline, course_end])].reset_index(drop=True)
    prepared = prepare(subset, [baseline, course_end], baseline, extra=("municipality_code",))
    per_couple = prepared.groupby("couple_id")["municipality_code"].nunique()
    if (per_couple > 1).any():
        raise ValueError(
            "year model input: column municipality_code: a couple spans municipalities"
        )
    n_municipalities = int(prepared["municipality_code"].nunique())
    counts = {
        "n_observations": len(prepared),
        "n_couples": int(prepared["couple_id"].nunique()),
        "n_municipalities": n_municipalities,
    }
    if n_municipalities < MIN_MUNICIPALITIES:
        return {
            "available": False,
            "fallback": "fixed_effects",
            "reason": f"fewer than {MIN_MUNICIPALITIES} municipalities: a between-municipality "
            "variance cannot be estimated; the fixed-effects model (pooled_model) is reported",
            **model,
            **counts,
        }
    if prepared["timepoint"].nunique() < 2:
        return {
            "available": False,
            "reason": "no measurements at baseline and course end",
            **model,
            **counts,
        }
    terms, notes = identifiable_terms(level_codes(prepared), COUPLE_TERMS)
    try:
        fit = fit_year(prepared, baseline, course_end, terms)
        inferred = satterthwaite(fit.data, fit.theta, np.eye(2))
    except (np.linalg.LinAlgError, FloatingPointError) as error:
        # The type only: messages of numerical code may quote data.
        reason = f"the model algebra failed numerically ({type(error).__name__})"
        return {"available": False, "reason": reason, **model, **counts}
    if not fit.sigma2 > 0:
        return {
            "available": False,
            "reason": "the residual variance is estimated at zero",
            **model,
            **counts,
        }
    fixed = {
        name: _row(inferred["estimate"][i], inferred["se"][i], inferred["df"][i])
        for i, name in enumerate(("intercept", "change"))
    }
    cov = fit.municipal_covariance()
    sd_level, sd_change = np.sqrt(np.diag(cov))
    estimates = municipal_estimates(fit, inferred["parameter_cov"])
    ranks = rank_intervals(fit, higher_is_better)
    try:
        spread = profile_sd_change(fit)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        # No sign change to bracket, or a degenerate profile: the SD without its interval.
        spread = {"estimate": float(sd_change), "ci_low": None, "ci_high": None}
    municipalities = []
    for i, code in enumerate(fit.data.municipalities):
        pooled_se = float(np.sqrt(estimates["pooled_change_variance"][i]))
        if estimates["raw_identified"][i]:
            raw = _row(estimates["raw"][i, 1], float(np.sqrt(estimates["raw_cov"][i, 1, 1])))
        else:
            raw = {"available": False, "reason": "no measurements at baseline or course end"}
        municipalities.append(
            {
                "municipality_code": code,
                "n_observations": int(fit.data.rows_per_municipality[i]),
                "n_couples": int(fit.data.couples_per_municipality[i]),
                "raw_change": raw,
                "pooled_change": _row(
                    estimates["pooled"][i, 1],
                    pooled_se,
                    float(estimates["pooled_change_df"][i]),
                    test=False,
                ),
                # Weight of the municipality's own data in its pooled change (1 = no pooling):
                # 1 - shrinkage of the change toward the pooled mean.
                "own_data_weight": float(estimates["shrinkage"][i, 1, 1]),
                "rank": {
                    "median": float(ranks["median"][i]),
                    "low": int(ranks["low"][i]),
                    "high": int(ranks["high"][i]),
                },
            }
        )
    seconds = time.perf_counter() - started
    log.info(
        "year model: %d rows, %d municipalities, %.2f s", len(prepared), n_municipalities, seconds
    )
    return {
        "available": True,
        **model,
        **counts,
        "pooled_change": fixed["change"],
        "intercept": fixed["intercept"],
        "variance_components": {
            "municipality_level": float(cov[0, 0]),
            "municipality_change": float(cov[1, 1]),
            "municipality_correlation": float(cov[0, 1] / (sd_level * sd_change))
            if sd_level * sd_change > 0
            else None,
            **fit.couple_variances(),
            "residual": float(fit.sigma2),
        },
        "sd_change_between_municipalities": {
            **spread,
            "method": "profile likelihood, 95% (as lme4 confint(method = 'profile'), which "
            "profiles the ML deviance); estimate = REML",
        },
        "random_terms": ["municipality", *fit.data.couple_terms],
        "singular": fit.singular,
        "converged": fit.converged,
        "rule_applied": "; ".join(notes + fit.rule_applied) or None,
        "log_likelihood": -0.5 * fit.evaluation.profiled_deviance(),
        "municipalities": municipalities,
        "rank_method": f"simulation from the fitted model ({RANK_DRAWS} draws, seed "
        f"{RANK_SEED}): fixed effects from N(estimate, vcov), each municipality's effects from "
        "their conditional normal; rank 1 = the largest change in the better direction; 95% "
        "interval of each municipality's rank",
        "pooled_interval_method": "empirical Bayes (BLUP) change; SE from the Prasad-Rao (1990) "
        "MSE: prediction-error variance including the fixed effects' uncertainty, plus twice "
        "the delta-method variance from estimating the variance parameters; 95% interval with "
        "a t quantile at the MSE's Satterthwaite df",
        "raw_interval_method": "the municipality's own GLS change at the fitted couple-level "
        "variances (no pooling); normal 95% interval",
    }


def fit_pooled_change(data: pd.DataFrame, baseline: str, course_end: str) -> dict | None:
    """Only the year model's pooled change (YearEstimate with df): the trend's pooled points."""
    subset = data[data["timepoint"].isin([baseline, course_end])].reset_index(drop=True)
    prepared = prepare(subset, [baseline, course_end], baseline, extra=("municipality_code",))
    if prepared["timepoint"].nunique() < 2:
        return None
    terms, _ = identifiable_terms(level_codes(prepared), COUPLE_TERMS)
    try:
        fit = fit_year(prepared, baseline, course_end, terms)
        inferred = satterthwaite(fit.data, fit.theta, np.eye(2)[1:])
    except (np.linalg.LinAlgError, FloatingPointError):
        return None
    # The same row as fit_year_model's `pooled_change` on the same data.
    return _row(inferred["estimate"][0], inferred["se"][0], inferred["df"][0])
