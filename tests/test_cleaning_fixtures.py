"""Every export fixture through clean_exports, with the mapping examples of the documentation.

The mappings are the YAML examples in docs/adding-a-cohort.md (so the documented examples are
known to work); the expected values are tests/fixtures/exports/expected/*.csv, derived by the
fixture generator from its cohort tables, never from these readers.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from samen_sterker.cleaning import ExportProblems, clean_exports, write_clean_outputs
from samen_sterker.config import validate_config

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "exports"
EXPECTED = FIXTURES / "expected"
pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="export fixtures absent")


def documented_mappings() -> dict[str, dict]:
    """Every ```yaml block of docs/adding-a-cohort.md that defines mappings."""
    text = (REPO / "docs" / "adding-a-cohort.md").read_text(encoding="utf-8")
    mappings: dict[str, dict] = {}
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL):
        mappings.update(yaml.safe_load(block))
    return mappings


MAPPINGS = documented_mappings()
SHEET_HEADER = "export_id\tpath\tmapping\tyear\tmunicipality\ttimepoint\tdescription\n"
MALFORMED = {
    "format": "csv",
    "layout": "long",
    "couple_column": "code",
    "participant_column": "deelnemer",
    "partner_column": "partner",
    "municipality_column": "gemeente",
    "year_column": "jaar",
    "timepoint_column": "meetmoment",
    "timepoint_values": {"voormeting": "pre", "nameting": "post", "follow-up": "followup"},
    "outcomes": {"relationship_rating": {"column": "score"}},
}


@pytest.fixture(scope="module")
def base_config() -> dict:
    raw = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    raw["mappings"] = {**MAPPINGS, "malformed_long": MALFORMED}
    return validate_config(raw)  # the documented mappings follow the schema


def run(
    tmp_path: Path, config: dict, rows: list[tuple[str, str, str, str, str]], strict: bool = False
):
    """Copy the named fixtures into a project and clean them; rows: (file, mapping, year,
    municipality, timepoint)."""
    sheet = SHEET_HEADER
    for number, (name, mapping, year, municipality, timepoint) in enumerate(rows):
        target = tmp_path / "data" / "raw" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, target)
        sheet += f"e{number}\tdata/raw/{name}\t{mapping}\t{year}\t{municipality}\t{timepoint}\t\n"
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "exports.tsv").write_text(sheet, encoding="utf-8")
    shutil.copy(FIXTURES / "municipalities.tsv", tmp_path / "config" / "municipalities.tsv")
    config = copy.deepcopy(config)
    config["strict"] = strict
    return clean_exports(config, tmp_path)


def as_expected(measurements: pd.DataFrame) -> pd.DataFrame:
    """The canonical table in the layout of expected/*.csv (couple code and partner apart)."""
    table = measurements.copy()
    prefix = table["municipality_code"] + "-" + table["year"].astype(str) + "-"
    table["couple_code"] = [
        c.removeprefix(p) for c, p in zip(table["couple_id"], prefix, strict=True)
    ]
    table["partner"] = [
        p.removeprefix(c + "-")
        for p, c in zip(table["participant_id"], table["couple_id"], strict=True)
    ]
    return normalise(
        table[
            ["municipality_code", "year", "couple_code", "partner", "timepoint", "outcome", "value"]
        ]
    )


def normalise(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype({"year": int, "value": float, "couple_code": str, "partner": str})
    keys = ["municipality_code", "year", "couple_code", "partner", "timepoint", "outcome"]
    return table.sort_values(keys).reset_index(drop=True)


def expected(name: str) -> pd.DataFrame:
    return normalise(pd.read_csv(EXPECTED / f"{name}.csv", dtype={"couple_code": str}))


def no_measurement(files: list[str]) -> set[tuple[str, int, str]]:
    table = pd.read_csv(EXPECTED / "no_measurement.csv", dtype=str, keep_default_na=False)
    table = table[table["file"].isin(files)]
    return {(f"data/raw/{f}", int(r), c) for f, r, c in table[["file", "row", "column"]].values}


def logged_gaps(result) -> set[tuple[str, int, str]]:
    """(file, row, column) of every exclusion that is not a row's summary line."""
    gaps = result.exclusions[result.exclusions["reason"] != "no_valid_measurement"]
    return {(f, int(r), c) for f, r, c in gaps[["file", "row", "column"]].values}


def reconciles(result) -> bool:
    quality = result.data_quality
    return bool((quality["rows_read"] == quality["rows_kept"] + quality["rows_excluded"]).all())


CASES = {
    # fixture name: sheet rows (file, mapping, year, municipality, timepoint)
    "qualtrics": [
        ("qualtrics/voormeting.csv", "qualtrics_samen_sterker", "2024", "GM9999", "pre"),
        ("qualtrics/nameting.csv", "qualtrics_labels", "2024", "Nergenshuizen", "post"),
    ],
    "limesurvey": [("limesurvey/results-survey482913.csv", "limesurvey_csv", "2025", "GM9998", "")],
    "spss": [("spss/relatiecursus_2024.sav", "spss_wide", "", "", "")],
    "msforms": [
        ("msforms/Samen Sterker Utrecht 2025(1-17).xlsx", "ms_forms", "2025", "GM0344", "")
    ],
    "googleforms": [
        (
            "googleforms/Samen Sterker Den Bosch 2025 (reacties).xlsx",
            "google_forms",
            "2025",
            "Den Bosch",
            "",
        )
    ],
    "surveymonkey": [("surveymonkey/Samen Sterker 2025.csv", "surveymonkey", "2025", "GM1900", "")],
    "castor": [
        (
            "castor/SamenSterker_Vragenlijst_relatie_export_20231215.csv",
            "castor",
            "2023",
            "GM9999",
            "",
        )
    ],
    "dutch_excel": [("dutch_excel/relatiecursus_2023_cp1252.csv", "excel_nl_wide", "", "", "")],
    "long": [("long/metingen_2023.csv", "long_csv", "2023", "", "")],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_gives_the_expected_canonical_table(tmp_path, base_config, name):
    result = run(tmp_path, base_config, CASES[name])
    pd.testing.assert_frame_equal(as_expected(result.measurements), expected(name))
    assert reconciles(result)
    gaps = no_measurement([row[0] for row in CASES[name]])
    assert gaps <= logged_gaps(result)


def test_limesurvey_spss_export_equals_its_csv(tmp_path, base_config):
    result = run(
        tmp_path,
        base_config,
        [("limesurvey/survey_482913_SPSS.sav", "limesurvey_sav", "2025", "GM9998", "")],
    )
    pd.testing.assert_frame_equal(as_expected(result.measurements), expected("limesurvey"))
    assert ("data/raw/limesurvey/survey_482913_SPSS.sav", 15, "") in logged_gaps(result)


def test_dutch_excel_utf8_bom_equals_cp1252(tmp_path, base_config):
    result = run(
        tmp_path,
        base_config,
        [("dutch_excel/relatiecursus_2023_utf8bom.csv", "excel_nl_wide", "", "", "")],
    )
    pd.testing.assert_frame_equal(as_expected(result.measurements), expected("dutch_excel"))
    assert result.data_quality["encoding"].tolist() == ["utf-8-sig (BOM)"]


def test_spss_user_missing_99_is_never_a_rating(tmp_path, base_config):
    result = run(tmp_path, base_config, CASES["spss"])
    assert result.measurements["value"].max() <= 21
    row4 = result.exclusions[
        (result.exclusions["row"] == 4) & (result.exclusions["column"] == "rapport_voor")
    ]
    assert row4["reason"].tolist() == ["missing_code"]


# --- malformed files: every planted problem with its file, row and column -------------------

PROBLEMS = (
    pd.read_csv(EXPECTED / "problems.csv", dtype=str, keep_default_na=False)
    if (EXPECTED / "problems.csv").is_file()
    else pd.DataFrame(columns=["file"])
)


def _problem_lines(message: str, file: str) -> list[str]:
    return [line for line in message.splitlines() if f"data/raw/{file}" in line]


@pytest.mark.parametrize(
    "name",
    [
        "missing_column.csv",
        "unknown_municipality.csv",
        "participant_two_couples.csv",
        "couple_three_partners.csv",
        "duplicate_conflict.csv",
        "several_problems.csv",
        "undecodable.csv",
        "truncated.xlsx",
    ],
)
def test_malformed_file_stops_with_every_planted_problem(tmp_path, base_config, name):
    mapping = "ms_forms" if name.endswith(".xlsx") else "malformed_long"
    with pytest.raises(ExportProblems) as caught:
        run(tmp_path, base_config, [(f"malformed/{name}", mapping, "2024", "", "")])
    message = str(caught.value)
    planted = PROBLEMS[PROBLEMS["file"] == f"malformed/{name}"]
    assert len(planted) > 0
    for row, column in planted[["row", "column"]].values:
        lines = _problem_lines(message, f"malformed/{name}")
        if row != "0":
            lines = [line for line in lines if re.search(rf"\brows? ([\d, ]*\b)?{row}\b", line)]
        if column:
            lines = [line for line in lines if f"column {column!r}" in line]
        assert lines, (row, column, message)
    for value in ["Nergenshuisen-Oost"]:
        assert value not in message


def test_values_only_file_excludes_measurements_and_strict_stops(tmp_path, base_config):
    rows = [("malformed/values_dutch_excel.csv", "excel_nl_wide", "", "", "")]
    result = run(tmp_path, base_config, rows)
    pd.testing.assert_frame_equal(as_expected(result.measurements), expected("malformed_values"))
    bad = result.exclusions[result.exclusions["reason"].isin(["out_of_range", "not_a_number"])]
    assert sorted(map(tuple, bad[["row", "column", "reason"]].values.tolist())) == [
        (2, "Voormeting", "out_of_range"),
        (3, "Nameting", "out_of_range"),
        (4, "Nameting", "not_a_number"),
    ]
    assert "zeven" not in " ".join(result.exclusions["detail"])
    with pytest.raises(ExportProblems) as caught:
        run(tmp_path, base_config, rows, strict=True)
    message = str(caught.value)
    for text in [
        "row 2, column 'Voormeting': out_of_range",
        "row 3, column 'Nameting'",
        "row 4, column 'Nameting': not_a_number",
    ]:
        assert text in message
    assert "zeven" not in message


# --- personal data ---------------------------------------------------------------------------

PII = (
    pd.read_csv(EXPECTED / "pii_planted.csv", dtype=str, keep_default_na=False)
    if (EXPECTED / "pii_planted.csv").is_file()
    else pd.DataFrame(columns=["file"])
)


def test_unmapped_personal_data_is_dropped_and_never_written(tmp_path, base_config):
    result = run(
        tmp_path,
        base_config,
        [("pii/qualtrics_pii_unmapped.csv", "qualtrics_samen_sterker", "2024", "GM9999", "pre")],
    )
    pd.testing.assert_frame_equal(as_expected(result.measurements), expected("pii_unmapped"))
    planted = PII[PII["file"] == "pii/qualtrics_pii_unmapped.csv"]
    assert set(planted["column"]) <= set(result.dropped_columns["column"])
    out = tmp_path / "results" / "clean"
    paths = {
        name: out / f"{name}.{'json' if name == 'manifest' else 'csv'}"
        for name in ("measurements", "exclusions", "data_quality", "dropped_columns", "manifest")
    }
    write_clean_outputs(result, paths, tmp_path)
    written = "".join(p.read_text(encoding="utf-8") for p in paths.values()) + "\n".join(result.log)
    for value in planted["value"]:
        assert value not in written, value


@pytest.mark.parametrize(
    ("name", "mapping"),
    [
        ("qualtrics_pii_mapped.csv", "qualtrics_samen_sterker"),
        ("excel_naam_als_code.csv", "excel_naam"),
    ],
)
def test_personal_data_in_a_mapped_column_stops_without_the_value(
    tmp_path, base_config, name, mapping
):
    config = copy.deepcopy(base_config)
    config["mappings"]["excel_naam"] = {
        **MAPPINGS["excel_nl_wide"],
        "couple_column": "Naam",
        "outcomes": {"relationship_rating": {"columns": {"pre": "Voormeting", "post": "Nameting"}}},
    }
    with pytest.raises(ExportProblems) as caught:
        run(
            tmp_path,
            config,
            [
                (
                    f"pii/{name}",
                    mapping,
                    "2024",
                    "GM9999",
                    "pre" if mapping.startswith("qualtrics") else "",
                )
            ],
        )
    message = str(caught.value)
    planted = PII[PII["file"] == f"pii/{name}"]
    for row, column, value in planted[["row", "column", "value"]].values:
        lines = [
            line
            for line in message.splitlines()
            if f"data/raw/pii/{name}" in line and f"column {column!r}" in line
        ]
        assert lines, (row, column)
        # Every planted row is named: by the privacy scanner, or (names with spaces, which the
        # scanner does not take for names without context) by the code-form check.
        if value == column:  # the planted identifying column name (row 1) is named
            assert any("column name suggests" in line for line in lines), message
            continue
        assert any(re.search(rf"\brows? ([\d, ]*\b)?{row}\b", line) for line in lines), message
        assert value not in message
