"""The primary dyadic model against R's lme4 + lmerTest reference values.

value ~ timepoint + (1 | couple) + (1 | couple:participant) + (1 | couple:timepoint), REML;
references made by tests/fixtures/reference/make_reference_primary.R on the committed CSVs
(the demo cohort's rating, a singular case, the issue-4 case with a third of post missing, and
a case with an intake). R is not needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from samen_sterker.stats.mixed import fit_dyadic_model
from samen_sterker.stats.satterthwaite import MixedDesign, log_likelihood, satterthwaite

REFERENCE = Path(__file__).parent / "fixtures" / "reference"
CASES = ["demo", "singular", "missing_post", "intake", "demo_course", "intake_course"]
# The tolerances of issue 4 (tests/test_mixed.py): fixed effects 1e-4 relative, SEs 1e-3
# relative, variance components 1e-3 absolute, Satterthwaite df 1% relative.
FIXED_RTOL, SE_RTOL, VARIANCE_ATOL, DF_RTOL = 1e-4, 1e-3, 1e-3, 1e-2


def load(name: str) -> tuple[pd.DataFrame, dict]:
    """Fixture data and its R reference."""
    reference = json.loads((REFERENCE / "primary" / f"{name}.json").read_text())
    # The JSON names its data relative to the repository root.
    data = pd.read_csv(REFERENCE.parent.parent.parent / reference["data"], dtype={"value": float})
    return data, reference


def entry(result: dict, term: str) -> dict:
    """Our result entry for an lme4 coefficient name."""
    if term == "(Intercept)":
        return result["intercept"]
    return result["contrasts"][term.removeprefix("timepoint")]


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[dict, dict]]:
    """fit_dyadic_model (primary model, the default) on every case, fitted once."""
    out = {}
    for name in CASES:
        data, reference = load(name)
        out[name] = (
            fit_dyadic_model(data, reference["timepoints"], reference["baseline"]),
            reference,
        )
    return out


@pytest.mark.parametrize("name", CASES)
def test_primary_model_equals_lme4_lmertest(results, name):
    result, reference = results[name]
    reported = reference["reported"]
    assert result["available"] is True and result["converged"] is True
    assert result["random_terms"] == reported["random_terms"]
    for row in reported["fixed"]:
        ours = entry(result, row["term"])
        assert ours["estimate"] == pytest.approx(row["estimate"], rel=FIXED_RTOL), row["term"]
        assert ours["se"] == pytest.approx(row["se"], rel=SE_RTOL), row["term"]
        assert ours["df"] == pytest.approx(row["df"], rel=DF_RTOL), row["term"]
        assert ours["t"] == pytest.approx(row["t"], rel=SE_RTOL), row["term"]
        assert ours["p"] == pytest.approx(row["p"], rel=1e-2, abs=1e-12), row["term"]
        half = scipy.stats.t.ppf(0.975, row["df"]) * row["se"]
        assert ours["ci_low"] == pytest.approx(row["estimate"] - half, rel=1e-3, abs=1e-4)
        assert ours["ci_high"] == pytest.approx(row["estimate"] + half, rel=1e-3, abs=1e-4)
    for component, value in reported["variance"].items():
        assert result["variance_components"][component] == pytest.approx(value, abs=VARIANCE_ATOL)
    assert result["icc_change"] == pytest.approx(reported["icc_change"], abs=VARIANCE_ATOL)
    assert result["icc_partner"] == pytest.approx(reported["icc_partner"], abs=VARIANCE_ATOL)
    assert result["n_observations"] == reported["n_observations"]
    # lme4's optimum is never better than ours (its remaining differences are its tolerance).
    assert result["log_likelihood"] >= reported["loglik"] - 1e-6


@pytest.mark.parametrize("name", CASES)
def test_satterthwaite_at_lme4_variances_equals_lmertest_tightly(results, name):
    # The algebra alone, at lme4's own variance estimates: no optimizer difference left.
    data, reference = load(name)
    reported = reference["reported"]
    others = [t for t in reference["timepoints"] if t != reference["baseline"]]
    X = np.column_stack(
        [np.ones(len(data))] + [(data.timepoint == t).to_numpy(float) for t in others]
    )
    codes = {
        "couple": data["couple_id"].to_numpy(),
        "participant": data["participant_id"].to_numpy(),
        "couple_timepoint": (data["couple_id"] + ":" + data["timepoint"]).to_numpy(),
    }
    terms = reported["random_terms"]
    phi = np.array([reported["variance"][t] for t in terms] + [reported["variance"]["residual"]])
    design = MixedDesign(
        data["value"].to_numpy(float), X, tuple(codes[t] for t in terms), codes["couple"]
    )
    out = satterthwaite(design, phi, np.eye(design.p))
    fixed = reported["fixed"]
    np.testing.assert_allclose(out["estimate"], [r["estimate"] for r in fixed], rtol=1e-8)
    np.testing.assert_allclose(out["se"], [r["se"] for r in fixed], rtol=1e-8)
    np.testing.assert_allclose(out["df"], [r["df"] for r in fixed], rtol=1e-5)
    assert log_likelihood(design, phi) == pytest.approx(reported["loglik"], abs=1e-8)


@pytest.mark.parametrize("name", ["singular", "missing_post"])
def test_boundary_couple_timepoint_is_refitted_without_it_and_flagged(results, name):
    result, reference = results[name]
    assert reference["full"]["is_singular"] is True
    assert reference["full"]["variance"]["couple_timepoint"] == pytest.approx(0, abs=1e-8)
    assert result["singular"] is True
    assert "couple_timepoint" not in result["random_terms"]
    assert result["variance_components"]["couple_timepoint"] == 0.0
    assert result["icc_change"] == 0.0
    assert "couple_timepoint variance estimated at the boundary" in result["rule_applied"]
    # The reduced model is the two-intercept model: the same numbers as shared_change=False.
    data, _ = load(name)
    reduced = fit_dyadic_model(
        data, reference["timepoints"], reference["baseline"], shared_change=False
    )
    assert result["contrasts"]["post"]["se"] == pytest.approx(
        reduced["contrasts"]["post"]["se"], rel=1e-6
    )


def test_interior_fits_keep_all_three_terms_without_a_rule(results):
    for name in ("demo", "intake"):
        result, reference = results[name]
        assert reference["full"]["is_singular"] is False
        assert result["singular"] is False and result["rule_applied"] is None
        assert result["random_terms"] == ["couple", "participant", "couple_timepoint"]
        assert 0 < result["icc_change"] < 1


def test_shared_change_widens_the_demo_interval_as_lme4_does(results):
    # The point of the primary model: in the demo, partners' changes correlate, and the SE of
    # post - pre is larger (and df smaller) than the two-intercept model claims.
    result, reference = results["demo"]
    data, _ = load("demo")
    older = fit_dyadic_model(data, reference["timepoints"], "pre", shared_change=False)
    primary_post, older_post = result["contrasts"]["post"], older["contrasts"]["post"]
    assert primary_post["se"] > 1.1 * older_post["se"]
    assert primary_post["df"] < 0.6 * older_post["df"]
    # Partners' observed change scores (pre -> post) correlate positively in the demo.
    wide = data.pivot(index="participant_id", columns="timepoint", values="value")
    change = (wide["post"] - wide["pre"]).dropna()
    couple = change.index.str.rsplit("-", n=1).str[0]
    pairs = change.groupby(couple).filter(lambda s: len(s) == 2)
    a, b = pairs.iloc[0::2].to_numpy(), pairs.iloc[1::2].to_numpy()
    assert np.corrcoef(a, b)[0, 1] > 0.3
    assert result["icc_change"] > 0.3


def test_single_partner_couples_leave_out_couple_timepoint_term():
    data, reference = load("intake")
    only_a = data[data.participant_id.str.endswith("A")]
    result = fit_dyadic_model(only_a, reference["timepoints"], "pre")
    assert "couple_timepoint" not in result["random_terms"]
    assert "couple x timepoint intercept left out" in result["rule_applied"]
    # Not estimable is not the same as estimated at zero.
    assert result["icc_change"] is None


def test_demo_fixture_is_the_current_demo_cohort():
    # The R reference for "demo" holds only while demo.csv is the demo cohort's rating; if the
    # simulator or the demo seed change, regenerate both (see make_fixtures_primary.py).
    from samen_sterker.simulate import RATING, demo_truth

    truth = demo_truth()
    truth = truth[truth["outcome"] == RATING][["couple_id", "participant_id", "timepoint", "value"]]
    data, _ = load("demo")
    pd.testing.assert_frame_equal(
        data.reset_index(drop=True), truth.reset_index(drop=True), check_dtype=False
    )
