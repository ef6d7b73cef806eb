"""clean_exports end to end on small projects: values, exclusions, problems, privacy.

Expected scores are read off the specimen files by hand (tests/fixtures/specimens/README.md: five
couples K01-K05, K03-B drops out) or written into the files made here; they are never the
cleaning code's own earlier output.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from samen_sterker.cleaning import ExportProblems, clean_exports, write_clean_outputs
from samen_sterker.config import load_config

from .conftest import SPECIMENS

REPO = Path(__file__).resolve().parent.parent

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


def demo_sheet_with(tmp_path: Path, base_config: dict, change) -> dict:
    """The demo project's sheet with `change(fields_by_export_id)` applied, in tmp_path; the
    config reads it there and the demo's raw files in place (cleaned with base_dir REPO)."""
    lines = (REPO / "config" / "exports.tsv").read_text(encoding="utf-8").splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    change(rows)
    (tmp_path / "exports.tsv").write_text(
        "\n".join([lines[0], *("\t".join(fields) for fields in rows.values())]) + "\n",
        encoding="utf-8",
    )
    return {**base_config, "exports": str(tmp_path / "exports.tsv")}


def test_demo_with_pre_and_post_swapped_in_the_sheet_stops(tmp_path, base_config):
    # The reviewer's case: the report said -3.0 (true +3.0). Every RecordedDate of the GM9999
    # pre export (5-10 February) is before every one of its post export (15-19 April), and 18
    # participants are in both (39 at pre over two municipalities, 21 in GM9999, 3 without post).
    def swap(rows):
        rows["gm9999_2024_pre"][5], rows["gm9999_2024_post"][5] = "post", "pre"

    config = demo_sheet_with(tmp_path, base_config, swap)
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, REPO)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(
        f"  - {config['exports']}, row 2, column 'timepoint': later timepoint answered first: by "
        "the mapping's date_column, 18 of the 18 participants with a date at both answered at "
        "'post' here (export 'gm9999_2024_pre') before they answered at 'pre' (export "
        f"'gm9999_2024_post', {config['exports']} row 3, column 'timepoint')"
    )
    assert not re.search(r"\d{4}-\d{2}-\d{2}", "\n".join(lines))


def test_demo_with_two_municipalities_pre_files_swapped_warns(tmp_path, base_config):
    # The reviewer's case: the report read +3.6 instead of +3.0 (K01 of one municipality
    # paired with K01 of the other). Nothing in the data tells (couple codes repeat across
    # municipalities, both pre exports are dated 5-10 February); the file names do.
    def swap(rows):
        pre_9999, pre_9998 = rows["gm9999_2024_pre"], rows["gm9998_2024_pre"]
        pre_9999[1], pre_9998[1] = pre_9998[1], pre_9999[1]

    result = clean_exports(demo_sheet_with(tmp_path, base_config, swap), REPO)
    warnings = result.data_quality.set_index("export_id")["warnings"]
    assert warnings["gm9999_2024_pre"] == (
        "the file name carries municipality code(s) ['GM9998'], but sheet row 2 says GM9999: "
        "does this row name another municipality's file?"
    )
    assert warnings["gm9998_2024_pre"].startswith(
        "the file name carries municipality code(s) ['GM9999'], but sheet row 6 says GM9998"
    )
    assert (warnings.drop(["gm9999_2024_pre", "gm9998_2024_pre"]) == "").all()
    logged = [line for line in result.log if line.startswith("WARNING ")]
    assert len(logged) == 2


def test_the_demo_has_no_warning(base_config):
    result = clean_exports(base_config, REPO)
    assert not [line for line in result.log if line.startswith("WARNING ")]
    assert (result.data_quality["warnings"] == "").all()


# --- the same couples through three tools ------------------------------------------------------


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


# --- structural problems: all at once, with file, row and column, never a value --------------

PLAIN = {
    "format": "csv",
    "couple_column": "koppel",
    "partner_column": "partner",
    "outcomes": {"relationship_rating": {"column": "cijfer"}},
}


