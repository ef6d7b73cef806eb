"""Dyadic mixed-effects models of change, numerically equal to R's lme4 + lmerTest.

Primary model (per outcome and group), in lme4 syntax:

    value ~ timepoint + (1 | couple) + (1 | couple:participant) + (1 | couple:timepoint)

timepoint treatment-coded against the baseline. The couple x timepoint intercept is the
change both partners go through together; without it partners' changes count as independent
and the SE of a change is too small (docs/methods.md). `shared_change=False` fits the earlier
two-intercept model, kept as a check. Variances are estimated by profiled REML (by default)
over lme4's bounded parameters (`mixed_fit.py`); fixed effects, their covariance
(X'V^-1X)^-1 and Satterthwaite df are then computed in numpy at those variances
(`satterthwaite.py`), which reproduces lme4's vcov and lmerTest's df. See docs/methods.md,
"Mixed models", for the boundary rule and all choices.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.stats

try:
    # Present through pingouin -> scikit-learn; the pin is requirements.lock's.
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - only slower without it

    def threadpool_limits(**_kwargs):  # type: ignore[no-redef]
        """Stand-in that leaves BLAS threading alone."""
        return contextlib.nullcontext()


from samen_sterker.stats.mixed_fit import (
    RANDOM_TERMS,
    Fit,
    FitFailed,
    MixedModelInputError,
    fit_with_boundary_rule,
    inference,
    level_codes,
    prepare,
)

__all__ = ["MixedModelInputError", "fit_dyadic_model", "fit_pooled_model"]

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- results


def _variance_summary(fit: Fit, wanted: Sequence[str]) -> dict:
    """Variance components (0 for a dropped term) and the correlations the model implies."""
    components = {
        t: float(fit.variances.get(t, 0.0))
        for t in (*RANDOM_TERMS, "residual")
        if t in wanted or t == "residual"
    }
    shared = components.get("couple_timepoint", 0.0)
    total = sum(components.values())
    out = {
        "variance_components": components,
        # Correlation of the two partners' scores at the same occasion: what they share is the
        # couple intercept and (in the primary model) the couple x timepoint intercept.
        "icc_partner": (components["couple"] + shared) / total,
        # Correlation of one participant's scores at two occasions (couple + participant).
        "icc_participant": (components["couple"] + components["participant"]) / total,
    }
    if "couple_timepoint" in wanted:
        # Null when the data cannot identify shared change (e.g. no couple with both partners
        # at one occasion); 0 when it is estimated at the boundary.
        # Correlation of the two partners' changes between any two occasions: each change is
        # (shared occasion difference) + (own residual difference), so
        # Cov = 2 var(couple x timepoint) and Var = 2 var(couple x timepoint) + 2 residual.
        out["icc_change"] = (
            None
            if "couple_timepoint" in fit.unidentified
            else shared / (shared + components["residual"])
        )
    return out


def _diagnostics(fit: Fit) -> dict:
    """Flags and captured warnings of a fit, as data."""
    return {
        "random_terms": list(fit.terms),
        "singular": bool(fit.singular),
        "converged": bool(fit.converged),
        "optimizer": fit.optimizer,
        "warnings": list(fit.warnings),
        "rule_applied": "; ".join(fit.rule_applied) if fit.rule_applied else None,
        "log_likelihood": float(fit.loglik),
    }


def _unavailable(reason: str, counts: dict, extra: dict | None = None) -> dict:
    """A result whose estimates are null, with the reason."""
    return {"available": False, "reason": reason, **counts, **(extra or {})}


def _failed(failure: FitFailed, counts: dict, model: dict) -> dict:
    """An unavailable result for a fit that failed, with its reason and captured warnings."""
    extra = {**model, "converged": failure.converged, "warnings": failure.captured}
    return _unavailable(failure.reason, counts, extra)


def _numerical_reason(error: Exception) -> str:
    """Reason for a failure of the linear algebra (the type only: messages may quote data)."""
    return f"the model algebra failed numerically ({type(error).__name__})"


def _counts(prepared: pd.DataFrame) -> dict:
    """Numbers of observations, participants and couples used."""
    return {
        "n_observations": len(prepared),
        "n_participants": int(prepared["participant_id"].nunique()),
        "n_couples": int(prepared["couple_id"].nunique()),
    }


PRIMARY_FORMULA = (
    "value ~ timepoint + (1 | couple) + (1 | couple:participant) + (1 | couple:timepoint)"
)
INTERCEPTS_FORMULA = "value ~ timepoint + (1 | couple) + (1 | participant within couple)"


def fit_dyadic_model(
    data: pd.DataFrame,
    timepoints: Sequence[str],
    baseline: str,
    reml: bool = True,
    shared_change: bool = True,
) -> dict:
    """Fit the dyadic model (PRIMARY_FORMULA) and return each change vs baseline.

    shared_change=False leaves out the couple x timepoint intercept (INTERCEPTS_FORMULA), the
    earlier model, which treats the two partners' changes as independent.
    """
    # The matrices are small: BLAS threads only add overhead, and on a busy machine a
    # multi-threaded 100 x 100 inverse measured 400 times slower than a single-threaded one.
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_dyadic_model(data, timepoints, baseline, reml, shared_change)


def _fit_dyadic_model(
    data: pd.DataFrame, timepoints: Sequence[str], baseline: str, reml: bool, shared_change: bool
) -> dict:
    started = time.perf_counter()
    prepared = prepare(data, timepoints, baseline)
    counts = _counts(prepared)
    wanted = RANDOM_TERMS if shared_change else ("couple", "participant")
    model = {
        "model": PRIMARY_FORMULA if shared_change else INTERCEPTS_FORMULA,
        "estimation": "REML" if reml else "ML",
        "baseline": baseline,
        "df_method": "Satterthwaite (as lmerTest)",
    }
    present = [t for t in timepoints if t in set(prepared["timepoint"])]
    others = [t for t in present if t != baseline]
    if baseline not in present:
        return _unavailable("no measurements at the baseline timepoint", counts, model)
    if not others:
        return _unavailable("no measurements after the baseline timepoint", counts, model)
    y = prepared["value"].to_numpy(dtype=float)
    X = np.column_stack(
        [np.ones(len(y))] + [(prepared["timepoint"] == t).to_numpy(float) for t in others]
    )
    if len(y) <= X.shape[1] + 1:
        return _unavailable("too few measurements for the model", counts, model)
    try:
        fit = fit_with_boundary_rule(y, X, level_codes(prepared), reml, wanted)
        rows = inference(fit, np.eye(X.shape[1]), reml)
    except FitFailed as failure:
        return _failed(failure, counts, model)
    except np.linalg.LinAlgError as error:
        return _failed(FitFailed(_numerical_reason(error), []), counts, model)
    contrasts = {}
    for timepoint in timepoints:
        if timepoint == baseline:
            continue
        if timepoint in others:
            contrasts[timepoint] = {"vs": baseline, **rows[1 + others.index(timepoint)]}
        else:
            contrasts[timepoint] = {
                "vs": baseline,
                "available": False,
                "reason": "no measurements at this timepoint",
            }
    elapsed = time.perf_counter() - started
    return {
        "available": True,
        **model,
        "intercept": rows[0],
        "contrasts": contrasts,
        **_variance_summary(fit, wanted),
        **counts,
        **_diagnostics(fit),
        "fit_seconds": elapsed,
    }


def _pooled_design(
    prepared: pd.DataFrame, baseline: str, municipalities: list[str], interaction: bool
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Design of the pooled model and the (municipality, timepoint) of each change column.

    With the interaction: one intercept per municipality and one change column per observed
    (municipality, timepoint) cell whose municipality has baseline data -- the cell-means
    parametrisation of timepoint * municipality. It spans the same space (so the fit equals
    lme4's treatment-coded fit), each change is one coefficient, and a municipality without
    e.g. a followup simply has no such column instead of making the design rank-deficient.
    Without the interaction: municipality intercepts plus one change per timepoint for all.
    """
    tp = prepared["timepoint"].to_numpy()
    mu = prepared["municipality_code"].astype(str).to_numpy()
    columns = [(mu == m).astype(float) for m in municipalities]
    labels: list[tuple[str, str]] = []
    with_baseline = {m for m in municipalities if np.any((mu == m) & (tp == baseline))}
    later = [t for t in pd.unique(prepared["timepoint"]) if t != baseline]
    for t in later:
        if interaction:
            for m in municipalities:
                cell = (mu == m) & (tp == t)
                if m in with_baseline and np.any(cell):
                    columns.append(cell.astype(float))
                    labels.append((m, t))
        else:
            columns.append((tp == t).astype(float))
            labels.append(("all", t))
    return np.column_stack(columns), labels


