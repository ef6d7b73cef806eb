"""Fitting core of the dyadic mixed models: input checks, random terms, the boundary rule.

Split from `mixed.py` (which assembles the results): this module turns a long table into the
numpy design, fits one random-effects structure with statsmodels MixedLM, refines it to lme4's
bounded REML/ML optimum and applies the one boundary rule (docs/methods.md, "Mixed models").

Random intercepts, all nested within the couple, by name:

- `couple`: what both partners share at every occasion (lme4 `(1 | couple)`);
- `participant`: what stays with one person over time (`(1 | couple:participant)`);
- `couple_timepoint`: what both partners share at one occasion only (`(1 | couple:timepoint)`):
  a change the couple goes through together. Without it the two partners' changes are
  modelled as independent, which they are not when partners take the course together.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats
from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec

from samen_sterker.stats.satterthwaite import (
    THETA_UPPER_BOUND,
    MixedDesign,
    gls,
    indicator_matrix,
    log_likelihood,
    optimise_theta,
    satterthwaite,
)

REQUIRED_COLUMNS = ("couple_id", "participant_id", "timepoint", "value")
RANDOM_TERMS = ("couple", "participant", "couple_timepoint")
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
class Fit:
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
    # Wanted terms the data cannot identify (left out before fitting, not estimated at 0).
    unidentified: tuple[str, ...] = ()

    def variance_vector(self) -> np.ndarray:
        """Variances of the kept terms followed by the residual variance."""
        return np.array([self.variances[t] for t in self.terms] + [self.variances["residual"]])


class FitFailed(Exception):
    """No optimizer converged; carries the reason and the captured warnings."""

    def __init__(self, reason: str, captured: list[str], converged: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.captured = captured
        self.converged = converged


# --------------------------------------------------------------------------- input


def prepare(
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


def level_codes(prepared: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each row's level of every random term (all nested within the couple)."""
    couples = prepared["couple_id"].astype(str).to_numpy()
    participants = prepared["participant_id"].astype(str).to_numpy()
    # Unit separator: no couple code or timepoint name contains it, so levels cannot collide.
    occasions = prepared["couple_id"].astype(str) + "\x1f" + prepared["timepoint"].astype(str)
    return {
        "couple": couples,
        "participant": participants,
        "couple_timepoint": occasions.to_numpy(),
    }


# --------------------------------------------------------------------------- fitting


def _levels_with_two_rows(codes: np.ndarray) -> tuple[bool, int]:
    """Whether some level has at least two rows, and the number of levels."""
    counts = pd.Series(codes).value_counts()
    return bool((counts >= 2).any()), len(counts)


def identifiable_terms(codes: Mapping[str, np.ndarray], wanted: Sequence[str]) -> tuple[list, list]:
    """Random terms (of `wanted`) the data can identify, and a note for each that cannot be."""
    terms, notes = [], []
    couples, participants = codes["couple"], codes["participant"]
    if "couple" in wanted:
        per_couple = pd.Series(participants).groupby(couples).nunique()
        if (per_couple >= 2).any() and len(per_couple) >= 2:
            terms.append("couple")
        else:
            notes.append(
                "couple intercept left out: no couple with two participants (or a single "
                "couple), so couple and participant variance cannot be separated"
            )
    if "participant" in wanted:
        repeated, levels = _levels_with_two_rows(participants)
        if repeated and levels >= 2:
            terms.append("participant")
        else:
            notes.append(
                "participant intercept left out: no participant measured twice, so participant "
                "and residual variance cannot be separated"
            )
    if "couple_timepoint" in wanted:
        shared, levels = _levels_with_two_rows(codes["couple_timepoint"])
        occasions_per_couple = pd.Series(codes["couple_timepoint"]).groupby(couples).nunique()
        if shared and levels >= 2 and (occasions_per_couple >= 2).any():
            terms.append("couple_timepoint")
        else:
            notes.append(
                "couple x timepoint intercept left out: no couple with both partners measured at "
                "one occasion (or none measured twice), so shared change cannot be separated "
                "from individual variation"
            )
    return terms, notes


