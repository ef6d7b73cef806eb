"""Readers per survey tool: encodings, header rows, row numbers, tool-marked non-responses.

Expected values are read off the specimen files by hand (tests/fixtures/specimens/README.md)
or are written into small files made here, never taken from the readers' own earlier output.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from samen_sterker.reading import ExportProblems, decode_export, read_export
from samen_sterker.reading.surveymonkey import surveymonkey_column_names

from .conftest import SPECIMENS

# --- encodings -------------------------------------------------------------------------------


def test_bom_utf8_and_plain_utf8_and_cp1252_in_fixed_order(tmp_path):
    text = "naam;cijfer\r\nRené;6,5\r\n"
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "utf8.csv").write_bytes(text.encode("utf-8"))
    (tmp_path / "ansi.csv").write_bytes(text.encode("cp1252"))
    bom = decode_export(tmp_path / "bom.csv")
    utf8 = decode_export(tmp_path / "utf8.csv")
    ansi = decode_export(tmp_path / "ansi.csv")
    assert (bom.encoding, bom.warning) == ("utf-8-sig (BOM)", None)
    assert (utf8.encoding, utf8.warning) == ("utf-8", None)
    assert ansi.encoding == "cp1252"
    assert "cp1252" in ansi.warning and "ansi.csv" in ansi.warning
    # The BOM is not part of the first column's name, and é survives every route.
    assert bom.text == utf8.text == ansi.text == text


def test_undecodable_file_is_rejected_with_file_and_line_but_no_bytes(tmp_path):
    # 0x81 is undefined in cp1252 and invalid as UTF-8: neither decoder accepts it.
    path = tmp_path / "kapot.csv"
    path.write_bytes(b"a;b\r\n1;2\r\nx\x81y;3\r\n")
    with pytest.raises(ExportProblems) as caught:
        decode_export(path, "data/raw/kapot.csv")
    message = str(caught.value)
    assert "data/raw/kapot.csv, row 3" in message
    assert "unreadable encoding" in message
    assert "\x81" not in message and "\ufffd" not in message and "xy" not in message


def test_unreadable_byte_is_located_by_column_position_never_by_its_header(tmp_path):
    # A header is typed by a person and may be personal data (here an e-mail address): the
    # encoding error names the field's position, as the reader cannot tell which names pass.
    header = "Gemeente;Jaar;Koppelnummer;Partner;marieke.smit@example.org;Voormeting;Nameting"
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + header.encode() + b"\r\nZeist;2026;K01;A;caf\xe9;6;7\r\n")
    with pytest.raises(ExportProblems) as caught:
        read_export(path, "excel_nl_csv", file="data/raw/2026/bom.csv")
    message = str(caught.value)
    assert "data/raw/2026/bom.csv, row 2, column '#5': unreadable encoding" in message
    assert "marieke" not in message and "example.org" not in message


def test_dutch_excel_csv_cp1252_and_utf8_bom_read_identically():
    cp1252 = read_export(SPECIMENS / "excel_nl_relatiecursus_2024_cp1252.csv", "excel_nl_csv")
    utf8 = read_export(SPECIMENS / "excel_nl_relatiecursus_2024_utf8bom.csv", "excel_nl_csv")
    assert cp1252.encoding == "cp1252" and cp1252.warnings
    assert utf8.encoding == "utf-8-sig (BOM)" and not utf8.warnings
    pd.testing.assert_frame_equal(cp1252.frame, utf8.frame)
    assert cp1252.frame.columns[0] == "Gemeente"
    assert cp1252.frame.loc[2, "Opmerking trainer"].startswith("René")
    assert cp1252.decimal == ","
    assert cp1252.row_numbers == list(range(2, 12))
    assert cp1252.frame.loc[5, "Nameting"] == "#N/B"
    assert "#N/B" in cp1252.missing_codes["Nameting"]


# --- Qualtrics -------------------------------------------------------------------------------


def test_qualtrics_specimen_three_header_rows_and_unfinished_response():
    export = read_export(
        SPECIMENS / "qualtrics_relatiecursus_GM9999_2024_nameting.csv", "qualtrics_csv"
    )
    assert export.header_rows == 3
    assert export.rows_read == 10
    assert export.row_numbers == list(range(4, 14))  # three header rows, then data
    assert list(export.frame.columns[:3]) == ["StartDate", "EndDate", "Status"]
    assert export.frame.loc[0, "koppelcode"] == "K01"
    assert export.frame.loc[0, "Q3_2"] == "8"
    # K03-B (file row 9) stopped at 45%: Finished=0.
    assert export.row_exclusions == {5: ("unfinished_response", "Finished is false")}


QUALTRICS_TEMPLATE = (
    "StartDate,Status,Finished,Q1,koppelcode\r\n"
    "Start Date,Response Type,Finished,Partner?,koppelcode\r\n"
    '"{""ImportId"":""startDate""}","{""ImportId"":""status""}","{""ImportId"":""finished""}",'
    '"{""ImportId"":""QID1""}","{""ImportId"":""koppelcode""}"\r\n'
    "2024-01-01,IP Address,True,1,K01\r\n"
    "2024-01-01,Survey Preview,True,1,K02\r\n"
    "2024-01-01,2,1,2,K03\r\n"
    "2024-01-01,0,False,2,K04\r\n"
    "2024-01-01,8,1,2,K05\r\n"
)


def test_qualtrics_preview_test_spam_and_unfinished_in_text_and_code_form(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(QUALTRICS_TEMPLATE, encoding="utf-8")
    export = read_export(path, "qualtrics_csv")
    assert export.row_numbers == [4, 5, 6, 7, 8]
    assert {k: v[0] for k, v in export.row_exclusions.items()} == {
        1: "preview_response",
        2: "test_response",
        3: "unfinished_response",
        4: "spam_response",
    }


def test_qualtrics_legacy_export_with_two_header_rows(tmp_path):
    lines = QUALTRICS_TEMPLATE.split("\r\n")
    path = tmp_path / "legacy.csv"
    path.write_text("\r\n".join(lines[:2] + lines[3:]), encoding="utf-8")
    export = read_export(path, "qualtrics_csv")
    assert export.header_rows == 2
    assert export.row_numbers == [3, 4, 5, 6, 7]
    assert export.frame["koppelcode"].tolist() == ["K01", "K02", "K03", "K04", "K05"]


def test_wrong_field_counts_are_all_reported_with_rows(tmp_path):
    path = tmp_path / "q.csv"
    text = QUALTRICS_TEMPLATE.replace("1,K01", "1,K01,geheim@example.org").replace("2,K05", "2")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExportProblems) as caught:
        read_export(path, "qualtrics_csv", file="data/raw/q.csv")
    message = str(caught.value)
    assert "data/raw/q.csv, row 4: wrong number of fields: 6 fields" in message
    assert "data/raw/q.csv, row 8: wrong number of fields: 4 fields" in message
    assert "geheim" not in message


# --- LimeSurvey ------------------------------------------------------------------------------


def test_limesurvey_specimen_quoted_fields_trailing_blank_line_incomplete_response():
    export = read_export(
        SPECIMENS / "limesurvey_results-survey482913_GM9999_2024.csv", "limesurvey_csv"
    )
    assert export.rows_read == 10  # the trailing blank line is not a response
    assert export.row_numbers == list(range(2, 12))
    assert export.frame.columns[0] == "id"  # BOM stripped
    assert export.frame.loc[0, "TEVR[SQ001]"] == "6"
    assert export.frame.loc[3, "TEVR[SQ003]"] == ""
    assert export.row_exclusions == {5: ("unfinished_response", "submitdate is empty")}


def test_limesurvey_spss_export_marks_incomplete_and_keeps_missing_codes(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0],
            "submitdate": ["2024-03-04 20:06:00", "", "1980-01-01 00:00:00"],
            "KOPPEL": ["K01", "K01", "K02"],
            "TEVR_SQ001": [6.0, 99.0, 7.5],
        }
    )
    path = tmp_path / "survey_482913_SPSS.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"TEVR_SQ001": {1.0: "zeer ontevreden", 99.0: "weet niet"}},
        missing_ranges={"TEVR_SQ001": [99.0]},
    )
    export = read_export(path, "limesurvey_sav")
    assert export.format == "limesurvey_sav"
    assert export.row_numbers == [1, 2, 3]
    assert export.frame["TEVR_SQ001"].tolist() == ["6", "99", "7.5"]
    assert export.missing_ranges["TEVR_SQ001"] == [(99.0, 99.0)]
    assert export.value_labels["TEVR_SQ001"]["99"] == "weet niet"
    # An anonymised LimeSurvey dates a finished response 1980-01-01: it is complete.
    assert export.row_exclusions == {1: ("unfinished_response", "submitdate is empty")}


# --- SPSS in general -------------------------------------------------------------------------


def test_spss_sav_dates_labels_and_system_missing(tmp_path):
    frame = pd.DataFrame(
        {
            "code": ["K01A", "K01B"],
            "cijfer": [7.0, float("nan")],
            "datum": [dt.datetime(2024, 2, 5), dt.datetime(2024, 2, 6)],
        }
    )
    path = tmp_path / "x.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"cijfer": {7.0: "zeven"}})
    export = read_export(path, "spss_sav")
    assert export.frame["cijfer"].tolist() == ["7", ""]
    assert export.frame["datum"].tolist() == ["2024-02-05", "2024-02-06"]
    assert export.value_labels == {"cijfer": {"7": "zeven"}}
    assert export.missing_ranges == {}


def test_unreadable_sav_is_a_problem_naming_the_file(tmp_path):
    path = tmp_path / "kapot.sav"
    path.write_bytes(b"not an spss file at all")
    with pytest.raises(ExportProblems, match=r"data/raw/kapot.sav: unreadable SPSS file"):
        read_export(path, "spss_sav", file="data/raw/kapot.sav")


# --- Excel workbooks -------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Form1"
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_ms_forms_xlsx_numbers_dates_and_row_numbers(tmp_path):
    path = tmp_path / "forms.xlsx"
    _workbook(
        path,
        [
            ["ID", "Start time", "Completion time", "Email", "Name", "Koppelcode", "Cijfer"],
            [
                1,
                dt.datetime(2024, 2, 5, 19, 30),
                dt.datetime(2024, 2, 5, 19, 40),
                "anonymous",
                None,
                "K01",
                6.5,
            ],
            [None] * 7,  # an empty row in the sheet: skipped, but row numbers stay true
            [2, dt.datetime(2024, 2, 6), dt.datetime(2024, 2, 6), "anonymous", None, "K01", 7],
        ],
    )
    export = read_export(path, "ms_forms_xlsx")
    assert export.format == "ms_forms_xlsx"
    assert export.row_numbers == [2, 4]
    assert export.frame["Cijfer"].tolist() == ["6.5", "7"]
    assert export.frame["Start time"].tolist() == ["2024-02-05 19:30:00", "2024-02-06"]
    assert export.frame["Name"].tolist() == ["", ""]
    assert export.decimal == "."


def test_google_forms_xlsx_named_sheet_and_missing_sheet(tmp_path):
    path = tmp_path / "google.xlsx"
    _workbook(path, [["Timestamp", "Email Address", "Koppelcode"], ["2024-02-05", "", "K02"]])
    export = read_export(path, "google_forms_xlsx", {"sheet": "Form1"})
    assert export.frame["Koppelcode"].tolist() == ["K02"]
    with pytest.raises(ExportProblems, match="missing sheet"):
        read_export(path, "google_forms_xlsx", {"sheet": "Formulierreacties 1"})


def test_a_title_row_above_the_column_names_is_configured_with_header_row(tmp_path):
    """A workbook someone gave a title row: read as it is, it is one column and rows of
    'data beyond the header' with a hint; with header_row: 2 the names come from row 2 and the
    rows keep the sheet's own numbers."""
    path = tmp_path / "titled.xlsx"
    _workbook(path, [["Samen Sterker voormeting"], ["Koppelcode", "Cijfer"], ["K01", 6],
                     ["K02", 7]])
    with pytest.raises(ExportProblems) as caught:
        read_export(path, "xlsx", file="data/raw/titled.xlsx")
    message = str(caught.value)
    assert "data beyond the header" in message
    assert "row 1 has one filled cell" in message and "header_row" in message
    export = read_export(path, "xlsx", {"header_row": 2}, file="data/raw/titled.xlsx")
    assert export.frame.to_dict("list") == {"Koppelcode": ["K01", "K02"], "Cijfer": ["6", "7"]}
    assert export.row_numbers == [3, 4]
    assert export.header_rows == 2
    with pytest.raises(ExportProblems, match="too short"):
        read_export(path, "xlsx", {"header_row": 9})


