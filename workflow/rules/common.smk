# Shared by every rule: the sheet of exports per cohort year, what each job depends on
# (samen_sterker.plan) and the targets of a cohort year.

import functools
import os
import platform
import sys
from pathlib import Path

# Run this checkout's own package, in Snakemake and in every job (scripts inherit the
# environment), even where the environment has another checkout's package installed: the
# code fingerprints below must describe the code that runs.
PACKAGE_PARENT = str(Path(workflow.main_snakefile).resolve().parent / "workflow")
sys.path.insert(0, PACKAGE_PARENT)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [PACKAGE_PARENT, os.environ.get("PYTHONPATH")])
    )
)

from samen_sterker import plan
from samen_sterker.config import read_municipalities, validate_config
from samen_sterker.provenance import (
    CLEANING_PACKAGES,
    NUMERIC_PACKAGES,
    package_versions,
    report_fonts,
)
from samen_sterker.targets import (
    MUNICIPAL_TABLES,
    OVERVIEW_TABLES,
    report_batch_of,
    report_batches,
    report_groups,
    where_the_reports_are,
    year_outputs,
)

# Fails before any job runs, listing every schema error with its key path and what is
# allowed; fills in the schema's defaults.
config.update(validate_config(config))

# Read and checked once, before any job runs: every bad cell and missing file at once.
SHEET = plan.read_sheet(config)
MUNICIPALITIES = read_municipalities(config["municipalities"])
LANGUAGE_SUFFIXES = plan.language_suffixes(config)
# Package code each stage runs (its fingerprint is a param: an edit reruns the stage).
CODE = plan.stage_fingerprints()


wildcard_constraints:
    year=r"\d{4}",
    # Never "overview": the overview's files are made by its own rules, and no municipality
    # may take that slug (samen_sterker.config).
    municipality=r"(?!overview[./])[a-z0-9]+(?:-[a-z0-9]+)*",
    # The number of a report job within its year (samen_sterker.targets.report_batches).
    batch=r"\d+",
    # '' for the primary language, '.en' for English beside it (see plan.language_suffixes).
    language_suffix=r"(?:\.[a-z]{2})?",


def cohort_years():
    """Cohort years of the sheet, plus those that multi-year exports turn out to hold."""
    years = set(SHEET.years())
    if SHEET.multi_year():
        with open(
            checkpoints.multi_year_cohorts.get().output[0], encoding="utf-8"
        ) as handle:
            years |= {int(line) for line in handle if line.strip()}
    return sorted(years)


def entries_of_year(wildcards):
    """The sheet rows a cohort year's cleaning reads."""
    return SHEET.entries_for(int(wildcards.year))


def raw_exports_of_year(wildcards):
    return [entry.path for entry in entries_of_year(wildcards)]


def earlier_years(wildcards):
    """The cohort years before this one: the trend over years reads their measurements."""
    return [y for y in cohort_years() if y < int(wildcards.year)]


def measurements_up_to(wildcards):
    """Clean measurements of this cohort year and every earlier one (the trend over years)."""
    years = earlier_years(wildcards) + [int(wildcards.year)]
    return [f"results/clean/{y}/measurements.csv" for y in years]


def earlier_manifests(wildcards):
    """The clean manifests (input checksums) of the earlier cohort years in the trend."""
    return [f"results/clean/{y}/manifest.json" for y in earlier_years(wildcards)]


def municipality_code(slug):
    """CBS code of the municipality whose official name has this slug."""
    match = MUNICIPALITIES.loc[MUNICIPALITIES["slug"] == slug, "code"]
    if match.empty:
        raise ValueError(
            f"no municipality in {config['municipalities']} has the slug {slug!r}"
        )
    return match.iloc[0]


def groups_of_year(year):
    """Municipality slugs with data in a cohort year (waits for that year's cleaning)."""
    measurements = checkpoints.clean_year.get(year=year).output.measurements
    return groups_in(measurements, os.stat(measurements).st_mtime_ns)


@functools.lru_cache
def groups_in(measurements, mtime_ns):
    """The slugs of a measurements table, read once per version of the file: every report
    job and every municipality's link job asks (issue 14: 342 municipalities)."""
    return [slug for _, slug in report_groups(measurements, MUNICIPALITIES)]


def outputs_of_year(wildcards):
    """Every report, notebook and stats file of one cohort year."""
    slugs = groups_of_year(wildcards.year)
    return year_outputs(int(wildcards.year), slugs, LANGUAGE_SUFFIXES)


def pdfs_of_year(wildcards):
    """The publishable PDFs of one cohort year, in every report language."""
    return [path for path in outputs_of_year(wildcards) if path.endswith(".pdf")]


def stats_of_report_batch(wildcards):
    """The stats JSONs of the municipalities whose reports one report job makes."""
    batch = report_batches(groups_of_year(wildcards.year))[int(wildcards.batch)]
    return [f"results/stats/{wildcards.year}/{slug}.json" for slug in batch]


def report_batch_of_municipality(wildcards):
    """The staging folder of the report job that makes this municipality's reports."""
    number = report_batch_of(wildcards.municipality, groups_of_year(wildcards.year))
    return f"results/staging/reports/{wildcards.year}/{number}"


# Issue 14: one job computes the statistics of a whole year, and one job makes the reports of
# up to 20 municipalities, each into a staging folder (a declared directory output). Each
# file then gets its own declared path through a local job per municipality that runs this
# command: a hard link, so the file is stored once (a copy where the filesystem has none),
# touched to be newer than the staging folder, as a job's output is. params.staged lists
# the staged file of each output, in the outputs' order.
LINK_STAGED = (
    "(staged=({params.staged}); published=({output});"
    " for i in ${{!published[@]}}; do"
    " ln -f ${{staged[$i]}} ${{published[$i]}} 2> /dev/null"
    " || cp -f ${{staged[$i]}} ${{published[$i]}}; done;"
    " touch {output}) 2> {log}"
)


def staged_stats(wildcards, input, output):
    """The staged files (by CBS code) of a municipality's stats JSON and tables."""
    code = municipality_code(wildcards.municipality)
    return [f"{input[0]}/{code}.json"] + [
        f"{input[0]}/{code}/{Path(path).name}" for path in output.tables
    ]


def staged_reports(wildcards, input, output):
    """The staged files of a municipality's reports: notebooks/… and reports/… of its job."""
    return [
        f"{input[0]}/{Path(path).parent.parent.name}/{Path(path).name}"
        for path in output
    ]


# `make report` (snakemake --report): one self-contained HTML in which a reviewer finds every
# PDF and executed notebook of the run, and each year's data checks, with their captions
# (workflow/report/). Only published documents and logs of checks are marked: never the
# measurements.
def for_report(path, caption, category, **labels):
    """`path` marked for the run's report, under `category` and its cohort year."""
    return report(
        path,
        caption=f"../report/{caption}",
        category=category,
        subcategory="{year}",
        labels=labels,
    )


def reported_report_files(files, caption, report_name):
    """A report group's files (targets.report_files) with its PDFs and reviewer notebooks
    marked for the run's report, labelled by report and language."""
    languages = plan.report_languages(config)
    marked = dict(files)
    for kind, category, caption_of_kind in (
        ("pdfs", "Reports (PDF)", caption),
        ("reviewer_html", "Reviewer notebooks", "reviewer_notebook.rst"),
    ):
        marked[kind] = [
            for_report(
                path, caption_of_kind, category, report=report_name, language=language
            )
            for path, language in zip(files[kind], languages)
        ]
    return marked
