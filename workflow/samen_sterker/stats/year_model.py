"""The funder's year model: municipalities as random effects on top of the couple-level model.

In lme4 syntax, on the baseline and course-end measurements of one outcome and cohort year:

    value ~ timepoint + (1 + change | municipality)
            + (1 | couple) + (1 | couple:participant) + (1 | couple:timepoint)

`change` is 1 at the course end and 0 at baseline, so each municipality has its own level and
its own course change, drawn from a bivariate normal (SDs and correlation estimated), and the
couple-level terms are those of the primary dyadic model (`mixed.py`). Fitted by profiled REML
as lme4 does, with block algebra (docs/methods.md, "The funder's year model").

Why it is fast: every couple sits in one municipality, so V is block diagonal by municipality;
within a municipality V = sigma^2 (D + Z T Z'), D block diagonal by couple and T the 2 x 2
relative covariance of the municipal effects (rank 2, so Woodbury per municipality). Couples
whose rows have the same pattern (which partner at which timepoint) share one D block, so the
only sums over rows are the per-pattern, per-municipality cross products of (X, y), computed
once. One deviance evaluation then costs O(patterns x municipalities), independent of n.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.optimize

# lme4::isSingular(tol = 1e-4).
SINGULAR_TOLERANCE = 1e-4
COUPLE_TERMS = ("couple", "participant", "couple_timepoint")
# Bounds of the relative SDs: lme4 bounds the diagonal of the Cholesky factor below by 0; the
# upper bound (1000 times the residual SD) keeps V conditioned on degenerate data.
THETA_UPPER = 1e3


@dataclass(frozen=True)
class YearData:
    """The numeric form of one outcome-year: sufficient statistics per couple pattern."""

    n: int
    municipalities: tuple[str, ...]
    rows_per_municipality: np.ndarray  # (M,)
    couples_per_municipality: np.ndarray  # (M,)
    couple_terms: tuple[str, ...]
    # Couples whose rows have one pattern (which partner at which timepoint, in row order)
    # share one block D = I + sum_k theta_k^2 S_k. Per block size s: S (P, K, s, s) of its P
    # patterns and the number of couples of each (P,).
    same_level: tuple[np.ndarray, ...]
    counts: tuple[np.ndarray, ...]
    # Per municipality, the sum over a pattern's couples of W[i, a] W[j, b], W = [X, y] of the
    # couple's rows, laid out (M * 9, sum over patterns of s * s) so that X'D^-1X, X'D^-1y and
    # y'D^-1y of every municipality are one matrix-vector product with the stacked D^-1.
    cross: np.ndarray
    # Fixed effects (intercept, change); the municipal random effects have the same columns
    # (Z = X), which the algebra below uses.
    p: int = 2


def year_data(prepared: pd.DataFrame, baseline: str, course_end: str, terms: Sequence[str]):
    """Sufficient statistics of prepared rows (sorted by couple, participant, time)."""
    data = prepared[prepared["timepoint"].isin([baseline, course_end])]
    municipalities = tuple(sorted(data["municipality_code"].astype(str).unique()))
    m_index = {m: i for i, m in enumerate(municipalities)}
    M = len(municipalities)
    y = data["value"].to_numpy(float)
    post = (data["timepoint"] == course_end).to_numpy(float)
    W = np.column_stack([np.ones(len(y)), post, y])
    couple = data["couple_id"].astype(str).to_numpy()
    participant = data["participant_id"].astype(str).to_numpy()
    muni = data["municipality_code"].astype(str).map(m_index).to_numpy()
    # Couples in row order (prepare sorts by couple, participant, time).
    new_couple = np.r_[True, couple[1:] != couple[:-1]]
    new_participant = new_couple | np.r_[True, participant[1:] != participant[:-1]]
    starts = np.flatnonzero(new_couple)
    couple_of_row = np.cumsum(new_couple) - 1
    participant_number = np.cumsum(new_participant) - 1
    local = participant_number - participant_number[starts][couple_of_row]
    sizes = np.diff(np.r_[starts, len(y)])
    position = np.arange(len(y)) - starts[couple_of_row]
    # A couple's pattern: its rows' (partner within the couple, timepoint), padded with -1.
    padded = np.full((len(starts), int(sizes.max())), -1)
    padded[couple_of_row, position] = local * 2 + post.astype(int)
    keys, pattern_of_couple = np.unique(padded, axis=0, return_inverse=True)
    pattern_of_couple = pattern_of_couple.ravel()
    by_size: dict[int, list] = {}
    for index, key in enumerate(keys):
        key = key[key >= 0]
        s = len(key)
        person, time_ = key // 2, key % 2
        same = {
            "couple": np.ones((s, s)),
            "participant": (person[:, None] == person[None, :]).astype(float),
            "couple_timepoint": (time_[:, None] == time_[None, :]).astype(float),
        }
        S = np.array([same[t] for t in terms]).reshape(len(terms), s, s)
        chosen = np.flatnonzero(pattern_of_couple == index)
        rows = starts[chosen][:, None] + np.arange(s)[None, :]  # (couples, s)
        blocks = W[rows]  # (couples, s, 3)
        cross = np.zeros((M, 3, 3, s, s))
        np.add.at(cross, muni[rows[:, 0]], np.einsum("cia,cjb->cabij", blocks, blocks))
        by_size.setdefault(s, []).append((S, len(chosen), cross.reshape(M * 9, s * s)))
    ordered = [by_size[s] for s in sorted(by_size)]
    return YearData(
        n=len(y),
        municipalities=municipalities,
        rows_per_municipality=np.bincount(muni, minlength=M),
        couples_per_municipality=np.bincount(muni[starts], minlength=M),
        couple_terms=tuple(terms),
        same_level=tuple(np.array([S for S, _, _ in group]) for group in ordered),
        counts=tuple(np.array([c for _, c, _ in group]) for group in ordered),
        cross=np.hstack([cross for group in ordered for _, _, cross in group]),
    )


def _inverse_2x2(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and log-determinant of stacked symmetric positive definite 2 x 2 matrices."""
    a, b, d = A[..., 0, 0], A[..., 0, 1], A[..., 1, 1]
    det = a * d - b * b
    inverse = np.stack([np.stack([d, -b], -1), np.stack([-b, a], -1)], -2) / det[..., None, None]
    return inverse, np.log(det)


