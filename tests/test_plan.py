"""What each job depends on (samen_sterker.plan): sheet rows per cohort year, the
municipalities and config slices a year's cleaning sees, report languages, and code
fingerprints that follow exactly the package files a stage imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from samen_sterker import plan
from samen_sterker.cleaning.clean import ExportEntry
from samen_sterker.config import read_municipalities, validate_config
from samen_sterker.reading.problems import ExportProblems

from .conftest import REPO


@pytest.fixture(scope="module")
def config() -> dict:
    return validate_config(yaml.safe_load((REPO / "config/config.yaml").read_text("utf-8")))


def entry(export_id, year="2024", municipality="GM9999", mapping="qualtrics_samen_sterker",
          path=None):
    return ExportEntry(2, export_id, path or f"data/raw/{export_id}.csv", mapping, year,
                       municipality, "pre")


def test_a_cohort_year_reads_its_own_and_the_multi_year_exports():
    sheet = plan.Sheet((entry("a"), entry("b", year="2025"), entry("long", year="")))
    assert sheet.years() == [2024, 2025]
    assert [e.export_id for e in sheet.entries_for(2024)] == ["a", "long"]
    assert [e.export_id for e in sheet.entries_for(2025)] == ["b", "long"]
    assert [e.export_id for e in sheet.multi_year()] == ["long"]


def test_sheet_problems_are_listed_together_with_row_and_column(tmp_path, config):
    (tmp_path / "config").mkdir()
    (tmp_path / "data.csv").write_text("x", encoding="utf-8")
    (tmp_path / "config/exports.tsv").write_text(
        "export_id\tpath\tmapping\tyear\tmunicipality\ttimepoint\n"
        "a\tdata.csv\tm\t2024\tGM9999\tpre\n"
        "b\tdata.csv\tm\t2024\tGM9999\tpost\n"
        "c\tmissing.csv\tm\t24\tGM9999\tpre\n",
        encoding="utf-8",
    )
    with pytest.raises(ExportProblems) as caught:
        plan.read_sheet(config, tmp_path)
    found = {(p.kind, p.row, p.column) for p in caught.value.problems}
    assert ("file named twice", 3, "path") in found
    assert ("invalid sheet entry", 4, "year") in found
    # row 4 is invalid, so its file is not looked for; a valid row with a missing file is:
    assert len(found) == 2


def test_missing_files_are_named_by_row(tmp_path, config):
    (tmp_path / "config").mkdir()
    (tmp_path / "config/exports.tsv").write_text(
        "export_id\tpath\tmapping\tyear\tmunicipality\ttimepoint\n"
        "a\tdata/raw/none.csv\tm\t2024\tGM9999\tpre\n",
        encoding="utf-8",
    )
    with pytest.raises(ExportProblems) as caught:
        plan.read_sheet(config, tmp_path)
    [problem] = caught.value.problems
    assert (problem.kind, problem.row, problem.column) == ("missing file", 2, "path")


def test_a_year_sees_only_its_municipalities_unless_an_export_reads_them_from_a_column():
    table = read_municipalities(REPO / "tests/fixtures/exports/municipalities.tsv")
    first = table.iloc[0]
    rows = plan.municipality_rows(table, [entry("a", municipality=first["code"])], {})
    assert [row["code"] for row in rows] == [first["code"]]
    by_name = plan.municipality_rows(table, [entry("a", municipality=first["official_name"])], {})
    assert by_name == rows
    everything = plan.municipality_rows(
        table, [entry("a", municipality="")], {"qualtrics_samen_sterker": {
            "municipality_column": "gemeente"}})
    assert len(everything) == len(table)
    unknown = plan.municipality_rows(table, [entry("a", municipality="Atlantis")], {})
    assert len(unknown) == len(table)  # so the error can suggest the closest names


def test_cleaning_sees_the_mappings_it_uses_and_the_outcome_ranges_only(config):
    config = dict(config, mappings={"used": {"format": "csv"}, "other": {"format": "csv"}})
    settings = plan.cleaning_settings(config, [entry("a", mapping="used")])
    assert list(settings["mappings"]) == ["used"]
    assert settings["outcomes"]["couple_satisfaction"] == {"min": 0, "max": 21}
    assert "privacy" not in settings and "languages" not in settings


def test_statistics_see_the_analysis_slice(config):
    settings = plan.analysis_settings(config)
    assert set(settings) == set(plan.ANALYSIS_KEYS)
    assert "mappings" not in settings and "languages" not in settings


@pytest.mark.parametrize(
    ("languages", "suffixes"),
    [({"language": "en"}, [""]), ({"languages": ["nl", "en"]}, ["", ".en"]),
     ({"languages": ["en", "nl"], "language": "nl"}, ["", ".nl"])],
)
def test_report_languages_and_their_file_names(languages, suffixes):
    assert plan.language_suffixes(languages) == suffixes
    primary = plan.report_languages(languages)[0]
    assert plan.language_of_suffix(languages, "") == primary
    for suffix in suffixes[1:]:
        assert plan.language_of_suffix(languages, suffix) == suffix[1:]
    with pytest.raises(ValueError):
        plan.language_of_suffix(languages, ".fr")


def test_stage_files_follow_imports():
    def names(stage):
        files = plan.stage_files(REPO / path for path in plan.STAGE_ENTRY_POINTS[stage])
        return {path.relative_to(plan.PACKAGE_DIR).as_posix() for path in files}

    stats, reports, clean = names("stats"), names("reports"), names("clean")
    assert "stats/mixed.py" in stats and "config.py" in stats
    assert not any(name.startswith(("reports/", "cleaning/", "reading/")) for name in stats)
    assert {"reports/translations.yaml", "reports/report.css", "reports/figures/style.py"} <= reports
    assert {"reports/execution.py", "reports/render.py"} <= reports
    assert not any(name.startswith(("stats/", "cleaning/")) for name in reports)
    # Loaded by name (importlib), found because a subpackage counts whole.
    assert "cleaning/privacy/scan.py" in clean and "reading/qualtrics.py" in clean


def test_fingerprints_change_with_the_code_they_cover(tmp_path, monkeypatch):
    package = tmp_path / "samen_sterker"
    shutil.copytree(plan.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    scripts = tmp_path / "scripts"
    shutil.copytree(REPO / "workflow/scripts", scripts)
    monkeypatch.setattr(plan, "PACKAGE_DIR", package)

    def fingerprints():
        plan.code_fingerprint.cache_clear()
        return {
            "stats": plan.code_fingerprint(str(scripts / "compute_year_stats.py")),
            "reports": plan.code_fingerprint(str(scripts / "render_report.py")),
        }

    before = fingerprints()
    assert fingerprints() == before  # deterministic
    with open(package / "stats/descriptives.py", "a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    after_stats = fingerprints()
    assert after_stats["stats"] != before["stats"]
    assert after_stats["reports"] == before["reports"]
    with open(package / "reports/translations.yaml", "a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    after_reports = fingerprints()
    assert after_reports["reports"] != before["reports"]
    assert after_reports["stats"] == after_stats["stats"]
    plan.code_fingerprint.cache_clear()


def test_same_bytes_as_an_earlier_year_is_found(tmp_path):
    raw = tmp_path / "data"
    raw.mkdir()
    (raw / "a.csv").write_bytes(b"same")
    (raw / "b.csv").write_bytes(b"same")
    (raw / "c.csv").write_bytes(b"other")
    sheet = plan.Sheet((
        entry("a24", year="2024", path="data/a.csv"),
        entry("b25", year="2025", path="data/b.csv"),
        entry("c25", year="2025", path="data/c.csv"),
    ))
    assert plan.same_as_earlier_years(sheet, 2025, tmp_path) == {"b25": "a24"}
    assert plan.same_as_earlier_years(sheet, 2024, tmp_path) == {}


def write_exports(base: Path, contents: dict[str, bytes]) -> None:
    for path, content in contents.items():
        (base / path).parent.mkdir(parents=True, exist_ok=True)
        (base / path).write_bytes(content)


def test_params_round_trip(tmp_path):
    write_exports(tmp_path, {"data/raw/a.csv": b"a", "data/raw/b.csv": b"b"})
    entries = [entry("a"), entry("b", year="")]
    rows = plan.entry_params(entries, tmp_path)
    assert plan.entries_from_params(rows, ["data/raw/a.csv", "data/raw/b.csv"]) == entries
    assert isinstance(rows[0], dict)
    assert pd.DataFrame(rows).shape == (2, 8)
    assert Path(plan.PACKAGE_DIR).name == "samen_sterker"
    with pytest.raises(ValueError, match="sheet row 2: params and input files disagree"):
        plan.entries_from_params(rows, ["data/raw/b.csv", "data/raw/a.csv"])


def test_params_show_no_file_name_that_fails_the_scan(tmp_path):
    # `make report` prints the params: a phone number in a file name must not be there.
    phone = "data/raw/2024/gm9999_2024_nameting_0612345678.csv"
    write_exports(tmp_path, {phone: b"post", "data/raw/2024/gm9999_2024_voormeting.csv": b"pre"})
    entries = [entry("gm9999_2024_post", path=phone),
               entry("gm9999_2024_pre", path="data/raw/2024/gm9999_2024_voormeting.csv")]
    rows = plan.entry_params(entries, tmp_path)
    assert "612345678" not in repr(rows)
    assert [(row["file"], row["sha256"]) for row in rows] == [
        # The export id instead of the name; SHA-256 of b"post" and b"pre" (sha256sum).
        ("gm9999_2024_post",
         "72231043bc1807e6f740b235eb7511ecb33255a6a375435631196de8a9750d4b"),
        ("data/raw/2024/gm9999_2024_voormeting.csv",
         "695252f664b93b2375fc1738693a32a19e8c722fe14e81a3d80cc5b85a923da0"),
    ]
    assert plan.entries_from_params(rows, [e.path for e in entries]) == entries


def test_params_change_when_failing_file_names_swap_rows(tmp_path):
    # Both names fail the scan, so both rows show their export id; the SHA-256 still tells
    # Snakemake that each row now reads the other file.
    first, second = "data/raw/0612345678.csv", "data/raw/0687654321.csv"
    write_exports(tmp_path, {first: b"one", second: b"two"})
    before = plan.entry_params([entry("x", path=first), entry("y", path=second)], tmp_path)
    after = plan.entry_params([entry("x", path=second), entry("y", path=first)], tmp_path)
    assert [row["file"] for row in before] == [row["file"] for row in after] == ["x", "y"]
    assert before != after


def test_report_jobs_share_out_a_years_municipalities():
    from samen_sterker.targets import REPORTS_PER_JOB, report_batch_of, report_batches

    assert report_batches([]) == []
    assert report_batches(["b"]) == [["b"]]
    # Two municipalities: a job each, so two cores share even a small year.
    assert report_batches(["b", "a"]) == [["a"], ["b"]]
    assert report_batches(["c", "a", "b"]) == [["a", "c"], ["b"]]
    # National size: 342 in 18 jobs of 19, every municipality in exactly one.
    slugs = [f"m{i:03d}" for i in range(342)]
    batches = report_batches(reversed(slugs))
    assert len(batches) == 18 and {len(batch) for batch in batches} == {19}
    assert sorted(slug for batch in batches for slug in batch) == slugs
    assert max(len(b) for b in report_batches(slugs[:REPORTS_PER_JOB + 1])) <= REPORTS_PER_JOB
    assert all(slug in batches[report_batch_of(slug, slugs)] for slug in slugs)
    with pytest.raises(ValueError, match="no data"):
        report_batch_of("m999", slugs)
