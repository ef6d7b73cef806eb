"""Rule year_stats builds on the statistics rule disclosure computed (issue 14: each statistic
computed once): what it writes equals what computing everything afresh writes."""

import json
from pathlib import Path

import pytest

from samen_sterker.config import load_config
from samen_sterker.disclosure.decide import OTHER, POOLED
from samen_sterker.disclosure.year import disclose, disclose_with_outcomes, group_frame
from samen_sterker.simulate import MunicipalitySpec, SimulationParameters, simulate_measurements
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.outcome import add_every_mixed_model, every_outcome
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
