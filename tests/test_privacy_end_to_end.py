"""The privacy guard through the whole pipeline, in a temporary copy of the demo project.

1. Personal data planted in unmapped columns of a demo export (recipient e-mail and names, IP
   address, external reference, free text) is dropped by the allow-list: the pipeline runs to
   the end and no planted value, nor any IP address, response id or free text of the demo
   exports, appears in any file under results/ or logs/ (CSV, JSON, notebooks, HTML, logs and
   the text of the PDFs).
2. Personal data planted in a mapped column stops the pipeline with a message naming file,
   column, rows and kind; the value itself appears in no output, log or console message.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import copy_project, run_pipeline

pytestmark = pytest.mark.e2e

EXPORT = "data/raw/2024/samen-sterker_GM9999_2024_nameting.csv"
HEADER_ROWS = 3  # Qualtrics: the first response is row 4 of the file

PLANTED_NAME_FIRST = "Xandertje"
PLANTED_NAME_LAST = "Vlaskamp"
PLANTED_EMAIL = "xandertje.vlaskamp@example.org"
PLANTED_PHONE = "06-12345678"
PLANTED_IBAN = "NL91ABNA0417164300"  # the test IBAN
PLANTED_BSN = "111222333"  # the test BSN
PLANTED_POSTCODE = "3511 AB"
PLANTED_BIRTH_DATE = "03-07-1989"
PLANTED_IP = "192.0.2.123"  # RFC 5737 documentation range
PLANTED_FREE_TEXT = (
    f"Bel {PLANTED_NAME_FIRST} {PLANTED_NAME_LAST} op {PLANTED_PHONE}, rekening {PLANTED_IBAN}, "
    f"BSN {PLANTED_BSN}, postcode {PLANTED_POSTCODE}, geboren {PLANTED_BIRTH_DATE}"
)
UNMAPPED_PLANTS = {
    "RecipientEmail": PLANTED_EMAIL,
    "RecipientFirstName": PLANTED_NAME_FIRST,
    "RecipientLastName": PLANTED_NAME_LAST,
    "IPAddress": PLANTED_IP,
    "ExternalReference": PLANTED_BSN,
    "Q4": PLANTED_FREE_TEXT,
}
PLANTED_AS_WRITTEN = [
    PLANTED_NAME_FIRST,
    PLANTED_NAME_LAST,
    PLANTED_EMAIL,
    PLANTED_PHONE,
    PLANTED_IBAN,
    PLANTED_BSN,
    PLANTED_POSTCODE,
    PLANTED_BIRTH_DATE,
    PLANTED_IP,
    PLANTED_FREE_TEXT,
]
# Also the forms a value may take on its way through code: without separators.
PLANTED_VALUES = [
    *PLANTED_AS_WRITTEN,
    PLANTED_PHONE.replace("-", ""),
    PLANTED_POSTCODE.replace(" ", ""),
]
# The demo exports' own unmapped columns leak too; these values are distinctive enough to search.
DEMO_UNMAPPED_COLUMNS = ("IPAddress", "ResponseId", "Q4")
BINARY_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


# ---------------------------------------------------------------------------------------------
# Helpers: plant values in a copy of an export, read every output as text
# ---------------------------------------------------------------------------------------------


def read_export_records(path: Path) -> tuple[list[list[str]], str]:
    """Records of a Qualtrics CSV (BOM, header rows included) and its line ending."""
    data = path.read_bytes()
    newline = "\r\n" if b"\r\n" in data else "\n"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))), newline


def write_export_records(path: Path, records: list[list[str]], newline: str) -> None:
    """Write records back in the export's own layout (UTF-8 with BOM, its line ending)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=newline).writerows(records)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def plant(project: Path, values_by_column: dict[str, str], data_rows: list[int]) -> list[int]:
    """Write values into the given data rows (0-based) of the demo export; return file rows."""
    path = project / EXPORT
    records, newline = read_export_records(path)
    header = records[0]
    for column, value in values_by_column.items():
        position = header.index(column)
        for data_row in data_rows:
            records[HEADER_ROWS + data_row][position] = value
    write_export_records(path, records, newline)
    return [HEADER_ROWS + 1 + data_row for data_row in data_rows]


def demo_unmapped_values(project: Path) -> set[str]:
    """IP addresses, response ids and free text of every demo export (dropped columns)."""
    values = set()
    for path in sorted((project / "data" / "raw").rglob("*.csv")):
        records, _ = read_export_records(path)
        header = records[0]
        for column in DEMO_UNMAPPED_COLUMNS:
            position = header.index(column)
            values |= {
                record[position]
                for record in records[HEADER_ROWS:]
                if len(record) > position and len(record[position]) >= 8
            }
    return values


def json_strings(node: object) -> Iterator[str]:
    """Every key and string in a JSON document (unescaped, so '\\u00e9' is seen as 'é')."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_strings(value)
    elif isinstance(node, str):
        yield node


def text_of(path: Path) -> str:
    """Everything readable in an output file: raw text, unescaped JSON/HTML, PDF text."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        reader = PdfReader(path)
        pages = " ".join(page.extract_text() or "" for page in reader.pages)
        metadata = " ".join(str(value) for value in (reader.metadata or {}).values())
        text = f"{pages} {metadata}"
        # Text extraction breaks lines anywhere; also search with whitespace removed.
        compact = re.sub(r"\s+", "", text)
        return f"{text}\n{compact}"
    raw = data.decode("utf-8", errors="replace")
    parts = [raw]
    if suffix in (".json", ".ipynb"):
        parts.extend(json_strings(json.loads(raw)))
    if suffix in (".html", ".htm", ".svg", ".ipynb"):
        parts.append(html.unescape(raw))
    return "\n".join(parts)


