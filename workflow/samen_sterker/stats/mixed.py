"""Dyadic mixed-effects models of change, numerically equal to R's lme4 + lmerTest.

Model (per outcome and group): value ~ timepoint + (1 | couple) + (1 | participant in couple),
timepoint treatment-coded against the baseline. Variances are estimated by statsmodels MixedLM
(REML by default) and refined to lme4's bounded optimum; fixed effects, their covariance
(X'V^-1X)^-1 and Satterthwaite df are then computed in numpy at those variances
(`satterthwaite.py`), which reproduces lme4's vcov and lmerTest's df. See docs/methods.md,
"Mixed models", for the boundary rule and all choices.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats
from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec

try:
    # Present through pingouin -> scikit-learn; the pin is requirements.lock's.
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - only slower without it

    def threadpool_limits(**_kwargs):  # type: ignore[no-redef]
        """Stand-in that leaves BLAS threading alone."""
        return contextlib.nullcontext()


from samen_sterker.stats.satterthwaite import (
    THETA_UPPER_BOUND,
    MixedDesign,
    gls,
    indicator_matrix,
    log_likelihood,
    optimise_theta,
    satterthwaite,
)

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("couple_id", "participant_id", "timepoint", "value")
RANDOM_TERMS = ("couple", "participant")
# Tried in this order until one converges (statsmodels' own list, plus two derivative-free).
OPTIMIZERS = ("lbfgs", "bfgs", "powell", "nm")
# lme4::isSingular(tol = 1e-4): a relative SD theta = sd / sigma below this is a boundary fit.
SINGULAR_TOLERANCE = 1e-4
# statsmodels' fixed effects and llf must agree with the numpy GLS/REML to this relative
# tolerance, else the discrepancy is reported (guard for statsmodels issue #10239).
CROSS_CHECK_TOLERANCE = 1e-6
CONFIDENCE = 0.95
ZERO_RESIDUAL_REASON = (
    "the residual variance is estimated at zero: the values do not vary beyond what the "
    "timepoints and persons explain, so no standard error can be computed"
)


class MixedModelInputError(ValueError):
    """The data given to a mixed model violate its contract (names rows/columns, never values)."""


@dataclass
class _Fit:
    """One fitted model: kept random terms, variances, design and diagnostics."""

    terms: tuple[str, ...]
    variances: dict[str, float]
    design: MixedDesign
    loglik: float
    converged: bool
    optimizer: str | None
    warnings: list[str] = field(default_factory=list)
    rule_applied: list[str] = field(default_factory=list)
    singular: bool = False
    refinement_loglik_gain: float = 0.0

    def variance_vector(self) -> np.ndarray:
        """Variances of the kept terms followed by the residual variance."""
        return np.array([self.variances[t] for t in self.terms] + [self.variances["residual"]])


class _FitFailed(Exception):
    """No optimizer converged; carries the reason and the captured warnings."""

    def __init__(self, reason: str, captured: list[str], converged: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.captured = captured
        self.converged = converged


# --------------------------------------------------------------------------- input


def _prepare(
    data: pd.DataFrame, timepoints: Sequence[str], baseline: str, extra: Sequence[str] = ()
) -> pd.DataFrame:
    """Validate, drop rows without a value and sort by couple, participant and time."""
    columns = (*REQUIRED_COLUMNS, *extra)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise MixedModelInputError(f"mixed model input lacks column(s): {', '.join(missing)}")
    if baseline not in timepoints:
        raise MixedModelInputError(f"baseline {baseline!r} is not one of the timepoints")
    problems = []
    for column in (c for c in columns if c != "value"):
        rows = data.index[data[column].isna()].tolist()
        if rows:
            problems.append(f"column {column}: missing in row(s) {_rows(rows)}")
    unknown = data.index[data["timepoint"].notna() & ~data["timepoint"].isin(timepoints)].tolist()
    if unknown:
        problems.append(f"column timepoint: not a configured timepoint in row(s) {_rows(unknown)}")
    values = pd.to_numeric(data["value"], errors="coerce")
    not_numeric = data.index[values.isna() & data["value"].notna()].tolist()
    if not_numeric:
        problems.append(f"column value: not a number in row(s) {_rows(not_numeric)}")
    infinite = data.index[np.isinf(values.to_numpy(dtype=float, na_value=np.nan))].tolist()
    if infinite:
        problems.append(f"column value: infinite in row(s) {_rows(infinite)}")
    if not problems:
        couples_per_participant = data.groupby("participant_id")["couple_id"].nunique()
        split = couples_per_participant.index[couples_per_participant > 1]
        rows = data.index[data["participant_id"].isin(split)].tolist()
        if rows:
            problems.append(
                f"column participant_id: participant in more than one couple, row(s) {_rows(rows)}"
            )
        duplicated = data.index[data.duplicated(["participant_id", "timepoint"], keep=False)]
        if len(duplicated):
            problems.append(
                "columns participant_id/timepoint: more than one measurement per participant and "
                f"timepoint, row(s) {_rows(duplicated.tolist())}"
            )
    if problems:
        raise MixedModelInputError("mixed model input: " + "; ".join(problems))
    order = {t: i for i, t in enumerate(timepoints)}
    out = data.loc[values.notna(), list(columns)].copy()
    out["value"] = values[values.notna()].astype(float)
    out["_order"] = out["timepoint"].map(order)
    # MixedLM's variance components need the rows grouped by couple (statsmodels trap).
    out = out.sort_values(["couple_id", "participant_id", "_order"], kind="mergesort")
    return out.drop(columns="_order").reset_index(drop=True)


def _rows(rows: list) -> str:
    """Name at most 20 row labels (the index of the caller's frame)."""
    shown = ", ".join(str(r) for r in rows[:20])
    return shown + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")


# --------------------------------------------------------------------------- fitting


def _identifiable_terms(couples: np.ndarray, participants: np.ndarray) -> tuple[list[str], list]:
    """Random terms the data can identify, and a note for each that cannot be."""
    terms, notes = [], []
    per_couple = pd.Series(participants).groupby(couples).nunique()
    if (per_couple >= 2).any() and len(per_couple) >= 2:
        terms.append("couple")
    else:
        notes.append(
            "couple intercept left out: no couple with two participants (or a single couple), "
            "so couple and participant variance cannot be separated"
        )
    per_participant = pd.Series(participants).value_counts()
    if (per_participant >= 2).any() and len(per_participant) >= 2:
        terms.append("participant")
    else:
        notes.append(
            "participant intercept left out: no participant measured twice, so participant and "
            "residual variance cannot be separated"
        )
    return terms, notes


def _statsmodels_variances(
    y: np.ndarray,
    X: np.ndarray,
    couples: np.ndarray,
    participants: np.ndarray,
    terms: tuple[str, ...],
    reml: bool,
) -> tuple[dict[str, float], np.ndarray, float, bool, str | None, list[str]]:
    """Fit MixedLM with the given random terms; return variances, fe, llf and diagnostics."""
    n = len(y)
    if not terms:
        # No random terms: ordinary least squares, whose (RE)ML variance is closed-form.
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        rss = float(np.sum((y - X @ beta) ** 2))
        residual = rss / (n - X.shape[1] if reml else n)
        if not residual > 1e-12 * max(1.0, float(np.var(y))):
            raise _FitFailed(ZERO_RESIDUAL_REASON, [], converged=True)
        return {"residual": residual}, beta, np.nan, True, None, []
    if terms == ("couple", "participant"):
        # groups = couple with re_formula "1" (couple intercept) and a variance component for
        # participants within couple: without the couple intercept no couple term would be fitted.
        # VCSpec lists one matrix per couple in sorted order (MixedLM's group_labels), rows in
        # data order within the couple (MixedLM's row_indices).
        matrices = [indicator_matrix(participants[couples == c]) for c in sorted(set(couples))]
        names = [[str(j) for j in range(m.shape[1])] for m in matrices]
        exog_vc = VCSpec(["participant"], [names], [matrices])
        model = MixedLM(y, X, groups=couples, exog_re=np.ones((n, 1)), exog_vc=exog_vc)
    elif terms == ("couple",):
        model = MixedLM(y, X, groups=couples, exog_re=np.ones((n, 1)))
    else:
        model = MixedLM(y, X, groups=participants, exog_re=np.ones((n, 1)))
    captured: list[str] = []
    result = None
    zero_residual = False
    for method in OPTIMIZERS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                attempt = model.fit(reml=reml, method=[method])
            except (np.linalg.LinAlgError, ValueError, FloatingPointError) as error:
                captured.append(f"{method}: {type(error).__name__}: {error}")
                attempt = None
        captured.extend(f"{method}: {w.category.__name__}: {w.message}" for w in caught)
        if attempt is not None and attempt.converged:
            if np.isfinite(attempt.scale) and attempt.scale > 0:
                result = attempt
                break
            zero_residual = True
    if result is None:
        if zero_residual:
            raise _FitFailed(ZERO_RESIDUAL_REASON, captured, converged=True)
        raise _FitFailed(
            f"MixedLM did not converge with any of the optimizers {', '.join(OPTIMIZERS)}",
            captured,
        )
    variances = {"residual": float(result.scale)}
    if "couple" in terms and "participant" in terms:
        variances["couple"] = float(np.asarray(result.cov_re)[0, 0])
        variances["participant"] = float(result.vcomp[0])
    else:
        variances[terms[0]] = float(np.asarray(result.cov_re)[0, 0])
    # statsmodels may return a slightly negative variance at the boundary; clip to the space.
    variances = {k: max(v, 0.0) for k, v in variances.items()}
    return variances, np.asarray(result.fe_params), float(result.llf), True, method, captured


def _design(y, X, couples, participants, terms) -> MixedDesign:
    """Numpy design of the kept random terms, blocked by couple (all terms nest in couples)."""
    codes = {"couple": couples, "participant": participants}
    return MixedDesign(y, X, tuple(codes[t] for t in terms), blocks=couples)


def _fit_terms(y, X, couples, participants, terms: tuple[str, ...], reml: bool) -> _Fit:
    """Fit one random-effects structure: statsmodels, then a bounded numpy refinement."""
    variances, fe_params, llf, converged, method, captured = _statsmodels_variances(
        y, X, couples, participants, terms, reml
    )
    design = _design(y, X, couples, participants, terms)
    fit = _Fit(terms, variances, design, np.nan, converged, method, list(captured))
    vector = fit.variance_vector()
    statsmodels_loglik = log_likelihood(design, vector, reml)
    beta, _ = gls(design, vector)
    if np.any(np.abs(beta - fe_params) > CROSS_CHECK_TOLERANCE * (1.0 + np.abs(beta))):
        # statsmodels issue #10239: coefficients silently 0.0 when a variance is zero. The GLS
        # estimate at the same variances is the (RE)ML estimate; only GLS values are reported.
        fit.warnings.append(
            "statsmodels fixed effects differ from GLS at the same variances (statsmodels issue "
            "#10239 guard); the GLS values are reported"
        )
    if np.isfinite(llf) and abs(llf - statsmodels_loglik) > CROSS_CHECK_TOLERANCE * max(
        1.0, abs(llf)
    ):
        fit.warnings.append("statsmodels log-likelihood differs from the numpy (RE)ML likelihood")
    fit.loglik = statsmodels_loglik
    fit.refinement_loglik_gain = 0.0
    if terms:
        # statsmodels stops short of the optimum near the boundary (REML log-likelihood 0.1 low
        # and SEs 1% off on the boundary fixture); lme4's bounded optimum over theta >= 0 is
        # found from statsmodels' estimate by L-BFGS-B on the profiled deviance.
        theta_start = np.sqrt(vector[:-1] / vector[-1])
        try:
            theta, sigma2, success = optimise_theta(design, theta_start, reml)
            refined = np.append(theta**2 * sigma2, sigma2)
            refined_loglik = log_likelihood(design, refined, reml)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as error:
            # Extreme variance ratios on tiny data; statsmodels' converged estimate stands.
            fit.warnings.append(f"numpy refinement failed ({type(error).__name__})")
            refined_loglik, success = -np.inf, True
        if np.isfinite(refined_loglik) and refined_loglik >= statsmodels_loglik:
            fit.variances = {t: float(v) for t, v in zip(terms, refined[:-1])}
            fit.variances["residual"] = float(sigma2)
            fit.refinement_loglik_gain = refined_loglik - statsmodels_loglik
            fit.loglik = refined_loglik
        if not success:
            fit.warnings.append("numpy refinement of the variance estimates did not converge")
        elif (
            fit.variances["residual"] > 0
            and max(_theta(fit, t) for t in terms) >= 0.999 * THETA_UPPER_BOUND
        ):
            fit.warnings.append("a random-effect SD reached 1000 times the residual SD")
    return fit


def _theta(fit: _Fit, term: str) -> float:
    """lme4's relative SD of a random term: sqrt(variance) / sigma."""
    return float(np.sqrt(fit.variances[term] / fit.variances["residual"]))


def _fit_with_boundary_rule(y, X, couples, participants, reml: bool) -> _Fit:
    """Fit the dyadic model; refit without a random term whose variance is on the boundary.

    A term is at the boundary when its theta = sd / sigma is below 1e-4 (lme4's isSingular).
    lme4 then reports a singular fit whose SEs and lmerTest df equal those of the model without
    that term (the deviance Hessian has no cross-terms with a theta at 0), so the reduced model
    is refitted and reported: its SEs and Satterthwaite df are right, where a numerically
    near-zero variance would distort them.
    """
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    if float(np.sum((y - X @ beta) ** 2)) <= 1e-10 * max(1.0, float(y @ y)):
        # The timepoint means explain every value: no variance to estimate (and the
        # optimizers would spend seconds failing on it).
        raise _FitFailed(ZERO_RESIDUAL_REASON, [], converged=True)
    terms, notes = _identifiable_terms(couples, participants)
    fit = _fit_terms(y, X, couples, participants, tuple(terms), reml)
    fit.rule_applied.extend(notes)
    while fit.terms:
        term = min(fit.terms, key=lambda t: _theta(fit, t))
        if _theta(fit, term) >= SINGULAR_TOLERANCE:
            break
        reduced_terms = tuple(t for t in fit.terms if t != term)
        reduced = _fit_terms(y, X, couples, participants, reduced_terms, reml)
        reduced.warnings = fit.warnings + reduced.warnings
        reduced.rule_applied = [
            *fit.rule_applied,
            (
                f"{term} variance estimated at the boundary (0, singular fit): refitted without "
                f"the {term} intercept, the equivalent model at lme4's boundary estimate"
            ),
        ]
        reduced.singular = True
        fit = reduced
    return fit


# --------------------------------------------------------------------------- results


def _inference(fit: _Fit, L: np.ndarray, reml: bool) -> list[dict]:
    """Estimate, SE, Satterthwaite df, t, two-sided p and 95% CI of each contrast row."""
    out = satterthwaite(fit.design, fit.variance_vector(), L, reml)
    rows = []
    for estimate, se, df in zip(out["estimate"], out["se"], out["df"]):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = estimate / se
        half_width = scipy.stats.t.ppf(0.5 + CONFIDENCE / 2, df) * se
        row = {
            "estimate": estimate,
            "se": se,
            "df": df,
            "t": t,
            "p": 2 * scipy.stats.t.sf(abs(t), df),
            "ci_low": estimate - half_width,
            "ci_high": estimate + half_width,
        }
        # JSON has no inf/NaN; a non-finite number (e.g. no information for the df) is null.
        rows.append({k: float(v) if np.isfinite(v) else None for k, v in row.items()})
    return rows


def _variance_summary(fit: _Fit) -> dict:
    """Variance components (0 for a dropped term), partner ICC and within-person ICC."""
    components = {t: float(fit.variances.get(t, 0.0)) for t in (*RANDOM_TERMS, "residual")}
    total = sum(components.values())
    return {
        "variance_components": components,
        # Correlation of the two partners' scores at the same occasion: Cov = couple variance.
        "icc_partner": components["couple"] / total,
        # Correlation of one participant's scores at two occasions (couple + participant).
        "icc_participant": (components["couple"] + components["participant"]) / total,
    }


def _diagnostics(fit: _Fit) -> dict:
    """Flags and captured warnings of a fit, as data."""
    return {
        "random_terms": list(fit.terms),
        "singular": bool(fit.singular),
        "converged": bool(fit.converged),
        "optimizer": fit.optimizer,
        "warnings": list(fit.warnings),
        "rule_applied": "; ".join(fit.rule_applied) if fit.rule_applied else None,
        "log_likelihood": float(fit.loglik),
        "refinement_loglik_gain": float(fit.refinement_loglik_gain),
    }


def _unavailable(reason: str, counts: dict, extra: dict | None = None) -> dict:
    """A result whose estimates are null, with the reason."""
    return {"available": False, "reason": reason, **counts, **(extra or {})}


def _failed(failure: _FitFailed, counts: dict, model: dict) -> dict:
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


def fit_dyadic_model(
    data: pd.DataFrame, timepoints: Sequence[str], baseline: str, reml: bool = True
) -> dict:
    """Fit value ~ timepoint + (1|couple) + (1|participant) and return each change vs baseline."""
    # The matrices are small: BLAS threads only add overhead, and on a busy machine a
    # multi-threaded 100 x 100 inverse measured 400 times slower than a single-threaded one.
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_dyadic_model(data, timepoints, baseline, reml)


def _fit_dyadic_model(
    data: pd.DataFrame, timepoints: Sequence[str], baseline: str, reml: bool
) -> dict:
    started = time.perf_counter()
    prepared = _prepare(data, timepoints, baseline)
    counts = _counts(prepared)
    model = {
        "model": "value ~ timepoint + (1 | couple) + (1 | participant within couple)",
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
    couples = prepared["couple_id"].astype(str).to_numpy()
    participants = prepared["participant_id"].astype(str).to_numpy()
    try:
        fit = _fit_with_boundary_rule(y, X, couples, participants, reml)
        rows = _inference(fit, np.eye(X.shape[1]), reml)
    except _FitFailed as failure:
        return _failed(failure, counts, model)
    except np.linalg.LinAlgError as error:
        return _failed(_FitFailed(_numerical_reason(error), []), counts, model)
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
        **_variance_summary(fit),
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
    prepared = _prepare(data, timepoints, baseline, extra=("municipality_code",))
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
    couples = prepared["couple_id"].astype(str).to_numpy()
    participants = prepared["participant_id"].astype(str).to_numpy()
    offset = len(municipalities)  # change columns follow the municipality intercepts
    try:
        fit = _fit_with_boundary_rule(y, X, couples, participants, reml=True)
        full_ml = _fit_with_boundary_rule(y, X, couples, participants, reml=False)
        reduced_ml = _fit_with_boundary_rule(y, X_reduced, couples, participants, reml=False)
        inferred = _inference(fit, np.eye(X.shape[1])[offset:], reml=True)
    except _FitFailed as failure:
        return _failed(failure, counts, model)
    except np.linalg.LinAlgError as error:
        return _failed(_FitFailed(_numerical_reason(error), []), counts, model)
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
        **_variance_summary(fit),
        **counts,
        **_diagnostics(fit),
        "fit_seconds": elapsed,
    }
