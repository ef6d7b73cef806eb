"""Dyadic mixed models against R's lme4 + lmerTest reference values (made by
tests/fixtures/reference/make_reference_mixed.R on the committed fixture CSVs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.formula.api as smf
from scipy.optimize import approx_fprime

from samen_sterker.stats.mixed import MixedModelInputError, fit_dyadic_model, fit_pooled_model
from samen_sterker.stats.satterthwaite import (
    MixedDesign,
    log_likelihood,
    profiled_deviance,
    satterthwaite,
    variance_hessian,
    variance_score,
)

FIXTURES = Path(__file__).parent / "fixtures" / "reference" / "mixed"
DYADIC_CASES = ["basic", "missing_post", "boundary", "participant_boundary"]
# Tolerances of issue 4: fixed effects 1e-4 relative, SEs 1e-3 relative, variance components
# 1e-3 absolute, Satterthwaite df 1% relative.
FIXED_RTOL, SE_RTOL, VARIANCE_ATOL, DF_RTOL = 1e-4, 1e-3, 1e-3, 1e-2


def load_case(name: str) -> tuple[pd.DataFrame, dict]:
    """Fixture data and its R reference."""
    data = pd.read_csv(FIXTURES / f"{name}.csv", dtype={"value": float})
    reference = json.loads((FIXTURES / f"{name}.json").read_text())
    return data, reference


def entry(result: dict, term: str) -> dict:
    """The result entry matching an lme4 coefficient name ('(Intercept)', 'timepointpost')."""
    if term == "(Intercept)":
        return result["intercept"]
    return result["contrasts"][term.removeprefix("timepoint")]


def assert_matches_r(result: dict, fitted: dict) -> None:
    """Compare fixed effects, SEs, df, t, p and variance components with an lme4 fit."""
    assert result["available"] is True
    for row in fitted["fixed"]:
        ours = entry(result, row["term"])
        assert ours["estimate"] == pytest.approx(row["estimate"], rel=FIXED_RTOL), row["term"]
        assert ours["se"] == pytest.approx(row["se"], rel=SE_RTOL), row["term"]
        assert ours["df"] == pytest.approx(row["df"], rel=DF_RTOL), row["term"]
        assert ours["t"] == pytest.approx(row["t"], rel=SE_RTOL), row["term"]
        assert ours["p"] == pytest.approx(row["p"], rel=1e-2, abs=1e-12), row["term"]
    for component, value in fitted["variance"].items():
        assert result["variance_components"][component] == pytest.approx(value, abs=VARIANCE_ATOL)
    assert result["singular"] is fitted["is_singular"]
    assert result["n_observations"] == fitted["n_observations"]


@pytest.fixture(scope="module")
def reml_results() -> dict[str, tuple[dict, dict]]:
    """fit_dyadic_model on every fixture case (fitted once per test module)."""
    out = {}
    for name in DYADIC_CASES:
        data, reference = load_case(name)
        out[name] = (
            fit_dyadic_model(
                data, reference["timepoints"], reference["baseline"], shared_change=False
            ),
            reference,
        )
    return out


@pytest.mark.parametrize("name", DYADIC_CASES)
def test_dyadic_reml_equals_lme4_lmertest(reml_results, name):
    result, reference = reml_results[name]
    assert_matches_r(result, reference["reml"])
    assert result["converged"] is True


@pytest.mark.parametrize("name", DYADIC_CASES)
def test_confidence_interval_is_t_interval_with_satterthwaite_df(reml_results, name):
    result, reference = reml_results[name]
    for row in reference["reml"]["fixed"]:
        half = scipy.stats.t.ppf(0.975, row["df"]) * row["se"]
        ours = entry(result, row["term"])
        assert ours["ci_low"] == pytest.approx(row["estimate"] - half, rel=1e-3, abs=1e-4)
        assert ours["ci_high"] == pytest.approx(row["estimate"] + half, rel=1e-3, abs=1e-4)


def test_boundary_couple_variance_is_refitted_without_couple_term(reml_results):
    result, reference = reml_results["boundary"]
    assert reference["reml"]["is_singular"] is True
    assert reference["reml"]["variance"]["couple"] == 0
    assert result["singular"] is True
    assert result["random_terms"] == ["participant"]
    assert result["variance_components"]["couple"] == 0.0
    assert "couple variance estimated at the boundary" in result["rule_applied"]
    assert result["icc_partner"] == 0.0


def test_boundary_participant_variance_is_refitted_without_participant_term(reml_results):
    result, _ = reml_results["participant_boundary"]
    assert result["random_terms"] == ["couple"]
    assert "participant variance estimated at the boundary" in result["rule_applied"]


def test_interior_fit_has_no_rule_and_partner_icc_is_couple_share(reml_results):
    result, reference = reml_results["basic"]
    assert result["rule_applied"] is None
    assert result["random_terms"] == ["couple", "participant"]
    v = reference["reml"]["variance"]
    total = v["couple"] + v["participant"] + v["residual"]
    assert result["icc_partner"] == pytest.approx(v["couple"] / total, abs=1e-3)
    assert result["icc_participant"] == pytest.approx(
        (v["couple"] + v["participant"]) / total, abs=1e-3
    )
    assert (result["n_participants"], result["n_couples"]) == (39, 20)


def test_baseline_not_first_timepoint_gives_contrasts_against_baseline(reml_results):
    result, _ = reml_results["missing_post"]
    assert set(result["contrasts"]) == {"intake", "post", "followup"}
    assert all(c["vs"] == "pre" for c in result["contrasts"].values())


def test_ml_fit_equals_lme4_ml():
    data, reference = load_case("basic")
    result = fit_dyadic_model(
        data, reference["timepoints"], "pre", reml=False, shared_change=False
    )
    assert result["estimation"] == "ML"
    assert_matches_r(result, reference["ml"])
    assert result["log_likelihood"] == pytest.approx(reference["ml"]["loglik"], abs=1e-6)


@pytest.mark.parametrize("name", DYADIC_CASES)
def test_reml_log_likelihood_equals_lme4(reml_results, name):
    result, reference = reml_results[name]
    assert result["log_likelihood"] == pytest.approx(reference["reml"]["loglik"], abs=1e-6)


# ------------------------------------------------------------------ numpy algebra, directly


def r_design(name: str) -> tuple[MixedDesign, np.ndarray, dict]:
    """Design with lme4's kept random terms and lme4's variance estimates."""
    data, reference = load_case(name)
    others = [t for t in reference["timepoints"] if t != reference["baseline"]]
    X = np.column_stack(
        [np.ones(len(data))] + [(data.timepoint == t).to_numpy(float) for t in others]
    )
    variance = reference["reml"]["variance"]
    codes, phi = [], []
    for term, column in (("couple", "couple_id"), ("participant", "participant_id")):
        if variance[term] > 0:
            codes.append(data[column].to_numpy())
            phi.append(variance[term])
    phi.append(variance["residual"])
    design = MixedDesign(
        data["value"].to_numpy(float), X, tuple(codes), data["couple_id"].to_numpy()
    )
    return design, np.array(phi), reference


@pytest.mark.parametrize("name", DYADIC_CASES)
def test_satterthwaite_at_lme4_variances_equals_lmertest_tightly(name):
    design, phi, reference = r_design(name)
    out = satterthwaite(design, phi, np.eye(design.p))
    fixed = reference["reml"]["fixed"]
    np.testing.assert_allclose(out["estimate"], [r["estimate"] for r in fixed], rtol=1e-8)
    np.testing.assert_allclose(out["se"], [r["se"] for r in fixed], rtol=1e-8)
    # lmerTest's numerical derivatives (numDeriv) limit the agreement of df.
    np.testing.assert_allclose(out["df"], [r["df"] for r in fixed], rtol=1e-5)
    assert log_likelihood(design, phi) == pytest.approx(reference["reml"]["loglik"], abs=1e-8)


def test_full_model_at_boundary_gives_same_df_as_reduced_model():
    # lmerTest evaluated at a theta of exactly 0 equals the model without that term.
    design, phi, _ = r_design("boundary")
    data, _ = load_case("boundary")
    full = MixedDesign(
        design.y, design.X, (data["couple_id"].to_numpy(), *design.codes), design.blocks
    )
    with_zero = satterthwaite(full, np.append(0.0, phi), np.eye(design.p))
    reduced = satterthwaite(design, phi, np.eye(design.p))
    np.testing.assert_allclose(with_zero["df"], reduced["df"], rtol=1e-10)
    np.testing.assert_allclose(with_zero["se"], reduced["se"], rtol=1e-12)


@pytest.mark.parametrize("reml", [True, False])
def test_analytic_score_equals_finite_differences(reml):
    design, phi, _ = r_design("basic")
    phi = phi * np.array([1.3, 0.7, 1.1])  # away from the optimum, so the score is not 0
    numeric = approx_fprime(phi, lambda v: log_likelihood(design, v, reml), 1e-7)
    np.testing.assert_allclose(variance_score(design, phi, reml), numeric, rtol=1e-5)


@pytest.mark.parametrize("reml", [True, False])
def test_analytic_hessian_equals_finite_differences_of_score(reml):
    design, phi, _ = r_design("missing_post")
    phi = phi * np.array([0.8, 1.2, 0.9])
    numeric = np.array(
        [
            approx_fprime(phi, lambda v, i=i: variance_score(design, v, reml)[i], 1e-7)
            for i in range(len(phi))
        ]
    )
    np.testing.assert_allclose(variance_hessian(design, phi, reml), numeric, rtol=1e-4)


def test_blocked_algebra_equals_one_block():
    design, phi, _ = r_design("basic")
    one_block = MixedDesign(design.y, design.X, design.codes, blocks=None)
    L = np.eye(design.p)
    blocked, dense = satterthwaite(design, phi, L), satterthwaite(one_block, phi, L)
    for key in ("estimate", "se", "df"):
        np.testing.assert_allclose(blocked[key], dense[key], rtol=1e-10)
    assert log_likelihood(design, phi) == pytest.approx(log_likelihood(one_block, phi), abs=1e-9)


def test_random_term_not_nested_in_blocks_is_rejected():
    design, phi, _ = r_design("basic")
    shifted = np.roll(design.codes[0], 1)  # couple codes no longer follow the blocks
    with pytest.raises(ValueError, match="not nested"):
        log_likelihood(MixedDesign(design.y, design.X, (shifted,), design.blocks), phi[1:])


@pytest.mark.parametrize("reml", [True, False])
def test_profiled_deviance_gradient_equals_finite_differences(reml):
    design, _, _ = r_design("missing_post")
    theta = np.array([0.6, 0.9])
    _, gradient, _ = profiled_deviance(design, theta, reml)
    numeric = approx_fprime(theta, lambda t: profiled_deviance(design, t, reml)[0], 1e-7)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5)


def statsmodels_two_intercept_fit(data: pd.DataFrame):
    """statsmodels MixedLM's REML fit of the two-intercept model (an independent implementation)."""
    return smf.mixedlm(
        "value ~ C(timepoint, Treatment('pre'))",
        data,
        groups="couple_id",
        re_formula="1",
        vc_formula={"participant": "0 + C(participant_id)"},
    ).fit(reml=True, method=["lbfgs"])


