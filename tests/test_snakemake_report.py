"""`make report`: Snakemake's one self-contained HTML of the run, for reviewers (issue 13).

Every published PDF and every reviewer notebook of the demo is in it, byte for byte, with its
caption filled in for its year and municipality; the year's data checks are in it; the
measurements (individual answers) are not, nor a file name that fails the privacy scan."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_pipeline, snakemake_arguments

pytestmark = pytest.mark.e2e


def reported_results(html: Path) -> dict:
    """The `results` object the report's page is built from: path → name, labels, caption,
    data URI."""
    text = html.read_text(encoding="utf-8")
    start = text.index("results = {") + len("results = ")
    results, _ = json.JSONDecoder().raw_decode(text, start)
    return results


@pytest.fixture(scope="module")
def report_html(demo_run, tmp_path_factory) -> Path:
    html = tmp_path_factory.mktemp("snakemake-report") / "report.html"
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", *snakemake_arguments(demo_run), "--report",
         str(html)],
        capture_output=True, text=True, cwd=demo_run, check=False,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    return html


def test_every_pdf_and_reviewer_notebook_is_in_the_report_byte_for_byte(demo_run, report_html):
    results = reported_results(report_html)
    documents = sorted(
        str(path.relative_to(demo_run))
        for pattern in ("results/reports/*/*.pdf", "results/notebooks/*/*.html")
        for path in demo_run.glob(pattern)
    )
    assert len(documents) == 12  # 3 report groups × 2 languages × (PDF, notebook)
    assert set(documents) <= set(results)
    for path in documents:
        data_uri = results[path]["data_uri"]
        embedded = base64.b64decode(data_uri.split("base64,", 1)[1])
        assert embedded == (demo_run / path).read_bytes(), path


def test_captions_name_their_year_and_report(report_html):
    results = reported_results(report_html)
    pdf = results["results/reports/2024/nergenshuizen.en.pdf"]
    assert pdf["labels"] == {"report": "nergenshuizen", "language": "en"}
    assert "results/stats/2024/nergenshuizen.json" in pdf["caption"]
    overview = results["results/reports/2024/overview.pdf"]
    assert overview["labels"] == {"report": "overview", "language": "nl"}
    assert "results/stats/2024/overview.json" in overview["caption"]
    assert "disclosure audit of cohort year 2024" in results["results/disclosure/2024.csv"][
        "caption"]


def test_data_checks_are_in_and_individual_answers_are_not(report_html):
    results = reported_results(report_html)
    for path in ("results/clean/2024/exclusions.csv", "results/clean/2024/data_quality.csv",
                 "results/disclosure/2024.csv", "results/provenance/2024.json"):
        assert path in results
    assert not [path for path in results if "measurements" in path or path.startswith("data/")]
    assert "The data of this run are synthetic" in report_html.read_text(encoding="utf-8")


def test_a_file_name_that_fails_the_scan_is_not_in_the_report(tmp_path):
    # The job's params are in the report (job_properties of each data check): they once held
    # the sheet rows with their paths. Only the cleaning is run: its outputs are the data checks.
    project = copy_project(tmp_path / "project")
    raw = project / "data/raw/2024"
    (raw / "samen-sterker_GM9999_2024_nameting.csv").rename(
        raw / "samen-sterker_GM9999_2024_nameting_0612345678.csv")
    sheet = project / "config/exports.tsv"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        "GM9999_2024_nameting.csv", "GM9999_2024_nameting_0612345678.csv"), encoding="utf-8")
    target = "results/clean/2024/data_quality.csv"
    run_pipeline(project, target)
    html = tmp_path / "report.html"
    run_pipeline(project, "--report", str(html), target)
    text = html.read_text(encoding="utf-8")
    assert "results/clean/2024/data_quality.csv" in reported_results(html)
    assert "gm9999_2024_post" in text
    assert "612345678" not in text