def cholesky_factor(lam: np.ndarray) -> np.ndarray:
    """lme4's relative Cholesky factor of the municipal covariance from (l11, l21, l22)."""
    return np.array([[lam[0], 0.0], [lam[1], lam[2]]])


@dataclass
class Evaluation:
    """Everything at one theta = (l11, l21, l22, couple-term thetas...), sigma profiled."""

    data: YearData
    theta: np.ndarray

    @cached_property
    def _parts(self) -> dict:
        d = self.data
        p = d.p
        lam = cholesky_factor(self.theta[:3])
        phi = self.theta[3:] ** 2
        M = len(d.municipalities)
        log_det_D = 0.0
        inverses = []
        for S, counts in zip(d.same_level, d.counts):
            D = np.eye(S.shape[-1]) + np.einsum("k,pkij->pij", phi, S)
            _, logdet = np.linalg.slogdet(D)
            log_det_D += float(counts @ logdet)
            inverses.append(np.linalg.inv(D).reshape(len(D), -1).ravel())
        Q = (d.cross @ np.concatenate(inverses)).reshape(M, p + 1, p + 1)
        F, g, h = Q[:, :p, :p], Q[:, :p, p], Q[:, p, p]
        # B = I + L'FL with F = X'D^-1X (Z = X); V1^-1 = D^-1 - D^-1 X L B^-1 L' X' D^-1.
        B = np.eye(2) + lam.T @ F @ lam
        B_inv, log_det_B = _inverse_2x2(B)
        LB = lam @ B_inv @ lam.T  # L B^-1 L'
        XVX = F - F @ LB @ F
        LBg = (LB @ g[:, :, None])[:, :, 0]
        XVy = g - (F @ LBg[:, :, None])[:, :, 0]
        yVy = h - np.sum(g * LBg, axis=1)
        info = XVX.sum(axis=0)
        if not np.linalg.det(info) > 0:
            raise np.linalg.LinAlgError("X'V^-1X is singular")
        C1 = np.linalg.inv(info)
        beta = C1 @ XVy.sum(axis=0)
        r2 = float(yVy.sum() - XVy.sum(axis=0) @ beta)
        return {
            "lam": lam,
            "F": F,
            "g": g,
            "LB": LB,
            "log_det_V1": log_det_D + float(log_det_B.sum()),
            "log_det_info": float(np.linalg.slogdet(info)[1]),
            "C1": (C1 + C1.T) / 2,
            "beta": beta,
            "r2": r2,
        }

    @property
    def dof(self) -> int:
        """REML degrees of freedom n - p."""
        return self.data.n - self.data.p

    @property
    def sigma2(self) -> float:
        """REML estimate of the residual variance at this theta."""
        return self._parts["r2"] / self.dof

    def profiled_deviance(self, reml: bool = True) -> float:
        """lme4's REML (or ML) criterion with sigma profiled out."""
        part = self._parts
        if not part["r2"] > 0:
            return np.inf
        dof = self.dof if reml else self.data.n
        value = dof * (1 + np.log(2 * np.pi * part["r2"] / dof)) + part["log_det_V1"]
        return float(value + (part["log_det_info"] if reml else 0.0))

    def deviance(self, sigma: float, reml: bool = True) -> float:
        """REML (or ML) deviance -2 log L at (theta, sigma), beta at its GLS value."""
        part = self._parts
        dof = self.dof if reml else self.data.n
        value = dof * np.log(2 * np.pi * sigma**2) + part["log_det_V1"] + part["r2"] / sigma**2
        return float(value + (part["log_det_info"] if reml else 0.0))

    @property
    def beta(self) -> np.ndarray:
        """GLS fixed effects (intercept, change)."""
        return self._parts["beta"]

    def vcov(self, sigma2: float | None = None) -> np.ndarray:
        """Covariance of the fixed effects, sigma^2 (X'V1^-1X)^-1 (lme4's vcov)."""
        return (self.sigma2 if sigma2 is None else sigma2) * self._parts["C1"]


