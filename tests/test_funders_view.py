"""The overview's funnel (one threshold, Spiegelhalter limits, overdispersion, effective n) and
the trend of the course change across years, against R and hand-derived references."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samen_sterker.config import load_config
from samen_sterker.simulate import SimulationParameters, simulate_measurements
from samen_sterker.stats.change_trend import slope
from samen_sterker.stats.funnel import (
    couple_icc,
    funnel_for_year,
    interpolated_limit,
    overdispersion,
)
from samen_sterker.stats.outcome import timepoint_roles
from samen_sterker.stats.participation import wide_scores
from samen_sterker.stats.pooled import analyse_year

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = json.loads((ROOT / "tests/fixtures/reference/funnel/reference.json").read_text())


@pytest.mark.parametrize("row", REFERENCE["limits"], ids=lambda r: f"{r['n']}-{r['share']}")
def test_interpolated_limits_equal_r(row):
    ours = interpolated_limit(row["n"], row["share"], row["prob"])
    assert ours == pytest.approx(row["limit"], abs=1e-12)


def test_overdispersion_equals_r():
    ref = REFERENCE["overdispersion"]
    points = [{"n_effective": n, "share": y} for n, y in zip(ref["n"], ref["share_points"])]
    ours = overdispersion(points, ref["share"])
    assert ours["phi"] == pytest.approx(ref["phi"], rel=1e-12)
    assert ours["p"] == pytest.approx(ref["p"], rel=1e-10)
    assert ours["tau2"] == pytest.approx(ref["tau2"], rel=1e-10)
    assert ours["overdispersed"] is (ref["p"] < 0.05)


def test_couple_icc_equals_r_anova():
    ref = REFERENCE["icc"]
    ours = couple_icc(np.array(ref["improved"]), np.array(ref["couple"]))
    assert ours == pytest.approx(ref["icc"], rel=1e-12)


@pytest.fixture(scope="module")
def overview():
    config = load_config(ROOT / "config" / "config.yaml")
    params = SimulationParameters.scaled(8, 7, years=(2022, 2023, 2024))
    data = simulate_measurements(params, 5)
    return data, config, analyse_year(data, config, 2024)


def test_funnel_uses_one_threshold_for_every_municipality(overview):
    data, config, result = overview
    roles = timepoint_roles(config)
    block = result["outcomes"]["couple_satisfaction"]
    # The common-threshold funnel is computed here directly: the overview publishes the
    # funnel of the audited reliable-change counts until these counts go through the
    # disclosure decisions too (docs/privacy.md).
    funnel = funnel_for_year(
        data[data["year"] == 2024], "couple_satisfaction", roles, block["reliable_change"],
        result["municipalities"], True,
    )
    year = data[(data["year"] == 2024) & (data["outcome"] == "couple_satisfaction")]
    # Independent: SD at baseline of the pooled year, S_diff = sqrt(2) SD sqrt(1 - r_xx).
    reliability = config["outcomes"]["couple_satisfaction"]["reliability"]["value"]
    sd = year[year["timepoint"] == "pre"]["value"].std(ddof=1)
    s_diff = np.sqrt(2) * sd * np.sqrt(1 - reliability)
    assert funnel["threshold"]["se_difference"] == pytest.approx(s_diff, rel=1e-12)
    wide = wide_scores(year, roles["order"]).dropna(subset=["pre", "post"])
    wide["code"] = wide["couple_id"].str[:6]
    improved = ((wide["post"] - wide["pre"]) / s_diff > 1.96).groupby(wide["code"]).sum()
    for point in funnel["points"]:
        assert point["improved"] == improved[point["municipality_code"]]
        assert point["n_effective"] <= point["n"]
    assert funnel["pooled_share"] == pytest.approx(improved.sum() / len(wide))
    assert funnel["overdispersion"]["available"] is True


def test_year_model_replaces_the_fixed_effects_model_from_five_municipalities(overview):
    _, _, result = overview
    block = result["outcomes"]["relationship_rating"]
    assert block["year_model"]["available"] is True
    assert block["year_model"]["n_municipalities"] == 8
    assert block["pooled_model"]["available"] is False
    codes = [row["municipality_code"] for row in block["year_model"]["municipalities"]]
    assert codes == sorted(m["municipality_code"] for m in result["municipalities"])


def test_trend_slope_is_the_weighted_regression(overview):
    data, _, result = overview
    trend = result["outcomes"]["relationship_rating"]["change_trend"]
    assert trend["available"] and trend["pooled"]["available"]
    assert trend["pooled"]["years"] == [2022, 2023, 2024]
    # The slope's inputs are the points of the trend chart.
    rows = result["trend"]["pooled"]["relationship_rating"]
    assert [r["year"] for r in rows] == [2022, 2023, 2024]
    # Independent: weighted least squares through numpy's lstsq on sqrt(w)-scaled data.
    x = np.array([r["year"] for r in rows], float)
    y = np.array([r["mean_change"] for r in rows])
    w = 1 / np.array([r["se"] for r in rows]) ** 2
    design = np.column_stack([np.ones(3), x - 2023]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)
    cov = np.linalg.inv(design.T @ design)
    assert trend["pooled"]["change_per_year"] == pytest.approx(coef[1], rel=1e-9)
    assert trend["pooled"]["se"] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-9)
    # Municipal rows: the couple-mean change of that municipality and year, by hand.
    first = trend["municipalities"][0]
    code = first["municipality_code"]
    own = data[(data["municipality_code"] == code) & (data["year"] == 2022)
               & (data["outcome"] == "relationship_rating")]
    wide = own.pivot_table(index=["couple_id", "participant_id"], columns="timepoint",
                           values="value").dropna(subset=["pre", "post"])
    means = wide.groupby(level="couple_id")[["pre", "post"]].mean()
    change = means["post"] - means["pre"]
    point = result["trend"]["by_municipality"][code]["relationship_rating"][0]
    assert point["source"] == "couple_means" and point["n_couples"] == len(change)
    assert point["mean_change"] == pytest.approx(change.mean(), rel=1e-12)
    assert point["se"] == pytest.approx(change.std(ddof=1) / np.sqrt(len(change)), rel=1e-12)


def test_pooled_trend_points_are_each_years_year_model(overview):
    """From five municipalities a year's pooled point is the pooled change its own overview
    publishes (year_model.pooled_change), over that year's published groups."""
    data, config, result = overview
    rows = result["trend"]["pooled"]["relationship_rating"]
    assert {r["source"] for r in rows} == {"year_model"}
    earlier = analyse_year(data[data["year"] <= 2022], config, 2022)
    for row, published in ((rows[0], earlier), (rows[-1], result)):
        change = published["outcomes"]["relationship_rating"]["year_model"]["pooled_change"]
        for key in ("se", "df", "ci_low", "ci_high"):
            assert row[key] == pytest.approx(change[key], rel=1e-9)
        assert row["mean_change"] == pytest.approx(change["estimate"], rel=1e-9)