def test_every_structural_problem_is_listed_at_once(tmp_path, base_config):
    mappings = {
        "plain": PLAIN,
        "with_gemeente": {**PLAIN, "municipality_column": "gemeente"},
        "needs_q9": {**PLAIN, "outcomes": {"relationship_rating": {"column": "Q9"}}},
    }
    files = {
        # Row 3 names an unknown municipality (a typo of Amsterdam), row 4 another than the sheet.
        "data/raw/a.csv": "gemeente,koppel,partner,cijfer\nNergenshuisen,K01,A,6\n"
        "Amsterdm,K02,A,5\nDen Bosch,K03,A,7\n",
        "data/raw/b.csv": "koppel,partner,cijfer\nK01,A,6\n",
        # Couple K07 has three partners; K08-A answers twice with different ratings.
        "data/raw/c.csv": "koppel,partner,cijfer\nK07,A,6\nK07,B,6\nK07,C,6\nK08,A,4\nK08,A,9\n",
    }
    sheet = [
        "a\tdata/raw/a.csv\twith_gemeente\t2024\tGM9999\tpre\t",
        "b\tdata/raw/b.csv\tneeds_q9\t2024\tGM9999\tpre\t",
        "c\tdata/raw/c.csv\tplain\t2024\tGM9999\tpre\t",
        "d\tdata/raw/d.csv\tplain\t2024\tGM9999\tpre\t",
        "e\tdata/raw/c.csv\tno_such_mapping\t2024\tNergenshuizn\tpre\t",
    ]
    config = make_project(tmp_path, base_config, mappings, sheet, files)
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    message = str(caught.value)
    lines = message.splitlines()
    assert lines[0].startswith("8 problems in the exports, 1 of them implausible")
    expected = [
        "config/exports.tsv, row 6, column 'mapping': unknown mapping",
        # Needs only the sheet and the bytes, so it is listed despite the unknown mapping.
        "config/exports.tsv, row 6, column 'path': same file twice",
        (
            "data/raw/a.csv, row 3, column 'gemeente': unknown municipality: the name or code is not"
            " in config/municipalities.tsv; closest configured names: ['Amsterdam']"
        ),
        (
            "data/raw/a.csv, row 4, column 'gemeente': municipality disagrees: the sheet of exports"
            " says Nergenshuizen"
        ),
        "data/raw/b.csv, row 1, column 'Q9': missing mapped column",
        "data/raw/d.csv: missing file",
        (
            "data/raw/c.csv, rows 2, 3, 4, column 'partner': couple with more than two partners:"
            " couple GM9999-2024-K07 has 3 participants: ['GM9999-2024-K07-A',"
            " 'GM9999-2024-K07-B', 'GM9999-2024-K07-C']"
        ),
        (
            "data/raw/c.csv, rows 5, 6, column 'cijfer': duplicate with different values:"
            " participant GM9999-2024-K08-A has 2 different relationship_rating values at pre"
        ),
    ]
    for text in expected:
        assert any(text in line for line in lines), text
    assert "Amsterdm" not in message  # the value from the export is never repeated


def test_participant_in_two_couples(tmp_path, base_config):
    castor = {
        "format": "castor_csv",
        "couple_column": "koppel",
        "participant_column": "Participant Id",
        "outcomes": {"relationship_rating": {"column": "cijfer"}},
    }
    files = {
        "data/raw/pre.csv": "Participant Id;koppel;cijfer\n110001;K01;6\n110002;K01;5\n",
        "data/raw/post.csv": "Participant Id;koppel;cijfer\n110001;K02;8\n110002;K01;7\n",
    }
    sheet = [
        "pre\tdata/raw/pre.csv\tcastor\t2024\tGM9999\tpre\t",
        "post\tdata/raw/post.csv\tcastor\t2024\tGM9999\tpost\t",
    ]
    config = make_project(tmp_path, base_config, {"castor": castor}, sheet, files)
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    assert str(caught.value).splitlines()[1:] == [
        (
            "  - data/raw/pre.csv, row 2, column 'koppel': participant in two couples: participant"
            " GM9999-2024-110001 appears in couples ['GM9999-2024-K01', 'GM9999-2024-K02']"
            " (data/raw/pre.csv row 2; data/raw/post.csv row 2)"
        )
    ]


