"""The date of the data: latest completion date of the kept rows per export, nothing per row.

Expected dates are read off the files by hand (the rows kept and excluded are stated next to
each value); they are never the cleaning code's own earlier output.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from samen_sterker.cleaning import ExportProblems, clean_exports, write_clean_outputs
from samen_sterker.cleaning.clean import parse_response_date
from samen_sterker.cleaning.mapping import parse_mapping
from samen_sterker.config import ConfigError, load_config, validate_config

from .conftest import SPECIMENS

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "exports"
SHEET_HEADER = "export_id\tpath\tmapping\tyear\tmunicipality\ttimepoint\tdescription\n"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DAY_FIRST_DATE = re.compile(r"\d{2}-\d{2}-\d{4}")
LONG_MAPPING = {
    "format": "csv",
    "layout": "long",
    "couple_column": "code",
    "partner_column": "partner",
    "timepoint_column": "meetmoment",
    "timepoint_values": {"voor": "pre", "na": "post"},
    "outcomes": {"relationship_rating": {"column": "score"}},
    "date_column": "ingevuld",
    "date_format": "%d-%m-%Y %H:%M:%S",
}
# Row 2: 5 July (month first it would be 7 May). Row 3: 31 February does not exist (a bad
# date: warned about, the response kept). Row 4: no date (kept). Row 5: the latest date, but
# its only score is empty, so the response is excluded and its date must not count. Row 6:
# 12 March (month first it would be 3 December, the maximum). Kept rows 2, 3, 4, 6 → the
# latest valid date is 2024-07-05.
LONG_CSV = (
    "code,partner,meetmoment,score,ingevuld\n"
    "K01,A,voor,6,05-07-2024 10:00:00\n"
    "K01,B,voor,7,31-02-2024 11:00:00\n"
    "K02,A,voor,5,\n"
    "K02,B,voor,,31-12-2024 23:59:00\n"
    "K01,A,na,8,12-03-2024 09:00:00\n"
)


@pytest.fixture(scope="module")
def base_config() -> dict:
    return load_config(REPO / "config" / "config.yaml")


def project(
    root: Path, config: dict, mappings: dict, rows: list[str], files: dict[str, Path | str]
) -> dict:
    """Files, sheet and municipalities in root; the config (with these mappings) to clean it."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "exports.tsv").write_text(
        SHEET_HEADER + "".join(row + "\n" for row in rows), encoding="utf-8"
    )
    shutil.copy(FIXTURES / "municipalities.tsv", root / "config" / "municipalities.tsv")
    config = copy.deepcopy(config)
    config["mappings"] = mappings
    return validate_config(config)


def long_project(root: Path, base_config: dict, **changes) -> dict:
    mapping = {**LONG_MAPPING, **changes}
    return project(
        root,
        base_config,
        {"long_dates": mapping},
        ["e1\tdata/raw/metingen.csv\tlong_dates\t2024\tGM9999\t\t"],
        {"data/raw/metingen.csv": LONG_CSV},
    )


# --- parsing --------------------------------------------------------------------------------


def test_day_first_format_reads_03_07_2024_as_3_july():
    assert parse_response_date("03-07-2024", ["%d-%m-%Y"]) == dt.date(2024, 7, 3)
    assert parse_response_date("03-07-2024", ["%m-%d-%Y"]) == dt.date(2024, 3, 7)
    assert parse_response_date(" 03-07-2024 21:15:00 ", ["%d-%m-%Y %H:%M:%S"]) == dt.date(
        2024, 7, 3
    )


def test_formats_are_explicit_and_tried_in_order():
    formats = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
    assert parse_response_date("2025-09-08 19:06:11", formats) == dt.date(2025, 9, 8)
    assert parse_response_date("2025-09-08", formats) == dt.date(2025, 9, 8)
    # No guessing: a cell in another layout is not a date, nor is 31 February.
    assert parse_response_date("08-09-2025 19:06:11", formats) is None
    assert parse_response_date("2024-02-31", formats) is None
    # SurveyMonkey's US 12-hour time: 02/10/2025 07:34:25 PM is 10 February.
    assert parse_response_date("02/10/2025 07:34:25 PM", ["%m/%d/%Y %I:%M:%S %p"]) == dt.date(
        2025, 2, 10
    )


