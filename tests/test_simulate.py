"""The seeded simulator: the committed demo exports are its output, and it simulates the model
its docstring states (checked against the model's own theoretical moments)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from samen_sterker.canonical import MEASUREMENT_COLUMNS
from samen_sterker.simulate import (
    DEMO_PARAMETERS,
    DEMO_SEED,
    SimulationParameters,
    change_correlation,
    demo_truth,
    simulate_measurements,
    simulate_responses,
    write_demo_cohort,
)


def test_committed_demo_exports_are_the_simulators_output(repo, tmp_path):
    written = write_demo_cohort(tmp_path)
    assert len(written) == 6
    for path in written:
        committed = repo / "data" / "raw" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), committed.name


def test_demo_cohort_mirrors_the_seed_article():
    truth = demo_truth()
    assert list(truth.columns) == MEASUREMENT_COLUMNS
    assert truth["participant_id"].nunique() == 39
    assert truth["municipality_code"].nunique() == 2
    assert set(truth["year"]) == {2024}
    partners = truth.groupby("couple_id")["participant_id"].nunique()
    assert (partners == 1).sum() >= 1 and (partners == 2).sum() >= 15
    ratings = truth[truth["outcome"] == "relationship_rating"]
    means = ratings.groupby("timepoint")["value"].mean()
    assert abs(means["pre"] - 5) <= 0.15 and abs(means["post"] - 8) <= 0.15
    assert ratings["value"].between(1, 10).all()
    assert (ratings["value"] == ratings["value"].round()).all()
    with_pre = set(ratings.loc[ratings["timepoint"] == "pre", "participant_id"])
    with_post = set(ratings.loc[ratings["timepoint"] == "post", "participant_id"])
    assert with_post < with_pre and 2 <= len(with_pre - with_post) <= 8
    csi = truth[truth["outcome"] == "couple_satisfaction"]
    assert csi["value"].between(0, 21).all()


def test_same_seed_same_cohort_other_seed_other_cohort():
    first = simulate_measurements(DEMO_PARAMETERS, DEMO_SEED)
    again = simulate_measurements(DEMO_PARAMETERS, DEMO_SEED)
    other = simulate_measurements(DEMO_PARAMETERS, DEMO_SEED + 1)
    pd.testing.assert_frame_equal(first, again)
    assert not first["value"].equals(other["value"])


def test_scaled_parameters_set_the_sizes():
    params = SimulationParameters.scaled(5, 12, years=(2023, 2024), attrition={})
    data = simulate_measurements(params, 7)
    assert data["municipality_code"].nunique() == 5
    assert sorted(data["year"].unique()) == [2023, 2024]
    per_group = data.groupby(["year", "municipality_code"])["couple_id"].nunique()
    assert (per_group == 12).all()


def test_unrounded_cohort_has_the_models_moments():
    """Large unrounded cohort: mean change = effect, partner correlation = theoretical ICC."""
    params = SimulationParameters.scaled(
        1, 4000, course_effect=2.0, attrition={}, round_ratings=False,
        sd_couple=1.0, sd_partner=0.7, sd_change=0.6, sd_residual=0.8)
    responses = simulate_responses(params, 11)
    wide = responses.pivot_table(index=["couple_code", "partner"], columns="timepoint",
                                 values="rating")
    assert wide["post"].sub(wide["pre"]).mean() == pytest.approx(2.0, abs=0.05)
    # Change SD: own change and two residuals.
    assert wide["post"].sub(wide["pre"]).std() == pytest.approx(
        np.sqrt(0.6**2 + 2 * 0.8**2), rel=0.04)
    pre = wide["pre"].unstack("partner").dropna()
    icc = 1.0 / (1.0 + 0.7**2 + 0.8**2)
    assert np.corrcoef(pre["A"], pre["B"])[0, 1] == pytest.approx(icc, abs=0.04)


@pytest.mark.parametrize("sd_shared", [0.0, 1.0])
def test_shared_change_gives_the_within_couple_change_correlation(sd_shared):
    """Large unrounded cohort: partners' change scores correlate as change_correlation says."""
    params = SimulationParameters.scaled(
        1, 4000, course_effect=2.0, attrition={}, round_ratings=False,
        sd_shared_change=sd_shared)
    responses = simulate_responses(params, 12)
    wide = responses.pivot_table(index=["couple_code", "partner"], columns="timepoint",
                                 values="rating")
    change = wide["post"].sub(wide["pre"]).unstack("partner").dropna()
    expected = change_correlation(params)
    assert expected == pytest.approx(sd_shared**2 / (sd_shared**2 + 0.6**2 + 2 * 0.8**2))
    assert np.corrcoef(change["A"], change["B"])[0, 1] == pytest.approx(expected, abs=0.04)
    # The mean change stays the course effect: shared change has mean 0.
    assert change.stack().mean() == pytest.approx(2.0, abs=0.06)


