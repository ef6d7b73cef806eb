"""Linear mixed model algebra in numpy: GLS, (RE)ML log-likelihood and Satterthwaite df.

The model is y = X beta + sum_k Z_k u_k + e with independent random intercepts u_k ~ N(0, phi_k I)
and e ~ N(0, sigma^2 I), so V = sum_k phi_k S_k + sigma^2 I with S_k = Z_k Z_k' (1 where two rows
share the level of term k). All terms nest within couples, so V is block-diagonal by couple:
every quantity is computed from the small per-couple blocks, batched over couples of the same
size, and the cost grows linearly with the number of couples.

Satterthwaite degrees of freedom follow lmerTest (Kuznetsova, Brockhoff & Christensen 2017,
J Stat Softw 82(13)) exactly: the variance parameters are lme4's (theta_1..theta_K, sigma) with
theta_k = sqrt(phi_k) / sigma; A = 2 H^-1 where H is the Hessian of the (RE)ML deviance
(-2 log L, beta profiled out) on that scale, inverted over its positive eigenvalues as lmerTest
does; g_j = L dC/dpsi_j L' with C = (X' V^-1 X)^-1; df = 2 (L C L')^2 / (g' A g). lmerTest takes
these derivatives numerically (numDeriv); here they are analytic (Searle, Casella & McCulloch
1992, ch. 6: dl/dphi_i = -tr(P S_i)/2 + y'P S_i P y/2), so they are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.optimize

# lmerTest's tolerance for a zero eigenvalue of the deviance Hessian (as_lmerModLT, tol=1e-8).
EIGEN_TOLERANCE = 1e-8
THETA_UPPER_BOUND = 1e3
# L-BFGS-B's line search can stop ("ABNORMAL") when the deviance no longer changes at machine
# precision; its point is accepted when the projected gradient in rho is at most this (the
# first-order conditions of the bounded optimum; lme4's own check, on the scaled gradient, is
# 2e-3).
PROJECTED_GRADIENT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class _BlockGroup:
    """Blocks (couples) of one size: their row indices and each term's same-level matrices."""

    rows: np.ndarray  # (m, s) row indices
    same_level: np.ndarray  # (K, m, s, s): 1 where two rows share the term's level


@dataclass(frozen=True)
class MixedDesign:
    """Response, fixed-effect design, random-intercept level codes and independent blocks.

    `codes[k]` gives each row's level of random term k; `blocks` each row's independent block
    (the couple). Every level of every term must lie within one block; without `blocks` all
    rows form one block.
    """

    y: np.ndarray
    X: np.ndarray
    codes: tuple[np.ndarray, ...]
    blocks: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.y.shape[0])

    @property
    def p(self) -> int:
        """Number of fixed-effect parameters."""
        return int(self.X.shape[1])

    @property
    def k(self) -> int:
        """Number of random terms."""
        return len(self.codes)

    @cached_property
    def groups(self) -> list[_BlockGroup]:
        """Blocks grouped by size, so each group's algebra is one batched numpy call."""
        blocks = np.zeros(self.n, dtype=int) if self.blocks is None else np.asarray(self.blocks)
        _, block_index = np.unique(blocks, return_inverse=True)
        level_indices = []
        for k, codes in enumerate(self.codes):
            _, level_index = np.unique(np.asarray(codes), return_inverse=True)
            # A level in two blocks would make V not block-diagonal: a programming error.
            block_of_level = np.full(int(level_index.max()) + 1, -1)
            block_of_level[level_index] = block_index
            if np.any(block_of_level[level_index] != block_index):
                raise ValueError(f"random term {k} is not nested within the blocks")
            level_indices.append(level_index)
        order = np.argsort(block_index, kind="stable")
        sizes = np.bincount(block_index)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        groups = []
        for size in np.unique(sizes):
            rows = np.array([order[start : start + size] for start in starts[sizes == size]])
            same = np.zeros((self.k, *rows.shape, size))
            for k, level_index in enumerate(level_indices):
                levels = level_index[rows]
                same[k] = levels[:, :, None] == levels[:, None, :]
            groups.append(_BlockGroup(rows, same))
        return groups