def test_mapping_needs_an_explicit_format_with_a_date_column(base_config):
    spec = {k: v for k, v in LONG_MAPPING.items() if k != "date_format"}
    mapping, problems = parse_mapping("m", spec, base_config)
    assert mapping is None
    assert any("date_format" in p.detail and "required" in p.detail for p in problems)
    spec = {k: v for k, v in LONG_MAPPING.items() if k != "date_column"}
    mapping, problems = parse_mapping("m", spec, base_config)
    assert mapping is None and any("only used with date_column" in p.detail for p in problems)
    mapping, problems = parse_mapping("m", LONG_MAPPING, base_config)
    assert problems == [] and mapping.date_formats == ("%d-%m-%Y %H:%M:%S",)
    assert "ingevuld" not in mapping.allowed_columns()


def test_schema_rejects_a_date_format_without_strptime_codes(base_config):
    config = copy.deepcopy(base_config)
    config["mappings"] = {"m": {**LONG_MAPPING, "date_format": "dd-mm-yyyy"}}
    with pytest.raises(ConfigError, match=r"mappings\.m\.date_format"):
        validate_config(config)


# --- the latest date of the kept rows ------------------------------------------------------


def test_latest_date_counts_kept_rows_only_and_reads_day_first(tmp_path, base_config):
    config = long_project(tmp_path, base_config)
    result = clean_exports(config, tmp_path)
    quality = result.data_quality.set_index("export_id")
    assert quality.loc["e1", "rows_kept"] == 4 and quality.loc["e1", "rows_excluded"] == 1
    assert quality.loc["e1", "latest_response_date"] == "2024-07-05"


def test_bad_date_warns_without_excluding_and_without_the_value(tmp_path, base_config):
    for strict in (False, True):
        config = long_project(tmp_path, {**base_config, "strict": strict})
        if strict:  # with a score, row 5 (31 December) is kept too and its date counts
            (tmp_path / "data/raw/metingen.csv").write_text(
                LONG_CSV.replace("K02,B,voor,,", "K02,B,voor,4,"), encoding="utf-8"
            )
        result = clean_exports(config, tmp_path)
        kept = result.measurements
        # Rows 3 (31 February) and 4 (no date) keep their measurements.
        assert set(kept["participant_id"] + "@" + kept["timepoint"]) >= {
            "GM9999-2024-K01-B@pre",
            "GM9999-2024-K02-A@pre",
        }
        assert not (result.exclusions["row"].isin([3, 4])).any()
        warnings = [line for line in result.log if line.startswith("WARNING")]
        bad = [line for line in warnings if "row 3," in line]
        assert len(bad) == 1 and "column 'ingevuld'" in bad[0] and "metingen.csv" in bad[0]
        assert any("no date in 1 kept row(s) (4)" in line for line in warnings)
        log = "\n".join(result.log)
        assert "31-02-2024" not in log and "11:00:00" not in log
        expected = "2024-12-31" if strict else "2024-07-05"
        assert result.data_quality["latest_response_date"].tolist() == [expected]


def test_missing_date_column_is_a_structural_problem(tmp_path, base_config):
    config = long_project(tmp_path, base_config, date_column="Voltooid")
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    assert "column 'Voltooid': missing mapped column" in str(caught.value)


def test_without_date_column_the_date_is_empty(tmp_path, base_config):
    mapping = {k: v for k, v in LONG_MAPPING.items() if not k.startswith("date_")}
    config = project(
        tmp_path,
        base_config,
        {"m": mapping},
        ["e1\tdata/raw/metingen.csv\tm\t2024\tGM9999\t\t"],
        {"data/raw/metingen.csv": LONG_CSV},
    )
    result = clean_exports(config, tmp_path)
    assert result.data_quality["latest_response_date"].tolist() == [""]
    assert "ingevuld" in set(result.dropped_columns["column"])


