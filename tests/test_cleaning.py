"""clean_exports end to end on small projects: values, exclusions, problems, privacy.

Expected scores are read off the specimen files by hand (shared/specimens/README.md: five
couples K01-K05, K03-B drops out) or written into the files made here; they are never the
cleaning code's own earlier output.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from samen_sterker.cleaning import ExportProblems, clean_exports, write_clean_outputs
from samen_sterker.config import load_config

REPO = Path(__file__).resolve().parent.parent
SPECIMENS = Path("/work/shared/specimens")
if not SPECIMENS.is_dir():
    SPECIMENS = REPO.parent / "shared" / "specimens"
needs_specimens = pytest.mark.skipif(not SPECIMENS.is_dir(), reason="shared specimens absent")

MUNICIPALITIES = (
    "code\tofficial_name\taliases\n"
    "GM9999\tNergenshuizen\tNergenshuisen\n"
    "GM9998\tSúdwest-Nergensdorp\tZuidwest-Nergensdorp|SW Nergensdorp\n"
    "GM0796\t's-Hertogenbosch\tDen Bosch\n"
    "GM0363\tAmsterdam\t\n"
)
SHEET_HEADER = "export_id\tpath\tmapping\tyear\tmunicipality\ttimepoint\tdescription\n"

# Relationship ratings in every specimen: (couple, partner) -> (pre, post, follow-up).
SPECIMEN_RATINGS = {
    ("K01", "A"): (6, 8, 8),
    ("K01", "B"): (5, 7, 7),
    ("K02", "A"): (4, 6, 5),
    ("K02", "B"): (7, 8, None),
    ("K03", "A"): (8, 9, 9),
    ("K03", "B"): (6, None, None),
    ("K04", "A"): (3, 6, 6),
    ("K04", "B"): (5, 5, 6),
    ("K05", "A"): (7, 8, 8),
    ("K05", "B"): (6, 7, 7),
}
# Values planted in the specimens' unmapped columns; none may reach any output.
PLANTED = [
    "j.jansen@example.org",
    "06-12345678",
    "Jan Jansen",
    "192.0.2.14",
    "52.0907",
    "3511 AB",
    "111222333",
    "x7Hk2Pq9",
    "1234 AB",
    "03-07-1989",
    "René",
]


@pytest.fixture(scope="module")
def base_config() -> dict:
    return load_config(REPO / "config" / "config.yaml")


def make_project(
    root: Path, config: dict, mappings: dict, sheet_rows: list[str], files: dict[str, bytes | str]
) -> dict:
    """Write the files, the sheet and the municipalities table; return the config to use."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "exports.tsv").write_text(
        SHEET_HEADER + "".join(row + "\n" for row in sheet_rows), encoding="utf-8"
    )
    (root / "config" / "municipalities.tsv").write_text(MUNICIPALITIES, encoding="utf-8")
    result = copy.deepcopy(config)
    result["mappings"] = mappings
    result["exports"] = "config/exports.tsv"
    result["municipalities"] = "config/municipalities.tsv"
    return result


def ratings(result) -> dict[tuple[str, str], float]:
    table = result.measurements
    table = table[table["outcome"] == "relationship_rating"]
    return {(row.participant_id, row.timepoint): row.value for row in table.itertuples()}


def expected_ratings(
    code: str, year: int, timepoints: tuple[str, ...], skip: set[tuple[str, str]] = frozenset()
) -> dict:
    expected = {}
    for (couple, partner), values in SPECIMEN_RATINGS.items():
        for timepoint, value in zip(("pre", "post", "followup"), values, strict=True):
            if timepoint in timepoints and value is not None and (couple, partner) not in skip:
                expected[(f"{code}-{year}-{couple}-{partner}", timepoint)] = float(value)
    return expected


def assert_reconciles(result) -> None:
    quality = result.data_quality
    assert (quality["rows_read"] == quality["rows_kept"] + quality["rows_excluded"]).all()
    for row in quality.itertuples():
        kept = result.exclusions[
            (result.exclusions["export_id"] == row.export_id) & (result.exclusions["column"] == "")
        ]
        assert len(kept) == row.rows_excluded


# --- the demo cohort ---------------------------------------------------------------------------


