"""The headline change: its source, the reading of its interval and its precision."""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy import stats

from samen_sterker.config import load_config
from samen_sterker.simulate import DEMO_PARAMETERS, RATING, simulate_measurements
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.change import (
    READINGS,
    headline_change,
    interval_reading,
    minimal_detectable_effect,
)
from samen_sterker.stats.outcome import smallest_effect_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("low", "high", "reading"),
    [
        (0.6, 1.4, "better_beyond_sesoi"),
        (0.5, 1.4, "better_size_unclear"),  # touching the SESOI is not beyond it
        (0.1, 0.9, "better_size_unclear"),
        (0.1, 0.4, "better_below_sesoi"),
        (0.0, 0.4, "no_change_within_sesoi"),  # touching 0 is no clear change
        (-0.3, 0.4, "no_change_within_sesoi"),
        (-0.3, 0.7, "unclear"),
        (-1.2, 0.2, "unclear"),
        (-0.4, -0.1, "worse_below_sesoi"),
        (-0.9, -0.1, "worse_size_unclear"),
        (-1.3, -0.6, "worse_beyond_sesoi"),
    ],
)
def test_interval_reading_against_zero_and_sesoi(low, high, reading):
    assert interval_reading(low, high, 0.5) == reading
    # Lower is better: the same interval mirrored reads the same.
    assert interval_reading(-high, -low, 0.5, higher_is_better=False) == reading
    assert reading in READINGS


@pytest.mark.parametrize(
    ("low", "high", "reading"), [(0.1, 2.0, "better"), (-0.1, 2.0, "unclear"), (-2, -0.1, "worse")]
)
def test_interval_reading_without_sesoi_uses_zero_only(low, high, reading):
    assert interval_reading(low, high, None) == reading


def test_nonpositive_sesoi_is_an_error():
    with pytest.raises(ValueError, match="positive"):
        interval_reading(0.1, 0.2, 0.0)


@pytest.mark.parametrize(("se", "df"), [(0.25, 31.5), (0.1, 200.0), (0.4, 8.0)])
def test_minimal_detectable_effect_has_80_percent_power(se, df):
    # Independent check by the noncentral t: a true change of the MDE is detected (two-sided
    # alpha .05) with power 0.80, up to the approximation's neglect of the far tail and of
    # the noncentral shape (within 0.01 from df 8 on).
    mde = minimal_detectable_effect(se, df)
    critical = stats.t.ppf(0.975, df)
    ncp = mde / se
    power = stats.nct.sf(critical, df, ncp) + stats.nct.cdf(-critical, df, ncp)
    assert power == pytest.approx(0.80, abs=0.01)


MODEL = {
    "available": True,
    "contrasts": {
        "post": {
            "vs": "pre",
            "estimate": 1.2,
            "se": 0.25,
            "df": 30.0,
            "t": 4.8,
            "p": 4e-5,
            "ci_low": 0.69,
            "ci_high": 1.71,
        }
    },
}
COUPLE_MEANS = {
    "available": True,
    "mean_change": 1.1,
    "se_change": 0.3,
    "ci_low": 0.47,
    "ci_high": 1.73,
    "t_test": {"t": 3.67, "df": 19.0, "p_value": 0.0016},
}


def test_headline_comes_from_the_primary_model():
    result = headline_change(MODEL, COUPLE_MEANS, "post", 0.5, True)
    assert result["source"] == "mixed_model"
    assert (result["estimate"], result["ci_low"], result["ci_high"]) == (1.2, 0.69, 1.71)
    assert result["interval_reading"] == "better_beyond_sesoi"
    assert result["checks"] == {"paired_t": "paired.course", "couple_mean_t": "couple_means.course"}


def test_headline_falls_back_to_couple_means_when_the_model_is_unavailable():
    result = headline_change({"available": False, "reason": "x"}, COUPLE_MEANS, "post", 0.5, True)
    assert result["source"] == "couple_means"
    assert result["df"] == 19.0 and result["ci_low"] == 0.47
    assert result["interval_reading"] == "better_size_unclear"


def test_headline_unavailable_without_either():
    result = headline_change({"available": False}, {"available": False}, "post", 0.5, True)
    assert result["available"] is False and "reason" in result


def test_sesoi_is_configured_for_the_primary_outcome_only():
    config = load_config(ROOT / "config" / "config.yaml")
    assert smallest_effect_of(config, "relationship_rating") == 0.5
    assert smallest_effect_of(config, "couple_satisfaction") is None
    assert (
        smallest_effect_of({**config, "smallest_effect_of_interest": None}, "relationship_rating")
        is None
    )


def test_demo_headline_is_the_primary_model_contrast():
    config = load_config(ROOT / "config" / "config.yaml")
    data = simulate_measurements(DEMO_PARAMETERS, 1)
    result = analyse_group(data, config, 2024, "GM9999")["outcomes"]["relationship_rating"]
    # Fitted on baseline and course end only (course_model), not on every occasion.
    headline, contrast = result["headline_change"], result["course_model"]["contrasts"]["post"]
    assert list(result["course_model"]["contrasts"]) == ["post"]
    rating = data[(data["municipality_code"] == "GM9999") & (data["outcome"] == RATING)]
    at_course = rating["timepoint"].isin(["pre", "post"]).sum()
    assert result["course_model"]["n_observations"] == at_course < len(rating)
    assert headline["source"] == "mixed_model"
    for key in ("estimate", "se", "df", "ci_low", "ci_high", "p"):
        assert headline[key] == contrast[key]
    assert headline["smallest_effect_of_interest"] == 0.5
    assert headline["interval_reading"] == interval_reading(
        contrast["ci_low"], contrast["ci_high"], 0.5
    )