def theta_bounds(n_couple_terms: int) -> list[tuple[float | None, float | None]]:
    """lme4's bounds: diagonal of the Cholesky factor and intercept thetas >= 0."""
    return [(0, THETA_UPPER), (-THETA_UPPER, THETA_UPPER), (0, THETA_UPPER)] + [
        (0, THETA_UPPER)
    ] * n_couple_terms


def optimise(
    data: YearData, start: np.ndarray | None = None, reml: bool = True
) -> tuple[np.ndarray, bool]:
    """Minimise the profiled REML (or ML) deviance over theta; return theta and success."""
    k = len(data.couple_terms)
    x0 = np.r_[0.5, 0.0, 0.5, np.ones(k)] if start is None else np.asarray(start, float)

    def objective(theta):
        try:
            value = Evaluation(data, theta).profiled_deviance(reml)
        except np.linalg.LinAlgError:
            return 1e300
        return value if np.isfinite(value) else 1e300

    bounds = theta_bounds(k)
    result = scipy.optimize.minimize(
        objective,
        x0,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 1000},
    )
    # A derivative-free polish: finite-difference gradients stall a little short near bounds.
    polished = scipy.optimize.minimize(
        objective,
        result.x,
        method="Powell",
        bounds=bounds,
        options={"xtol": 1e-9, "ftol": 1e-13, "maxiter": 20000},
    )
    best = polished if polished.fun <= result.fun else result
    return np.asarray(best.x, float), bool(result.success or polished.success)


# --------------------------------------------------------------------------- derivatives


def _richardson(f, x: np.ndarray, i: int, h: float) -> np.ndarray:
    """Central difference of f along coordinate i, one Richardson step (error O(h^4))."""

    def central(step):
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        return (np.asarray(f(up)) - np.asarray(f(down))) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


def _step(value: float) -> float:
    """Step 1e-3 relative (1e-3 absolute below 1); halved once by the Richardson step."""
    return 1e-3 * max(abs(value), 1.0)


def jacobian(f, x: np.ndarray) -> np.ndarray:
    """d f / d x (f vector-valued), columns by coordinate."""
    x = np.asarray(x, float)
    return np.column_stack([_richardson(f, x, i, _step(x[i])) for i in range(len(x))])


def hessian(f, x: np.ndarray) -> np.ndarray:
    """Hessian of a scalar f as the Jacobian of its numerical gradient, symmetrised."""
    x = np.asarray(x, float)

    def gradient(z):
        return np.array([_richardson(f, z, i, _step(z[i])) for i in range(len(z))])

    H = jacobian(gradient, x)
    return (H + H.T) / 2


# lmerTest's tolerance for a zero eigenvalue of the deviance Hessian (as_lmerModLT, tol=1e-8).
EIGEN_TOLERANCE = 1e-8