def test_demo_cohort_canonical_table(base_config):
    result = clean_exports(base_config, REPO)
    table = result.measurements
    assert list(table.columns) == [
        "municipality",
        "municipality_code",
        "year",
        "couple_id",
        "participant_id",
        "timepoint",
        "outcome",
        "value",
    ]
    pre = table[(table["timepoint"] == "pre") & (table["outcome"] == "relationship_rating")]
    assert pre["participant_id"].nunique() == 39  # the seed: 39 participants, 2 municipalities
    assert set(table["municipality"]) == {"Nergenshuizen", "Súdwest-Nergensdorp"}
    assert_reconciles(result)
    reasons = set(result.exclusions["reason"])
    assert {"preview_response", "unfinished_response"} <= reasons
    assert {"IPAddress", "LocationLatitude", "RecipientEmail", "Q4"} <= set(
        result.dropped_columns["column"]
    )
    assert len(result.manifest["inputs"]) == 8  # six exports, the sheet, the municipalities


def test_demo_cohort_values_match_an_independent_read_of_the_raw_file(base_config):
    # Independent route: pandas on the raw Qualtrics file, the CSI-4 summed by hand.
    path = REPO / "data" / "raw" / "2024" / "samen-sterker_GM9999_2024_voormeting.csv"
    raw = pd.read_csv(path, skiprows=[1, 2], dtype=str, encoding="utf-8-sig")
    raw = raw[raw["Status"].isin(["0", "IP Address"]) & raw["Finished"].isin(["1", "True"])]
    partner = raw["Q1"].map({"1": "A", "2": "B"})
    ids = "GM9999-2024-" + raw["koppelcode"] + "-" + partner
    expected = dict(zip(ids, raw["Q2"].astype(float), strict=True))
    csi = raw[["Q3_1", "Q3_2", "Q3_3", "Q3_4"]].apply(pd.to_numeric, errors="coerce")
    expected_csi = dict(
        zip(ids[csi.notna().all(axis=1)], csi.sum(axis=1)[csi.notna().all(axis=1)], strict=True)
    )
    result = clean_exports(base_config, REPO)
    table = result.measurements
    pre = table[(table["timepoint"] == "pre") & (table["municipality_code"] == "GM9999")]
    got = pre[pre["outcome"] == "relationship_rating"].set_index("participant_id")["value"]
    got_csi = pre[pre["outcome"] == "couple_satisfaction"].set_index("participant_id")["value"]
    assert got.to_dict() == expected
    assert got_csi.to_dict() == expected_csi


# --- the same couples through three tools ------------------------------------------------------


@needs_specimens
def test_specimens_in_three_formats_give_the_same_canonical_values(tmp_path, base_config):
    mappings = {
        "qualtrics_matrix": {
            "format": "qualtrics_csv",
            "layout": "wide",
            "couple_column": "koppelcode",
            "partner_column": "Q1",
            "partner_values": {"1": "A", "2": "B"},
            "outcomes": {"relationship_rating": {"columns": {"pre": "Q3_1", "post": "Q3_2"}}},
            "missing_codes": ["-99"],
        },
        "limesurvey": {
            "format": "limesurvey_csv",
            "layout": "wide",
            "couple_column": "KOPPEL",
            "partner_column": "PARTNER",
            "outcomes": {
                "relationship_rating": {
                    "columns": {
                        "pre": "TEVR[SQ001]",
                        "post": "TEVR[SQ002]",
                        "followup": "TEVR[SQ003]",
                    }
                }
            },
        },
        "excel_nl": {
            "format": "excel_nl_csv",
            "layout": "wide",
            "couple_column": "Koppelnummer",
            "partner_column": "Partner",
            "municipality_column": "Gemeente",
            "year_column": "Jaar",
            "outcomes": {
                "relationship_rating": {
                    "columns": {"pre": "Voormeting", "post": "Nameting", "followup": "Follow-up"}
                }
            },
        },
    }
    files = {
        f"data/raw/{year}/{name}": (SPECIMENS / name).read_bytes()
        for year, name in [
            (2024, "qualtrics_relatiecursus_GM9999_2024_nameting.csv"),
            (2023, "limesurvey_results-survey482913_GM9999_2024.csv"),
            (2022, "excel_nl_relatiecursus_2024_cp1252.csv"),
        ]
    }
    sheet = [
        # Qualtrics: municipality and year from the sheet only (its gemeente column unused).
        "q\tdata/raw/2024/qualtrics_relatiecursus_GM9999_2024_nameting.csv\tqualtrics_matrix"
        + "\t2024\tSW Nergensdorp\t\t",
        "ls\tdata/raw/2023/limesurvey_results-survey482913_GM9999_2024.csv\tlimesurvey"
        + "\t2023\tNergenshuizen\t\t",
        # Excel: year and municipality from the file's Jaar and Gemeente columns only.
        "nl\tdata/raw/2022/excel_nl_relatiecursus_2024_cp1252.csv\texcel_nl\t\t\t\t",
    ]
    config = make_project(tmp_path, base_config, mappings, sheet, files)
    result = clean_exports(config, tmp_path)
    got = ratings(result)
    # Qualtrics and LimeSurvey: K03-B did not finish; the Excel sheet has K03-B's pre rating.
    by_source = {
        "GM9998-2024": expected_ratings("GM9998", 2024, ("pre", "post"), {("K03", "B")}),
        "GM9999-2023": expected_ratings(
            "GM9999", 2023, ("pre", "post", "followup"), {("K03", "B")}
        ),
        "GM9999-2024": expected_ratings("GM9999", 2024, ("pre", "post", "followup")),
    }
    assert got == {key: value for part in by_source.values() for key, value in part.items()}
    assert set(result.measurements["municipality"]) == {"Nergenshuizen", "Súdwest-Nergensdorp"}
    assert_reconciles(result)
    excel = result.exclusions[result.exclusions["export_id"] == "nl"]
    k03b = excel[excel["row"] == 7].set_index("column")["reason"].to_dict()
    assert k03b == {"Nameting": "missing_code", "Follow-up": "missing_value"}  # #N/B, empty
    limesurvey = result.exclusions[result.exclusions["export_id"] == "ls"]
    assert limesurvey[["row", "column", "reason"]].values.tolist() == [
        [5, "TEVR[SQ003]", "missing_value"],  # K02-B skipped the follow-up
        [7, "", "unfinished_response"],
    ]
    quality = result.data_quality.set_index("export_id")
    counts = ["rows_read", "rows_kept", "rows_excluded", "measurements_kept"]
    assert quality.loc["q", counts].tolist() == [10, 9, 1, 18]
    assert quality.loc["ls", counts].tolist() == [10, 9, 1, 26]
    assert quality.loc["nl", counts].tolist() == [10, 10, 0, 27]
    assert quality.loc["nl", "encoding"] == "cp1252"
    assert any(line.startswith("WARNING") and "cp1252" in line for line in result.log)