def test_numpy_reml_likelihood_equals_statsmodels_llf():
    data, _ = load_case("missing_post")
    data = data.sort_values("couple_id", kind="mergesort")
    result = statsmodels_two_intercept_fit(data)
    design = MixedDesign(
        data["value"].to_numpy(float),
        np.asarray(result.model.exog),
        (data["couple_id"].to_numpy(), data["participant_id"].to_numpy()),
        data["couple_id"].to_numpy(),
    )
    phi = np.array([result.cov_re.iloc[0, 0], result.vcomp[0], result.scale])
    assert log_likelihood(design, phi, reml=True) == pytest.approx(result.llf, abs=1e-8)


# ------------------------------------------------------------------ pooled model


POOLED_CASES = {"pooled": (6, 4), "pooled_empty_cell": (5, 3)}  # (changes, LRT df) in R


@pytest.fixture(scope="module", params=list(POOLED_CASES))
def pooled(request) -> tuple[dict, dict]:
    """fit_pooled_model on a pooled fixture (all cells; GM0103 without followup)."""
    data, reference = load_case(request.param)
    return fit_pooled_model(data, reference["timepoints"], reference["baseline"]), reference


def test_pooled_changes_equal_lmertest_contest(pooled):
    result, reference = pooled
    expected_changes, _ = POOLED_CASES[reference["case"]]
    available = [c for c in result["changes"] if c.get("available", True)]
    assert len(available) == len(reference["contrasts"]) == expected_changes
    ours = {(c["municipality_code"], c["timepoint"]): c for c in available}
    for row in reference["contrasts"]:
        change = ours[(row["municipality_code"], row["timepoint"])]
        assert change["estimate"] == pytest.approx(row["estimate"], rel=FIXED_RTOL)
        assert change["se"] == pytest.approx(row["se"], rel=SE_RTOL)
        assert change["df"] == pytest.approx(row["df"], rel=DF_RTOL)
        assert change["p"] == pytest.approx(row["p"], rel=1e-2)
        assert change["ci_low"] == pytest.approx(row["ci_low"], rel=1e-3, abs=1e-4)
        assert change["ci_high"] == pytest.approx(row["ci_high"], rel=1e-3, abs=1e-4)
    for component, value in reference["reml"]["variance"].items():
        assert result["variance_components"][component] == pytest.approx(value, abs=VARIANCE_ATOL)


