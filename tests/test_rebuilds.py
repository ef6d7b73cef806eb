"""Rebuilds you can trust: after a full run, each kind of edit reruns exactly the jobs that
depend on it (Snakemake's dry run on a built two-year project), a new cohort year leaves the
earlier year's files byte-identical, and a run killed halfway recovers."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from samen_sterker.simulate import (
    MunicipalitySpec,
    SimulationParameters,
    exports_sheet,
    write_demo_cohort,
)

from .conftest import copy_project, make_run, run_pipeline

pytestmark = pytest.mark.e2e

# 2025: one municipality of 2024 and one new one (a row added to the municipalities table),
# read with a mapping of its own (the questionnaire of a new year may change).
COHORT_2025 = SimulationParameters(
    municipalities=(
        MunicipalitySpec("GM9999", "Nergenshuizen", couples=8, timepoints=("pre", "post")),
        MunicipalitySpec("GM9997", "Nieuw-Nergens", couples=7, timepoints=("pre", "post")),
    ),
    years=(2025,),
)
MAPPING_2025 = "qualtrics_2025"
CLEANING = {"clean_year", "multi_year_cohorts"}
STATISTICS = {"year_stats", "municipality_stats"}
PROVENANCE = {"provenance"}
REPORTS = {"municipality_reports", "municipality_report", "overview_report"}
BOOKKEEPING = {"publication_checksums", "all"}
JOB = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(project: Path, env: dict | None = None) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job Snakemake's dry run plans."""
    process = run_pipeline(project, "--dry-run", env=env)
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in (process.stdout + process.stderr).splitlines():
        if match := JOB.match(line):
            jobs.append((match.group(1), {}))
        elif (match := WILDCARDS.match(line)) and jobs:
            jobs[-1][1].update(item.split("=", 1) for item in match.group(1).split(", "))
    return jobs


def rules(jobs) -> set[str]:
    return {rule for rule, _ in jobs}


def years(jobs) -> set[str]:
    return {wildcards["year"] for _, wildcards in jobs if "year" in wildcards}


def file_states(project: Path, year: int) -> dict[str, tuple[str, int]]:
    """SHA-256 and mtime (ns) of every result file of one cohort year."""
    states = {}
    for path in sorted((project / "results").rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and f"/{year}" in relative:
            states[relative] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                path.stat().st_mtime_ns)
    return states


def add_cohort_2025(project: Path) -> None:
    """Exports, sheet rows, a new municipality and a mapping of its own for 2025."""
    paths = write_demo_cohort(project / "data" / "raw", COHORT_2025, seed=3)
    sheet = pd.read_csv(project / "config/exports.tsv", sep="\t", dtype=str)
    new_rows = exports_sheet(paths, project, mapping=MAPPING_2025).astype(str)
    pd.concat([sheet, new_rows]).to_csv(project / "config/exports.tsv", sep="\t", index=False)
    with open(project / "config/municipalities.tsv", "a", encoding="utf-8") as table:
        table.write("GM9997\tNieuw-Nergens\t\n")
    edit_config(project, lambda c: c["mappings"].update(
        {MAPPING_2025: dict(c["mappings"]["qualtrics_samen_sterker"])}))


