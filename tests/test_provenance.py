"""Provenance: the date of the data from data_quality.csv, and the reports' fixed date from it.

Expected epochs are worked out by hand: 2024-07-01 00:00 UTC is 1719792000 s, so 2024-07-10
is 1719792000 + 9 × 86400 = 1720569600; 2025-01-01 is 1735689600, so 2024-12-31 is 1735603200.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from samen_sterker.provenance import collect_provenance, data_date, read_data_quality
from samen_sterker.reports.build import report_epoch

QUALITY_HEADER = (
    "export_id,file,sha256,format,encoding,rows_read,rows_kept,rows_excluded,"
    "measurements_kept,latest_response_date\n"
)


def test_data_date_is_the_latest_over_exports_and_names_undated_ones():
    rows = [
        {"export_id": "pre", "latest_response_date": "2024-02-10"},
        {"export_id": "followup", "latest_response_date": "2024-07-10"},
        {"export_id": "post", "latest_response_date": "2024-04-19"},
        {"export_id": "handmade", "latest_response_date": ""},
    ]
    date, reason = data_date(rows)
    assert date == "2024-07-10"
    assert "3 export(s)" in reason and "handmade" in reason


def test_data_date_is_null_with_a_reason():
    date, reason = data_date([{"export_id": "a", "latest_response_date": ""}])
    assert date is None and "date_column" in reason and "'a'" in reason
    date, reason = data_date([{"export_id": "a", "rows_read": "3"}])
    assert date is None and "latest_response_date" in reason
    assert data_date([])[0] is None


def test_a_damaged_date_names_row_and_column_not_the_value():
    rows = [
        {"export_id": "a", "latest_response_date": "2024-07-10"},
        {"export_id": "b", "latest_response_date": "10-07-2024"},
    ]
    with pytest.raises(ValueError) as caught:
        data_date(rows, file="results/clean/data_quality.csv")
    message = str(caught.value)
    assert "row 3" in message and "'latest_response_date'" in message
    assert "10-07-2024" not in message


def test_collect_provenance_reads_the_data_quality_csv(tmp_path):
    path = tmp_path / "data_quality.csv"
    path.write_text(
        QUALITY_HEADER
        + "gm1_pre,data/raw/a.csv,ab,qualtrics_csv,utf-8,10,9,1,18,2024-02-10\n"
        + "gm1_post,data/raw/b.csv,cd,qualtrics_csv,utf-8,10,8,2,16,2024-04-19\n",
        encoding="utf-8",
    )
    manifest = {
        "inputs": {"data/raw/a.csv": "ab"},
        "config_sha256": "x",
        "latest_response_date_by_year": {"2023": "2023-12-01", "2024": "2024-04-19"},
    }
    record = collect_provenance(
        manifest, {"synthetic_data": True}, "abc123", read_data_quality(path)
    )
    assert record["data_date"] == "2024-04-19"
    assert record["inputs"] == {"data/raw/a.csv": "ab"}
    json.dumps(record)  # written as JSON
    without = collect_provenance(manifest, {}, "abc123")
    assert without["data_date"] is None and without["data_date_source"]


def test_report_date_follows_the_data_date(tmp_path):
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps({"year": 2024}), encoding="utf-8")
    provenance = tmp_path / "provenance.json"
    provenance.write_text(json.dumps({"data_date": "2024-07-10"}), encoding="utf-8")
    assert report_epoch(stats, provenance) == 1720569600
    provenance.write_text(json.dumps({"data_date": None, "data_date_source": "x"}))
    assert report_epoch(stats, provenance) == 1735603200  # 31 December of the cohort year


# --- the demo pipeline ---------------------------------------------------------------------

DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}[-/]\d{2}[-/]\d{4}")


@pytest.mark.e2e
def test_demo_provenance_and_pdf_carry_the_date_of_the_data(demo_run: Path):
    # Demo RecordedDate: the latest kept response is in the GM9999 follow-up export,
    # 2024-07-10 20:53:34 (the 20:57:23 row after it is a survey preview, same day).
    record = json.loads((demo_run / "results/provenance/2024.json").read_text(encoding="utf-8"))
    assert record["data_date"] == "2024-07-10"
    quality = pd.read_csv(demo_run / "results/clean/2024/data_quality.csv", dtype=str)
    assert quality.set_index("export_id").loc["gm9999_2024_followup", "latest_response_date"] == (
        "2024-07-10"
    )
    for slug in ("nergenshuizen", "overview"):
        metadata = PdfReader(demo_run / f"results/reports/2024/{slug}.pdf").metadata
        assert metadata.creation_date == dt.datetime(2024, 7, 10, tzinfo=dt.UTC), slug


@pytest.mark.e2e
def test_demo_outputs_hold_no_per_row_date(demo_run: Path):
    clean = demo_run / "results/clean/2024"
    for name in ("measurements.csv", "exclusions.csv", "dropped_columns.csv"):
        assert not DATE.search((clean / name).read_text(encoding="utf-8")), name
    # data_quality.csv holds one date per export, nothing else date-like.
    quality = pd.read_csv(clean / "data_quality.csv", dtype=str, keep_default_na=False)
    assert len(DATE.findall((clean / "data_quality.csv").read_text())) == len(quality)


def test_provenance_records_the_font_machinery_of_the_pdfs():
    """WeasyPrint, pydyf and fonttools versions, and the font files fontconfig resolves for
    the report's fonts with their SHA-256 (computed here independently)."""
    import hashlib
    import shutil
    import subprocess

    from samen_sterker.provenance import REPORTED_PACKAGES, report_fonts

    assert {"weasyprint", "pydyf", "fonttools"} <= set(REPORTED_PACKAGES)
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match (fontconfig) is not installed")
    record = report_fonts()
    assert record["fontconfig"].startswith("fontconfig version")
    bold = subprocess.run(["fc-match", "--format=%{file}", "DejaVu Sans:weight=bold"],
                          capture_output=True, text=True, check=True).stdout
    entry = record["fonts"]["DejaVu Sans Bold"]
    assert entry["file"] == bold
    assert entry["sha256"] == hashlib.sha256(Path(bold).read_bytes()).hexdigest()
    assert collect_provenance({}, {}, "abc")["report_fonts"] == record