def test_pooled_likelihood_ratio_test_equals_r_anova(pooled):
    result, reference = pooled
    _, expected_df = POOLED_CASES[reference["case"]]
    test = result["interaction_test"]
    assert test["df"] == reference["lrt"]["df"] == expected_df
    assert test["chi2"] == pytest.approx(reference["lrt"]["chi2"], rel=1e-4)
    assert test["p"] == pytest.approx(reference["lrt"]["p"], rel=1e-4)
    assert test["log_likelihood_full_ml"] == pytest.approx(
        reference["lrt"]["loglik_full"], abs=1e-6
    )
    assert test["log_likelihood_reduced_ml"] == pytest.approx(
        reference["lrt"]["loglik_reduced"], abs=1e-6
    )
    assert result["fit_seconds"] > 0


def test_pooled_empty_cell_is_marked_unavailable():
    data, reference = load_case("pooled_empty_cell")
    result = fit_pooled_model(data, reference["timepoints"], "pre")
    cells = {(c["municipality_code"], c["timepoint"]): c for c in result["changes"]}
    assert cells[("GM0103", "followup")]["available"] is False
    assert "estimate" not in cells[("GM0103", "followup")]


def test_pooled_rejects_couple_in_two_municipalities():
    data, _ = load_case("pooled")
    data.loc[data.index[0], "municipality_code"] = "GM0102"
    with pytest.raises(MixedModelInputError, match="couple spans municipalities"):
        fit_pooled_model(data, ["pre", "post", "followup"], "pre")


