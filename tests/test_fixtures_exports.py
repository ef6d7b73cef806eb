"""Sanity checks that the export fixtures are what tests/fixtures/exports/README.md says.

These tests read the fixture bytes with the standard library (csv, zipfile, codecs) and with
pyreadstat/openpyxl, never with the project's readers, and pin the expected tables to counts and
sums worked out by hand from the cohort tables in make_export_fixtures.py.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import openpyxl
import phonenumbers
import pyreadstat
import pytest
from stdnum import iban
from stdnum.nl import bsn

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
EXPECTED = EXPORTS / "expected"

EXPECTED_COLUMNS = [
    "municipality_code",
    "year",
    "couple_code",
    "partner",
    "timepoint",
    "outcome",
    "value",
]
R, C = "relationship_rating", "couple_satisfaction"

# (timepoint, outcome) -> (number of measurements, sum of values), added up by hand from the
# cohort tables, e.g. qualtrics pre ratings 6+5+4+7+8+6+3+5+7+6+5 = 62 (the preview's 2 and the
# test's 9 left out); post CSI-4 17+15+12+17+19+12+12+16+15+14 = 149 (K03-B unfinished).
# A CSI-4 with one item missing is prorated within the items' ranges (item 1 is 0-6, items
# 2-4 0-5): answered points x 21 / (sum of the answered items' maxima).
# fmt: off
HAND_TOTALS = {
    "qualtrics": {("pre", R): (11, 62), ("post", R): (9, 67),
                  # K04-B pre: items 3, 3, -99, 2 → 8 x 21 / 16 = 10.5
                  ("pre", C): (11, 115 + 10.5), ("post", C): (10, 149)},
    # 8+7+6+8+9+8+6+7 = 59, K02-B's identical second submission counted once.
    "qualtrics_followup": {("followup", R): (8, 59), ("followup", C): (8, 121)},
    # 6+5.5+4+7+8+6+5+3+5+7+6.5 = 63; 7.5+7+6.5+8+8.5+7+6+5+8+7 = 70.5; 8+7+9+7+6+6+8+7.5 = 58.5
    "dutch_excel": {("pre", R): (11, 63), ("post", R): (10, 70.5), ("followup", R): (8, 58.5)},
    "limesurvey": {("pre", R): (9, 46), ("post", R): (8, 57),
                   ("pre", C): (9, 89), ("post", C): (8, 116)},
    # pre rating: P02-B is 99 'weet niet'; post CSI-4: P04-A has item 3 = 9 (user-missing):
    # 4, 4, 4 → 12 x 21 / 16 = 15.75; P05-B no post.
    "spss": {("pre", R): (10, 56), ("post", R): (10, 76),
             ("pre", C): (11, 121), ("post", C): (10, 143 + 15.75)},
    "msforms": {("pre", R): (9, 49), ("post", R): (8, 60),
                ("pre", C): (9, 95), ("post", C): (8, 123)},
    "googleforms": {("pre", R): (9, 45), ("post", R): (8, 57)},
    "surveymonkey": {("pre", R): (7, 38), ("post", R): (5, 36),
                     ("pre", C): (7, 75), ("post", C): (6, 90)},
    # Castor codes -95..-99 are never scores: pre 5+6+4+6+7+3+5+6 = 42 without C02-B's -98.
    "castor": {("pre", R): (8, 42), ("post", R): (7, 48), ("followup", R): (3, 23),
               # C04-B pre 2, 3, -99, 2 → 7 x 21 / 16; post 3, -97, 3, 3 → 9 x 21 / 16
               ("pre", C): (9, 79 + 7 * 21 / 16), ("post", C): (8, 102 + 9 * 21 / 16),
               ("followup", C): (3, 47)},
    "long": {("pre", R): (9, 46), ("post", R): (8, 56), ("followup", R): (4, 29)},
    # 11, 0 and 'zeven' excluded: pre 6+5+6.5+4, post 8+7.5+6.
    "malformed_values": {("pre", R): (4, 21.5), ("post", R): (3, 21.5)},
    "pii_unmapped": {("pre", R): (9, 51), ("pre", C): (9, 104)},
}
# fmt: on


def read_expected(name: str) -> list[dict[str, str]]:
    """Rows of expected/<name>.csv as dicts of strings."""
    with open(EXPECTED / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def csv_records(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list]:
    """All records of a CSV file (header rows included), parsed by the csv module."""
    with open(path, newline="", encoding=encoding) as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def municipality_codes() -> set[str]:
    """Codes in the fixtures' municipalities table."""
    with open(EXPORTS / "municipalities.tsv", newline="", encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle, delimiter="\t")}