@pytest.mark.parametrize(
    ("format_", "option", "says"),
    [("xlsx", {"header_rows": 2}, "header_rows: only for a CSV export"),
     ("csv", {"header_row": 2}, "header_row: only for an .xlsx workbook"),
     ("qualtrics_csv", {"sheet": "Blad1"}, "sheet: only for an .xlsx workbook")],
)
def test_a_reader_option_the_format_does_not_read_is_refused(format_, option, says):
    """Before, header_rows on a workbook passed the schema and was ignored without a word."""
    from samen_sterker.cleaning.mapping import parse_mapping
    from samen_sterker.config import load_config

    spec = {"format": format_, "couple_column": "Koppelcode", "partner_column": "Partner",
            "outcomes": {"relationship_rating": {"pre": {"column": "Cijfer"}}}, **option}
    mapping, problems = parse_mapping("titled", spec, load_config("config/config.yaml"))
    assert mapping is None
    assert any(says in problem.detail for problem in problems), problems


# Sheet titles a person typed: a phone number, and a name the privacy scan cannot recognise.
PHONE_TITLE = "Jan Jansen 0687654321"
NAME_TITLE = "Notities Petra de Vries"


def _two_sheets(path: Path, second_rows: list[list] | None = None) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = PHONE_TITLE
    workbook.active.append(["Koppelcode", "Cijfer"])
    workbook.active.append(["K01", 6])
    second = workbook.create_sheet(NAME_TITLE)
    for row in second_rows or []:
        second.append(row)
    workbook.save(path)