# ------------------------------------------------------------------ input and failure paths


def test_row_order_does_not_change_result(reml_results):
    data, reference = load_case("basic")
    shuffled = data.sample(frac=1.0, random_state=7)
    result = fit_dyadic_model(shuffled, reference["timepoints"], "pre", shared_change=False)
    expected, _ = reml_results["basic"]
    for timepoint in ("post", "followup"):
        for key in ("estimate", "se", "df"):
            assert result["contrasts"][timepoint][key] == pytest.approx(
                expected["contrasts"][timepoint][key], rel=1e-7
            )


def test_rows_without_value_are_dropped(reml_results):
    data, reference = load_case("basic")
    extra = data.drop_duplicates("participant_id").iloc[:5].copy()
    extra["timepoint"] = "intake"
    extra["value"] = np.nan
    result = fit_dyadic_model(
        pd.concat([data, extra], ignore_index=True),
        ["intake", "pre", "post", "followup"],
        "pre",
        shared_change=False,
    )
    assert result["n_observations"] == reference["reml"]["n_observations"]
    assert result["contrasts"]["intake"]["available"] is False
    assert result["contrasts"]["post"]["estimate"] == pytest.approx(
        reml_results["basic"][0]["contrasts"]["post"]["estimate"], rel=1e-7
    )