def _wide_ratings(params, seed):
    from samen_sterker.simulate import simulate_responses

    responses = simulate_responses(params, seed)
    return responses.pivot_table(
        index=["municipality_code", "couple_code", "partner"], columns="timepoint",
        values="rating",
    )


def test_dropout_not_at_random_loses_those_who_changed_least():
    from samen_sterker.simulate import SimulationParameters

    base = SimulationParameters.scaled(4, 150, round_ratings=False, sd_change=1.0,
                                       attrition={"post": 0.3})
    mnar = dataclasses.replace(base, mnar_post_slope=-1.5)
    completers_change = {}
    for name, params in (("mcar", base), ("mnar", mnar)):
        wide = _wide_ratings(params, 5)
        completers_change[name] = float((wide["post"] - wide["pre"]).mean())
        missing = wide["post"].isna().mean()
        assert 0.2 < missing < 0.4, (name, missing)
    # Same latent truth (course effect 3.0): only who answers post differs.
    assert completers_change["mcar"] == pytest.approx(3.0, abs=0.12)
    assert completers_change["mnar"] > completers_change["mcar"] + 0.25


def test_selection_on_low_scores_regresses_to_the_mean():
    from samen_sterker.simulate import SimulationParameters

    params = SimulationParameters.scaled(4, 150, round_ratings=False, enrol_below=4.5,
                                         attrition={"post": 0.0})
    wide = _wide_ratings(params, 6)
    couple_pre = wide["pre"].groupby(level=["municipality_code", "couple_code"]).mean()
    assert (couple_pre < 4.5).all()
    # True course effect 3.0; observed change is larger because enrolment chose low pre
    # scores, whose measurement error does not repeat at post. Normal theory: the couple's
    # mean pre score has variance 1 + (0.7² + 0.8²) / 2, of which the residual part 0.8² / 2
    # regresses; truncation below 4.5 (0.5 under the mean) shifts it by -sd·φ(z)/Φ(z).
    from scipy.stats import norm

    sd = (1 + (0.7**2 + 0.8**2) / 2) ** 0.5
    z = -0.5 / sd
    shift = -sd * norm.pdf(z) / norm.cdf(z)
    regression = (0.8**2 / 2) / sd**2 * -shift
    assert regression > 0.2
    assert float((wide["post"] - wide["pre"]).mean()) == pytest.approx(3.0 + regression, abs=0.1)


def test_a_threshold_no_couple_meets_stops_with_an_error():
    from samen_sterker.simulate import SimulationParameters, simulate_responses

    params = SimulationParameters.scaled(1, 2, enrol_below=0.5)  # ratings are 1-10
    with pytest.raises(ValueError, match="enrol_below=0.5: no couple enrolled"):
        simulate_responses(params, 1)


def test_skewed_municipal_changes_have_the_stated_mean_sd_and_skewness():
    # Centred gamma(shape 2) scaled to SD 0.4: mean 0, SD 0.4, skewness 2 / sqrt(2) (theory).
    import numpy as np
    import scipy.stats

    from samen_sterker.simulate_year import _change_shifts

    draws = _change_shifts(np.random.default_rng(3), "skewed", 0.4, 400_000)
    assert abs(draws.mean()) < 0.004
    assert draws.std() == pytest.approx(0.4, rel=0.01)
    assert scipy.stats.skew(draws) == pytest.approx(np.sqrt(2), abs=0.05)
    with pytest.raises(ValueError, match="unknown"):
        _change_shifts(np.random.default_rng(3), "uniform", 0.4, 3)
