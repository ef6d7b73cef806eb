"""Fitting core of the dyadic mixed models: input checks, random terms, the boundary rule.

Split from `mixed.py` (which assembles the results): this module turns a long table into the
numpy design, fits one random-effects structure by profiled (RE)ML as lme4 does (block algebra
by couple, `satterthwaite.py`) and applies the one boundary rule (docs/methods.md, "Mixed
models").

Random intercepts, all nested within the couple, by name:

- `couple`: what both partners share at every occasion (lme4 `(1 | couple)`);
- `participant`: what stays with one person over time (`(1 | couple:participant)`);
- `couple_timepoint`: what both partners share at one occasion only (`(1 | couple:timepoint)`):
  a change the couple goes through together. Without it the two partners' changes are
  modelled as independent, which they are not when partners take the course together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.stats

from samen_sterker.stats.satterthwaite import (
    THETA_UPPER_BOUND,
    MixedDesign,
    log_likelihood,
    optimise_theta,
    satterthwaite,
)

REQUIRED_COLUMNS = ("couple_id", "participant_id", "timepoint", "value")
RANDOM_TERMS = ("couple", "participant", "couple_timepoint")
# Tried in this order until one converges: the analytic gradient first, then two
# derivative-free methods (scipy.optimize names, all bounded to theta >= 0).
OPTIMIZERS = ("L-BFGS-B", "Powell", "Nelder-Mead")
# lme4's start: every relative SD theta = sd / sigma at 1.
THETA_START = 1.0
# lme4::isSingular(tol = 1e-4): a relative SD theta = sd / sigma below this is a boundary fit.
SINGULAR_TOLERANCE = 1e-4
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
    # One order whatever the export's: the same data give the same blocks and the same numbers.
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


def _least_squares_fit(y, X, codes: Mapping[str, np.ndarray], reml: bool) -> Fit:
    """No random terms: ordinary least squares, whose (RE)ML variance is closed-form."""
    n = len(y)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    residual = rss / (n - X.shape[1] if reml else n)
    if not residual > 1e-12 * max(1.0, float(np.var(y))):
        raise FitFailed(ZERO_RESIDUAL_REASON, [], converged=True)
    design = _design(y, X, codes, ())
    variances = {"residual": residual}
    loglik = log_likelihood(design, np.array([residual]), reml)
    return Fit((), variances, design, loglik, True, "closed form")


def _design(y, X, codes: Mapping[str, np.ndarray], terms) -> MixedDesign:
    """Numpy design of the kept random terms, blocked by couple (all terms nest in couples)."""
    return MixedDesign(y, X, tuple(codes[t] for t in terms), blocks=codes["couple"])


def _fit_terms(y, X, codes: Mapping[str, np.ndarray], terms: tuple[str, ...], reml: bool) -> Fit:
    """Fit one random-effects structure by profiled (RE)ML over theta >= 0, as lme4 does.

    lme4 minimises the deviance profiled over beta and sigma from theta = 1 for every term;
    so does this, with the analytic gradient (L-BFGS-B), and falls back to derivative-free
    optimizers when that stops without converging.
    """
    if not terms:
        return _least_squares_fit(y, X, codes, reml)
    design = _design(y, X, codes, terms)
    captured: list[str] = []
    for method in OPTIMIZERS:
        try:
            theta, sigma2, success, message = optimise_theta(
                design, np.full(len(terms), THETA_START), reml, method
            )
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as error:
            # The type only: messages of numerical code may quote data.
            captured.append(f"{method}: {type(error).__name__}")
            continue
        if success and np.isfinite(sigma2):
            break
        captured.append(f"{method}: {message}")
    else:
        raise FitFailed(
            f"the (RE)ML optimisation did not converge with any of the optimizers "
            f"{', '.join(OPTIMIZERS)}",
            captured,
        )
    # A random-effect SD at its bound of 1000 residual SDs: the likelihood still rises as the
    # residual variance goes to 0 (a handful of couples whose values the random terms fit
    # exactly), so there is no finite estimate and its SEs would be meaningless.
    if not sigma2 > 1e-12 * max(1.0, float(np.var(y))) or max(theta) >= 0.999 * THETA_UPPER_BOUND:
        raise FitFailed(ZERO_RESIDUAL_REASON, captured, converged=True)
    variances = {t: float(v) for t, v in zip(terms, theta**2 * sigma2)}
    variances["residual"] = float(sigma2)
    loglik = log_likelihood(design, np.array([*variances.values()]), reml)
    return Fit(terms, variances, design, loglik, True, method, captured)


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
