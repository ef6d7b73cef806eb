"""Rule year_stats builds on the statistics rule disclosure computed (issue 14: each statistic
computed once): what it writes equals what computing everything afresh writes."""

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from samen_sterker.config import load_config
from samen_sterker.disclosure.decide import OTHER, POOLED
from samen_sterker.disclosure.year import disclose, disclose_with_outcomes, group_frame
from samen_sterker.simulate import MunicipalitySpec, SimulationParameters, simulate_measurements
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.mixed import fit_dyadic_model
from samen_sterker.stats.outcome import add_every_mixed_model, every_outcome, timepoint_roles
from samen_sterker.stats.output import read_group_outcomes, write_group_outcomes, write_stats
from samen_sterker.stats.pooled import analyse_year
from samen_sterker.stats.year_files import write_year_stats
from samen_sterker.targets import MUNICIPAL_TABLES, stats_tables, year_outputs

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2024


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="module")
def measurements():
    """Two cohort years (the trend reads the earlier one); in 2024 two municipalities published
    on their own and two below the thresholds that are published together as OTHER."""
    params = SimulationParameters(
        municipalities=(
            MunicipalitySpec("GM9101", "Eerstedorp", couples=12,
                             timepoints=("pre", "post", "followup")),
            MunicipalitySpec("GM9102", "Tweedestad", couples=9,
                             timepoints=("intake", "pre", "post")),
            MunicipalitySpec("GM9103", "Derdeveen", couples=3, timepoints=("pre", "post")),
            MunicipalitySpec("GM9104", "Vierhuizen", couples=3, timepoints=("pre", "post")),
        ),
        years=(2023, YEAR),
    )
    return simulate_measurements(params, 5)


@pytest.fixture(scope="module")
def disclosed(measurements, config):
    # Rule disclosure reads the year's own table, numbered from 0; year_stats reads every
    # year's tables in one frame, so the same rows have other index labels there.
    this_year = measurements[measurements["year"] == YEAR].reset_index(drop=True)
    decisions, outcomes = disclose_with_outcomes(this_year, config)
    groups = decisions["groups"]
    assert groups["other"]["published"]
    assert not all(entry["published"] for entry in groups["municipalities"].values())
    return decisions, outcomes


def test_mixed_models_added_to_a_result_without_them_equal_computing_all_afresh(
        measurements, disclosed, config):
    decisions, _ = disclosed
    frame = measurements[measurements["year"] == YEAR]
    for group in (POOLED, OTHER, "GM9101", "GM9103"):
        rows = group_frame(frame, decisions["groups"], group)
        added = add_every_mixed_model(every_outcome(rows, config, fit_mixed=False), rows, config)
        # Unsorted: the order of keys is the order of the tidy tables' rows and columns.
        assert json.dumps(added) == json.dumps(every_outcome(rows, config))


def test_the_disclosure_outcomes_file_reads_back_exactly(disclosed, tmp_path):
    """Published groups only (what year_stats builds on), read back with the same types and
    order of keys."""
    decisions, outcomes = disclosed
    published = {code for code, entry in decisions["groups"]["municipalities"].items()
                 if entry["published"]}
    assert set(outcomes) == published | {OTHER, POOLED}
    path = tmp_path / "outcomes.json"
    write_group_outcomes(outcomes, path)
    again = read_group_outcomes(path)
    assert again == outcomes  # a tuple read back as a list would differ here
    assert json.dumps(again) == json.dumps(outcomes)  # and so would the order of keys