def _statsmodels_variances(
    y: np.ndarray,
    X: np.ndarray,
    codes: Mapping[str, np.ndarray],
    terms: tuple[str, ...],
    reml: bool,
) -> tuple[dict[str, float], np.ndarray, float, bool, str | None, list[str]]:
    """Fit MixedLM with the given random terms; return variances, fe, llf and diagnostics."""
    n = len(y)
    couples = codes["couple"]
    if not terms:
        # No random terms: ordinary least squares, whose (RE)ML variance is closed-form.
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        rss = float(np.sum((y - X @ beta) ** 2))
        residual = rss / (n - X.shape[1] if reml else n)
        if not residual > 1e-12 * max(1.0, float(np.var(y))):
            raise FitFailed(ZERO_RESIDUAL_REASON, [], converged=True)
        return {"residual": residual}, beta, np.nan, True, None, []
    if terms == ("couple",):
        model = MixedLM(y, X, groups=couples, exog_re=np.ones((n, 1)))
    elif terms == ("participant",):
        model = MixedLM(y, X, groups=codes["participant"], exog_re=np.ones((n, 1)))
    else:
        # groups = couple; the couple intercept (if kept) is the group's random intercept
        # (re_formula "1"), every other term a variance component within the couple: without
        # the couple intercept no couple term would be fitted. VCSpec lists one matrix per
        # couple in sorted order (MixedLM's group_labels), rows in data order within the
        # couple (MixedLM's row_indices).
        components = [t for t in terms if t != "couple"]
        names, matrices = [], []
        for term in components:
            per_couple = [indicator_matrix(codes[term][couples == c]) for c in sorted(set(couples))]
            matrices.append(per_couple)
            names.append([[str(j) for j in range(m.shape[1])] for m in per_couple])
        exog_vc = VCSpec(components, names, matrices)
        exog_re = np.ones((n, 1)) if "couple" in terms else None
        model = MixedLM(y, X, groups=couples, exog_re=exog_re, exog_vc=exog_vc)
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
            raise FitFailed(ZERO_RESIDUAL_REASON, captured, converged=True)
        raise FitFailed(
            f"MixedLM did not converge with any of the optimizers {', '.join(OPTIMIZERS)}",
            captured,
        )
    variances = {"residual": float(result.scale)}
    if terms in (("couple",), ("participant",)):
        variances[terms[0]] = float(np.asarray(result.cov_re)[0, 0])
    else:
        if "couple" in terms:
            variances["couple"] = float(np.asarray(result.cov_re)[0, 0])
        for index, term in enumerate(t for t in terms if t != "couple"):
            variances[term] = float(result.vcomp[index])
    # statsmodels may return a slightly negative variance at the boundary; clip to the space.
    variances = {k: max(v, 0.0) for k, v in variances.items()}
    return variances, np.asarray(result.fe_params), float(result.llf), True, method, captured


def _design(y, X, codes: Mapping[str, np.ndarray], terms) -> MixedDesign:
    """Numpy design of the kept random terms, blocked by couple (all terms nest in couples)."""
    return MixedDesign(y, X, tuple(codes[t] for t in terms), blocks=codes["couple"])


def _fit_terms(y, X, codes: Mapping[str, np.ndarray], terms: tuple[str, ...], reml: bool) -> Fit:
    """Fit one random-effects structure: statsmodels, then a bounded numpy refinement."""
    variances, fe_params, llf, converged, method, captured = _statsmodels_variances(
        y, X, codes, terms, reml
    )
    design = _design(y, X, codes, terms)
    fit = Fit(terms, variances, design, np.nan, converged, method, list(captured))
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
            and max(theta_of(fit, t) for t in terms) >= 0.999 * THETA_UPPER_BOUND
        ):
            fit.warnings.append("a random-effect SD reached 1000 times the residual SD")
    return fit


def theta_of(fit: Fit, term: str) -> float:
    """lme4's relative SD of a random term: sqrt(variance) / sigma."""
    return float(np.sqrt(fit.variances[term] / fit.variances["residual"]))


TERM_LABELS = {
    "couple": "couple intercept",
    "participant": "participant intercept",
    "couple_timepoint": "couple x timepoint intercept",
}


def fit_with_boundary_rule(
    y: np.ndarray,
    X: np.ndarray,
    codes: Mapping[str, np.ndarray],
    reml: bool,
    wanted: Sequence[str] = ("couple", "participant"),
) -> Fit:
    """Fit the dyadic model; refit without a random term whose variance is on the boundary.

    A term is at the boundary when its theta = sd / sigma is below 1e-4 (lme4's isSingular).
    lme4 then reports a singular fit whose SEs and lmerTest df equal those of the model without
    that term (the deviance Hessian has no cross-terms with a theta at 0), so the reduced model
    is refitted and reported: its SEs and Satterthwaite df are right, where a numerically
    near-zero variance would distort them. With several terms at the boundary the one with the
    smallest theta goes first and the rule is applied again to the reduced fit.
    """
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    if float(np.sum((y - X @ beta) ** 2)) <= 1e-10 * max(1.0, float(y @ y)):
        # The timepoint means explain every value: no variance to estimate (and the
        # optimizers would spend seconds failing on it).
        raise FitFailed(ZERO_RESIDUAL_REASON, [], converged=True)
    terms, notes = identifiable_terms(codes, wanted)
    fit = _fit_terms(y, X, codes, tuple(terms), reml)
    fit.rule_applied.extend(notes)
    unidentified = tuple(t for t in wanted if t not in terms)
    fit.unidentified = unidentified
    while fit.terms:
        term = min(fit.terms, key=lambda t: theta_of(fit, t))
        if theta_of(fit, term) >= SINGULAR_TOLERANCE:
            break
        reduced_terms = tuple(t for t in fit.terms if t != term)
        reduced = _fit_terms(y, X, codes, reduced_terms, reml)
        reduced.warnings = fit.warnings + reduced.warnings
        reduced.rule_applied = [
            *fit.rule_applied,
            (
                f"{term} variance estimated at the boundary (0, singular fit): refitted without "
                f"the {TERM_LABELS[term]}, the equivalent model at lme4's boundary estimate"
            ),
        ]
        reduced.singular = True
        reduced.unidentified = unidentified
        fit = reduced
    return fit


def inference(fit: Fit, L: np.ndarray, reml: bool) -> list[dict]:
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