def edit_config(project: Path, change) -> None:
    path = project / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(config)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The demo built (2024), then 2025 added and built; snapshots of both states."""
    root = tmp_path_factory.mktemp("rebuilds")
    project = copy_project(root / "project")
    run_pipeline(project)
    only_2024 = root / "only-2024"
    shutil.copytree(project, only_2024, symlinks=True)
    before = file_states(project, 2024)
    add_cohort_2025(project)
    planned_for_2025 = planned_jobs(project)
    run_pipeline(project)
    return {
        "only_2024": only_2024,
        "two_years": project,
        "planned_for_2025": planned_for_2025,
        "2024_before": before,
        "2024_after": file_states(project, 2024),
    }


@pytest.fixture
def built(builds, tmp_path):
    """A private copy of the built two-year project (mtimes and Snakemake's records kept)."""
    copy = tmp_path / "project"
    shutil.copytree(builds["two_years"], copy, symlinks=True)
    return copy


def test_nothing_edited_nothing_reruns(built):
    assert planned_jobs(built) == []


def test_a_new_cohort_year_runs_only_its_own_jobs(builds):
    jobs = builds["planned_for_2025"]
    assert years(jobs) == {"2025"}
    assert ("clean_year", {"year": "2025"}) in jobs
    # ... and the 2024 files are byte-identical and untouched after the 2025 run.
    assert builds["2024_after"] == builds["2024_before"]
    assert any(path.endswith("2024/nergenshuizen.pdf") for path in builds["2024_before"])


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: edit_config(p, lambda c: c.update(languages=["en", "nl"])),
                     id="languages"),
        pytest.param(lambda p: append(p / "workflow/samen_sterker/reports/translations.yaml",
                                      "\n# edited\n"), id="translations"),
        pytest.param(lambda p: append(p / "workflow/samen_sterker/reports/report.css",
                                      "\n/* edited */\n"), id="report-css"),
        pytest.param(lambda p: append(p / "workflow/samen_sterker/reports/figures/style.py",
                                      "\n# edited\n"), id="reports-code"),
    ],
)
def test_report_edits_rerun_reports_only(built, edit):
    edit(built)
    jobs = planned_jobs(built)
    assert REPORTS <= rules(jobs)
    assert rules(jobs) <= REPORTS | PROVENANCE | BOOKKEEPING, rules(jobs)
    assert years(jobs) == {"2024", "2025"}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: edit_config(
            p, lambda c: c["privacy"].update(min_respondents=30)), id="privacy-threshold"),
        pytest.param(lambda p: edit_config(
            p, lambda c: c["outcomes"]["couple_satisfaction"]["reliability"].update(value=0.9)),
            id="reliability"),
        pytest.param(lambda p: append(p / "workflow/samen_sterker/stats/descriptives.py",
                                      "\n# edited\n"), id="stats-code"),
    ],
)
def test_analysis_edits_rerun_statistics_and_reports_not_cleaning(built, edit):
    edit(built)
    jobs = planned_jobs(built)
    assert STATISTICS <= rules(jobs)
    assert "municipality_report" in rules(jobs)
    assert not rules(jobs) & CLEANING, rules(jobs)


def test_an_edited_disclosure_outcomes_file_reruns_that_years_statistics(built):
    """year_stats builds on the statistics the disclosure job wrote (a declared input, issue
    14): that file edited reruns the year's statistics and what reads them, not the
    disclosure or anything before it."""
    append(built / "results/disclosure/2025.outcomes.json", "\n")
    jobs = planned_jobs(built)
    assert ("year_stats", {"year": "2025"}) in jobs
    assert "municipality_report" in rules(jobs)
    assert years(jobs) == {"2025"}
    assert not rules(jobs) & (CLEANING | {"disclosure"}), rules(jobs)


def change_one_rating(path: Path) -> None:
    """Rewrite the first data row's 1-10 rating (Q2) of a Qualtrics export."""
    lines = path.read_bytes().split(b"\r\n")
    header = lines[0].decode("utf-8-sig").split(",")
    column = header.index("Q2")
    cells = lines[3].decode("utf-8").split(",")
    cells[column] = "6" if cells[column] != "6" else "7"
    lines[3] = ",".join(cells).encode("utf-8")
    path.write_bytes(b"\r\n".join(lines))


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: edit_config(
            p, lambda c: c["mappings"][MAPPING_2025].update(missing_codes=["-99", "-98"])),
            id="mapping"),
        pytest.param(lambda p: change_one_rating(
            p / "data/raw/2025/samen-sterker_GM9997_2025_voormeting.csv"), id="export"),
    ],
)
def test_a_cohort_edit_reruns_that_years_cleaning_only(built, edit):
    edit(built)
    jobs = planned_jobs(built)
    # The checkpoint plans what follows it once it has run (see the real run below).
    assert ("clean_year", {"year": "2025"}) in jobs
    assert years(jobs) == {"2025"}