def satterthwaite(data: YearData, theta: np.ndarray, L: np.ndarray) -> dict[str, np.ndarray]:
    """Estimate, SE and Satterthwaite df of each row of L, as lmerTest (contest1D).

    lmerTest's recipe: the variance parameters are psi = (theta, sigma); A = 2 H^-1 with H the
    Hessian of the REML deviance in psi (inverted over its positive eigenvalues); g = d(L C L')
    / d psi with C = vcov(beta); df = 2 (L C L')^2 / (g' A g). Derivatives are numerical, as in
    lmerTest (numDeriv), here central differences with one Richardson step: the deviance
    costs microseconds, so they are cheap.
    """
    ev = Evaluation(data, theta)
    sigma = np.sqrt(ev.sigma2)
    psi = np.r_[theta, sigma]
    L = np.atleast_2d(L)

    def deviance(z):
        return Evaluation(data, z[:-1]).deviance(z[-1])

    def contrast_variances(z):
        return np.einsum("ci,ij,cj->c", L, Evaluation(data, z[:-1]).vcov(z[-1] ** 2), L)

    H = hessian(deviance, psi)
    values, vectors = np.linalg.eigh(H)
    positive = values > EIGEN_TOLERANCE
    A = 2.0 * (vectors[:, positive] / values[positive]) @ vectors[:, positive].T
    G = jacobian(contrast_variances, psi)  # (contrasts, parameters)
    variance = contrast_variances(psi)
    denominator = np.einsum("ca,ab,cb->c", G, A, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denominator > 0, 2.0 * variance**2 / denominator, np.inf)
    # A = 2 H^-1 is also the asymptotic covariance of the variance parameters (theta, sigma).
    return {"estimate": L @ ev.beta, "se": np.sqrt(variance), "df": df, "parameter_cov": A}


# --------------------------------------------------------------------------- fitting


@dataclass
class YearFit:
    """A fitted year model: data, theta, and what the boundary rule did."""

    data: YearData
    theta: np.ndarray
    converged: bool
    rule_applied: list[str]
    singular: bool

    @cached_property
    def evaluation(self) -> Evaluation:
        """Quantities at the estimate."""
        return Evaluation(self.data, self.theta)

    @property
    def sigma2(self) -> float:
        """Residual variance."""
        return self.evaluation.sigma2

    def municipal_covariance(self) -> np.ndarray:
        """Covariance (level, change) of the municipal random effects, absolute scale."""
        lam = cholesky_factor(self.theta[:3])
        return self.sigma2 * lam @ lam.T

    def couple_variances(self) -> dict[str, float]:
        """Variance of every couple-level term (0 for a term dropped or not identified)."""
        out = dict.fromkeys(COUPLE_TERMS, 0.0)
        for term, t in zip(self.data.couple_terms, self.theta[3:]):
            out[term] = float(t**2 * self.sigma2)
        return out


def fit_year(prepared: pd.DataFrame, baseline: str, course_end: str, terms: Sequence[str]):
    """Fit the year model; drop a couple-level term at the boundary and refit (mixed.py's rule).

    A couple-level term whose theta is below 1e-4 is refitted without (its SEs and df are then
    those of lme4's singular fit). The municipal covariance stays in the model even when it is
    singular (an SD at 0 or a correlation of +-1): it is what the funder's view is about, so the
    fit is flagged `singular` and its estimate reported as it is.
    """
    terms = list(terms)
    rules: list[str] = []
    start = None
    while True:
        data = year_data(prepared, baseline, course_end, terms)
        theta, converged = optimise(data, start)
        couple_theta = theta[3:]
        if len(couple_theta) and couple_theta.min() < SINGULAR_TOLERANCE:
            dropped = terms[int(np.argmin(couple_theta))]
            rules.append(
                f"{dropped} variance estimated at the boundary (0, singular fit): refitted "
                "without it"
            )
            keep = [i for i, t in enumerate(terms) if t != dropped]
            start = np.r_[theta[:3], couple_theta[keep]]
            terms = [terms[i] for i in keep]
            continue
        lam = cholesky_factor(theta[:3])
        singular = bool(min(abs(lam[0, 0]), abs(lam[1, 1])) < SINGULAR_TOLERANCE) or bool(rules)
        return YearFit(data, theta, converged, rules, singular)