@pytest.mark.parametrize("name", sorted(HAND_TOTALS))
def test_expected_table_matches_hand_totals(name: str) -> None:
    rows = read_expected(name)
    assert list(rows[0]) == EXPECTED_COLUMNS
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        totals[(row["timepoint"], row["outcome"])].append(float(row["value"]))
    assert {key: (len(v), sum(v)) for key, v in totals.items()} == HAND_TOTALS[name]


@pytest.mark.parametrize("name", sorted(HAND_TOTALS))
def test_expected_table_is_canonical(name: str) -> None:
    rows = read_expected(name)
    codes = municipality_codes()
    keys = set()
    for row in rows:
        assert row["municipality_code"] in codes
        assert row["partner"] in {"A", "B"}
        assert row["timepoint"] in {"pre", "post", "followup"}
        value = float(row["value"])
        if row["outcome"] == R:
            assert 1 <= value <= 10 and value * 2 == int(value * 2)
        else:
            # Whole points, except a prorated CSI-4 (one missing item; points x 21 / 15 or 16).
            prorated = any((value * d / 21).is_integer() for d in (15, 16))
            assert row["outcome"] == C and 0 <= value <= 21 and (value.is_integer() or prorated)
        key = tuple(row[c] for c in EXPECTED_COLUMNS[:-1])
        assert key not in keys, f"duplicate measurement {key}"
        keys.add(key)
    # Every cohort: one couple where only partner A took part, one participant without post.
    partners = defaultdict(set)
    timepoints = defaultdict(set)
    for row in rows:
        partners[(row["municipality_code"], row["couple_code"])].add(row["partner"])
        timepoints[(row["municipality_code"], row["couple_code"], row["partner"])].add(
            row["timepoint"]
        )
    assert any(p == {"A"} for p in partners.values())
    if name not in ("pii_unmapped", "qualtrics_followup"):  # a single-timepoint export
        assert any("post" not in t for t in timepoints.values())


def test_fixtures_are_reproduced_byte_for_byte(tmp_path: Path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_export_fixtures", FIXTURES / "make_export_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    made = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(EXPORTS) for p in EXPORTS.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert made == committed
    for relative in sorted(made):
        assert (tmp_path / relative).read_bytes() == (EXPORTS / relative).read_bytes(), relative


# ------------------------------------------------------------------------------ Qualtrics

QUALTRICS_META = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
]