def test_disclose_alone_gives_the_same_decisions(measurements, disclosed, config):
    this_year = measurements[measurements["year"] == YEAR].reset_index(drop=True)
    assert disclose(this_year, config) == disclosed[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_year_stats_on_the_disclosure_outcomes_write_what_computing_afresh_writes(
        measurements, disclosed, config, tmp_path, workers):
    decisions, outcomes = disclosed
    path = tmp_path / "outcomes.json"
    write_group_outcomes(outcomes, path)
    reused = tmp_path / "reused"
    write_year_stats(measurements, config, YEAR, decisions, read_group_outcomes(path),
                     reused / f"{YEAR}/overview.json",
                     [reused / path for path in stats_tables(YEAR, "overview")],
                     reused / "staging", workers=workers)

    afresh = tmp_path / "afresh"
    write_stats(analyse_year(measurements, config, YEAR, decisions),
                afresh / f"{YEAR}/overview.json",
                [afresh / path for path in stats_tables(YEAR, "overview")])
    for code in decisions["groups"]["municipalities"]:
        write_stats(analyse_group(measurements, config, YEAR, code, decisions),
                    afresh / "staging" / f"{code}.json",
                    [afresh / "staging" / code / f"{name}.csv" for name in MUNICIPAL_TABLES])

    files = sorted(p.relative_to(afresh) for p in afresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(reused) for p in reused.rglob("*") if p.is_file())
    assert len(files) > 20
    for relative in files:
        assert (reused / relative).read_bytes() == (afresh / relative).read_bytes(), relative


def test_the_disclosure_outcomes_file_is_never_published():
    """It holds the true values of withheld counts: an internal file like results/clean, not
    one of the year's outputs (the checksums, the Snakemake report)."""
    outputs = year_outputs(YEAR, ["eerstedorp"], ["", ".en"])
    assert f"results/disclosure/{YEAR}.json" in outputs
    assert not [path for path in outputs if "outcomes" in path]


def test_each_comparison_row_shows_its_groups_own_headline_change(
        measurements, disclosed, config, tmp_path):
    """The overview's row of a municipality repeats the change and interval of its own page 1
    (headline_change in its own JSON), not the participant-level paired t, which treats the
    partners as independent; the "other municipalities" row is the same model fitted on its
    members' baseline and course-end measurements."""
    decisions, outcomes = disclosed
    out = tmp_path / "files"
    write_year_stats(measurements, config, YEAR, decisions, outcomes,
                     out / "overview.json", [out / p for p in stats_tables(YEAR, "overview")],
                     out / "staging")
    overview = json.loads((out / "overview.json").read_text(encoding="utf-8"))
    groups = decisions["groups"]
    published = [code for code, entry in groups["municipalities"].items() if entry["published"]]
    assert published == ["GM9101", "GM9102"]
    for name in config["outcomes"]:
        rows = {row["municipality_code"]: row for row in overview["outcomes"][name]["comparison"]}
        for code in published:
            own = json.loads((out / "staging" / f"{code}.json").read_text(encoding="utf-8"))
            change = own["outcomes"][name]["headline_change"]
            assert change["available"] and change["source"] == "mixed_model"
            row = rows[code]
            assert (row["mean_change"], row["ci_low"], row["ci_high"], row["change_source"]) == (
                change["estimate"], change["ci_low"], change["ci_high"], "mixed_model"), code
            paired = own["outcomes"][name]["paired"]["course"]
            assert (row["ci_low"], row["ci_high"]) != (paired["ci_low"], paired["ci_high"])
        # OTHER: the primary dyadic model on its members' baseline and course-end rows.
        roles = timepoint_roles(config)
        course = [roles["baseline"], roles["course_end"]]
        data = group_frame(measurements[measurements["year"] == YEAR], groups, OTHER)
        data = data[(data["outcome"] == name) & data["timepoint"].isin(course)]
        columns = ["municipality_code", "couple_id", "participant_id", "timepoint", "value"]
        fit = fit_dyadic_model(data[columns].reset_index(drop=True), course, roles["baseline"])
        contrast = fit["contrasts"][roles["course_end"]]
        other = rows[OTHER]
        assert other["change_source"] == "mixed_model"
        assert other["mean_change"] == pytest.approx(contrast["estimate"], rel=1e-12)
        assert other["ci_low"] == pytest.approx(contrast["ci_low"], rel=1e-12)
        assert other["ci_high"] == pytest.approx(contrast["ci_high"], rel=1e-12)
        # The tidy table carries the same numbers.
        table = pd.read_csv(out / f"results/stats/{YEAR}/overview/comparison.csv")
        table = table[(table["outcome"] == name)].set_index("municipality_code")
        for code in [*published, OTHER]:
            assert table.loc[code, "mean_change"] == pytest.approx(rows[code]["mean_change"])
            assert table.loc[code, "change_source"] == "mixed_model"


def test_a_withheld_headline_change_stays_withheld_in_the_comparison_row(
        measurements, disclosed, config):
    """The row's change is published exactly when the group's own page 1 shows it: withheld
    there (the course change below the thresholds), it has no numbers here either."""
    decisions, _ = disclosed
    cut = copy.deepcopy(decisions)
    scopes = cut["statistics"]["GM9101"]["couple_satisfaction"]
    for name in ("change:course", "headline_change"):  # one decision, as decide.py makes it
        scopes[name] = ["course_change:fewer_couples_than_min"]
    overview = analyse_year(measurements, config, YEAR, cut)
    own = analyse_group(measurements, config, YEAR, "GM9101", cut)
    assert own["outcomes"]["couple_satisfaction"]["headline_change"]["withheld"] is True
    row = next(r for r in overview["outcomes"]["couple_satisfaction"]["comparison"]
               if r["municipality_code"] == "GM9101")
    assert [row[k] for k in ("mean_change", "ci_low", "ci_high", "change_source")] == [None] * 4
    shown = next(r for r in overview["outcomes"]["relationship_rating"]["comparison"]
                 if r["municipality_code"] == "GM9101")
    assert shown["mean_change"] is not None