def test_castor_fixture_latest_kept_date_is_day_first(tmp_path, base_config):
    # Castor "Repeating Data Creation Date" is dd-mm-yyyy. The latest cell is row 22,
    # 23-06-2023, but every answer there is a missing code (-96), so the row is excluded;
    # the latest kept one is row 13, 20-06-2023.
    name = "castor/SamenSterker_Vragenlijst_relatie_export_20231215.csv"
    mapping = yaml.safe_load(
        """
        format: castor_csv
        layout: long
        couple_column: koppel_code
        participant_column: Participant Id
        partner_column: partner
        partner_values: {"1": A, "2": B}
        timepoint_column: meetmoment
        timepoint_values: {"1": pre, "2": post, "3": followup}
        date_column: Repeating Data Creation Date
        date_format: "%d-%m-%Y %H:%M:%S"
        outcomes:
          relationship_rating: {column: rapportcijfer}
          couple_satisfaction: {items: [csi_1, csi_2, csi_3, csi_4]}
        """
    )
    config = project(
        tmp_path,
        base_config,
        {"castor": mapping},
        [f"e1\tdata/raw/{name}\tcastor\t2023\tGM9999\t\t"],
        {f"data/raw/{name}": FIXTURES / name},
    )
    result = clean_exports(config, tmp_path)
    assert result.exclusions.query("row == 22 and column == ''")["reason"].tolist() == [
        "no_valid_measurement"
    ]
    assert result.data_quality["latest_response_date"].tolist() == ["2023-06-20"]
    assert not [line for line in result.log if line.startswith("WARNING") and "date" in line]


def test_no_per_row_date_reaches_the_outputs(tmp_path, base_config):
    # The Dutch Excel specimen: `Datum voormeting` 05-02-2024 … 09-02-2024 (day first, all
    # ten rows kept) and a birth date column; only 2024-02-09 may leave the stage.
    name = "excel_nl_relatiecursus_2024_cp1252.csv"
    mapping = {
        "format": "excel_nl_csv",
        "layout": "wide",
        "couple_column": "Koppelnummer",
        "partner_column": "Partner",
        "municipality_column": "Gemeente",
        "year_column": "Jaar",
        "date_column": "Datum voormeting",
        "date_format": "%d-%m-%Y",
        "outcomes": {
            "relationship_rating": {
                "columns": {"pre": "Voormeting", "post": "Nameting", "followup": "Follow-up"}
            }
        },
    }
    config = project(
        tmp_path,
        base_config,
        {"excel": mapping},
        [f"e1\tdata/raw/{name}\texcel\t\t\t\t"],
        {f"data/raw/{name}": SPECIMENS / name},
    )
    result = clean_exports(config, tmp_path)
    assert result.data_quality["latest_response_date"].tolist() == ["2024-02-09"]
    dropped = result.dropped_columns.set_index("column")["reason"]
    assert dropped["Datum voormeting"].startswith("date_column")
    out = tmp_path / "results" / "clean"
    names = ("measurements", "exclusions", "data_quality", "dropped_columns", "manifest")
    paths = {n: out / f"{n}.{'json' if n == 'manifest' else 'csv'}" for n in names}
    write_clean_outputs(result, paths, tmp_path)
    for table in ("measurements", "exclusions", "dropped_columns"):
        text = paths[table].read_text(encoding="utf-8")
        assert not ISO_DATE.search(text) and not DAY_FIRST_DATE.search(text), table
    quality = paths["data_quality"].read_text(encoding="utf-8")
    assert ISO_DATE.findall(quality) == ["2024-02-09"]
    assert not DAY_FIRST_DATE.search(quality + "\n".join(result.log))


def test_latest_date_per_cohort_year_in_the_manifest(tmp_path, base_config):
    # The same responses as cohort 2023 (dates moved back a year) and as cohort 2024: each
    # year's latest kept date is 5 July of that year (row 5's 31 December is excluded).
    config = project(
        tmp_path,
        base_config,
        {"long_dates": LONG_MAPPING},
        [
            "e2023\tdata/raw/2023.csv\tlong_dates\t2023\tGM9999\t\t",
            "e2024\tdata/raw/2024.csv\tlong_dates\t2024\tGM9999\t\t",
        ],
        {
            "data/raw/2023.csv": LONG_CSV.replace("-2024 ", "-2023 "),
            "data/raw/2024.csv": LONG_CSV,
        },
    )
    result = clean_exports(config, tmp_path)
    assert result.data_quality["latest_response_date"].tolist() == ["2023-07-05", "2024-07-05"]
    assert result.manifest["latest_response_date_by_year"] == {
        "2023": "2023-07-05",
        "2024": "2024-07-05",
    }
