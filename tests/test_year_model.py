"""The funder's year model against R's lme4 + lmerTest reference values.

value ~ timepoint + (1 + change | municipality) + (1 | couple) + (1 | couple:participant)
        + (1 | couple:timepoint), REML, on a simulated 30-municipality year; references made by
tests/fixtures/reference/make_reference_year.R on the committed CSV (R is not needed here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from samen_sterker.stats.funders_model import MIN_MUNICIPALITIES, fit_year_model
from samen_sterker.stats.mixed_fit import prepare
from samen_sterker.stats.year_model import COUPLE_TERMS, Evaluation, year_data

FIXTURES = Path(__file__).parent / "fixtures" / "reference" / "year"
# The tolerances of issue 4 (tests/test_mixed.py): fixed effects 1e-4 relative, SEs 1e-3
# relative, variance components 1e-3 absolute, Satterthwaite df 1% relative.
FIXED_RTOL, SE_RTOL, VARIANCE_ATOL, DF_RTOL = 1e-4, 1e-3, 1e-3, 1e-2


@pytest.fixture(scope="module")
def case():
    data = pd.read_csv(FIXTURES / "year30.csv", dtype={"value": float})
    reference = json.loads((FIXTURES / "year30.json").read_text())
    return data, reference, fit_year_model(data, "pre", "post")


def test_fixture_is_the_simulators_output():
    # The R reference holds only while year30.csv is what the simulator makes; if the simulator
    # changes, regenerate both (make_fixtures_year.py, then the R script).
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", FIXTURES / "make_fixtures_year.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made, truth = module.year30()
    stored = pd.read_csv(FIXTURES / "year30.csv", dtype={"value": float})
    pd.testing.assert_frame_equal(made.reset_index(drop=True), stored, check_dtype=False)
    assert truth["municipality_code"].nunique() == 30


def test_fixed_effects_equal_lme4_lmertest(case):
    _, reference, result = case
    assert result["available"] is True and result["converged"] is True
    ours = {"(Intercept)": result["intercept"], "timepointpost": result["pooled_change"]}
    for row in reference["fixed"]:
        mine = ours[row["term"]]
        assert mine["estimate"] == pytest.approx(row["estimate"], rel=FIXED_RTOL)
        assert mine["se"] == pytest.approx(row["se"], rel=SE_RTOL)
        assert mine["df"] == pytest.approx(row["df"], rel=DF_RTOL)
        assert mine["p"] == pytest.approx(row["p"], rel=1e-2)
        half = scipy.stats.t.ppf(0.975, row["df"]) * row["se"]
        assert mine["ci_low"] == pytest.approx(row["estimate"] - half, rel=1e-3)
    assert result["n_observations"] == reference["n_observations"]
    assert result["singular"] is reference["is_singular"] is False
    # lme4's optimum is never better than ours.
    assert result["log_likelihood"] >= -0.5 * reference["reml_criterion"] - 1e-6


def test_variance_components_equal_lme4(case):
    _, reference, result = case
    for name, value in reference["variance"].items():
        assert result["variance_components"][name] == pytest.approx(value, abs=VARIANCE_ATOL), name


def test_empirical_bayes_effects_equal_lme4_ranef_and_condvar(case):
    data, reference, result = case
    blups = pd.DataFrame(reference["blups"]).set_index("municipality_code")
    fixed_change = result["pooled_change"]["estimate"]
    for row in result["municipalities"]:
        r = blups.loc[row["municipality_code"]]
        # pooled change = fixed change + the municipality's BLUP of its change deviation.
        assert row["pooled_change"]["estimate"] == pytest.approx(
            fixed_change + r["change"], abs=VARIANCE_ATOL
        )
        # The prediction-error variance adds the fixed effects' uncertainty to condVar.
        assert row["pooled_change"]["se"] ** 2 >= r["var_change"] - 1e-6
    prepared = prepare(data, ["pre", "post"], "pre", extra=("municipality_code",))
    from samen_sterker.stats.municipal_pooling import municipal_estimates
    from samen_sterker.stats.year_model import fit_year

    estimates = municipal_estimates(fit_year(prepared, "pre", "post", COUPLE_TERMS))
    np.testing.assert_allclose(estimates["cond_var"][:, 1, 1], blups["var_change"], atol=1e-4)
    np.testing.assert_allclose(estimates["cond_var"][:, 0, 1], blups["cov_level_change"], atol=1e-4)


def test_sd_change_profile_ci_equals_lme4_confint(case):
    _, reference, result = case
    spread = result["sd_change_between_municipalities"]
    assert spread["estimate"] == pytest.approx(
        np.sqrt(reference["variance"]["municipality_change"]), rel=1e-3
    )
    assert spread["ci_low"] == pytest.approx(reference["sd_change_profile_ci"]["low"], rel=1e-3)
    assert spread["ci_high"] == pytest.approx(reference["sd_change_profile_ci"]["high"], rel=1e-3)


def test_pooling_shrinks_toward_the_mean_and_narrows_intervals(case):
    data, _, result = case
    mean = result["pooled_change"]["estimate"]
    # With the variance parameters known, pooling always narrows; the Prasad-Rao MSE adds the
    # cost of estimating them, which can outweigh it for a large municipality far from the
    # mean (its pooled change moves most with the estimated SD), so only typically there.
    from samen_sterker.stats.municipal_pooling import municipal_estimates
    from samen_sterker.stats.year_model import fit_year

    prepared = prepare(data, ["pre", "post"], "pre", extra=("municipality_code",))
    known = municipal_estimates(fit_year(prepared, "pre", "post", COUPLE_TERMS))
    raw_se = np.array([row["raw_change"]["se"] for row in result["municipalities"]])
    pooled_se = np.array([row["pooled_change"]["se"] for row in result["municipalities"]])
    assert np.all(np.sqrt(known["pooled_change_variance"]) < raw_se)
    assert np.mean(pooled_se < raw_se) > 0.9
    for row in result["municipalities"]:
        raw, pooled = row["raw_change"], row["pooled_change"]
        assert 0 < row["own_data_weight"] < 1
        # Shrinkage of the change is not exactly toward the mean (the level correlates), but
        # a pooled estimate never lies farther from the mean than twice the raw one does.
        assert abs(pooled["estimate"] - mean) <= abs(raw["estimate"] - mean) + 2 * raw["se"]


def test_rank_intervals_are_intervals_of_ranks(case):
    _, _, result = case
    rows = result["municipalities"]
    n = len(rows)
    for row in rows:
        rank = row["rank"]
        assert 1 <= rank["low"] <= rank["median"] <= rank["high"] <= n
    # With 30 municipalities and SEs near the between-municipality SD, no rank is certain.
    assert all(row["rank"]["high"] - row["rank"]["low"] >= 3 for row in rows)


def test_block_deviance_equals_dense_reml_deviance(case):
    # Independent check of the block algebra: the dense V of a few municipalities.
    data, _, _ = case
    codes = sorted(data["municipality_code"].unique())[:4]
    small = data[data["municipality_code"].isin(codes)].reset_index(drop=True)
    prepared = prepare(small, ["pre", "post"], "pre", extra=("municipality_code",))
    yd = year_data(prepared, "pre", "post", COUPLE_TERMS)
    theta = np.array([0.4, 0.2, 0.35, 1.0, 0.7, 0.6])
    ours = Evaluation(yd, theta).profiled_deviance()
    y = prepared["value"].to_numpy()
    post = (prepared["timepoint"] == "post").to_numpy(float)
    X = np.column_stack([np.ones(len(y)), post])

    def same(values):
        values = np.asarray(values)
        return (values[:, None] == values[None, :]).astype(float)

    lam = np.array([[theta[0], 0], [theta[1], theta[2]]])
    T = lam @ lam.T
    V = np.eye(len(y)) + same(prepared["municipality_code"]) * (X @ T @ X.T)
    V += theta[3] ** 2 * same(prepared["couple_id"])
    V += theta[4] ** 2 * same(prepared["participant_id"])
    V += theta[5] ** 2 * same(prepared["couple_id"] + "|" + prepared["timepoint"])
    Vi = np.linalg.inv(V)
    info = X.T @ Vi @ X
    beta = np.linalg.solve(info, X.T @ Vi @ y)
    r2 = (y - X @ beta) @ Vi @ (y - X @ beta)
    dof = len(y) - 2
    dense = (
        dof * (1 + np.log(2 * np.pi * r2 / dof))
        + np.linalg.slogdet(V)[1]
        + np.linalg.slogdet(info)[1]
    )
    assert ours == pytest.approx(dense, rel=1e-10)


def test_few_municipalities_fall_back_to_fixed_effects(case):
    data, _, _ = case
    codes = sorted(data["municipality_code"].unique())[: MIN_MUNICIPALITIES - 1]
    result = fit_year_model(data[data["municipality_code"].isin(codes)], "pre", "post")
    assert result["available"] is False
    assert result["fallback"] == "fixed_effects"
    assert str(MIN_MUNICIPALITIES) in result["reason"]


def test_municipality_without_course_end_has_no_raw_change_but_a_pooled_one(case):
    data, _, _ = case
    code = sorted(data["municipality_code"].unique())[3]
    only_pre = data[~((data["municipality_code"] == code) & (data["timepoint"] == "post"))]
    result = fit_year_model(only_pre, "pre", "post")
    row = next(r for r in result["municipalities"] if r["municipality_code"] == code)
    assert row["raw_change"]["available"] is False
    # Its pooled change is the pooled mean plus what its level says about its change.
    assert row["pooled_change"]["se"] > 0
    assert abs(row["pooled_change"]["estimate"] - result["pooled_change"]["estimate"]) < 0.3


def _dense_pooled(prepared, psi):
    """Pooled changes and their prediction-error variances from Henderson's mixed-model
    equations on the dense design (no block algebra, no Woodbury): the independent reference
    of `pooled_change_mse`."""
    theta, sigma = psi[:-1], psi[-1]
    y = prepared["value"].to_numpy()
    post = (prepared["timepoint"] == "post").to_numpy(float)
    X = np.column_stack([np.ones(len(y)), post])
    codes = sorted(prepared["municipality_code"].unique())
    Z = np.column_stack(
        [X * (prepared["municipality_code"] == code).to_numpy()[:, None] for code in codes]
    )

    def same(values):
        values = np.asarray(values)
        return (values[:, None] == values[None, :]).astype(float)

    D = np.eye(len(y)) + theta[3] ** 2 * same(prepared["couple_id"])
    D += theta[4] ** 2 * same(prepared["participant_id"])
    D += theta[5] ** 2 * same(prepared["couple_id"] + "|" + prepared["timepoint"])
    lam = np.array([[theta[0], 0], [theta[1], theta[2]]])
    Di = np.linalg.inv(D)
    W = np.column_stack([X, Z])
    lhs = W.T @ Di @ W
    lhs[2:, 2:] += np.kron(np.eye(len(codes)), np.linalg.inv(lam @ lam.T))
    solution = np.linalg.solve(lhs, W.T @ Di @ y)
    C = np.linalg.inv(lhs)
    pooled, pev = [], []
    for m in range(len(codes)):
        k = np.zeros(len(solution))
        k[1] = k[2 + 2 * m + 1] = 1.0  # fixed change + the municipality's change deviation
        pooled.append(k @ solution)
        pev.append(sigma**2 * k @ C @ k)
    return np.array(pooled), np.array(pev)


def _central_jacobian(f, x, h=1e-5):
    columns = []
    for i in range(len(x)):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        columns.append((f(up) - f(down)) / (2 * h))
    return np.column_stack(columns)


def test_pooled_interval_mse_and_df_equal_dense_mixed_model_equations(case):
    """Prasad-Rao MSE g1 + g2 + 2 g3 and its Satterthwaite df, against the same formulas on
    Henderson's dense mixed-model equations (the block algebra is not used)."""
    from samen_sterker.stats.municipal_pooling import pooled_change_mse

    data, _, _ = case
    codes = sorted(data["municipality_code"].unique())[:5]
    small = data[data["municipality_code"].isin(codes)].reset_index(drop=True)
    prepared = prepare(small, ["pre", "post"], "pre", extra=("municipality_code",))
    yd = year_data(prepared, "pre", "post", COUPLE_TERMS)
    psi = np.array([0.4, 0.2, 0.35, 1.0, 0.7, 0.6, 0.9])
    rng = np.random.default_rng(7)
    root = rng.normal(size=(7, 7)) * 0.05
    parameter_cov = root @ root.T + 0.01 * np.eye(7)
    ours = pooled_change_mse(yd, psi, parameter_cov)

    g12 = _dense_pooled(prepared, psi)[1]
    J = _central_jacobian(lambda t: _dense_pooled(prepared, np.r_[t, psi[-1]])[0], psi[:-1])
    g3 = np.einsum("ma,ab,mb->m", J, parameter_cov[:-1, :-1], J)
    G = _central_jacobian(lambda z: _dense_pooled(prepared, z)[1], psi)
    df = 2 * g12**2 / np.einsum("ma,ab,mb->m", G, parameter_cov, G)
    np.testing.assert_allclose(ours["g12"], g12, rtol=1e-8)
    np.testing.assert_allclose(ours["g3"], g3, rtol=1e-5)
    np.testing.assert_allclose(ours["mse"], g12 + 2 * g3, rtol=1e-6)
    np.testing.assert_allclose(ours["df"], df, rtol=1e-4)


def test_pooled_intervals_use_the_prasad_rao_mse_with_t_quantiles(case):
    _, _, result = case
    for row in result["municipalities"]:
        pooled = row["pooled_change"]
        assert 0 < pooled["df"] < 1e6
        half = scipy.stats.t.ppf(0.975, pooled["df"]) * pooled["se"]
        assert pooled["ci_high"] - pooled["estimate"] == pytest.approx(half, rel=1e-9)
        assert "p" not in pooled  # a prediction interval, not a test of zero change