def output_files(project: Path) -> list[Path]:
    """Every file the pipeline wrote to results/ and logs/, and Snakemake's own logs."""
    files = []
    for folder in ("results", "logs", ".snakemake/log"):
        if (project / folder).is_dir():
            files.extend(path for path in (project / folder).rglob("*") if path.is_file())
    return sorted(files)


def leaks(texts: dict[str, str], values: list[str] | set[str]) -> list[str]:
    """Where any value (any case) or its MD5/SHA-1/SHA-256 hex digest occurs, by position."""
    found = []
    for place, text in texts.items():
        lowered = text.lower()
        # Values are named by their position in `values`, so a failure prints no value.
        for number, value in enumerate(sorted(values)):
            if value.lower() in lowered:
                found.append(f"{place}: value #{number}")
            digests = (hashlib.new(name, value.encode()).hexdigest() for name in HASHES)
            if any(digest in lowered for digest in digests):
                found.append(f"{place}: a hash of value #{number}")
    return found


HASHES = ("md5", "sha1", "sha256")


def collect_texts(project: Path, process) -> dict[str, str]:
    """Text of every output file, keyed by relative path, plus Snakemake's console output."""
    texts = {"snakemake stdout": process.stdout, "snakemake stderr": process.stderr}
    for path in output_files(project):
        relative = str(path.relative_to(project))
        texts[relative] = (
            relative
            + "\n"
            + ("" if path.suffix.lower() in BINARY_IMAGE_SUFFIXES else text_of(path))
        )
    return texts


# ---------------------------------------------------------------------------------------------
# 1. Unmapped columns: dropped, and nothing reaches any output
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unmapped_run(tmp_path_factory):
    """The pipeline run to the end on a demo project with PII in unmapped columns."""
    project = copy_project(tmp_path_factory.mktemp("privacy-unmapped"))
    file_rows = plant(project, UNMAPPED_PLANTS, data_rows=[0, 3, 4])
    raw_sha256 = hashlib.sha256((project / EXPORT).read_bytes()).hexdigest()
    process = run_pipeline(project)
    return project, process, file_rows, raw_sha256


def test_pipeline_runs_to_the_end_with_pii_in_unmapped_columns(unmapped_run):
    project, _, _, raw_sha256 = unmapped_run
    assert (project / "results/clean/2024/measurements.csv").stat().st_size > 0
    assert list((project / "results" / "reports").rglob("*.pdf")), "no PDF report was made"
    # The raw export is read, never written.
    assert hashlib.sha256((project / EXPORT).read_bytes()).hexdigest() == raw_sha256


def test_unmapped_columns_are_dropped_and_logged_by_name(unmapped_run):
    project, _, _, _ = unmapped_run
    with open(project / "results/clean/2024/dropped_columns.csv", encoding="utf-8") as handle:
        dropped = list(csv.DictReader(handle))
    manifest = json.loads((project / "results/clean/2024/manifest.json").read_text())
    export_id = next(item["export_id"] for item in manifest["exports"] if item["file"] == EXPORT)
    dropped_here = {row["column"] for row in dropped if row["export_id"] == export_id}
    assert set(UNMAPPED_PLANTS) <= dropped_here
    log = (project / "logs/clean/2024.log").read_text(encoding="utf-8")
    for column in UNMAPPED_PLANTS:
        assert column in log


def test_no_planted_value_reaches_any_output_or_log(unmapped_run):
    project, process, _, _ = unmapped_run
    # Positive control: the same search finds every planted value in the planted export.
    raw = {EXPORT: text_of(project / EXPORT)}
    assert len(leaks(raw, PLANTED_AS_WRITTEN)) == len(PLANTED_AS_WRITTEN)
    texts = collect_texts(project, process)
    kinds = {Path(place).suffix for place in texts}
    # The scan really covered every kind of product, and read the PDFs' text.
    assert {".csv", ".json", ".ipynb", ".html", ".pdf", ".log"} <= kinds
    pdf_texts = [text for place, text in texts.items() if place.endswith(".pdf")]
    assert all("Nergenshuizen" in text or "Nergensdorp" in text for text in pdf_texts)
    assert leaks(texts, PLANTED_VALUES) == []


def test_no_unmapped_demo_value_reaches_any_output_or_log(unmapped_run):
    project, process, _, _ = unmapped_run
    values = demo_unmapped_values(project)
    assert len(values) > 50  # IP addresses and response ids of six exports
    assert leaks(collect_texts(project, process), values) == []


# ---------------------------------------------------------------------------------------------
# 2. A mapped column: the pipeline stops, names file, column and rows, never the value
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        ("koppelcode", "k.vlaskamp@example.org", "email"),
        ("Q2", "06-12345678", "phone"),
    ],
)
def test_pii_in_a_mapped_column_stops_the_pipeline(tmp_path, column, value, kind):
    project = copy_project(tmp_path / "project")
    file_rows = plant(project, {column: value}, data_rows=[2, 5])
    assert file_rows == [6, 9]
    process = run_pipeline(project, check=False)
    assert process.returncode != 0, "the pipeline must stop on personal data in a mapped column"
    assert not (project / "results/clean/2024/measurements.csv").exists()

    texts = collect_texts(project, process)
    assert leaks(texts, [value, value.replace("-", "")]) == []

    log = texts[str(Path("logs") / "clean" / "2024.log")]
    lines = [line for line in log.splitlines() if kind in line and EXPORT in line]
    assert lines, f"no message names {EXPORT} and the kind {kind!r}"
    message = "\n".join(lines)
    assert repr(column) in message or f'"{column}"' in message
    for row in file_rows:
        assert re.search(rf"(?<!\d){row}(?!\d)", message), f"row {row} not named"