def _without_titles(text: str) -> None:
    for planted in ("Jan Jansen", "0687654321", "Petra", "Notities"):
        assert planted.lower() not in text.lower(), planted


def test_sheet_titles_are_referred_to_by_position(tmp_path):
    path = tmp_path / "forms.xlsx"
    _two_sheets(path)
    export = read_export(path, "ms_forms_xlsx", file="data/raw/forms.xlsx")
    assert export.notes == ["data/raw/forms.xlsx: ms_forms_xlsx workbook, sheet 1 of 2"]
    assert export.frame["Koppelcode"].tolist() == ["K01"]


def test_missing_sheet_names_the_configured_title_and_counts_the_others(tmp_path):
    path = tmp_path / "google.xlsx"
    _two_sheets(path)
    with pytest.raises(ExportProblems) as caught:
        read_export(
            path, "google_forms_xlsx", {"sheet": "Formulierreacties 1"}, file="data/raw/g.xlsx"
        )
    message = str(caught.value)
    assert "data/raw/g.xlsx: missing sheet: no sheet 'Formulierreacties 1'" in message
    assert "the workbook has 2 sheets" in message
    _without_titles(message)


def test_empty_sheet_is_referred_to_by_position(tmp_path):
    path = tmp_path / "forms.xlsx"
    _two_sheets(path)
    with pytest.raises(ExportProblems) as caught:
        read_export(path, "xlsx", {"sheet": NAME_TITLE}, file="data/raw/forms.xlsx")
    message = str(caught.value)
    assert "data/raw/forms.xlsx: empty workbook: sheet 2 of 2 has no rows" in message
    _without_titles(message)