def test_identical_duplicate_is_dropped_and_logged(tmp_path, base_config):
    files = {
        "data/raw/a.csv": "koppel,partner,cijfer\nK01,A,6\nK01,B,7\n",
        "data/raw/b.csv": "koppel,partner,cijfer\nK01,A,6\n",
    }
    sheet = [
        "a\tdata/raw/a.csv\tplain\t2024\tGM9999\tpre\t",
        "b\tdata/raw/b.csv\tplain\t2024\tGM9999\tpre\t",
    ]
    config = make_project(tmp_path, base_config, {"plain": PLAIN}, sheet, files)
    result = clean_exports(config, tmp_path)
    assert ratings(result) == {("GM9999-2024-K01-A", "pre"): 6.0, ("GM9999-2024-K01-B", "pre"): 7.0}
    dropped = result.exclusions[result.exclusions["export_id"] == "b"]
    assert dropped[["row", "column", "reason"]].values.tolist() == [
        [2, "", "no_valid_measurement"],
        [2, "cijfer", "duplicate_identical"],
    ]
    assert "data/raw/a.csv row 2" in dropped["detail"].iloc[1]
    assert_reconciles(result)


def test_bad_sheet_entries_are_all_reported(tmp_path, base_config):
    sheet = [
        "x\tdata/raw/a.csv\tplain\t24\tGM9999\tpre\t",
        "x\t/abs/a.csv\tplain\t2024\tGM9999\tpre\t",
        "y\tdata/raw/a.csv\tplain\t2024\tGM9999\tvoormeting\t",
    ]
    files = {"data/raw/a.csv": "koppel,partner,cijfer\nK01,A,6\n"}
    config = make_project(tmp_path, base_config, {"plain": PLAIN}, sheet, files)
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    message = str(caught.value)
    assert "config/exports.tsv, row 2, column 'year'" in message
    assert "config/exports.tsv, row 3, column 'path'" in message
    assert "config/exports.tsv, row 4, column 'timepoint': unknown timepoint" in message
    assert "config/exports.tsv, row 3, column 'export_id': duplicate export_id" in message


def test_unknown_municipality_in_the_sheet_suggests_configured_names(tmp_path, base_config):
    files = {"data/raw/a.csv": "koppel,partner,cijfer\nK01,A,6\n"}
    sheet = ["a\tdata/raw/a.csv\tplain\t2024\tHertogenbos\tpre\t"]
    config = make_project(tmp_path, base_config, {"plain": PLAIN}, sheet, files)
    with pytest.raises(
        ExportProblems,
        match=r"row 2, column 'municipality': unknown "
        r"municipality: 'Hertogenbos' is not in config/municipalities.tsv; "
        r"closest configured names: \[\"'s-Hertogenbosch\"",
    ):
        clean_exports(config, tmp_path)


# --- value problems: the measurement is excluded, not the file ------------------------------

VALUES_CSV = (
    "koppel,partner,cijfer,csi1,csi2,csi3,csi4\n"
    "K01,A,6,5,4,4,4\n"  # row 2: fine, CSI-4 = 17
    "K01,B,11,1,1,1,1\n"  # row 3: rating out of range; CSI-4 = 4
    "K02,A,zes,6,5,5,5\n"  # row 4: text in a numeric field; CSI-4 = 21
    "K02,B,-99,3,,3,3\n"  # row 5: missing code; an item missing, prorated: 3 x 4 = 12
    'K03,A,"6,5",7,1,1,1\n'  # row 6: decimal comma in a decimal-point file; item 7 > 6
    ",B,7,1,1,1,1\n"  # row 7: no couple code
    "K03,X,8,0,0,0,0\n"  # row 8: unknown partner code
    "K04,A,7.5,0,0,0,0\n"  # row 9: half point; CSI-4 = 0
)
VALUES_MAPPING = {
    "format": "csv",
    "couple_column": "koppel",
    "partner_column": "partner",
    "partner_values": {"A": "A", "B": "B"},
    "missing_codes": ["-99"],
    "outcomes": {
        "relationship_rating": {"column": "cijfer"},
        "couple_satisfaction": {
            "items": ["csi1", "csi2", "csi3", "csi4"],
            "score": "sum",
            "item_min": 0,
            "item_max": 6,
        },
    },
}


