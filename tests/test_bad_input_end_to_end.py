"""Bad input through the whole pipeline (issue 9), in temporary copies of the demo project.

1. Names and cells that must not stop the run: an e-mail address and a spreadsheet formula
   as unmapped column names, a 200 KB cell in an unmapped column, couple codes in lower case
   with spaces. The pipeline runs to the end, its measurements equal the demo run's, and no
   planted value reaches any file under results/ or logs/ (PDF text included) or the console.
2. The sheet's post row pointing at the pre file (the same SHA-256 twice): the run stops
   before any report, naming the sheet's row and column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import copy_project, run_pipeline
from .test_privacy_end_to_end import (
    EXPORT,
    HEADER_ROWS,
    collect_texts,
    leaks,
    read_export_records,
    text_of,
    write_export_records,
)

pytestmark = pytest.mark.e2e

EMAIL = "p.vlaskamp-kop@example.org"
FORMULA = '=HYPERLINK("http://example.org/vlaskamp","klik")'
BIG = "vlaskampzin " + "lorem ipsum " * 17_000  # about 200 KB
HEADER_PLANTS = {"UserLanguage": EMAIL, "DistributionChannel": FORMULA}


def plant_names_and_cells(project: Path) -> None:
    path = project / EXPORT
    records, newline = read_export_records(path)
    header = records[0]
    for column, name in HEADER_PLANTS.items():
        header[header.index(column)] = name
    records[HEADER_ROWS][header.index("Q4")] = BIG
    code = header.index("koppelcode")
    for record in records[HEADER_ROWS : HEADER_ROWS + 4]:
        record[code] = f" {record[code].lower()} "
    write_export_records(path, records, newline)


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("bad-names"))
    plant_names_and_cells(project)
    return project, run_pipeline(project)


def test_the_run_finishes_with_the_demo_measurements(names_run, demo_run):
    project, _ = names_run
    ours = (project / "results/clean/2024/measurements.csv").read_bytes()
    assert ours == (demo_run / "results/clean/2024/measurements.csv").read_bytes()
    assert list((project / "results" / "reports").rglob("*.pdf"))
    log = (project / "logs/clean/2024.log").read_text(encoding="utf-8")
    assert f"{EXPORT}, column 'koppelcode': 4 code(s) written in upper case" in log


def test_failing_column_names_are_written_as_position_and_kind(names_run):
    project, _ = names_run
    with open(project / "results/clean/2024/dropped_columns.csv", encoding="utf-8") as handle:
        dropped = {row["column"] for row in csv.DictReader(handle)}
    assert {"column 17 [email]", "column 16 [formula]"} <= dropped


def test_no_planted_name_or_cell_reaches_any_output_log_or_console(names_run):
    project, process = names_run
    planted = [EMAIL, "HYPERLINK", "vlaskamp", BIG[:80]]
    # Positive control: the search finds every planted value in the planted export.
    assert len(leaks({EXPORT: text_of(project / EXPORT)}, planted)) == len(planted)
    texts = collect_texts(project, process)
    assert {".csv", ".json", ".ipynb", ".html", ".pdf", ".log"} <= {Path(p).suffix for p in texts}
    assert leaks(texts, planted) == []


def test_post_row_naming_the_pre_file_stops_before_any_report(tmp_path):
    project = copy_project(tmp_path / "project")
    sheet = project / "config" / "exports.tsv"
    lines = sheet.read_text(encoding="utf-8").splitlines()
    pre, post = (next(i for i, line in enumerate(lines) if f"gm9999_2024_{t}\t" in line)
                 for t in ("pre", "post"))
    fields = lines[post].split("\t")
    fields[1] = lines[pre].split("\t")[1].replace("voormeting", "voormeting-kopie")
    lines[post] = "\t".join(fields)
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = project / fields[1]
    copy.write_bytes((project / lines[pre].split("\t")[1]).read_bytes())
    process = run_pipeline(project, check=False)
    assert process.returncode != 0
    log = (project / "logs/clean/2024.log").read_text(encoding="utf-8")
    assert f"config/exports.tsv, row {post + 1}, column 'path': same file twice" in log
    assert not list((project / "results").rglob("*.pdf"))