# --- SurveyMonkey, Castor, generic -----------------------------------------------------------


def test_surveymonkey_two_header_rows_combined():
    questions = ["Respondent ID", "Email Address", "Koppelcode", "Hoe tevreden?", "", "Opmerking"]
    answers = ["", "", "Response", "Voor de cursus", "Na de cursus", "Open-Ended Response"]
    assert surveymonkey_column_names(questions, answers) == [
        "Respondent ID",
        "Email Address",
        "Koppelcode",
        "Hoe tevreden? | Voor de cursus",
        "Hoe tevreden? | Na de cursus",
        "Opmerking",
    ]


def test_surveymonkey_csv_rows_start_after_two_header_rows(tmp_path):
    path = tmp_path / "sm.csv"
    path.write_text(
        "Respondent ID,Koppelcode,Hoe tevreden?,\n,Response,Voor,Na\n1001,K01,5,8\n1002,K01,6,7\n",
        encoding="utf-8",
    )
    export = read_export(path, "surveymonkey_csv")
    assert export.row_numbers == [3, 4]
    assert export.frame["Hoe tevreden? | Na"].tolist() == ["8", "7"]


def test_castor_csv_semicolons_and_user_missing_codes(tmp_path):
    path = tmp_path / "castor.csv"
    path.write_text(
        "Participant Id;Participant Status;Site Abbreviation;koppel;cijfer_pre\n"
        "110001;Completed;UVA;K01;-99\n110002;Completed;UVA;K01;7\n",
        encoding="utf-8",
    )
    export = read_export(path, "castor_csv")
    assert export.frame["cijfer_pre"].tolist() == ["-99", "7"]
    assert export.missing_codes["cijfer_pre"] == {"-95", "-96", "-97", "-98", "-99"}
    assert export.row_numbers == [2, 3]


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ExportProblems, match="unknown format"):
        read_export(tmp_path / "x.csv", "typeform_csv")
    with pytest.raises(ExportProblems, match="missing file"):
        read_export(tmp_path / "x.csv", "csv")