def test_a_changed_export_rebuilds_its_year_and_leaves_the_other_untouched(built):
    before = {year: file_states(built, year) for year in (2024, 2025)}
    change_one_rating(built / "data/raw/2025/samen-sterker_GM9997_2025_voormeting.csv")
    run_pipeline(built)
    assert file_states(built, 2024) == before[2024]
    after = file_states(built, 2025)
    rebuilt = {path for path, state in after.items() if state[1] != before[2025][path][1]}
    for path in ("results/clean/2025/measurements.csv", "results/stats/2025/nieuw-nergens.json",
                 "results/reports/2025/nieuw-nergens.pdf", "results/reports/2025/overview.pdf"):
        assert path in rebuilt


def test_an_earlier_years_correction_reaches_later_trends_but_not_later_cleaning(built):
    change_one_rating(built / "data/raw/2024/samen-sterker_GM9999_2024_voormeting.csv")
    jobs = planned_jobs(built)
    assert ("clean_year", {"year": "2024"}) in jobs
    assert ("clean_year", {"year": "2025"}) not in jobs
    # 2025's provenance cites the 2024 inputs its trend reads, so it is rewritten too.
    assert ("provenance", {"year": "2025"}) in jobs


def fake_distribution(folder: Path, name: str, version: str) -> dict[str, str]:
    """An environment in which importlib.metadata finds `name` at `version` first."""
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


@pytest.mark.parametrize(
    ("package", "reruns", "left_alone"),
    [
        # Reads the Excel exports: cleaning reruns, and so everything after it.
        ("openpyxl", {"clean_year"}, set()),
        # Formats every number of the reports: the reports rerun (through the provenance
        # they cite), the cleaning and statistics do not.
        ("babel", REPORTS | PROVENANCE, CLEANING | STATISTICS),
    ],
)
def test_an_upgraded_package_reruns_the_stages_that_use_it(built, tmp_path, package, reruns,
                                                          left_alone):
    env = fake_distribution(tmp_path / "site", package, "99.0")
    jobs = planned_jobs(built, env=env)
    assert reruns <= rules(jobs), rules(jobs)
    assert not rules(jobs) & left_alone, rules(jobs)


def test_both_languages_side_by_side(builds):
    reports = builds["two_years"] / "results/reports/2025"
    for group in ("nergenshuizen", "nieuw-nergens", "overview"):
        dutch, english = reports / f"{group}.pdf", reports / f"{group}.en.pdf"
        assert dutch.stat().st_size > 0 and english.stat().st_size > 0
        assert dutch.read_bytes() != english.read_bytes()
    sums = (reports / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  nieuw-nergens.en.pdf" in sums and "  nieuw-nergens.pdf" in sums


def test_a_run_killed_halfway_recovers(builds, tmp_path):
    """SIGKILL to `make`, Snakemake and its jobs after the overview statistics wrote their
    second table; the next `make` rebuilds what was incomplete."""
    project = copy_project(tmp_path / "project")
    edit_config(project, lambda c: c.update(languages=["nl"]))  # fewer report jobs to wait for
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILL_HOOK, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=f"{hook}{os.pathsep}{project / 'workflow'}",
               SAMEN_STERKER_TEST_KILL="1")
    killed = make_run(project, env=env, start_new_session=True)
    assert killed.returncode != 0
    tables = project / "results/stats/2024/overview"
    assert not (project / "results/stats/2024/overview.json").exists()
    assert len(list(tables.glob("*.csv"))) == 2  # killed between its files
    again = make_run(project)  # `make` again
    assert again.returncode == 0, again.stderr[-3000:]
    assert planned_jobs(project) == []
    reference = builds["only_2024"] / "results/stats/2024"
    for path in sorted(reference.rglob("*")):
        if path.is_file():
            relative = path.relative_to(reference)
            assert (project / "results/stats/2024" / relative).read_bytes() == path.read_bytes()
    assert (project / "results/reports/2024/overview.pdf").stat().st_size > 0