@needs_specimens
def test_planted_personal_data_reaches_no_output(tmp_path, base_config):
    mappings = {
        "qualtrics_matrix": {
            "format": "qualtrics_csv",
            "layout": "wide",
            "couple_column": "koppelcode",
            "partner_column": "Q1",
            "partner_values": {"1": "A", "2": "B"},
            "outcomes": {"relationship_rating": {"columns": {"pre": "Q3_1", "post": "Q3_2"}}},
        },
        "excel_nl": {
            "format": "excel_nl_csv",
            "layout": "wide",
            "couple_column": "Koppelnummer",
            "partner_column": "Partner",
            "year_column": "Jaar",
            "outcomes": {
                "relationship_rating": {
                    "columns": {"pre": "Voormeting", "post": "Nameting", "followup": "Follow-up"}
                }
            },
        },
    }
    files = {
        "data/raw/q.csv": (
            SPECIMENS / "qualtrics_relatiecursus_GM9999_2024_nameting.csv"
        ).read_bytes(),
        "data/raw/nl.csv": (SPECIMENS / "excel_nl_relatiecursus_2024_utf8bom.csv").read_bytes(),
    }
    sheet = [
        "q\tdata/raw/q.csv\tqualtrics_matrix\t2023\tGM9999\t\t",
        "nl\tdata/raw/nl.csv\texcel_nl\t\tGM9998\t\t",
    ]
    config = make_project(tmp_path, base_config, mappings, sheet, files)
    result = clean_exports(config, tmp_path)
    out = tmp_path / "results" / "clean"
    paths = {
        name: out / f"{name}.{'json' if name == 'manifest' else 'csv'}"
        for name in ("measurements", "exclusions", "data_quality", "dropped_columns", "manifest")
    }
    write_clean_outputs(result, paths, tmp_path)
    written = "".join(path.read_text(encoding="utf-8") for path in paths.values())
    written += "\n".join(result.log)
    for value in PLANTED:
        assert value not in written, value
    assert {"Geboortedatum", "Postcode", "Q5", "IPAddress"} <= set(result.dropped_columns["column"])
    manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {
        "data/raw/q.csv",
        "data/raw/nl.csv",
        "config/exports.tsv",
        "config/municipalities.tsv",
    }


def test_outputs_are_never_written_over_an_input(tmp_path, base_config):
    result = clean_exports(base_config, REPO)
    raw = REPO / "data" / "raw" / "2024" / "samen-sterker_GM9999_2024_voormeting.csv"
    paths = {
        name: tmp_path / name
        for name in ("exclusions", "data_quality", "dropped_columns", "manifest")
    }
    paths["measurements"] = raw
    before = raw.read_bytes()
    with pytest.raises(ValueError, match="refusing to write measurements over the input"):
        write_clean_outputs(result, paths, REPO)
    assert raw.read_bytes() == before
