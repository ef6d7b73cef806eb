"""The whole pipeline on the demo cohort, in a temporary copy of the project: every product
exists, the clean table equals the simulator's truth, the PDF shows the stats JSON's numbers,
a second run does nothing and a forced rerun reproduces the same bytes."""

import filecmp
import json
import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from samen_sterker.reports.formatting import format_number
from samen_sterker.simulate import demo_truth

from .conftest import run_pipeline

pytestmark = pytest.mark.e2e

DEMO = {"nergenshuizen": "Nergenshuizen", "sudwest-nergensdorp": "Súdwest-Nergensdorp"}


def pdf_text(path) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_every_product_exists(demo_run):
    for slug in [*DEMO, "overview"]:
        for path in (f"results/reports/2024/{slug}.pdf", f"results/notebooks/2024/{slug}.ipynb",
                     f"results/notebooks/2024/{slug}.html", f"results/stats/2024/{slug}.json"):
            assert (demo_run / path).stat().st_size > 0, path
    assert (demo_run / "results/provenance/2024.json").exists()


def test_clean_table_is_the_simulated_truth(demo_run):
    clean = pd.read_csv(demo_run / "results/clean/2024/measurements.csv",
                        dtype={"municipality_code": str})
    truth = demo_truth()
    key = ["participant_id", "timepoint", "outcome"]
    merged = truth.merge(clean, on=key, how="outer", suffixes=("_truth", "_clean"),
                         indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", key]
    assert (merged["value_truth"] == merged["value_clean"]).all()
    assert set(clean["municipality"]) == set(DEMO.values())


def test_exclusions_reconcile_with_rows_read(demo_run):
    quality = pd.read_csv(demo_run / "results/clean/2024/data_quality.csv")
    assert (quality["rows_read"] == quality["rows_kept"] + quality["rows_excluded"]).all()
    exclusions = pd.read_csv(demo_run / "results/clean/2024/exclusions.csv")
    # Every demo export holds a survey preview; each post export an abandoned response.
    assert len(exclusions) >= 6 + 2


@pytest.mark.parametrize("slug", list(DEMO))
def test_pdf_shows_the_stats_json(demo_run, slug):
    stats = json.loads((demo_run / f"results/stats/2024/{slug}.json").read_text())
    text = pdf_text(demo_run / f"results/reports/2024/{slug}.pdf")
    assert DEMO[slug] in text
    # Page 1's change is the headline change with its interval (issue 13: no completers' means
    # beside a model change); the paired check's interval is in the technical appendix.
    outcome = stats["outcomes"][stats["primary_outcome"]]
    change, course = outcome["headline_change"], outcome["paired"]["course"]
    assert format_number(change["estimate"], 1, "nl", signed=True) in text
    for number in (change["ci_low"], change["ci_high"], course["ci_low"], course["ci_high"]):
        assert format_number(number, 1, "nl") in text
    assert "synthetisch" in text.lower()
    assert "GM9999-2024" not in text and "K01" not in text


def test_second_run_does_nothing(demo_run):
    process = run_pipeline(demo_run, "--dry-run")
    assert "Nothing to be done" in process.stdout + process.stderr


def test_forced_rerun_reproduces_the_same_files(demo_run, tmp_path):
    before = tmp_path / "before"
    shutil.copytree(demo_run / "results", before)
    run_pipeline(demo_run, "--forceall")
    comparison = filecmp.dircmp(before, demo_run / "results")
    differing = []

    def collect(node, prefix=""):
        differing.extend(prefix + name for name in node.diff_files + node.left_only
                         + node.right_only)
        for name, sub in node.subdirs.items():
            collect(sub, f"{prefix}{name}/")

    collect(comparison)
    assert differing == []
