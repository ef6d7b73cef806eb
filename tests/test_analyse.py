"""The assembled stats JSON: complete, documented, JSON-safe, reproducible, privacy-aware."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samen_sterker.config import load_config
from samen_sterker.simulate import (
    DEMO_PARAMETERS,
    MunicipalitySpec,
    SimulationParameters,
    simulate_measurements,
)
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.output import read_measurements, tidy_tables, write_stats
from samen_sterker.stats.pooled import analyse_year
from samen_sterker.targets import MUNICIPAL_TABLES

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "stats-json.md"
REFERENCE = json.loads(
    (ROOT / "tests" / "fixtures" / "reference" / "paired" / "reference.json").read_text(
        encoding="utf-8"
    )
)
# Objects whose keys are data (outcome names, timepoints, municipality codes), not names.
DYNAMIC = {
    "outcomes",
    "descriptives",
    "by_timepoint",
    "measurements_per_timepoint",
    "follow_up",
    "pooled",
    "by_outcome",
    "by_municipality",
}
# Passed through from samen_sterker.stats.mixed; documented with that module.
PASSED_THROUGH = {"mixed_model", "course_model", "pooled_model"}


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="module")
def demo():
    return simulate_measurements(DEMO_PARAMETERS, 1)


@pytest.fixture(scope="module")
def two_years():
    params = SimulationParameters(municipalities=DEMO_PARAMETERS.municipalities, years=(2023, 2024))
    return simulate_measurements(params, 7)


@pytest.fixture(scope="module")
def group(demo, config):
    return analyse_group(demo, config, 2024, "GM9999")


@pytest.fixture(scope="module")
def overview(two_years, config):
    return analyse_year(two_years, config, 2024)


def documented_keys() -> set[str]:
    """Every backticked name in the first column of a table of docs/stats-json.md."""
    keys = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith("| key"):
            keys |= set(re.findall(r"`([a-z_0-9]+)`", line.split(" | ")[0]))
    return keys


def emitted_keys(obj, parent: str = "") -> set[str]:
    keys = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            # Children of a municipality code (trend.by_municipality) are outcome names.
            if parent not in DYNAMIC and not re.fullmatch(r"GM\d{4}", parent):
                keys.add(key)
            if key not in PASSED_THROUGH:
                keys |= emitted_keys(value, key)
    elif isinstance(obj, list):
        for item in obj:
            keys |= emitted_keys(item, parent)
    return keys


def test_every_emitted_key_is_documented(group, overview):
    undocumented = (emitted_keys(group) | emitted_keys(overview)) - documented_keys()
    assert not undocumented, f"keys missing from docs/stats-json.md: {sorted(undocumented)}"


def test_json_safe_and_reproducible(demo, config, group):
    text = json.dumps(group, sort_keys=True, allow_nan=False)
    again = json.dumps(analyse_group(demo, config, 2024, "GM9999"), sort_keys=True)
    assert text == again


def test_no_participant_or_couple_code_in_output(demo, group, overview):
    text = json.dumps(group) + json.dumps(overview)
    codes = set(demo["participant_id"]) | set(demo["couple_id"])
    assert not [code for code in codes if code in text]


def test_group_numbers_agree_with_independent_computation(demo, config, group):
    data = demo[
        (demo["municipality_code"] == "GM9999") & (demo["outcome"] == "relationship_rating")
    ]
    wide = data.pivot(index="participant_id", columns="timepoint", values="value")
    block = group["outcomes"]["relationship_rating"]
    # Descriptives use every measurement at a timepoint.
    assert block["descriptives"]["pre"]["n"] == wide["pre"].notna().sum()
    assert block["descriptives"]["pre"]["mean"] == pytest.approx(wide["pre"].mean(), abs=1e-12)
    # ... and their interval counts couples: 21 partners in 11 couples here.
    assert block["descriptives"]["pre"]["n_couples"] == data[data.timepoint == "pre"][
        "couple_id"].nunique()
    complete = wide.dropna(subset=["pre", "post"])
    course = block["paired"]["course"]
    assert course["n_pairs"] == len(complete)
    assert course["mean_change"] == pytest.approx((complete["post"] - complete["pre"]).mean())
    # The couple-mean check has one unit per couple with a complete pair.
    couples = data[data["participant_id"].isin(complete.index)]["couple_id"].nunique()
    assert block["couple_means"]["course"]["n_pairs"] == couples
    assert block["participation"]["complete_pairs"] == len(complete)
    # No reliability for the single 1-10 item: said so, not invented.
    assert block["reliable_change"]["available"] is False
    assert group["outcomes"]["couple_satisfaction"]["reliable_change"]["available"] is True
    citation = config["outcomes"]["couple_satisfaction"]["reliability"]["citation"]
    assert (
        group["outcomes"]["couple_satisfaction"]["reliable_change"]["reliability"]["citation"]
        == citation.strip()
    )


def test_waiting_period_where_intake_exists(demo, config, group):
    other = analyse_group(demo, config, 2024, "GM9998")
    assert other["outcomes"]["relationship_rating"]["paired"]["waiting_period"]["available"]
    assert not group["outcomes"]["relationship_rating"]["paired"]["waiting_period"]["available"]
    assert "followup" in group["outcomes"]["relationship_rating"]["paired"]["follow_up"]


def test_small_municipality_shows_no_numbers_and_the_other_keeps_its_report(demo, config):
    # Keep four couples of one municipality: below 10 respondents and 5 couples.
    keep = sorted(demo.loc[demo["municipality_code"] == "GM9999", "couple_id"].unique())[:4]
    small = demo[(demo["municipality_code"] != "GM9999") | demo["couple_id"].isin(keep)]
    result = analyse_group(small, config, 2024, "GM9999")
    assert result["publication"]["suppressed"] is True
    assert "baseline:fewer_respondents_than_min" in result["publication"]["reasons"]
    # Not one statistic or count of it is written (results/stats/ is publishable).
    for block in result["outcomes"].values():
        assert block["withheld"] is True
        assert not {"participation", "descriptives", "paired", "reliable_change"} & set(block)
    pooled = analyse_year(small, config, 2024)
    entries = {e["municipality_code"]: e for e in pooled["municipalities"]}
    assert entries["GM9999"]["suppression"] == "primary"
    assert entries["GM9999"]["group"] is None
    # The other municipality meets the thresholds: it keeps its report and its row ...
    assert entries["GM9998"]["suppressed"] is False
    other = analyse_group(small, config, 2024, "GM9998")
    assert other["publication"]["suppressed"] is False
    # ... and the pooled figures are its own: nothing of GM9999 is in them.
    rating = pooled["outcomes"]["relationship_rating"]
    own = other["outcomes"]["relationship_rating"]
    assert rating["participation"] == own["participation"]
    assert rating["paired"]["course"]["mean_change"] == own["paired"]["course"]["mean_change"]
    # The overview says from how many municipalities participants are in no published group,
    # never how many participants: from one municipality, that would be its count.
    assert "unshown_participants" not in pooled["publication"]
    assert pooled["publication"]["unshown_municipalities"] == 1


def test_overview_pooled_counts_and_comparison(two_years, overview):
    this_year = two_years[two_years["year"] == 2024]
    rating = overview["outcomes"]["relationship_rating"]
    assert rating["participation"]["participants"] == this_year["participant_id"].nunique()
    rows = rating["comparison"]
    # No municipality is withheld here, so the pooled groups are all of them.
    assert sum(r["participants"] for r in rows) == rating["participation"]["participants"]
    assert [r["municipality_code"] for r in rows] == ["GM9998", "GM9999"]
    assert rating["funnel"]["available"] is False
    assert overview["cost"]["total_cost"] == pytest.approx(
        450 * rating["participation"]["participants_at_baseline"]
    )


def test_funnel_limits_equal_r_qbinom():
    from samen_sterker.stats.funnel import funnel_data

    ref = REFERENCE["funnel"]
    # 37 of 100 improved -> pooled share 0.37, n up to 40.
    points = [
        {"municipality_code": "GM0001", "n": 40, "improved": 15},
        {"municipality_code": "GM0002", "n": 60, "improved": 22},
    ]
    result = funnel_data(points)
    assert result["pooled_share"] == pytest.approx(0.37)
    for mine, theirs in zip(result["limits"], ref["limits"], strict=False):
        assert mine["n"] == theirs["n"]
        for key in ("lower_95", "upper_95", "lower_998", "upper_998"):
            assert mine[key] == pytest.approx(theirs[key], abs=1e-12), (mine["n"], key)


def test_overview_funnel_for_outcome_with_reliability(overview):
    block = overview["outcomes"]["couple_satisfaction"]
    funnel = block["funnel"]
    # A point is a municipality whose improved count is shown exactly, nothing else: its
    # share and n give that count.
    exact = {
        r["municipality_code"]: r["reliably_improved"]["count"]
        for r in block["comparison"]
        if r.get("reliably_improved") and r["reliably_improved"]["count"] is not None
    }
    points = {p["municipality_code"]: p["improved"] for p in funnel.get("points", [])}
    assert points == exact
    if funnel["available"]:
        assert funnel["n_total"] == sum(p["n"] for p in funnel["points"])


def test_trend_over_years(overview, two_years, config):
    trend = overview["trend"]
    assert trend["available"] and trend["years"] == [2023, 2024]
    rows = trend["pooled"]["relationship_rating"]
    assert [r["year"] for r in rows] == [2023, 2024]
    only_2023 = analyse_year(two_years, config, 2023)
    assert only_2023["trend"]["available"] is False
    # Each year's point repeats that year's published couple-level change: with two
    # municipalities (no year model) the couple-mean change of its overview.
    course_2023 = only_2023["outcomes"]["relationship_rating"]["couple_means"]["course"]
    assert rows[0]["source"] == "couple_means"
    for key, published in (("mean_change", "mean_change"), ("se", "se_change"),
                           ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        assert rows[0][key] == course_2023[published]


def test_written_files_and_tables(tmp_path, demo, config, group):
    csv = tmp_path / "measurements.csv"
    demo.to_csv(csv, index=False)
    measurements = read_measurements(csv)
    result = analyse_group(measurements, config, 2024, "GM9999")
    tables = [tmp_path / "x" / f"{name}.csv" for name in MUNICIPAL_TABLES]
    write_stats(result, tmp_path / "x.json", tables)
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(group)
    )
    for name in ("headline_change", "descriptives", "paired", "reliable_change", "mixed_model"):
        assert (tmp_path / "x" / f"{name}.csv").stat().st_size > 0
    # One cohort year: no trend rows, but the file exists (a missing file means a killed job).
    assert (tmp_path / "x" / "trend.csv").read_text(encoding="utf-8") == ""
    descriptives = pd.read_csv(tmp_path / "x" / "descriptives.csv")
    row = descriptives[
        (descriptives.outcome == "relationship_rating") & (descriptives.timepoint == "pre")
    ]
    values = demo[
        (demo.municipality_code == "GM9999")
        & (demo.outcome == "relationship_rating")
        & (demo.timepoint == "pre")
    ]["value"]
    assert row["mean"].iloc[0] == pytest.approx(values.mean())
    assert set(tidy_tables(group)) == {
        "headline_change", "descriptives", "paired", "reliable_change", "mixed_model"
    }
    headline = pd.read_csv(tmp_path / "x" / "headline_change.csv")
    primary = group["outcomes"]["relationship_rating"]["headline_change"]
    row = headline[headline.outcome == "relationship_rating"].iloc[0]
    assert row["estimate"] == pytest.approx(primary["estimate"])
    assert row["interval_reading"] == primary["interval_reading"]


def test_bad_measurements_name_row_and_column(tmp_path):
    csv = tmp_path / "measurements.csv"
    csv.write_text(
        "municipality,municipality_code,year,couple_id,participant_id,timepoint,outcome,value\n"
        "A,GM0001,2024,K1,K1A,pre,relationship_rating,seven\n"
        "A,GM0001,20x4,K1,K1B,pre,relationship_rating,6\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as error:
        read_measurements(csv)
    message = str(error.value)
    assert "row(s) 2, column value" in message and "row(s) 3, column year" in message
    assert "seven" not in message and "20x4" not in message


def test_unknown_group_is_an_error(demo, config):
    with pytest.raises(ValueError, match="GM0000"):
        analyse_group(demo, config, 2024, "GM0000")


def test_no_nan_anywhere(overview):
    def walk(obj):
        if isinstance(obj, float):
            assert np.isfinite(obj)
        elif isinstance(obj, dict):
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(overview)


def test_unknown_timepoint_and_bad_value_name_rows_not_values(demo, config):
    broken = demo.copy()
    broken.loc[3, "timepoint"] = "halfway"
    broken.loc[5, "value"] = np.nan
    with pytest.raises(ValueError) as error:
        analyse_group(broken, config, 2024, "GM9999")
    message = str(error.value)
    assert "column timepoint" in message and "row(s) 3" in message
    assert "column value" in message and "row(s) 5" in message
    assert "halfway" not in message


def test_outcome_without_any_data_is_unavailable_not_an_error(demo, config):
    only_rating = demo[demo["outcome"] == "relationship_rating"]
    result = analyse_group(only_rating, config, 2024, "GM9999")
    csi = result["outcomes"]["couple_satisfaction"]
    assert csi["publication"]["suppressed"] is True
    assert csi["withheld"] is True and "participation" not in csi
    json.dumps(result, allow_nan=False)


def test_trend_rows_carry_each_years_suppression(two_years, config):
    in_2023 = (two_years["year"] == 2023) & (two_years["municipality_code"] == "GM9999")
    keep = sorted(two_years.loc[in_2023, "couple_id"].unique())[:4]
    data = two_years[~in_2023 | two_years["couple_id"].isin(keep)]
    own = analyse_group(data, config, 2024, "GM9999")["trend"]["by_outcome"]["relationship_rating"]
    other = analyse_group(data, config, 2024, "GM9998")["trend"]["by_outcome"]
    assert [(r["year"], r["suppressed"]) for r in own] == [(2023, True), (2024, False)]
    assert own[0]["mean_change"] is None and own[0]["n_pairs"] is None
    # 2023: GM9998 met the thresholds and keeps its row (no secondary suppression).
    assert [r["suppressed"] for r in other["relationship_rating"]] == [False, False]


def test_overview_tidy_tables(overview):
    tables = tidy_tables(overview)
    assert set(tables) == {
        "headline_change",
        "descriptives",
        "paired",
        "reliable_change",
        "mixed_model",
        "comparison",
        "funnel",
        "trend",
        "year_model",
    }
    assert len(tables["comparison"]) == 2 * len(overview["municipalities"])
    # The demo's two municipalities are too few for the year model: an empty table.
    assert tables["year_model"].empty
    paired = tables["paired"]
    course = paired[
        (paired.outcome == "relationship_rating")
        & (paired.unit == "participant")
        & (paired.comparison == "course")
    ]
    expected = overview["outcomes"]["relationship_rating"]["paired"]["course"]
    assert course["t_test_p_value"].iloc[0] == expected["t_test"]["p_value"]
    assert course["g_av_ci_low"].iloc[0] == expected["effect_sizes"]["g_av"]["ci_low"]
    trend = tables["trend"]
    assert set(trend["municipality_code"]) == {"pooled", "GM9998", "GM9999"}
    pooled_models = tables["mixed_model"][tables["mixed_model"].model == "pooled"]
    assert set(pooled_models["municipality_code"]) == {"GM9998", "GM9999"}


def test_course_versus_waiting_change_by_hand(demo, config):
    result = analyse_group(demo, config, 2024, "GM9998")
    contrast = result["outcomes"]["relationship_rating"]["paired"]["course_vs_waiting"]
    data = demo[
        (demo["municipality_code"] == "GM9998") & (demo["outcome"] == "relationship_rating")
    ]
    wide = data.pivot(index="participant_id", columns="timepoint", values="value").dropna(
        subset=["intake", "pre", "post"]
    )
    difference = (wide["post"] - wide["pre"]) - (wide["pre"] - wide["intake"])
    assert contrast["n_pairs"] == len(wide)
    assert contrast["mean_change"] == pytest.approx(difference.mean())
    assert contrast["sd_change"] == pytest.approx(difference.std(ddof=1))
    assert contrast["from_timepoint"] == "waiting_change"


def test_statistics_in_worker_processes_equal_those_computed_in_one(config):
    """Rules disclosure and year_stats share the municipalities out over processes; what comes
    back is what one process computes, in the same order, with and without mixed models."""
    from samen_sterker.stats.groups import every_outcome_of_groups
    from samen_sterker.stats.outcome import every_outcome

    params = SimulationParameters(municipalities=tuple(
        MunicipalitySpec(code=f"GM{9100 + index}", name=f"Testgemeente {index}",
                         couples=couples, timepoints=timepoints)
        for index, (couples, timepoints) in enumerate(
            [(12, ("pre", "post")), (30, ("pre", "post", "followup")), (8, ("pre", "post")),
             (20, ("pre", "post"))])
    ))
    measurements = simulate_measurements(params, 11)
    frames = {code: rows for code, rows in measurements.groupby("municipality_code")}
    assert len(frames) == 4
    for fit_mixed in (True, False):
        serial = {code: every_outcome(rows, config, fit_mixed=fit_mixed)
                  for code, rows in frames.items()}
        parallel = list(every_outcome_of_groups(frames, config, fit_mixed=fit_mixed, workers=2))
        assert [code for code, _ in parallel] == list(frames)
        assert json.dumps(dict(parallel), sort_keys=True) == json.dumps(serial, sort_keys=True)
