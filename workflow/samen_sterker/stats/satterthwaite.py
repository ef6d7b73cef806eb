"""Linear mixed model algebra in numpy: GLS, (RE)ML log-likelihood and Satterthwaite df.

The model is y = X beta + sum_k Z_k u_k + e with independent random intercepts u_k ~ N(0, phi_k I)
and e ~ N(0, sigma^2 I), so V = sum_k phi_k Z_k Z_k' + sigma^2 I. Cohorts are small (hundreds of
rows), so V is handled as a dense matrix with Cholesky factorisations.

Satterthwaite degrees of freedom follow lmerTest (Kuznetsova, Brockhoff & Christensen 2017,
J Stat Softw 82(13)) exactly: the variance parameters are lme4's (theta_1..theta_K, sigma) with
theta_k = sqrt(phi_k) / sigma; A = 2 H^-1 where H is the Hessian of the (RE)ML deviance
(-2 log L, beta profiled out) on that scale, inverted over its positive eigenvalues as lmerTest
does; g_j = L dC/dpsi_j L' with C = (X' V^-1 X)^-1; df = 2 (L C L')^2 / (g' A g). lmerTest takes
these derivatives numerically (numDeriv); here they are analytic, so they are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.linalg
import scipy.optimize

# lmerTest's tolerance for a zero eigenvalue of the deviance Hessian (as_lmerModLT, tol=1e-8).
EIGEN_TOLERANCE = 1e-8


@dataclass(frozen=True)
class MixedDesign:
    """Response, fixed-effect design and random-intercept indicator matrices of one model."""

    y: np.ndarray
    X: np.ndarray
    Z: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.y.shape[0])

    @property
    def p(self) -> int:
        """Number of fixed-effect parameters."""
        return int(self.X.shape[1])


def indicator_matrix(codes: np.ndarray) -> np.ndarray:
    """Return the n x q 0/1 matrix mapping each row to its level (levels in sorted order)."""
    _, index = np.unique(codes, return_inverse=True)
    matrix = np.zeros((len(codes), int(index.max()) + 1 if len(codes) else 0))
    matrix[np.arange(len(codes)), index] = 1.0
    return matrix


class _Workspace:
    """Quantities of one model at fixed variances phi = (phi_1..phi_K, sigma^2)."""

    def __init__(self, design: MixedDesign, variances: np.ndarray) -> None:
        self.design = design
        self.variances = np.asarray(variances, dtype=float)
        if self.variances.shape != (len(design.Z) + 1,):
            raise ValueError("need one variance per random term plus the residual variance")
        if np.any(self.variances[:-1] < 0) or self.variances[-1] <= 0:
            raise ValueError("variances must be >= 0 and the residual variance > 0")
        V = self.variances[-1] * np.eye(design.n)
        for phi, Z in zip(self.variances[:-1], design.Z):
            V += phi * (Z @ Z.T)
        self.chol_V = scipy.linalg.cho_factor(V, lower=True)
        self.V_inv = scipy.linalg.cho_solve(self.chol_V, np.eye(design.n))
        self.W = self.V_inv @ design.X  # V^-1 X
        information = design.X.T @ self.W  # X' V^-1 X
        self.chol_information = scipy.linalg.cho_factor(information, lower=True)
        self.C = scipy.linalg.cho_solve(self.chol_information, np.eye(design.p))
        self.beta = self.C @ (self.W.T @ design.y)
        self.P = self.V_inv - self.W @ self.C @ self.W.T
        self.Py = self.P @ design.y

    @cached_property
    def log_det_V(self) -> float:
        return 2.0 * float(np.sum(np.log(np.diag(self.chol_V[0]))))

    @cached_property
    def log_det_information(self) -> float:
        return 2.0 * float(np.sum(np.log(np.diag(self.chol_information[0]))))

    def log_likelihood(self, reml: bool) -> float:
        """REML or ML log-likelihood with beta profiled out (the constants lme4 uses)."""
        n, p = self.design.n, self.design.p
        quadratic = float(self.design.y @ self.Py)  # = r' V^-1 r at the GLS beta
        if reml:
            return -0.5 * (
                (n - p) * np.log(2 * np.pi) + self.log_det_V + self.log_det_information + quadratic
            )
        return -0.5 * (n * np.log(2 * np.pi) + self.log_det_V + quadratic)

    def _blocks(self) -> list[np.ndarray | None]:
        """Z_k for the random terms and None (identity) for the residual."""
        return [*self.design.Z, None]

    def score_and_hessian(self, reml: bool) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of the log-likelihood with respect to the variances phi."""
        blocks = self._blocks()
        K1 = len(blocks)
        # For REML the derivative of log|V| + log|X'V^-1X| involves P; for ML only V^-1.
        trace_matrix = self.P if reml else self.V_inv
        u = [self.Py if Z is None else Z.T @ self.Py for Z in blocks]
        score = np.empty(K1)
        hessian = np.empty((K1, K1))
        for i, Zi in enumerate(blocks):
            Ti = trace_matrix if Zi is None else Zi.T @ trace_matrix
            score[i] = -0.5 * np.trace(Ti if Zi is None else Ti @ Zi) + 0.5 * float(u[i] @ u[i])
            Pi = self.P if Zi is None else Zi.T @ self.P
            for j, Zj in enumerate(blocks):
                if j < i:
                    continue
                Mij = Pi if Zj is None else Pi @ Zj  # Z_i' P Z_j
                Tij = Ti if Zj is None else Ti @ Zj
                value = 0.5 * float(np.sum(Tij * Tij)) - float(u[i] @ Mij @ u[j])
                hessian[i, j] = hessian[j, i] = value
        return score, hessian

    def covariance_jacobian(self) -> np.ndarray:
        """dC/dphi_k as an array (K+1, p, p): C X'V^-1 Z_k Z_k' V^-1 X C."""
        out = []
        for Z in self._blocks():
            B = self.W if Z is None else Z.T @ self.W
            CB = self.C @ B.T
            out.append(CB @ CB.T)
        return np.array(out)


