"""Paired analysis against R (t.test, wilcox.test, pt with ncp, clubSandwich's CR2 interval of
the mean change) and Lakens (2013)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samen_sterker.stats.paired import (
    CI_METHODS,
    NO_CI_FEWER_THAN_TWO_COUPLES,
    analyse_pairs,
    effect_sizes,
    hedges_correction,
    noncentrality_ci,
    wilcoxon_signed_rank,
)

REFERENCE_DIR = Path(__file__).parent / "fixtures" / "reference" / "paired"
REFERENCE = json.loads((REFERENCE_DIR / "reference.json").read_text(encoding="utf-8"))
PAIRS = pd.read_csv(REFERENCE_DIR / "pairs.csv")
DATASETS = sorted(REFERENCE["paired"])
TOL = 1e-8

COUPLES_DIR = Path(__file__).parent / "fixtures" / "reference" / "paired_cr2"
COUPLES = json.loads((COUPLES_DIR / "reference.json").read_text(encoding="utf-8"))["cases"]
COUPLE_PAIRS = pd.read_csv(COUPLES_DIR / "pairs.csv")


def _case(name):
    data = PAIRS[PAIRS["dataset"] == name]
    result = analyse_pairs(data["before"], data["after"], data["couple"], "pre", "post")
    return result, REFERENCE["paired"][name], data


@pytest.mark.parametrize("name", DATASETS)
def test_t_test_and_change_equal_r(name):
    result, ref, _ = _case(name)
    assert result["n_pairs"] == ref["n"]
    assert result["mean_change"] == pytest.approx(ref["mean_change"], abs=TOL)
    assert result["t_test"]["t"] == pytest.approx(ref["t"], abs=TOL)
    assert result["t_test"]["df"] == ref["df"]
    assert result["t_test"]["p_value"] == pytest.approx(ref["p_value"], abs=TOL)
    assert "treats partners as independent" in result["t_test"]["method"]


@pytest.mark.parametrize("name", DATASETS)
def test_one_pair_per_couple_gives_the_t_interval_of_r(name):
    """Every pair in a couple of its own: the couple-aware interval is R's paired t.test
    interval on n - 1 df."""
    data = PAIRS[PAIRS["dataset"] == name]
    own_couples = [f"C{i}" for i in range(len(data))]
    result = analyse_pairs(data["before"], data["after"], own_couples, "pre", "post")
    ref = REFERENCE["paired"][name]
    assert result["ci_low"] == pytest.approx(ref["ci_low"], abs=TOL)
    assert result["ci_high"] == pytest.approx(ref["ci_high"], abs=TOL)
    assert result["ci_df"] == pytest.approx(ref["n"] - 1, abs=1e-9)


def _couple_case(name):
    data = COUPLE_PAIRS[COUPLE_PAIRS["case"] == name]
    return data, COUPLES[name]


@pytest.mark.parametrize("name", sorted(COUPLES))
def test_mean_change_interval_equals_clubsandwich_cr2(name):
    """The mean change's interval counts couples: clubSandwich's coef_test / conf_int of
    lm(d ~ 1), CR2 with couples as clusters, Satterthwaite (Bell-McCaffrey) df."""
    data, ref = _couple_case(name)
    result = analyse_pairs(data["before"], data["after"], data["couple_id"], "pre", "post")
    assert (result["n_pairs"], result["n_couples"]) == (ref["n"], ref["n_couples"])
    assert result["mean_change"] == pytest.approx(ref["cr2"]["mean_change"], abs=TOL)
    assert result["se_change"] == pytest.approx(ref["cr2"]["se"], abs=TOL)
    assert result["ci_df"] == pytest.approx(ref["cr2"]["df"], abs=TOL)
    assert result["ci_low"] == pytest.approx(ref["cr2"]["ci_low"], abs=TOL)
    assert result["ci_high"] == pytest.approx(ref["cr2"]["ci_high"], abs=TOL)
    assert result["ci_method"] == CI_METHODS["participant"]
    # The t-test stays over participants, partners counted as independent.
    assert result["t_test"]["df"] == ref["t_over_participants"]["df"]


@pytest.mark.parametrize("name", sorted(COUPLES))
def test_couple_means_interval_is_the_ordinary_t_on_couples(name):
    """On couple means each couple is its own cluster, so CR2 is R's paired t.test of the
    couple means, on couples - 1 df."""
    data, ref = _couple_case(name)
    means = data.groupby("couple_id")[["before", "after"]].mean()
    result = analyse_pairs(means["before"], means["after"], means.index, "pre", "post",
                           unit="couple_mean")
    expected = ref["t_on_couple_means"]
    assert result["n_pairs"] == ref["n_couples"]
    assert result["mean_change"] == pytest.approx(expected["mean_change"], abs=TOL)
    assert result["ci_low"] == pytest.approx(expected["ci_low"], abs=TOL)
    assert result["ci_high"] == pytest.approx(expected["ci_high"], abs=TOL)
    assert result["ci_df"] == pytest.approx(expected["df"], abs=1e-9)
    assert result["ci_method"] == CI_METHODS["couple_mean"]
    assert "independent" not in result["t_test"]["method"]


def test_nergenshuizen_course_change_counts_its_couples():
    """The demo's Table 3: 18 participants in 10 couples showed +2,9 (2,4 tot 3,5) over
    participants; counting couples the margin is 2,2 tot 3,7 (page 1's model: 2,3 tot 3,8)."""
    data, ref = _couple_case("demo_GM9999_course")
    result = analyse_pairs(data["before"], data["after"], data["couple_id"], "pre", "post")
    over_people = ref["t_over_participants"]
    assert (round(over_people["ci_low"], 1), round(over_people["ci_high"], 1)) == (2.4, 3.5)
    assert (result["n_pairs"], result["n_couples"]) == (18, 10)
    assert (round(result["ci_low"], 1), round(result["ci_high"], 1)) == (2.2, 3.7)


def test_hand_computed_interval_of_two_couples():
    # Changes 2, 3 (couple A) and 0 (couple B): mean 5/3, n = 3; the couples' sums of
    # deviations are 1/3 + 4/3 = 5/3 and -5/3. CR2 divides each squared sum by 1 - (couple
    # size / n) before the 1/n^2 of a mean:
    # Var = ((5/3)^2 / (1/3) + (5/3)^2 / (2/3)) / 9 = 25/27 + 25/54 = 25/18.
    # Two couples: one squared normal quantity, exactly 1 df.
    result = analyse_pairs([5.0, 6.0, 4.0], [7.0, 9.0, 4.0], ["A", "A", "B"], "pre", "post")
    half = stats.t.ppf(0.975, 1) * (25 / 18) ** 0.5
    assert result["mean_change"] == pytest.approx(5 / 3)
    assert result["se_change"] == pytest.approx((25 / 18) ** 0.5, abs=1e-12)
    assert result["ci_df"] == pytest.approx(1.0, rel=1e-12)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((5 / 3 - half, 5 / 3 + half))


def test_one_couple_has_a_change_but_no_interval_and_says_why():
    result = analyse_pairs([5.0, 6.0], [7.0, 9.0], ["K1", "K1"], "pre", "post")
    assert result["available"] is True and result["mean_change"] == 2.5
    assert result["ci_low"] is result["ci_high"] is result["ci_df"] is None
    assert result["se_change"] is None
    assert result["ci_method"] == NO_CI_FEWER_THAN_TWO_COUPLES
    json.dumps(result, allow_nan=False)


def test_unknown_unit_is_an_error():
    with pytest.raises(ValueError, match="unit must be one of participant, couple_mean"):
        analyse_pairs([5.0, 6.0], [7.0, 9.0], ["K1", "K2"], "pre", "post", unit="couple")


@pytest.mark.parametrize("name", DATASETS)
def test_wilcoxon_equals_r_defaults(name):
    result, ref, _ = _case(name)
    wilcoxon = result["wilcoxon"]
    assert wilcoxon["statistic_v"] == pytest.approx(ref["wilcoxon_v"], abs=TOL)
    assert wilcoxon["p_value"] == pytest.approx(ref["wilcoxon_p"], abs=TOL)
    assert wilcoxon["exact"] == ("exact" in ref["wilcoxon_method"])
    assert wilcoxon["correction"] == ("continuity correction" in ref["wilcoxon_method"])


def test_wilcoxon_drops_zeros_and_reports_them():
    _, _, data = _case("ties_zeros")
    result = wilcoxon_signed_rank(data["before"].to_numpy(), data["after"].to_numpy())
    change = data["after"] - data["before"]
    assert result["n_zeros"] == int((change == 0).sum()) > 0
    assert result["n_nonzero"] == int((change != 0).sum())
    assert result["ties"] and not result["exact"]


def test_wilcoxon_all_zero_is_unavailable():
    result = wilcoxon_signed_rank(np.array([3.0, 4.0]), np.array([3.0, 4.0]))
    assert result["available"] is False and result["p_value"] is None


@pytest.mark.parametrize("name", DATASETS)
def test_d_z_and_its_noncentral_ci_equal_r(name):
    result, ref, _ = _case(name)
    d_z = result["effect_sizes"]["d_z"]
    assert d_z["estimate"] == pytest.approx(ref["d_z"], abs=TOL)
    # R's pt(ncp=) warns that it may not reach full precision; 1e-6 is far below reporting.
    assert d_z["ci_low"] == pytest.approx(ref["d_z_ci_low"], abs=1e-6)
    assert d_z["ci_high"] == pytest.approx(ref["d_z_ci_high"], abs=1e-6)


@pytest.mark.parametrize("case", REFERENCE["noncentrality"], ids=lambda c: f"t={c['t']}")
def test_noncentrality_ci_at_awkward_values(case):
    low, high = noncentrality_ci(case["t"], case["df"])
    assert low == pytest.approx(case["ncp_low"], abs=1e-6)
    assert high == pytest.approx(case["ncp_high"], abs=1e-6)


@pytest.mark.parametrize("name", DATASETS)
def test_d_av_and_g_av_follow_their_documented_formulas(name):
    result, ref, data = _case(name)
    sd_av = (ref["before"]["sd"] + ref["after"]["sd"]) / 2
    sd_change = (data["after"] - data["before"]).std(ddof=1)
    sizes = result["effect_sizes"]
    assert sizes["d_av"]["estimate"] == pytest.approx(ref["mean_change"] / sd_av, abs=TOL)
    assert sizes["d_av"]["ci_low"] == pytest.approx(ref["d_z_ci_low"] * sd_change / sd_av, abs=1e-6)
    j = hedges_correction(ref["n"] - 1)
    assert sizes["g_av"]["estimate"] == pytest.approx(sizes["d_av"]["estimate"] * j, abs=TOL)
    assert sizes["g_av"]["ci_high"] == pytest.approx(sizes["d_av"]["ci_high"] * j, abs=TOL)
    headline = result["headline_effect_size"]
    assert headline["name"] == "g_av" and headline["reason"]
    assert headline["estimate"] == sizes["g_av"]["estimate"]


def test_lakens_2013_published_movie_example():
    # Lakens (2013), Front. Psychol. 4:863: d_z = 1.50, d_av = 1.13, t(9) = 4.74.
    _, _, data = _case("lakens_movie")
    # Lakens' direction: movie 1 minus movie 2 (= before - after here).
    sizes = effect_sizes(data["after"].to_numpy(), data["before"].to_numpy())
    assert sizes["d_z"]["estimate"] == pytest.approx(1.50, abs=0.005)
    assert sizes["d_av"]["estimate"] == pytest.approx(1.13, abs=0.005)


def test_hedges_correction_against_table_and_approximation():
    # Hedges & Olkin (1985) Table 2: J(10) = 0.9227, J(2) = 0.5642.
    assert hedges_correction(10) == pytest.approx(0.9227, abs=1e-4)
    assert hedges_correction(2) == pytest.approx(0.5642, abs=1e-4)
    for df in range(5, 101):
        assert abs(hedges_correction(df) - (1 - 3 / (4 * df - 1))) < 2e-3


def test_fewer_than_two_pairs_is_unavailable():
    result = analyse_pairs([5.0], [7.0], ["C1"], "pre", "post")
    assert result["available"] is False and result["n_pairs"] == 1


def test_constant_change_gives_no_t_and_no_d_z():
    result = analyse_pairs([5.0, 6.0, 7.0], [6.0, 7.0, 8.0], ["C1", "C1", "C2"], "pre", "post")
    assert result["t_test"]["t"] is None and result["t_test"]["p_value"] is None
    assert result["effect_sizes"]["d_z"]["estimate"] is None
    assert result["mean_change"] == 1.0 and result["n_couples"] == 2
    assert math.isfinite(result["effect_sizes"]["d_av"]["estimate"])
    json.dumps(result, allow_nan=False)


def test_two_pairs_have_no_hedges_correction():
    # J(1) involves Γ(0): g_av must be null, not 0.
    assert hedges_correction(1) is None
    result = analyse_pairs([3.0, 5.0], [6.0, 7.0], ["C1", "C2"], "pre", "post")
    assert result["effect_sizes"]["g_av"]["estimate"] is None
    assert result["headline_effect_size"]["estimate"] is None
    # SDs: before (3, 5) sqrt(2), after (6, 7) sqrt(0.5); mean change 2.5.
    sd_av = (2**0.5 + 0.5**0.5) / 2
    assert result["effect_sizes"]["d_av"]["estimate"] == pytest.approx(2.5 / sd_av)