def test_bad_input_names_all_problems_without_values():
    data, _ = load_case("basic")
    data["value"] = data["value"].astype(object)
    data.loc[3, "value"] = "zeven"
    data.loc[5, "timepoint"] = "week12"
    data.loc[8, "couple_id"] = None
    with pytest.raises(MixedModelInputError) as error:
        fit_dyadic_model(data, ["pre", "post", "followup"], "pre")
    message = str(error.value)
    assert "column value: not a number in row(s) 3" in message
    assert "column timepoint: not a configured timepoint in row(s) 5" in message
    assert "column couple_id: missing in row(s) 8" in message
    assert "zeven" not in message and "week12" not in message


def test_missing_column_is_named():
    data, _ = load_case("basic")
    with pytest.raises(MixedModelInputError, match="participant_id"):
        fit_dyadic_model(data.drop(columns="participant_id"), ["pre", "post"], "pre")


def test_participant_in_two_couples_is_an_error_without_ids():
    data, _ = load_case("basic")
    data.loc[0, "couple_id"] = "GM0001C99"
    with pytest.raises(MixedModelInputError, match="more than one couple") as error:
        fit_dyadic_model(data, ["pre", "post", "followup"], "pre")
    assert "GM0001C" not in str(error.value)


def test_no_baseline_measurements_is_unavailable_with_reason():
    data, _ = load_case("basic")
    result = fit_dyadic_model(data[data.timepoint != "pre"], ["pre", "post", "followup"], "pre")
    assert result["available"] is False
    assert "baseline" in result["reason"]
    assert "intercept" not in result


def test_single_partner_couples_leave_out_couple_term():
    data, reference = load_case("basic")
    only_a = data[data.participant_id.str.endswith("A")]
    result = fit_dyadic_model(only_a, reference["timepoints"], "pre")
    assert "couple" not in result["random_terms"]
    assert "couple intercept left out" in result["rule_applied"]


def test_non_convergence_gives_null_estimates_with_reason(monkeypatch):
    # Every optimizer stops without converging: no number may come from such a fit.
    original = scipy.optimize.minimize

    def unconverged(*args, **kwargs):
        result = original(*args, **{**kwargs, "options": {"maxiter": 1}})
        result.success, result.message = False, "stopped after one iteration"
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", unconverged)
    data, reference = load_case("basic")
    result = fit_dyadic_model(data, reference["timepoints"], "pre")
    assert result["available"] is False
    assert result["converged"] is False
    assert "L-BFGS-B, Powell, Nelder-Mead" in result["reason"]
    assert "contrasts" not in result and "intercept" not in result
    assert result["warnings"] == [
        f"{method}: stopped after one iteration" for method in ("L-BFGS-B", "Powell", "Nelder-Mead")
    ]


def test_a_derivative_free_optimizer_takes_over_when_lbfgsb_stops(monkeypatch):
    original = scipy.optimize.minimize

    def lbfgsb_fails(*args, **kwargs):
        if kwargs["method"] != "L-BFGS-B":
            return original(*args, **kwargs)
        # Stopped after one step, far from the optimum.
        result = original(*args, **{**kwargs, "options": {"maxiter": 1}})
        result.success, result.message = False, "ABNORMAL_TERMINATION_IN_LNSRCH"
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", lbfgsb_fails)
    data, reference = load_case("basic")
    result = fit_dyadic_model(data, reference["timepoints"], "pre", shared_change=False)
    assert result["optimizer"] == "Powell"
    assert result["warnings"] == ["L-BFGS-B: ABNORMAL_TERMINATION_IN_LNSRCH"]
    assert_matches_r(result, reference["reml"])