# Installed through PYTHONPATH in every interpreter of the killed run (Snakemake and its
# jobs): the overview statistics job kills the whole session after its second table file.
KILL_HOOK = '''
import os
import signal

if os.environ.get("SAMEN_STERKER_TEST_KILL"):
    from samen_sterker.stats import output

    _write, _written = output._atomic_write, []

    def _write_then_die(path, text):
        _write(path, text)
        _written.append(path)
        if path.parent.name == "overview" and len(_written) == 2:
            os.killpg(os.getsid(0), signal.SIGKILL)
            os.killpg(os.getpgrp(), signal.SIGKILL)

    output._atomic_write = _write_then_die
'''


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout


def publish(project: Path, year: int) -> subprocess.CompletedProcess:
    """`make publish YEAR=…` as the Makefile runs it, with this project's package."""
    env = dict(os.environ, PYTHONPATH=str(project / "workflow"))
    return subprocess.run(
        [sys.executable, "-m", "samen_sterker.publish", str(year), "--cores", "2"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )


def test_publish_bundles_a_committed_year_and_refuses_uncommitted_changes(built):
    import tarfile

    git(built, "init", "--quiet")
    git(built, "add", "--all")
    git(built, "commit", "--quiet", "--message", "cohort 2024 and 2025")
    first = publish(built, 2024)
    assert first.returncode == 0, first.stderr[-3000:]
    bundle = built / "results/publication/samen-sterker-2024.tar.gz"
    with tarfile.open(bundle) as archive:
        names = sorted(archive.getnames())
        sums = archive.extractfile("samen-sterker-2024/SHA256SUMS").read().decode()
        for line in sums.splitlines():
            digest, name = line.split("  ")
            data = archive.extractfile(f"samen-sterker-2024/{name}").read()
            assert hashlib.sha256(data).hexdigest() == digest
    assert "samen-sterker-2024/nergenshuizen.en.pdf" in names
    assert "samen-sterker-2024/provenance.json" in names
    assert not any("2025" in name for name in names)
    bytes_before = bundle.read_bytes()
    assert publish(built, 2024).returncode == 0
    assert bundle.read_bytes() == bytes_before  # same results, same bundle

    append(built / "workflow/samen_sterker/stats/descriptives.py", "\n# not committed\n")
    refused = publish(built, 2024)
    assert refused.returncode != 0
    assert "uncommitted changes" in refused.stderr
    assert "workflow/samen_sterker/stats/descriptives.py" in refused.stderr


def test_a_file_already_used_by_an_earlier_year_is_a_warning(built):
    """A 2026 row naming a copy of a 2025 export: the 2026 cleaning warns, 2025 is untouched."""
    earlier = built / "data/raw/2025/samen-sterker_GM9997_2025_voormeting.csv"
    copy = built / "data/raw/2026/samen-sterker_GM9997_2026_voormeting.csv"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(earlier, copy)
    with open(built / "config/exports.tsv", "a", encoding="utf-8") as sheet:
        sheet.write(f"gm9997_2026_pre\t{copy.relative_to(built)}\t{MAPPING_2025}\t2026\tGM9997"
                    "\tpre\tcopied by mistake\n")
    assert years(planned_jobs(built)) == {"2026"}
    run_pipeline(built, "results/clean/2026/data_quality.csv")
    quality = pd.read_csv(built / "results/clean/2026/data_quality.csv", keep_default_na=False)
    assert "same SHA-256 as export gm9997_2025_pre" in quality.loc[0, "warnings"]
    log = (built / "logs/clean/2026.log").read_text(encoding="utf-8")
    assert "same SHA-256 as export gm9997_2025_pre" in log