def test_two_years_give_the_difference_of_the_changes():
    out = slope([2023, 2024], [2.0, 2.5], [0.3, 0.4])
    assert out["change_per_year"] == pytest.approx(0.5)
    assert out["se"] == pytest.approx(np.hypot(0.3, 0.4))


def test_one_year_has_no_trend(overview):
    data, config, _ = overview
    only = data[data["year"] == 2024]
    result = analyse_year(only, config, 2024)
    assert result["outcomes"]["relationship_rating"]["change_trend"]["available"] is False
    # The year model needs one year only.
    assert result["outcomes"]["relationship_rating"]["year_model"]["available"] is True


def test_every_key_of_the_funders_view_is_documented(overview):
    from tests.test_analyse import documented_keys, emitted_keys

    _, _, result = overview
    undocumented = emitted_keys(result) - documented_keys()
    assert not undocumented, f"keys missing from docs/stats-json.md: {sorted(undocumented)}"


def test_year_model_table_has_one_row_per_published_municipality(overview):
    from samen_sterker.stats.output import tidy_tables

    _, _, result = overview
    table = tidy_tables(result)["year_model"]
    for outcome, block in result["outcomes"].items():
        rows = table[table["outcome"] == outcome].set_index("municipality_code")
        published = block["year_model"]["municipalities"]
        assert list(rows.index) == [row["municipality_code"] for row in published]
        for row in published:
            line = rows.loc[row["municipality_code"]]
            assert line["raw_estimate"] == row["raw_change"]["estimate"]
            assert line["pooled_estimate"] == row["pooled_change"]["estimate"]
            assert (line["pooled_ci_low"], line["pooled_ci_high"]) == (
                row["pooled_change"]["ci_low"], row["pooled_change"]["ci_high"])
            assert (line["rank_low"], line["rank_high"]) == (
                row["rank"]["low"], row["rank"]["high"])

