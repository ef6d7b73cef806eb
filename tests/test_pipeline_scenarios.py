"""The whole pipeline on a simulated multi-year cohort with a municipality below the privacy
thresholds, in English: suppression reaches the PDFs, the disclosure audit is written, earlier
years form a trend, and the English report uses English words and decimal points."""

import json
import re

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

from samen_sterker.reports.formatting import format_number
from samen_sterker.reports.translations import load_translations
from samen_sterker.simulate import (
    MunicipalitySpec,
    SimulationParameters,
    exports_sheet,
    municipalities_table,
    write_demo_cohort,
)

from .conftest import copy_project, run_pipeline

pytestmark = pytest.mark.e2e

SCENARIO = SimulationParameters(
    municipalities=(
        MunicipalitySpec("GM9001", "Groot-Nergens", couples=9),
        MunicipalitySpec("GM9002", "Middel-Nergens", couples=8),
        # 3 couples: below both thresholds (10 respondents, 5 couples) in every year.
        MunicipalitySpec("GM9003", "Klein-Nergens", couples=3),
    ),
    years=(2023, 2024),
    yearly_drift=0.3,
)
SLUGS = ("groot-nergens", "middel-nergens", "klein-nergens")


def pdf_text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


@pytest.fixture(scope="module")
def scenario_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("scenario-project"))
    for demo_file in (project / "data" / "raw" / "2024").glob("*.csv"):
        demo_file.unlink()
    paths = write_demo_cohort(project / "data" / "raw", SCENARIO, seed=5)
    exports_sheet(paths, project).to_csv(project / "config" / "exports.tsv", sep="\t",
                                         index=False)
    municipalities_table(SCENARIO).to_csv(project / "config" / "municipalities.tsv", sep="\t",
                                          index=False)
    config_path = project / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.pop("languages", None)  # the old single-language key still works
    config["language"] = "en"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    run_pipeline(project)
    return project


def body_text(path) -> str:
    """The report's text before its appendix (methods, references and versions hold numbers)."""
    appendix = load_translations()["appendix_heading"]["en"]
    return pdf_text(path).split(appendix)[0]


def stats(project, year, slug):
    return json.loads((project / f"results/stats/{year}/{slug}.json").read_text())


def test_every_year_and_municipality_has_its_products(scenario_run):
    for year in SCENARIO.years:
        for slug in (*SLUGS, "overview"):
            assert (scenario_run / f"results/reports/{year}/{slug}.pdf").exists()
            assert (scenario_run / f"results/notebooks/{year}/{slug}.ipynb").exists()


def test_clean_table_has_both_years_and_all_municipalities(scenario_run):
    clean = pd.concat(
        pd.read_csv(scenario_run / f"results/clean/{year}/measurements.csv")
        for year in SCENARIO.years
    )
    assert sorted(clean["year"].unique()) == [2023, 2024]
    assert clean.groupby("year")["municipality_code"].nunique().tolist() == [3, 3]


def test_small_municipality_report_is_suppressed_without_numbers(scenario_run):
    english = load_translations()["suppressed_heading"]["en"]
    for year in SCENARIO.years:
        small = stats(scenario_run, year, "klein-nergens")
        assert small["publication"]["suppressed"] is True
        text = body_text(scenario_run / f"results/reports/{year}/klein-nergens.pdf")
        assert english in text
        assert "Klein-Nergens" in text
        # No decimal figure at all: no mean, change, share or interval is published.
        assert re.search(r"\d[.,]\d", text) is None


def test_the_small_municipality_is_in_no_group_and_the_others_keep_their_reports(scenario_run):
    """Pooled totals are over the published municipalities; the year's disclosure audit is
    written beside them and finds nothing narrowed."""
    for year in SCENARIO.years:
        overview = stats(scenario_run, year, "overview")
        suppressed = {entry["slug"] for entry in overview["municipalities"]
                      if entry["suppressed"]}
        assert suppressed == {"klein-nergens"}
        for slug in ("groot-nergens", "middel-nergens"):
            assert stats(scenario_run, year, slug)["publication"]["suppressed"] is False
        rows = [r for r in overview["outcomes"]["relationship_rating"]["comparison"]
                if not r["suppressed"]]
        pooled = overview["outcomes"]["relationship_rating"]["participation"]
        assert pooled["participants"] == sum(r["participants"] for r in rows)
        assert overview["publication"]["unshown_municipalities"] == 1
        assert "unshown_participants" not in overview["publication"]
        audit = pd.read_csv(scenario_run / f"results/disclosure/{year}.csv")
        assert list(audit.columns[:2]) == ["cell", "published_as"]
        assert set(audit["verdict"]) <= {"safe"}
        decisions = json.loads(
            (scenario_run / f"results/disclosure/{year}.json").read_text(encoding="utf-8"))
        assert decisions["groups"]["municipalities"]["GM9003"]["group"] is None


def test_published_municipality_shows_its_numbers_in_english_with_a_trend(scenario_run):
    large = stats(scenario_run, 2024, "groot-nergens")
    assert large["publication"]["suppressed"] is False
    text = pdf_text(scenario_run / "results/reports/2024/groot-nergens.pdf")
    course = large["outcomes"]["relationship_rating"]["paired"]["course"]
    assert format_number(course["mean_change"], 1, "en", signed=True) in text
    assert format_number(course["ci_low"], 1, "en") in text
    assert "95% CI" in text and "Page 1 of" in text
    translations = load_translations()
    # The trend chart's years are drawn, not text: the section is there, its fallback is not.
    assert translations["trend_heading"]["en"] in text
    assert translations["trend_none"]["en"] not in text
    assert large["trend"]["available"] is True and large["trend"]["years"] == [2023, 2024]