def _values_project(tmp_path, base_config, strict=False):
    config = make_project(
        tmp_path,
        base_config,
        {"values": VALUES_MAPPING},
        ["v\tdata/raw/v.csv\tvalues\t2024\tGM9999\tpre\t"],
        {"data/raw/v.csv": VALUES_CSV},
    )
    config["strict"] = strict
    return config


def test_value_problems_exclude_measurements_with_reasons(tmp_path, base_config):
    result = clean_exports(_values_project(tmp_path, base_config), tmp_path)
    table = result.measurements
    got = {(row.participant_id[-4:], row.outcome): row.value for row in table.itertuples()}
    assert got == {
        ("01-A", "relationship_rating"): 6.0,
        ("01-A", "couple_satisfaction"): 17.0,
        ("01-B", "couple_satisfaction"): 4.0,
        ("02-A", "couple_satisfaction"): 21.0,
        # 3 of 4 items answered (>= 75%): prorated, mean 3 of the answered items times 4.
        ("02-B", "couple_satisfaction"): 12.0,
        ("04-A", "relationship_rating"): 7.5,
        ("04-A", "couple_satisfaction"): 0.0,
    }
    excluded = result.exclusions[["row", "column", "reason"]].values.tolist()
    assert excluded == [
        [3, "cijfer", "out_of_range"],
        [4, "cijfer", "not_a_number"],
        [5, "cijfer", "missing_code"],
        [5, "csi2", "missing_item_prorated"],
        [6, "", "no_valid_measurement"],
        [6, "cijfer", "not_a_number"],
        [6, "csi1", "out_of_range"],
        [7, "", "unidentified_response"],
        [7, "koppel", "missing_couple_code"],
        [8, "", "unidentified_response"],
        [8, "partner", "unknown_partner_code"],
    ]
    details = " ".join(result.exclusions["detail"])
    assert "zes" not in details and "6,5" not in details and "11" not in details
    quality = result.data_quality.iloc[0]
    # Row 5 is kept now: its prorated CSI-4 is a measurement.
    assert (quality.rows_read, quality.rows_kept, quality.rows_excluded) == (8, 5, 3)
    assert quality.measurements_kept == 7


def test_strict_turns_value_problems_into_one_error(tmp_path, base_config):
    with pytest.raises(ExportProblems) as caught:
        clean_exports(_values_project(tmp_path, base_config, strict=True), tmp_path)
    message = str(caught.value)
    assert message.splitlines()[0] == "6 value problem(s); strict: true makes them errors:"
    for text in [
        "data/raw/v.csv, row 3, column 'cijfer': out_of_range",
        "data/raw/v.csv, row 4, column 'cijfer': not_a_number",
        "data/raw/v.csv, row 6, column 'cijfer': not_a_number",
        "data/raw/v.csv, row 6, column 'csi1': out_of_range",
        "data/raw/v.csv, row 7, column 'koppel': missing_couple_code",
        "data/raw/v.csv, row 8, column 'partner': unknown_partner_code",
    ]:
        assert text in message
    assert "zes" not in message and "6,5" not in message


# --- dates, codes -------------------------------------------------------------------------------


def test_year_from_dates_in_an_explicit_day_first_format(tmp_path, base_config):
    mapping = {**PLAIN, "year_column": "datum", "year_format": "%d-%m-%Y"}
    files = {
        # 31-12-2023 exists only day-first; 03-07-2024 must be July, so year 2024 either way;
        # 2024-07-03 (ISO) is not the configured format: the response is excluded.
        "data/raw/a.csv": "datum,koppel,partner,cijfer\n31-12-2023,K01,A,6\n"
        "03-07-2024,K02,A,7\n2024-07-03,K03,A,8\n",
    }
    config = make_project(
        tmp_path,
        base_config,
        {"dated": mapping},
        ["a\tdata/raw/a.csv\tdated\t\tGM9999\tpre\t"],
        files,
    )
    result = clean_exports(config, tmp_path)
    assert ratings(result) == {("GM9999-2023-K01-A", "pre"): 6.0, ("GM9999-2024-K02-A", "pre"): 7.0}
    bad = result.exclusions[result.exclusions["column"] == "datum"]
    assert bad[["row", "reason"]].values.tolist() == [[4, "invalid_year"]]
    assert "2024-07-03" not in " ".join(result.exclusions["detail"])