def test_lbfgsb_stopping_at_the_optimum_is_accepted(monkeypatch):
    # At a boundary optimum L-BFGS-B's line search may end "ABNORMAL" when the deviance no
    # longer changes at machine precision; the first-order conditions hold there, so the
    # point stands and no fallback runs.
    original = scipy.optimize.minimize
    methods = []

    def abnormal_at_the_end(*args, **kwargs):
        methods.append(kwargs["method"])
        result = original(*args, **kwargs)
        result.success, result.message = False, "ABNORMAL: "
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", abnormal_at_the_end)
    data, reference = load_case("basic")
    result = fit_dyadic_model(data, reference["timepoints"], "pre", shared_change=False)
    assert set(methods) == {"L-BFGS-B"}
    assert result["optimizer"] == "L-BFGS-B" and result["warnings"] == []
    assert_matches_r(result, reference["reml"])


def test_boundary_fit_is_reported_as_data(reml_results):
    result, _ = reml_results["boundary"]
    assert result["singular"] is True
    assert "boundary" in result["rule_applied"]
    json.dumps(result, allow_nan=False)  # the whole result is JSON


def test_profiled_reml_reaches_statsmodels_optimum_or_beyond():
    # An independent optimizer (statsmodels MixedLM, its own likelihood code) on the
    # two-intercept model: our REML log-likelihood is at least its, and the variances agree.
    data, reference = load_case("missing_post")
    result = fit_dyadic_model(data, reference["timepoints"], "pre", shared_change=False)
    other = statsmodels_two_intercept_fit(data.sort_values("couple_id", kind="mergesort"))
    assert result["log_likelihood"] >= other.llf - 1e-8
    assert result["variance_components"]["residual"] == pytest.approx(other.scale, rel=1e-3)
    assert result["variance_components"]["couple"] == pytest.approx(
        float(other.cov_re.iloc[0, 0]), rel=1e-2
    )


def test_constant_values_are_unavailable_with_reason():
    data, reference = load_case("basic")
    result = fit_dyadic_model(data.assign(value=7.0), reference["timepoints"], "pre")
    assert result["available"] is False
    assert "residual variance is estimated at zero" in result["reason"]
    assert "contrasts" not in result


@pytest.mark.parametrize("seed", [3, 37, 70])
def test_tiny_or_degenerate_samples_give_valid_json(seed):
    # Random small subsets (seed 37: 11 rows, one couple with both partners) once crashed the
    # refinement; every result must be JSON without inf/NaN, estimates or a reason.
    data, reference = load_case("basic")
    rng = np.random.default_rng(seed)
    subset = data.sample(n=int(rng.integers(6, 20)), random_state=seed)
    result = fit_dyadic_model(subset, reference["timepoints"], "pre")
    json.dumps(result, allow_nan=False)
    assert result["available"] is False or "intercept" in result


def test_no_residual_variation_beyond_the_persons_is_unavailable():
    # Each person's scores are their own level plus the same change: the participant term fits
    # them exactly, the REML likelihood rises without bound as the residual variance goes to
    # 0 (theta at its bound of 1000). No finite estimate exists, so no SE may be reported.
    levels = {"c1A": 4.0, "c1B": 6.0, "c2A": 5.0, "c2B": 8.0, "c3A": 3.0, "c3B": 7.5}
    rows = [
        {"couple_id": person[:2], "participant_id": person, "timepoint": timepoint,
         "value": level + (1.5 if timepoint == "post" else 0.0)}
        for person, level in levels.items()
        for timepoint in ("pre", "post")
    ]
    result = fit_dyadic_model(pd.DataFrame(rows), ["pre", "post"], "pre")
    assert result["available"] is False
    assert "residual variance is estimated at zero" in result["reason"]
    assert "contrasts" not in result