def fit_pooled_model(data: pd.DataFrame, timepoints: Sequence[str], baseline: str) -> dict:
    """Fit value ~ timepoint * municipality + random intercepts; each municipality's change."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_pooled_model(data, timepoints, baseline)


def _fit_pooled_model(data: pd.DataFrame, timepoints: Sequence[str], baseline: str) -> dict:
    started = time.perf_counter()
    prepared = prepare(data, timepoints, baseline, extra=("municipality_code",))
    counts = _counts(prepared)
    municipalities = sorted(prepared["municipality_code"].astype(str).unique())
    model = {
        "model": "value ~ timepoint * municipality + (1 | couple) + (1 | participant within "
        "couple)",
        "estimation": "REML (changes); ML (likelihood-ratio test)",
        "baseline": baseline,
        "coding": "cell means: an intercept per municipality and a change from baseline per "
        "municipality and timepoint (the same model as treatment-coded timepoint * "
        "municipality; the changes do not depend on the coding)",
        "df_method": "Satterthwaite (as lmerTest)",
        "municipalities": municipalities,
    }
    per_couple = prepared.groupby("couple_id")["municipality_code"].nunique()
    if (per_couple > 1).any():
        raise MixedModelInputError(
            "mixed model input: column municipality_code: a couple spans municipalities"
        )
    present = [t for t in timepoints if t in set(prepared["timepoint"])]
    others = [t for t in present if t != baseline]
    if baseline not in present or not others:
        return _unavailable("no measurements at baseline or after it", counts, model)
    X, labels = _pooled_design(prepared, baseline, municipalities, interaction=True)
    X_reduced, _ = _pooled_design(prepared, baseline, municipalities, interaction=False)
    if np.linalg.matrix_rank(X) < X.shape[1] or len(prepared) <= X.shape[1] + 1:
        return _unavailable("too few measurements for the pooled model", counts, model)
    y = prepared["value"].to_numpy(dtype=float)
    codes = level_codes(prepared)
    offset = len(municipalities)  # change columns follow the municipality intercepts
    try:
        # The pooled model keeps the two random intercepts of issue 4 (its R fixtures and the
        # interaction test were made with them); the couple x timepoint term is the per-group
        # primary model's.
        fit = fit_with_boundary_rule(y, X, codes, reml=True)
        full_ml = fit_with_boundary_rule(y, X, codes, reml=False)
        reduced_ml = fit_with_boundary_rule(y, X_reduced, codes, reml=False)
        inferred = inference(fit, np.eye(X.shape[1])[offset:], reml=True)
    except FitFailed as failure:
        return _failed(failure, counts, model)
    except np.linalg.LinAlgError as error:
        return _failed(FitFailed(_numerical_reason(error), []), counts, model)
    by_cell = dict(zip(labels, inferred))
    cells = []
    for m in municipalities:
        for t in timepoints:
            if t == baseline:
                continue
            cell = {"municipality_code": m, "timepoint": t, "vs": baseline}
            if (m, t) in by_cell:
                cell.update(by_cell[(m, t)])
            else:
                cell.update(available=False, reason="no measurements at baseline or timepoint")
            cells.append(cell)
    chi2 = float(max(0.0, 2.0 * (full_ml.loglik - reduced_ml.loglik)))
    lrt_df = X.shape[1] - X_reduced.shape[1]
    elapsed = time.perf_counter() - started
    logger.info(
        "pooled mixed model: %d observations, %d municipalities, fitted in %.2f s",
        len(prepared),
        len(municipalities),
        elapsed,
    )
    return {
        "available": True,
        **model,
        "changes": cells,
        "interaction_test": {
            "method": "likelihood-ratio test of timepoint x municipality, ML fits",
            "chi2": chi2,
            "df": int(lrt_df),
            "p": float(scipy.stats.chi2.sf(chi2, lrt_df)) if lrt_df > 0 else None,
            "log_likelihood_full_ml": float(full_ml.loglik),
            "log_likelihood_reduced_ml": float(reduced_ml.loglik),
        },
        **_variance_summary(fit, ("couple", "participant")),
        **counts,
        **_diagnostics(fit),
        "fit_seconds": elapsed,
    }