def test_year_in_the_sheet_and_the_file_must_agree(tmp_path, base_config):
    mapping = {**PLAIN, "year_column": "jaar"}
    files = {"data/raw/a.csv": "jaar,koppel,partner,cijfer\n2024,K01,A,6\n2023,K01,B,7\n"}
    config = make_project(
        tmp_path, base_config, {"m": mapping}, ["a\tdata/raw/a.csv\tm\t2024\tGM9999\tpre\t"], files
    )
    with pytest.raises(
        ExportProblems,
        match=r"data/raw/a.csv, row 3, column 'jaar': year "
        r"disagrees: the sheet of exports says 2024",
    ):
        clean_exports(config, tmp_path)


def test_a_name_or_address_in_the_code_column_stops_the_run(tmp_path, base_config):
    files = {
        "data/raw/a.csv": "koppel,partner,cijfer\nK01,A,6\nJan en Els,B,7\nels@example.org,A,5\n"
    }
    config = make_project(
        tmp_path,
        base_config,
        {"plain": PLAIN},
        ["a\tdata/raw/a.csv\tplain\t2024\tGM9999\tpre\t"],
        files,
    )
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    message = str(caught.value)
    assert "data/raw/a.csv, row 3, column 'koppel': not a code" in message
    assert "data/raw/a.csv, rows 4" in message or "data/raw/a.csv, row 4" in message
    assert "Jan en Els" not in message and "els@example.org" not in message


def test_long_layout_with_a_row_per_measurement(tmp_path, base_config):
    mapping = {
        "format": "csv",
        "layout": "long",
        "couple_column": "koppel",
        "partner_column": "partner",
        "timepoint_column": "meting",
        "timepoint_values": {"voor": "pre", "na": "post"},
        "outcome_column": "vraag",
        "value_column": "antwoord",
        "outcome_values": {"cijfer": "relationship_rating", "csi4": "couple_satisfaction"},
    }
    files = {
        "data/raw/a.csv": "koppel,partner,meting,vraag,antwoord\n"
        "K01,A,voor,cijfer,5\n"  # row 2
        "K01,A,voor,csi4,11\n"  # row 3
        "K01,A,na,cijfer,8\n"  # row 4
        "K01,A,na,opmerking,Bel me op 06-12345678\n"  # row 5: another question, never kept
        "K01,B,voor,cijfer,22\n",  # row 6: out of range
    }
    config = make_project(
        tmp_path,
        base_config,
        {"long": mapping},
        ["a\tdata/raw/a.csv\tlong\t2024\tGM9999\t\t"],
        files,
    )
    result = clean_exports(config, tmp_path)
    got = {
        (r.participant_id, r.timepoint, r.outcome): r.value
        for r in result.measurements.itertuples()
    }
    assert got == {
        ("GM9999-2024-K01-A", "pre", "relationship_rating"): 5.0,
        ("GM9999-2024-K01-A", "pre", "couple_satisfaction"): 11.0,
        ("GM9999-2024-K01-A", "post", "relationship_rating"): 8.0,
    }
    assert result.exclusions[["row", "column", "reason"]].values.tolist() == [
        [5, "", "other_question"],
        [6, "", "no_valid_measurement"],
        [6, "antwoord", "out_of_range"],
    ]
    assert "06-12345678" not in result.exclusions.to_csv()
    assert_reconciles(result)


def test_same_inputs_give_identical_outputs(tmp_path, base_config):
    outputs = []
    for run in ("first", "second"):
        result = clean_exports(base_config, REPO)
        out = tmp_path / run
        paths = {
            name: out / name
            for name in (
                "measurements",
                "exclusions",
                "data_quality",
                "dropped_columns",
                "manifest",
            )
        }
        write_clean_outputs(result, paths, REPO)
        outputs.append({name: path.read_bytes() for name, path in paths.items()})
    assert outputs[0] == outputs[1]