def gls(design: MixedDesign, variances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the GLS fixed effects and their covariance (X'V^-1X)^-1 (lme4's vcov)."""
    ws = _Workspace(design, variances)
    return ws.beta, ws.C


def log_likelihood(design: MixedDesign, variances: np.ndarray, reml: bool = True) -> float:
    """Return the REML or ML log-likelihood at the given variances (beta profiled out)."""
    return _Workspace(design, variances).log_likelihood(reml)


def variance_score(design: MixedDesign, variances: np.ndarray, reml: bool = True) -> np.ndarray:
    """Return d log L / d phi for every variance (random terms, then residual)."""
    return _Workspace(design, variances).score_and_hessian(reml)[0]


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
    score, hessian = ws.score_and_hessian(reml)
    deviance_hessian, jacobian_psi = _theta_sigma_scale(
        ws.variances, score, hessian, ws.covariance_jacobian()
    )
    values, vectors = np.linalg.eigh(deviance_hessian)
    positive = values > EIGEN_TOLERANCE
    # Moore-Penrose inverse over the positive eigenvalues, as lmerTest::as_lmerModLT.
    h_inv = (vectors[:, positive] / values[positive]) @ vectors[:, positive].T
    A = 2.0 * h_inv
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


def profiled_deviance(
    design: MixedDesign, theta: np.ndarray, reml: bool = True
) -> tuple[float, np.ndarray, float]:
    """Return -2 log L profiled over sigma, its gradient in theta, and sigma^2 (lme4's scale)."""
    theta = np.asarray(theta, dtype=float)
    ws = _Workspace(design, np.append(theta**2, 1.0))  # V_1 = V / sigma^2
    n, p = design.n, design.p
    dof = n - p if reml else n
    sigma2 = float(design.y @ ws.Py) / dof
    # log|V| = n log s2 + log|V_1|; log|X'V^-1X| = -p log s2 + log|X'V_1^-1X|; y'Py = y'P_1y/s2.
    deviance = dof * (np.log(2 * np.pi * sigma2) + 1.0) + ws.log_det_V
    if reml:
        deviance += ws.log_det_information
    # Envelope theorem: d dev/d theta_k = -2 dl/dphi_k * d phi_k/d theta_k at sigma-hat, where
    # the score in phi at (theta^2 s2, s2) equals the V_1 score divided by s2.
    blocks = list(design.Z)
    trace_matrix = ws.P if reml else ws.V_inv
    gradient = np.empty(len(blocks))
    for k, Z in enumerate(blocks):
        u = Z.T @ ws.Py / sigma2
        score = -0.5 * np.trace(Z.T @ trace_matrix @ Z) / sigma2 + 0.5 * float(u @ u)
        gradient[k] = -2.0 * score * 2.0 * theta[k] * sigma2
    return float(deviance), gradient, sigma2


def optimise_theta(
    design: MixedDesign, theta_start: np.ndarray, reml: bool = True
) -> tuple[np.ndarray, float, bool]:
    """Minimise the profiled deviance over theta >= 0 (lme4's bounds); return theta, s2, success."""
    result = scipy.optimize.minimize(
        lambda t: profiled_deviance(design, t, reml)[:2],
        np.asarray(theta_start, dtype=float),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * len(design.Z),
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500},
    )
    theta = np.asarray(result.x, dtype=float)
    return theta, profiled_deviance(design, theta, reml)[2], bool(result.success)
