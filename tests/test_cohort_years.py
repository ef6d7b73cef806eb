"""Cleaning one cohort year at a time: a multi-year export (year from a column) is cleaned
with every year it holds, each year keeps only its own rows and the rest are accounted as
rows of other years; exports that look like another year's are warned about."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import yaml

from samen_sterker import plan
from samen_sterker.cleaning import MunicipalityTable
from samen_sterker.cleaning.clean import ExportEntry, clean_cohort
from samen_sterker.config import read_municipalities, validate_config

from .conftest import REPO, copy_project, run_pipeline

LONG_MAPPING = {
    "format": "csv",
    "layout": "long",
    "couple_column": "code",
    "partner_column": "partner",
    "municipality_column": "gemeente",
    "year_column": "jaar",
    "timepoint_column": "meetmoment",
    "timepoint_values": {"voormeting": "pre", "nameting": "post"},
    "outcomes": {"relationship_rating": {"column": "score"}},
}
# Two cohort years in one file, one response of each year invalid (score 11).
LONG_EXPORT = """code,partner,gemeente,jaar,meetmoment,score
L01,A,Nergenshuizen,2023,voormeting,5
L01,B,Nergenshuizen,2023,voormeting,6
L01,A,Nergenshuizen,2023,nameting,8
L01,B,Nergenshuizen,2023,nameting,11
L02,A,Nergenshuizen,2024,voormeting,4
L02,B,Nergenshuizen,2024,voormeting,5
L02,A,Nergenshuizen,2024,nameting,7
L02,B,Nergenshuizen,2024,nameting,7
L03,A,Nergenshuizen,2024,voormeting,11
"""


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/long.csv").write_text(LONG_EXPORT, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def config() -> dict:
    raw = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    raw["mappings"]["long"] = LONG_MAPPING
    return validate_config(raw)


def clean(project, config, year, entries=None):
    entries = entries or [ExportEntry(2, "long", "data/long.csv", "long", "", "", "")]
    table = MunicipalityTable(read_municipalities(REPO / "config/municipalities.tsv"))
    return clean_cohort(copy.deepcopy(config), project, entries, table, year=year)


def test_each_year_keeps_its_own_rows_and_accounts_for_the_others(project, config):
    everything = clean(project, config, None)
    by_year = {year: clean(project, config, year) for year in (2023, 2024)}
    for year, result in by_year.items():
        assert set(result.measurements["year"]) == {year}
        [quality] = result.data_quality.to_dict("records")
        assert quality["rows_read"] == 9
        assert quality["rows_kept"] + quality["rows_excluded"] + quality["rows_other_years"] == 9
    assert by_year[2023].data_quality.loc[0, "rows_other_years"] == 5
    assert by_year[2024].data_quality.loc[0, "rows_other_years"] == 4
    # The years together are exactly the export cleaned at once.
    together = pd.concat([r.measurements for r in by_year.values()], ignore_index=True)
    pd.testing.assert_frame_equal(together, everything.measurements)
    assert sorted(by_year[2023].exclusions["row"]) == [5, 5]  # the 2023 score of 11
    assert sorted(by_year[2024].exclusions["row"]) == [10, 10]


def test_responses_dated_outside_their_cohort_year_are_a_warning(tmp_path, config):
    project = copy_project(tmp_path / "project")
    demo = "data/raw/2024/samen-sterker_GM9999_2024_voormeting.csv"
    config = copy.deepcopy(config)
    sheet = plan.read_sheet(config, project)
    [pre] = [e for e in sheet.entries if e.path == demo]
    as_2023 = dataclasses.replace(pre, year="2023")
    result = clean(project, config, 2023, [as_2023])
    warnings = result.data_quality.loc[0, "warnings"]
    assert "dated outside their cohort year" in warnings
    assert "2024-" not in warnings  # counts and rows, never a date
    same_year = clean(project, config, 2024, [pre])
    assert same_year.data_quality.loc[0, "warnings"] == ""


@pytest.mark.e2e
def test_the_pipeline_cleans_a_multi_year_export_into_each_of_its_years(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "data/raw/long.csv").write_text(LONG_EXPORT, encoding="utf-8")
    with open(project / "config/exports.tsv", "a", encoding="utf-8") as sheet:
        sheet.write("long\tdata/raw/long.csv\tlong\t\t\t\tmulti-year\n")
    path = project / "config/config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["mappings"]["long"] = LONG_MAPPING
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    run_pipeline(project, "results/clean/multi_year_cohorts.txt",
                 "results/clean/2023/measurements.csv", "results/clean/2024/measurements.csv")
    assert (project / "results/clean/multi_year_cohorts.txt").read_text() == "2023\n2024\n"
    quality_2023 = pd.read_csv(project / "results/clean/2023/data_quality.csv")
    assert quality_2023["export_id"].tolist() == ["long"]  # the demo's exports are 2024's
    quality_2024 = pd.read_csv(project / "results/clean/2024/data_quality.csv")
    assert "long" in set(quality_2024["export_id"])
    measurements = pd.read_csv(project / "results/clean/2023/measurements.csv")
    assert set(measurements["year"]) == {2023} and len(measurements) == 3
    # The whole DAG knows both years now.
    jobs = run_pipeline(project, "--dry-run").stdout
    assert "year=2023" in jobs and "year=2024" in jobs