@pytest.mark.e2e
def test_snakemake_clean_step_logs_detection_and_never_touches_raw_files(tmp_path):
    import hashlib
    import subprocess
    import sys

    from .conftest import copy_project

    project = copy_project(tmp_path / "project")
    raw_files = sorted((project / "data" / "raw").rglob("*.*"))
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in raw_files}
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "results/clean/2024/measurements.csv"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in raw_files}
    assert before == after
    log = (project / "logs/clean/2024.log").read_text(encoding="utf-8")
    assert "Qualtrics CSV with 3 header rows" in log
    assert "encoding utf-8-sig (BOM)" in log
    counts = re.findall(r"rows read (\d+) = kept (\d+) \+ excluded (\d+)", log)
    assert len(counts) == 6  # one line per export in the sheet
    assert all(int(read) == int(kept) + int(excluded) for read, kept, excluded in counts)
    assert "dropped 18: ['StartDate'" in log
    manifest = json.loads((project / "results/clean/2024/manifest.json").read_text())
    assert (
        manifest["inputs"]["data/raw/2024/samen-sterker_GM9999_2024_voormeting.csv"]
        == (before[project / "data/raw/2024/samen-sterker_GM9999_2024_voormeting.csv"])
    )


def test_an_export_without_any_valid_response_stops_unless_accepted(tmp_path, base_config):
    files = {"data/raw/a.csv": "koppel,partner,cijfer\nK01,A,\nK01,B,-99\n"}
    config = make_project(
        tmp_path,
        base_config,
        {"plain": {**PLAIN, "missing_codes": ["-99"]}},
        ["a\tdata/raw/a.csv\tplain\t2024\tGM9999\tpre\t"],
        files,
    )
    with pytest.raises(ExportProblems, match=r"data/raw/a.csv: no kept measurement: rows read 2"):
        clean_exports(config, tmp_path)
    # Accepted on purpose (a timepoint nobody answered): an empty table with its accounts.
    config["accept"] = {"exports_without_measurements": ["a"]}
    result = clean_exports(config, tmp_path)
    assert result.measurements.empty
    assert list(result.measurements.columns) == [
        "municipality",
        "municipality_code",
        "year",
        "couple_id",
        "participant_id",
        "timepoint",
        "outcome",
        "value",
    ]
    assert result.data_quality[["rows_read", "rows_kept", "rows_excluded"]].values.tolist() == [
        [2, 0, 2]
    ]


def test_personal_data_in_a_code_is_never_quoted_by_identity_messages(tmp_path, base_config):
    # A phone number has the shape of a code; were it kept, the duplicate message would quote it.
    files = {"data/raw/a.csv": "koppel,partner,cijfer\n06-12345678,A,5\n06-12345678,A,6\n"}
    config = make_project(
        tmp_path,
        base_config,
        {"plain": PLAIN},
        ["a\tdata/raw/a.csv\tplain\t2024\tGM9999\tpre\t"],
        files,
    )
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    message = str(caught.value)
    assert "data/raw/a.csv, rows 2, 3, column 'koppel': personal data [phone]" in message
    assert "06-12345678" not in message and "duplicate" not in message


def test_item_bounds_per_item(tmp_path, base_config):
    """CSI-4 item 1 is answered 0-6, items 2-4 0-5: a 6 on item 2 is out of range."""
    mapping = copy.deepcopy(VALUES_MAPPING)
    mapping["outcomes"]["couple_satisfaction"]["item_max"] = [6, 5, 5, 5]
    csv = (
        "koppel,partner,cijfer,csi1,csi2,csi3,csi4\n"
        "K01,A,6,6,5,5,5\n"  # row 2: 21, every item at its own maximum
        "K01,B,7,5,6,5,5\n"  # row 3: item 2 answered 6 > 5
    )
    config = make_project(tmp_path, base_config, {"values": mapping},
                          ["v\tdata/raw/v.csv\tvalues\t2024\tGM9999\tpre\t"],
                          {"data/raw/v.csv": csv})
    result = clean_exports(config, tmp_path)
    csi = result.measurements[result.measurements["outcome"] == "couple_satisfaction"]
    assert csi["value"].tolist() == [21.0]
    excluded = result.exclusions[["row", "column", "reason"]].values.tolist()
    assert [3, "csi2", "out_of_range"] in excluded
    assert "outside 0-5" in " ".join(result.exclusions["detail"])


