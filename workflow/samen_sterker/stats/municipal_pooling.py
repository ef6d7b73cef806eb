"""Per municipality from a fitted year model: raw and partially pooled change, ranks, spread.

- raw: the municipality's own GLS estimate of (level, change) at the fitted couple-level
  variances, (X_m' D_m^-1 X_m)^-1 X_m' D_m^-1 y_m: the fixed-effects estimate, no pooling;
- pooled (empirical Bayes): beta + u_m with u_m the BLUP of the municipal effects. Its
  prediction-error covariance is (I - K) C (I - K)' + condVar, with K the shrinkage matrix
  T Z'V^-1 X, C = vcov(beta) and condVar = lme4's conditional covariance of u_m (the two parts
  are uncorrelated); the interval uses the Prasad-Rao MSE, which adds twice the variance from
  estimating the variance parameters, with a t quantile at its Satterthwaite df;
- ranks: 95% intervals of each municipality's rank of its true change, by simulation from the
  fitted model (beta drawn from N(beta-hat, C), then every u_m from its conditional normal);
- between-municipality SD of the change with a profile-likelihood 95% CI, as lme4's
  confint(method = "profile"), which profiles the ML deviance also for a REML fit.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import scipy.stats

from samen_sterker.stats.year_model import THETA_UPPER, Evaluation, YearFit, jacobian, optimise

CONFIDENCE = 0.95
RANK_DRAWS = 4000
# Fixed so that the same data give the same JSON (docs/methods.md).
RANK_SEED = 20241130


def pooled_changes(data, theta: np.ndarray) -> np.ndarray:
    """Each municipality's pooled (EB) change at theta: beta + L B^-1 L'(g - F beta)."""
    part = Evaluation(data, theta)._parts
    u = np.einsum("mpq,mq->mp", part["LB"], part["g"] - part["F"] @ part["beta"])
    return part["beta"][1] + u[:, 1]


def prediction_error_variance(data, psi: np.ndarray) -> np.ndarray:
    """(M, 2, 2) prediction-error covariance of the pooled (level, change) at psi = (theta,
    sigma): (I - K) C (I - K)' + condVar, the variance parameters taken as known (g1 + g2 of
    Prasad & Rao 1990)."""
    part = Evaluation(data, psi[:-1])._parts
    sigma2 = psi[-1] ** 2
    K = np.einsum("mpq,mqr->mpr", part["LB"], part["F"])
    I_K = np.eye(2) - K
    return np.einsum("mpq,qr,msr->mps", I_K, sigma2 * part["C1"], I_K) + sigma2 * part["LB"]


def pooled_change_mse(
    data, psi: np.ndarray, parameter_cov: np.ndarray
) -> dict[str, np.ndarray]:
    """Mean squared error of each pooled change with the variance parameters estimated, and
    the Satterthwaite df of that MSE (docs/methods.md, "Pooled intervals").

    Prasad & Rao (1990), Das, Jiang & Rao (2004): MSE = g1 + g2 + 2 g3 with g1 + g2 the
    prediction-error variance at psi-hat and g3 = J Sigma J' (J = d pooled change / d theta,
    Sigma the variance parameters' covariance 2 H^-1): the first g3 is the variance added by
    estimating the parameters (Kackar & Harville 1984), the second corrects the downward
    bias of the plug-in g1. df = 2 (g1 + g2)^2 / (G' Sigma G), G = d(g1 + g2) / d psi, as
    lmerTest does for a fixed contrast (Satterthwaite 1946): how well the few municipalities
    pin the variance down decides the t quantile.
    """
    theta = psi[:-1]
    J = jacobian(lambda t: pooled_changes(data, t), theta)  # (M, theta)
    g3 = np.einsum("ma,ab,mb->m", J, parameter_cov[:-1, :-1], J)
    g12 = prediction_error_variance(data, psi)[:, 1, 1]
    G = jacobian(lambda z: prediction_error_variance(data, z)[:, 1, 1], psi)
    denominator = np.einsum("ma,ab,mb->m", G, parameter_cov, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denominator > 0, 2.0 * g12**2 / denominator, np.inf)
    return {"mse": g12 + 2.0 * g3, "g12": g12, "g3": g3, "df": df}


def municipal_estimates(
    fit: YearFit, parameter_cov: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Raw and pooled (level, change) per municipality with their covariances.

    With `parameter_cov` (the covariance 2 H^-1 of the variance parameters (theta, sigma),
    H the Hessian of the REML deviance) the pooled change's variance is the Prasad-Rao MSE
    with its Satterthwaite df (`pooled_change_mse`); without it, the prediction-error
    variance with the variance parameters taken as known and no df.
    """
    ev = fit.evaluation
    part = ev._parts
    sigma2 = ev.sigma2
    F, g = part["F"], part["g"]  # X'D^-1X and X'D^-1y per municipality (relative scale)
    beta = ev.beta
    # A municipality without both timepoints has no own change (X_m'D_m^-1X_m is singular).
    determinant = F[:, 0, 0] * F[:, 1, 1] - F[:, 0, 1] ** 2
    identified = determinant > 1e-10 * np.maximum(F[:, 0, 0] * F[:, 1, 1], 1e-300)
    raw_inverse = np.linalg.pinv(F)
    raw = np.einsum("mpq,mq->mp", raw_inverse, g)
    # u_m = L B^-1 L' (g_m - F_m beta); K_m = L B^-1 L' F_m; condVar = sigma2 L B^-1 L'.
    LB = part["LB"]
    u = np.einsum("mpq,mq->mp", LB, g - F @ beta)
    psi = np.r_[fit.theta, np.sqrt(sigma2)]
    pev = prediction_error_variance(fit.data, psi)
    out = {
        "raw": raw,
        "raw_cov": sigma2 * raw_inverse,
        "raw_identified": identified,
        "pooled": beta + u,
        "pooled_cov": pev,
        "pooled_change_variance": pev[:, 1, 1],
        "pooled_change_df": np.full(len(F), np.inf),
        "variance_parameter_part": np.zeros(len(F)),
        "blup": u,
        "cond_var": sigma2 * LB,
        "shrinkage": np.einsum("mpq,mqr->mpr", LB, F),
        "lam": part["lam"],
    }
    if parameter_cov is not None:
        mse = pooled_change_mse(fit.data, psi, parameter_cov)
        out.update(
            pooled_change_variance=mse["mse"],
            pooled_change_df=mse["df"],
            variance_parameter_part=mse["g3"],
        )
    return out


def rank_intervals(
    fit: YearFit, higher_is_better: bool, draws: int = RANK_DRAWS, seed: int = RANK_SEED
) -> dict[str, np.ndarray]:
    """Median and 95% interval of each municipality's rank (1 = largest change in the better
    direction) over draws of the true changes from the fitted model."""
    ev = fit.evaluation
    part = ev._parts
    rng = np.random.default_rng(seed)
    beta_draws = rng.multivariate_normal(ev.beta, ev.vcov(), size=draws)  # (draws, 2)
    F, g, LB = part["F"], part["g"], part["LB"]
    mean_u = np.einsum("mpq,dmq->dmp", LB, g[None] - np.einsum("mpq,dq->dmp", F, beta_draws))
    cond = ev.sigma2 * LB
    # Cholesky of each 2 x 2 conditional covariance (jitter: it is singular at a boundary).
    chol = np.linalg.cholesky(cond + 1e-12 * np.eye(2))
    noise = np.einsum("mpq,dmq->dmp", chol, rng.standard_normal((draws, len(F), 2)))
    change = beta_draws[:, None, 1] + mean_u[..., 1] + noise[..., 1]
    better = change if higher_is_better else -change
    # Rank 1 = best; ties have probability 0 for continuous draws.
    ranks = (-better).argsort(axis=1).argsort(axis=1) + 1
    alpha = (1 - CONFIDENCE) / 2
    return {
        "median": np.median(ranks, axis=0),
        "low": np.quantile(ranks, alpha, axis=0, method="inverted_cdf"),
        "high": np.quantile(ranks, 1 - alpha, axis=0, method="inverted_cdf"),
    }


# ---------------------------------------------------------------- profile CI of the SD


def _to_theta(params: np.ndarray, sd_change: float) -> tuple[np.ndarray, float]:
    """(sd_level, rho, couple thetas..., log sigma) with a fixed absolute sd_change -> theta."""
    sd_level, rho, *couple, log_sigma = params
    sigma = float(np.exp(log_sigma))
    theta = np.r_[
        sd_level / sigma, rho * sd_change / sigma, np.sqrt(1 - rho**2) * sd_change / sigma, couple
    ]
    return theta, sigma


def profile_sd_change(fit: YearFit) -> dict:
    """Profile-likelihood 95% CI of the between-municipality SD of the change.

    As lme4's confint(method = "profile") for a REML fit: the model is refitted by ML and for
    each fixed SD the ML deviance is minimised over every other variance parameter (SD of the
    level, correlation, couple-level SDs, residual SD); the interval holds the SDs whose
    deviance is within chi2_1(0.95) = 3.84 of the ML minimum. `estimate` is the REML SD.
    """
    data = fit.data
    reml_sd = float(np.sqrt(fit.municipal_covariance()[1, 1]))
    theta_ml, _ = optimise(data, fit.theta, reml=False)
    ml = YearFit(data, theta_ml, True, [], False)
    cov = ml.municipal_covariance()
    sd_level, sd_change = np.sqrt(np.diag(cov))
    rho = cov[0, 1] / (sd_level * sd_change) if sd_level * sd_change > 0 else 0.0
    sigma = np.sqrt(Evaluation(data, theta_ml)._parts["r2"] / data.n)
    best = Evaluation(data, theta_ml).deviance(sigma, reml=False)
    k = len(data.couple_terms)
    start = np.r_[sd_level, np.clip(rho, -0.99, 0.99), theta_ml[3:], np.log(sigma)]
    log_sigma = np.log(sigma)
    bounds = [
        (0, THETA_UPPER * sigma),
        (-0.9999, 0.9999),
        *[(0, THETA_UPPER)] * k,
        (log_sigma - 5, log_sigma + 5),
    ]
    state = {"start": start}

    def profile(sd: float) -> float:
        def objective(params):
            theta, s = _to_theta(params, sd)
            try:
                value = Evaluation(data, theta).deviance(s, reml=False)
            except np.linalg.LinAlgError:
                return 1e300
            return value if np.isfinite(value) else 1e300

        result = scipy.optimize.minimize(
            objective,
            state["start"],
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-11, "gtol": 1e-6, "maxiter": 2000},
        )
        state["start"] = result.x
        return float(result.fun) - best

    critical = float(scipy.stats.chi2.ppf(CONFIDENCE, 1))
    if sd_change <= 0 or profile(0.0) <= critical:
        low = 0.0
    else:
        state["start"] = start
        low = scipy.optimize.brentq(lambda s: profile(s) - critical, 0.0, sd_change, xtol=1e-5)
    state["start"] = start
    high_bracket = max(sd_change, 0.05) * 2
    while profile(high_bracket) <= critical:
        high_bracket *= 2
        if high_bracket > 1e3:
            return {"estimate": reml_sd, "ci_low": float(low), "ci_high": None}
    state["start"] = start
    high = scipy.optimize.brentq(
        lambda s: profile(s) - critical, max(sd_change, 1e-8), high_bracket, xtol=1e-5
    )
    return {"estimate": reml_sd, "ci_low": float(low), "ci_high": float(high)}
