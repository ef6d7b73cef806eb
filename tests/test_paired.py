"""Paired analysis against R (t.test, wilcox.test, pt with ncp) and Lakens (2013)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samen_sterker.stats.paired import (
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


def _case(name):
    data = PAIRS[PAIRS["dataset"] == name]
    result = analyse_pairs(data["before"], data["after"], data["couple"], "pre", "post")
    return result, REFERENCE["paired"][name], data


@pytest.mark.parametrize("name", DATASETS)
def test_t_test_and_change_equal_r(name):
    result, ref, _ = _case(name)
    assert result["n_pairs"] == ref["n"]
    assert result["mean_change"] == pytest.approx(ref["mean_change"], abs=TOL)
    assert result["ci_low"] == pytest.approx(ref["ci_low"], abs=TOL)
    assert result["ci_high"] == pytest.approx(ref["ci_high"], abs=TOL)
    assert result["t_test"]["t"] == pytest.approx(ref["t"], abs=TOL)
    assert result["t_test"]["df"] == ref["df"]
    assert result["t_test"]["p_value"] == pytest.approx(ref["p_value"], abs=TOL)


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