def _quad(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Sum over blocks of left_b' right_b for stacked (m, s, a) and (m, s, b) arrays."""
    return np.einsum("msa,msb->ab", left, right)


class _Workspace:
    """Quantities of one model at fixed variances phi = (phi_1..phi_K, sigma^2)."""

    def __init__(self, design: MixedDesign, variances: np.ndarray) -> None:
        self.design = design
        self.variances = np.asarray(variances, dtype=float)
        if self.variances.shape != (design.k + 1,):
            raise ValueError("need one variance per random term plus the residual variance")
        if np.any(self.variances[:-1] < 0) or self.variances[-1] <= 0:
            raise ValueError("variances must be >= 0 and the residual variance > 0")
        p = design.p
        self.log_det_V = 0.0
        information = np.zeros((p, p))
        Xty = np.zeros(p)
        # Per group: X, y, V^-1, W = V^-1 X, and S_i for the random terms then the residual (I).
        self.parts = []
        for group in design.groups:
            m, s = group.rows.shape
            X = design.X[group.rows]
            y = design.y[group.rows]
            V = self.variances[-1] * np.broadcast_to(np.eye(s), (m, s, s)).copy()
            V += np.einsum("k,kmab->mab", self.variances[:-1], group.same_level)
            chol = np.linalg.cholesky(V)
            self.log_det_V += 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
            V_inv = np.linalg.inv(V)
            W = V_inv @ X
            information += _quad(X, W)
            Xty += np.einsum("msp,ms->p", W, y)
            S = [*group.same_level, np.broadcast_to(np.eye(s), (m, s, s))]
            self.parts.append({"X": X, "y": y, "V_inv": V_inv, "W": W, "S": S})
        chol_information = np.linalg.cholesky(information)
        self.log_det_information = 2.0 * float(np.sum(np.log(np.diag(chol_information))))
        self.C = np.linalg.inv(information)
        self.C = (self.C + self.C.T) / 2.0
        self.beta = self.C @ Xty
        self.quadratic = 0.0  # y'Py = r'V^-1 r at the GLS beta
        for part in self.parts:
            residual = part["y"] - part["X"] @ self.beta
            part["Py"] = np.einsum("mab,mb->ma", part["V_inv"], residual)
            self.quadratic += float(np.sum(residual * part["Py"]))

    def log_likelihood(self, reml: bool) -> float:
        """REML or ML log-likelihood with beta profiled out (the constants lme4 uses)."""
        n, p = self.design.n, self.design.p
        if reml:
            return -0.5 * (
                (n - p) * np.log(2 * np.pi)
                + self.log_det_V
                + self.log_det_information
                + self.quadratic
            )
        return -0.5 * (n * np.log(2 * np.pi) + self.log_det_V + self.quadratic)

    @cached_property
    def _score_terms(self) -> dict[str, np.ndarray]:
        """Traces, quadratic forms and W'S_iW per variance: what the score needs."""
        K1 = self.design.k + 1
        p = self.design.p
        trace_V_inv_S = np.zeros(K1)
        squared_u = np.zeros(K1)
        G = np.zeros((K1, p, p))  # W' S_i W
        for part in self.parts:
            V_inv, W, Py, S = part["V_inv"], part["W"], part["Py"], part["S"]
            for i in range(K1):
                trace_V_inv_S[i] += float(np.sum(V_inv * S[i]))
                squared_u[i] += float(np.einsum("ma,mab,mb->", Py, S[i], Py))
                G[i] += _quad(W, S[i] @ W)
        return {"trace_V_inv_S": trace_V_inv_S, "squared_u": squared_u, "G": G}

    @cached_property
    def _terms(self) -> dict[str, np.ndarray]:
        """The score's terms plus the second-order ones the Hessian needs."""
        K1 = self.design.k + 1
        p = self.design.p
        M = np.zeros((K1, K1, p, p))  # W' S_i V^-1 S_j W
        T = np.zeros((K1, K1))  # tr(V^-1 S_i V^-1 S_j)
        a_V_a = np.zeros((K1, K1))  # a_i' V^-1 a_j with a_i = S_i P y
        W_a = np.zeros((K1, p))  # W' a_i
        for part in self.parts:
            V_inv, W, Py, S = part["V_inv"], part["W"], part["Py"], part["S"]
            a = [np.einsum("mab,mb->ma", Si, Py) for Si in S]
            B = [V_inv @ Si for Si in S]  # V^-1 S_i
            SW = [Si @ W for Si in S]
            BW = [Bi @ W for Bi in B]
            V_inv_a = [np.einsum("mab,mb->ma", V_inv, ai) for ai in a]
            for i in range(K1):
                W_a[i] += np.einsum("msp,ms->p", W, a[i])
                for j in range(K1):
                    T[i, j] += float(np.einsum("mab,mba->", B[i], B[j]))
                    M[i, j] += _quad(SW[i], BW[j])
                    a_V_a[i, j] += float(np.sum(a[i] * V_inv_a[j]))
        return {**self._score_terms, "M": M, "T": T, "a_V_a": a_V_a, "W_a": W_a}

    def score(self, reml: bool) -> np.ndarray:
        """Gradient of the log-likelihood with respect to the variances phi."""
        t = self._score_terms
        trace = t["trace_V_inv_S"].copy()
        if reml:
            # tr(P S_i) = tr(V^-1 S_i) - tr(C W' S_i W)
            trace -= np.einsum("pq,iqp->i", self.C, t["G"])
        return -0.5 * trace + 0.5 * t["squared_u"]

    def hessian(self, reml: bool) -> np.ndarray:
        """Hessian of the log-likelihood with respect to the variances phi."""
        t = self._terms
        C, G = self.C, t["G"]
        # y'P S_i P S_j P y = a_i' P a_j = a_i'V^-1 a_j - (W'a_i)' C (W'a_j)
        quadratic = t["a_V_a"] - t["W_a"] @ C @ t["W_a"].T
        trace = t["T"].copy()
        if reml:
            # tr(P S_i P S_j) with P = V^-1 - W C W'
            CG = np.einsum("pq,iqr->ipr", C, G)
            trace += -2.0 * np.einsum("pq,ijqp->ij", C, t["M"])
            trace += np.einsum("ipq,jqp->ij", CG, CG)
        hessian = 0.5 * trace - quadratic
        return (hessian + hessian.T) / 2.0

    def covariance_jacobian(self) -> np.ndarray:
        """dC/dphi_i as an array (K+1, p, p): C W' S_i W C."""
        return np.einsum("pq,iqr,rs->ips", self.C, self._terms["G"], self.C)


def log_likelihood(design: MixedDesign, variances: np.ndarray, reml: bool = True) -> float:
    """Return the REML or ML log-likelihood at the given variances (beta profiled out)."""
    return _Workspace(design, variances).log_likelihood(reml)


def variance_score(design: MixedDesign, variances: np.ndarray, reml: bool = True) -> np.ndarray:
    """Return d log L / d phi for every variance (random terms, then residual)."""
    return _Workspace(design, variances).score(reml)


def variance_hessian(design: MixedDesign, variances: np.ndarray, reml: bool = True) -> np.ndarray:
    """Return d^2 log L / d phi d phi' (random terms, then residual)."""
    return _Workspace(design, variances).hessian(reml)


def _theta_sigma_scale(
    variances: np.ndarray, score: np.ndarray, hessian: np.ndarray, jacobian_C: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move the deviance Hessian and dC to lme4's (theta, sigma) scale by the chain rule."""
    K = len(variances) - 1
    sigma2 = variances[-1]
    sigma = np.sqrt(sigma2)
    theta = np.sqrt(variances[:-1] / sigma2)
    # J[m, a] = d phi_m / d psi_a with psi = (theta_1..theta_K, sigma).
    J = np.zeros((K + 1, K + 1))
    second = np.zeros((K + 1, K + 1, K + 1))  # d^2 phi_m / d psi_a d psi_b
    for k in range(K):
        J[k, k] = 2 * theta[k] * sigma2
        J[k, K] = 2 * theta[k] ** 2 * sigma
        second[k, k, k] = 2 * sigma2
        second[k, k, K] = second[k, K, k] = 4 * theta[k] * sigma
        second[k, K, K] = 2 * theta[k] ** 2
    J[K, K] = 2 * sigma
    second[K, K, K] = 2.0
    # Deviance D = -2 log L; the gradient term matters only away from the optimum.
    deviance_hessian = -2.0 * (J.T @ hessian @ J + np.einsum("m,mab->ab", score, second))
    jacobian_psi = np.einsum("mij,ma->aij", jacobian_C, J)
    return deviance_hessian, jacobian_psi


def satterthwaite(
    design: MixedDesign, variances: np.ndarray, contrasts: np.ndarray, reml: bool = True
) -> dict[str, np.ndarray]:
    """Estimate, SE and Satterthwaite df of each row of `contrasts` (lmerTest's contest1D)."""
    ws = _Workspace(design, variances)
    L = np.atleast_2d(np.asarray(contrasts, dtype=float))
    deviance_hessian, jacobian_psi = _theta_sigma_scale(
        ws.variances, ws.score(reml), ws.hessian(reml), ws.covariance_jacobian()
    )
    values, vectors = np.linalg.eigh(deviance_hessian)
    positive = values > EIGEN_TOLERANCE
    # Moore-Penrose inverse over the positive eigenvalues, as lmerTest::as_lmerModLT.
    A = 2.0 * (vectors[:, positive] / values[positive]) @ vectors[:, positive].T
    estimate = L @ ws.beta
    variance = np.einsum("ci,ij,cj->c", L, ws.C, L)
    gradient = np.einsum("ci,aij,cj->ca", L, jacobian_psi, L)
    denominator = np.einsum("ca,ab,cb->c", gradient, A, gradient)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denominator > 0, 2.0 * variance**2 / denominator, np.inf)
    return {
        "estimate": estimate,
        "se": np.sqrt(variance),
        "df": df,
        "n_zero_or_negative_eigenvalues": int(np.sum(~positive)),
    }


def _profiled(design: MixedDesign, theta: np.ndarray, reml: bool) -> tuple[float, np.ndarray, float]:
    """Profiled deviance, its gradient in rho = theta^2, and sigma^2 at theta."""
    theta = np.asarray(theta, dtype=float)
    ws = _Workspace(design, np.append(theta**2, 1.0))  # V_1 = V / sigma^2
    dof = design.n - design.p if reml else design.n
    sigma2 = ws.quadratic / dof
    if not sigma2 > 0:
        # Residual variance 0 (the random terms absorb all variation): no finite deviance.
        return np.inf, np.zeros(design.k), float(sigma2)
    # log|V| = n log s2 + log|V_1|; log|X'V^-1X| = -p log s2 + log|X'V_1^-1X|; y'Py = y'P_1y/s2.
    deviance = dof * (np.log(2 * np.pi * sigma2) + 1.0) + ws.log_det_V
    if reml:
        deviance += ws.log_det_information
    # Envelope theorem: d dev/d rho_k = -2 dl/dphi_k * d phi_k/d rho_k at sigma-hat, with
    # phi_k = rho_k s2. At phi = s2 * phi_1 the trace part of the score scales with 1/s2 and
    # the quadratic part with 1/s2^2.
    t = ws._score_terms
    trace = t["trace_V_inv_S"][:-1].copy()
    if reml:
        trace -= np.einsum("pq,iqp->i", ws.C, t["G"][:-1])
    score = -0.5 * trace / sigma2 + 0.5 * t["squared_u"][:-1] / sigma2**2
    return float(deviance), -2.0 * score * sigma2, float(sigma2)


def profiled_deviance(
    design: MixedDesign, theta: np.ndarray, reml: bool = True
) -> tuple[float, np.ndarray, float]:
    """Return -2 log L profiled over sigma, its gradient in theta, and sigma^2 (lme4's scale)."""
    deviance, gradient_rho, sigma2 = _profiled(design, theta, reml)
    return deviance, gradient_rho * 2.0 * np.asarray(theta, dtype=float), sigma2


def optimise_theta(
    design: MixedDesign, theta_start: np.ndarray, reml: bool = True, method: str = "L-BFGS-B"
) -> tuple[np.ndarray, float, bool, str]:
    """Minimise the profiled deviance over theta >= 0 (lme4's bounds).

    Returns theta, sigma^2 at theta, whether the optimizer converged, and its message. With
    the gradient (L-BFGS-B) the search runs over rho = theta^2: in theta the gradient of a
    term at 0 is 0 whatever the data, so a search that touches the bound would stay there
    (lme4 avoids this with the derivative-free BOBYQA); in rho it is the variance score.
    """
    start = np.asarray(theta_start, dtype=float)
    # lme4 bounds theta below by 0 only; the upper bound (a random-effect SD 1000 times the
    # residual SD) keeps V well conditioned on degenerate data and never binds otherwise.
    if method == "L-BFGS-B":
        result = scipy.optimize.minimize(
            lambda rho: _profiled(design, np.sqrt(rho), reml)[:2],
            start**2,
            jac=True,
            method=method,
            bounds=[(0.0, THETA_UPPER_BOUND**2)] * design.k,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500},
        )
        theta = np.sqrt(np.clip(result.x, 0.0, THETA_UPPER_BOUND**2))
        if not result.success:
            gradient = np.asarray(result.jac, dtype=float)
            projected = np.where(
                result.x <= 0.0,
                np.minimum(gradient, 0.0),
                np.where(result.x >= THETA_UPPER_BOUND**2, np.maximum(gradient, 0.0), gradient),
            )
            if np.all(np.abs(projected) <= PROJECTED_GRADIENT_TOLERANCE):
                result.success = True
    else:
        result = scipy.optimize.minimize(
            lambda theta: _profiled(design, theta, reml)[0],
            start,
            method=method,
            bounds=[(0.0, THETA_UPPER_BOUND)] * design.k,
            options={
                "Powell": {"xtol": 1e-10, "ftol": 1e-14, "maxiter": 20000},
                "Nelder-Mead": {"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000},
            }[method],
        )
        theta = np.clip(np.asarray(result.x, dtype=float), 0.0, THETA_UPPER_BOUND)
    sigma2 = _profiled(design, theta, reml)[2]
    return theta, sigma2, bool(result.success), str(result.message)