@pytest.mark.parametrize("name", ["voormeting.csv", "nameting.csv"])
def test_qualtrics_bytes_and_header_rows(name: str) -> None:
    raw = (EXPORTS / "qualtrics" / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    records = csv_records(EXPORTS / "qualtrics" / name)
    header, texts, import_ids = records[:3]
    assert header[:17] == QUALTRICS_META
    assert header[17:] == [
        "Q1",
        "Q2",
        "Q3_1",
        "Q3_2",
        "Q3_3",
        "Q3_4",
        "Q4",
        "koppelcode",
        "gemeente",
    ]
    assert texts[2] == "Response Type" and texts[17] == "Bent u partner A of partner B?"
    assert all(re.fullmatch(r'\{"ImportId":"[^"]+"\}', cell) for cell in import_ids)
    assert all(len(record) == len(header) for record in records)


def test_qualtrics_status_styles_and_excluded_rows() -> None:
    pre = csv_records(EXPORTS / "qualtrics" / "voormeting.csv")
    post = csv_records(EXPORTS / "qualtrics" / "nameting.csv")
    status = QUALTRICS_META.index("Status")
    finished = QUALTRICS_META.index("Finished")
    progress = QUALTRICS_META.index("Progress")
    # Row numbers as in the file: records[i] is file row i + 1.
    assert [r[status] for r in pre[3:]].count("1") == 1 and pre[5][status] == "1"
    assert pre[8][status] == "2"
    assert {r[finished] for r in pre[3:]} == {"1"}
    assert post[6][status] == "Survey Preview"
    assert (post[9][finished], post[9][progress]) == ("False", "45")
    assert {r[status] for r in post[3:]} == {"IP Address", "Survey Preview"}
    assert pre[12][pre[0].index("Q3_3")] == "-99" and post[11][post[0].index("Q2")] == "-99"
    assert "\n" in pre[15][pre[0].index("Q4")] and len(pre) == 16


def test_qualtrics_follow_up_has_an_identical_double_submission() -> None:
    records = csv_records(EXPORTS / "qualtrics" / "follow-up.csv")
    header = records[0]
    first, second = records[6], records[7]  # file rows 7 and 8
    mapped = [header.index(c) for c in ("koppelcode", "Q1", "Q2", "Q3_1", "Q3_2", "Q3_3", "Q3_4")]
    assert [first[i] for i in mapped] == [second[i] for i in mapped]
    assert first[mapped[0]] == "K02" and first[mapped[1]] == "2"
    response_id = header.index("ResponseId")
    assert first[response_id] != second[response_id]


def test_qualtrics_numeric_export_agrees_with_expected() -> None:
    records = csv_records(EXPORTS / "qualtrics" / "voormeting.csv")
    header = records[0]
    got = {}
    for record in records[3:]:
        row = dict(zip(header, record))
        if row["Status"] != "0" or row["Finished"] != "1":
            continue
        partner = {"1": "A", "2": "B"}[row["Q1"]]
        got[(row["koppelcode"], partner, R)] = float(row["Q2"])
        items = [row[f"Q3_{i}"] for i in range(1, 5)]
        answered = [(int(v), top) for v, top in zip(items, (6, 5, 5, 5)) if v != "-99"]
        if len(answered) >= 3:  # one missing item is prorated within the items' ranges
            points, tops = sum(v for v, _ in answered), sum(t for _, t in answered)
            got[(row["koppelcode"], partner, C)] = points * 21 / tops
    want = {
        (r["couple_code"], r["partner"], r["outcome"]): float(r["value"])
        for r in read_expected("qualtrics")
        if r["timepoint"] == "pre"
    }
    assert got == want


# ------------------------------------------------------------------------------ Dutch Excel


def test_dutch_excel_encodings_hold_the_same_text() -> None:
    cp1252 = (EXPORTS / "dutch_excel" / "relatiecursus_2023_cp1252.csv").read_bytes()
    utf8 = (EXPORTS / "dutch_excel" / "relatiecursus_2023_utf8bom.csv").read_bytes()
    assert utf8.startswith(b"\xef\xbb\xbf") and not cp1252.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    text = cp1252.decode("cp1252")
    assert text == utf8.decode("utf-8-sig")
    assert "€" in text and "René" in text and "Súdwest-Fryslân" in text
    assert b"\x80" in cp1252  # the euro sign: cp1252 only, not latin-1
    assert text.count("\r\n") == text.count("\n") == 12
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert records[0][:4] == ["Gemeente", "Jaar", "Koppelnummer", "Partner"]
    assert records[1][4] == "03-07-1989"
    assert records[6][11] == "Gestopt na sessie 2; verhuisd"  # quoted because of the ';'
    assert records[3][9] == "#N/B" and records[6][8] == "#N/B"
    assert {r[7] for r in records[1:]} >= {"5,5", "6,5"}


def test_dutch_excel_agrees_with_expected() -> None:
    text = (EXPORTS / "dutch_excel" / "relatiecursus_2023_cp1252.csv").read_bytes()
    records = list(csv.reader(io.StringIO(text.decode("cp1252"), newline=""), delimiter=";"))
    municipality = {
        "den bosch": "GM0796",
        "'s-hertogenbosch": "GM0796",
        "s-hertogenbosch": "GM0796",
        "sudwest-fryslan": "GM1900",
        "súdwest-fryslân": "GM1900",
        "sudwest fryslan": "GM1900",
    }
    got = {}
    for row in records[1:]:
        code = municipality[row[0].strip().lower()]
        for column, timepoint in ((7, "pre"), (8, "post"), (9, "followup")):
            if re.fullmatch(r"\d+(,5)?", row[column]):
                got[(code, row[2], row[3], timepoint)] = float(row[column].replace(",", "."))
    want = {
        (r["municipality_code"], r["couple_code"], r["partner"], r["timepoint"]): float(r["value"])
        for r in read_expected("dutch_excel")
    }
    assert got == want


# ------------------------------------------------------------------------------ LimeSurvey


def test_limesurvey_csv_bytes() -> None:
    raw = (EXPORTS / "limesurvey" / "results-survey482913.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b'"\r\n\r\n')
    lines = raw[3:].split(b"\r\n")
    assert lines[-2:] == [b"", b""]
    assert all(line.startswith(b'"') and line.endswith(b'"') for line in lines[:-2])
    records = csv_records(EXPORTS / "limesurvey" / "results-survey482913.csv")
    header = records[0]
    assert header[:10] == [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "token",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
    ]
    assert "TEVR[SQ001]" in header and "TEVR[SQ003]" in header
    incomplete = [i + 1 for i, r in enumerate(records) if r and i and r[1] == ""]
    assert incomplete == [16]


def test_limesurvey_sav_labels() -> None:
    frame, meta = pyreadstat.read_sav(str(EXPORTS / "limesurvey" / "survey_482913_SPSS.sav"))
    assert len(frame) == 18
    assert {"TEVR_SQ001", "TEVR_SQ002", "TEVR_SQ003", "GELUK", "RAPPORT"} <= set(frame.columns)
    labels = meta.column_names_to_labels
    assert labels["TEVR_SQ001"].startswith("[Ik heb een warme en fijne relatie")
    assert meta.variable_value_labels["PARTNER"] == {"A": "Partner A", "B": "Partner B"}
    assert meta.variable_value_labels["GELUK"][6.0] == "Perfect"
    assert frame["submitdate"].isna().tolist().index(True) == 14  # case 15
    csv_rows = csv_records(EXPORTS / "limesurvey" / "results-survey482913.csv")[1:-1]
    assert [r[13] for r in csv_rows] == [f"{v:g}" for v in frame["RAPPORT"]]


# ------------------------------------------------------------------------------ SPSS


def test_spss_value_labels_and_user_missing() -> None:
    path = str(EXPORTS / "spss" / "relatiecursus_2024.sav")
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    assert meta.missing_ranges["rapport_voor"] == [{"lo": 99.0, "hi": 99.0}]
    assert meta.missing_ranges["csi3_na"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.variable_value_labels["rapport_voor"] == {
        1.0: "zeer ontevreden",
        10.0: "zeer tevreden",
        99.0: "weet niet",
    }
    assert meta.variable_value_labels["gemeente"] == {1.0: "Súdwest-Fryslân", 2.0: "Utrecht"}
    assert meta.variable_value_labels["partner"] == {1.0: "Partner A", 2.0: "Partner B"}
    assert frame.loc[3, "rapport_voor"] == 99 and frame.loc[5, "csi3_na"] == 9
    # Without user_missing, the declared codes become missing: never a rating of 99.
    plain, _ = pyreadstat.read_sav(path)
    assert plain["rapport_voor"].isna().sum() == 1 and plain["rapport_voor"].max() == 8
    assert plain.loc[8, ["rapport_na", "csi1_na"]].isna().all()


# ------------------------------------------------------------------------------ xlsx


def test_msforms_workbook() -> None:
    book = openpyxl.load_workbook(EXPORTS / "msforms" / "Samen Sterker Utrecht 2025(1-17).xlsx")
    sheet = book["Sheet1"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
    )
    assert rows[0][7] == "Bent u partner A of partner B?"
    assert {r[3] for r in rows[1:]} == {"anonymous"} and len(rows) == 18
    assert rows[1][1].year == 2025 and rows[1][2] > rows[1][1]


def test_googleforms_workbooks_in_two_locales() -> None:
    folder = EXPORTS / "googleforms"
    dutch = openpyxl.load_workbook(folder / "Samen Sterker Den Bosch 2025 (reacties).xlsx")
    english = openpyxl.load_workbook(folder / "Samen Sterker Den Bosch 2025 (responses).xlsx")
    rows = list(dutch["Formulierreacties 1"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Tijdstempel", "E-mailadres")
    assert all(isinstance(r[6], int) and 1 <= r[6] <= 10 for r in rows[1:])
    english_rows = list(english["Form Responses 1"].iter_rows(values_only=True))
    assert english_rows[0][:2] == ("Timestamp", "Email Address")
    assert english_rows[0][2:] == rows[0][2:] and english_rows[1:] == rows[1:]
    assert english["Form Responses 1"]["A2"].number_format == "m/d/yyyy h:mm:ss"


# ------------------------------------------------------------------------------ others


def test_surveymonkey_two_header_rows() -> None:
    raw = (EXPORTS / "surveymonkey" / "Samen Sterker 2025.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n")
    records = csv_records(EXPORTS / "surveymonkey" / "Samen Sterker 2025.csv", "utf-8")
    assert records[0][:9] == [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    assert records[1][9:13] == ["Response"] * 4 and records[0][14:16] == ["", ""]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d [AP]M", r[2]) for r in records[2:])
    assert records[12][11] == ""  # F02-B skipped the rating


def test_castor_layout_and_missing_codes() -> None:
    path = EXPORTS / "castor" / "SamenSterker_Vragenlijst_relatie_export_20231215.csv"
    assert b"\r" not in path.read_bytes()
    records = csv_records(path, "utf-8", delimiter=";")
    header = records[0]
    assert header[:4] == [
        "Participant Id",
        "Participant Status",
        "Site Abbreviation",
        "Participant Creation Date",
    ]
    date = re.compile(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d")
    assert all(date.fullmatch(r[3]) and date.fullmatch(r[4]) for r in records[1:])
    outcome_cells = [c for r in records[1:] for c in r[10:15]]
    negative = {c for c in outcome_cells if c.startswith("-")}
    assert negative == {"-95", "-96", "-97", "-98", "-99"}


def test_long_csv() -> None:
    records = csv_records(EXPORTS / "long" / "metingen_2023.csv", "utf-8")
    assert records[0] == ["code", "partner", "gemeente", "jaar", "meetmoment", "score"]
    assert {r[4] for r in records[1:]} == {"voormeting", "nameting", "follow-up"}


# ------------------------------------------------------------------------------ malformed


def test_problems_point_at_real_rows_and_columns() -> None:
    for problem in read_expected("problems"):
        path = EXPORTS / problem["file"]
        row, column = int(problem["row"]), problem["column"]
        if path.suffix == ".xlsx":
            with pytest.raises(zipfile.BadZipFile):
                zipfile.ZipFile(path)
            continue
        raw = path.read_bytes()
        if "unreadable" in problem["problem"]:
            for encoding in ("utf-8", "cp1252"):
                with pytest.raises(UnicodeDecodeError):
                    raw.decode(encoding)
            text = raw.decode("latin-1")
        else:
            text = raw.decode("utf-8-sig")
        delimiter = ";" if "dutch_excel" in path.name else ","
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if problem["problem"].startswith("missing mapped column"):
            assert row == 1 and column not in records[0]
            continue
        # `#4` is a column by position (1-based), as an unreadable byte's column is named.
        index = int(column[1:]) - 1 if column.startswith("#") else records[0].index(column)
        assert index < len(records[0]) and 2 <= row <= len(records), problem
        cell = records[row - 1][index]
        if "unreadable" in problem["problem"]:
            assert "\x81" in cell
        if "unknown municipality" in problem["problem"]:
            assert cell == "Nergenshuisen-Oost"
        if "value problem" in problem["problem"]:
            assert cell in {"11", "0", "12", "zeven"}


def test_several_problems_file_holds_every_kind() -> None:
    kinds = {
        re.sub(r" \(.*|D0\d|M0\d", "", p["problem"])
        for p in read_expected("problems")
        if p["file"] == "malformed/several_problems.csv"
    }
    assert len(kinds) == 5


# ------------------------------------------------------------------------------ PII


def test_planted_values_are_where_the_table_says() -> None:
    for planted in read_expected("pii_planted"):
        path = EXPORTS / planted["file"]
        delimiter = ";" if "excel" in path.name else ","
        records = csv_records(path, delimiter=delimiter)
        row = int(planted["row"])
        cell = records[row - 1][records[0].index(planted["column"])]
        assert planted["value"] in cell, planted


def test_planted_values_are_valid_of_their_kind() -> None:
    assert phonenumbers.is_valid_number(phonenumbers.parse("06-12345678", "NL"))
    assert iban.is_valid("NL91ABNA0417164300")
    assert bsn.is_valid("111222333")
    assert not bsn.is_valid("123456789")  # the invoice number must not pass as a BSN
    mapped = {p["value"] for p in read_expected("pii_planted") if p["mapped"] == "yes"}
    assert {"j.jansen@example.org", "06-12345678", "NL91ABNA0417164300"} <= mapped


def test_no_measurement_rows_exist() -> None:
    for note in read_expected("no_measurement"):
        path = EXPORTS / note["file"]
        if path.suffix == ".sav":
            frame, _ = pyreadstat.read_sav(str(path), user_missing=True)
            assert 1 <= int(note["row"]) <= len(frame)
            assert not note["column"] or note["column"] in frame.columns
            continue
        if path.suffix == ".xlsx":
            continue
        delimiter = ";" if "castor" in note["file"] or "dutch_excel" in note["file"] else ","
        encoding = "cp1252" if "cp1252" in note["file"] else "utf-8-sig"
        records = csv_records(path, encoding, delimiter)
        headers = set(records[0]) | (set(records[1]) if "surveymonkey" in note["file"] else set())
        assert int(note["row"]) <= len(records)
        assert not note["column"] or note["column"] in headers, note