def test_readers_never_write_to_the_export(tmp_path):
    path = tmp_path / "q.csv"
    shutil.copy(SPECIMENS / "qualtrics_relatiecursus_GM9999_2024_nameting.csv", path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_export(path, "qualtrics_csv")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_thousands_of_identical_problems_are_counted_not_all_printed():
    from samen_sterker.reading import Problem

    problems = [
        Problem("a.csv", "wrong number of fields", "3 fields", row=row) for row in range(2, 1002)
    ]
    error = ExportProblems(problems + [Problem("b.csv", "missing file", "no such file")])
    lines = str(error).splitlines()
    assert lines[0] == "1001 problems in the exports:"
    assert len(error.problems) == 1001
    assert "a.csv, row 21:" in str(error) and "a.csv, row 22:" not in str(error)
    assert lines[-1] == "  - a.csv: wrong number of fields: 980 more not shown"
    assert "  - b.csv: missing file: no such file" in lines


def test_excel_sep_line_names_the_separator_and_rows_stay_true(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\r\nKoppel;Partner;Cijfer\r\nK01;A;6,5\r\n", encoding="utf-8")
    export = read_export(path, "excel_nl_csv")
    assert list(export.frame.columns) == ["Koppel", "Partner", "Cijfer"]
    assert export.frame["Cijfer"].tolist() == ["6,5"]
    assert export.row_numbers == [3]
    assert any("sep=;" in note for note in export.notes)