@pytest.mark.parametrize(
    ("folders", "stage_packages"),
    [
        (("reading", "cleaning"), "CLEANING_PACKAGES"),
        (("stats", "disclosure"), "NUMERIC_PACKAGES"),
        (("reports",), "REPORT_PACKAGES"),
    ],
)
def test_every_package_a_stage_imports_is_a_param_of_its_jobs(folders, stage_packages):
    """An upgrade of a package a stage imports must rerun that stage: each third-party import
    of the stage's code (read from its source here) is among the packages its jobs take."""
    import ast
    import sys
    from importlib import metadata

    from samen_sterker import provenance

    package_dir = Path(provenance.__file__).parent
    imported = set()
    for folder in folders:
        for source in (package_dir / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"samen_sterker", "__future__"}
    distributions = metadata.packages_distributions()

    def normalised(name: str) -> str:
        return name.lower().replace("_", "-")

    declared = {normalised(name) for name in getattr(provenance, stage_packages)}
    missing = {
        module: distributions.get(module)
        for module in third_party
        if not {normalised(d) for d in distributions.get(module, [module])} & declared
    }
    assert not missing, f"{stage_packages} lacks the distributions of {missing}"
    assert set(getattr(provenance, stage_packages)) <= set(provenance.REPORTED_PACKAGES)


def test_provenance_cites_the_inputs_of_the_earlier_years_in_the_trend():
    """A 2025 report shows the change of 2024 too (the trend): 2025's record lists the 2024
    exports' checksums and the SHA-256 of the config that cleaned them."""
    import hashlib
    import json

    earlier = {"inputs": {"data/raw/2024/a.csv": "1" * 64}, "settings": {"strict": False}}
    record = collect_provenance(
        {"inputs": {"data/raw/2025/b.csv": "2" * 64}}, {"analysis": {}}, "abc",
        year=2025, packages={"pandas": "1"}, fonts={"fonts": {}}, python="3.11.0",
        earlier_manifests={2024: earlier},
    )
    assert record["inputs"] == {"data/raw/2025/b.csv": "2" * 64}
    canonical = json.dumps({"strict": False}, sort_keys=True, separators=(",", ":"))
    assert record["earlier_years"] == {
        "2024": {"inputs": {"data/raw/2024/a.csv": "1" * 64},
                 "cleaning_config_sha256": hashlib.sha256(canonical.encode()).hexdigest()}
    }
    # What the job's params read is what the record says (one reading, not two).
    assert (record["python"], record["report_fonts"]) == ("3.11.0", {"fonts": {}})