def test_item_bounds_list_must_match_the_items(tmp_path, base_config):
    mapping = copy.deepcopy(VALUES_MAPPING)
    mapping["outcomes"]["couple_satisfaction"]["item_max"] = [6, 5, 5]
    config = make_project(tmp_path, base_config, {"values": mapping},
                          ["v\tdata/raw/v.csv\tvalues\t2024\tGM9999\tpre\t"],
                          {"data/raw/v.csv": VALUES_CSV})
    with pytest.raises(ExportProblems) as caught:
        clean_exports(config, tmp_path)
    assert "item_max: gives 3 bounds for 4 items" in str(caught.value)


# --- proration of multi-item scales ---------------------------------------------------------

CSI4_MAPPING = {
    **VALUES_MAPPING,
    "outcomes": {
        "couple_satisfaction": {
            "items": ["csi1", "csi2", "csi3", "csi4"],
            "score": "sum",
            "item_min": 0,
            "item_max": [6, 5, 5, 5],
        },
    },
}


def _csi4_project(tmp_path, base_config, rows, **source):
    mapping = copy.deepcopy(CSI4_MAPPING)
    mapping["outcomes"]["couple_satisfaction"].update(source)
    header = "koppel,partner,cijfer,csi1,csi2,csi3,csi4\n"
    return make_project(
        tmp_path,
        base_config,
        {"csi": mapping},
        ["c\tdata/raw/c.csv\tcsi\t2024\tGM9999\tpre\t"],
        {"data/raw/c.csv": header + "".join(rows)},
    )


def test_one_missing_item_is_prorated_within_each_items_range(tmp_path, base_config):
    rows = [
        "K01,A,6,,4,4,4\n",  # item 1 (0-6) missing: 12 of 15 answered points → 12 / 15 × 21
        "K01,B,6,3,,5,1\n",  # item 2 (0-5) missing: 9 of 16 → 9 / 16 × 21
        "K02,A,6,,,4,4\n",  # two of four missing (50% < 75%): excluded
        "K02,B,6,9,,4,4\n",  # one missing and one out of range: an error, excluded
    ]
    result = clean_exports(_csi4_project(tmp_path, base_config, rows), tmp_path)
    got = dict(zip(result.measurements["participant_id"].str[-4:], result.measurements["value"]))
    assert got == pytest.approx({"01-A": 12 / 15 * 21, "01-B": 9 / 16 * 21})
    reasons = result.exclusions[["row", "column", "reason"]].values.tolist()
    assert [2, "csi1", "missing_item_prorated"] in reasons
    assert [3, "csi2", "missing_item_prorated"] in reasons
    assert [4, "csi1", "missing_item"] in reasons and [4, "csi2", "missing_item"] in reasons
    assert [5, "csi1", "out_of_range"] in reasons and [5, "csi2", "missing_item"] in reasons
    quality = result.data_quality.iloc[0]
    # Prorated rows are kept; a note in exclusions.csv does not make a row excluded.
    assert (quality.rows_read, quality.rows_kept, quality.rows_excluded) == (4, 2, 2)


def test_min_share_answered_one_needs_every_item(tmp_path, base_config):
    rows = ["K01,A,6,,4,4,4\n", "K01,B,6,1,2,3,4\n"]
    config = _csi4_project(tmp_path, base_config, rows, min_share_answered=1)
    result = clean_exports(config, tmp_path)
    assert result.measurements["participant_id"].str[-4:].tolist() == ["01-B"]
    assert [2, "csi1", "missing_item"] in result.exclusions[
        ["row", "column", "reason"]
    ].values.tolist()


def test_default_share_is_the_schemas():
    import yaml

    from samen_sterker.cleaning.mapping import DEFAULT_MIN_SHARE_ANSWERED
    from samen_sterker.config import SCHEMA_PATH

    schema = yaml.safe_load(Path(SCHEMA_PATH).read_text(encoding="utf-8"))
    source = schema["properties"]["mappings"]["additionalProperties"]["properties"][
        "outcomes"
    ]["additionalProperties"]["properties"]["min_share_answered"]
    assert source["default"] == DEFAULT_MIN_SHARE_ANSWERED
