"""The files the workflow makes: which (year, municipality) groups the clean data holds, and
every output of a cohort year."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

# The tidy CSV tables beside each stats JSON (samen_sterker.stats.output.tidy_tables); named
# one by one, so that a job killed halfway leaves a file missing and is rerun.
MUNICIPAL_TABLES = (
    "headline_change",
    "descriptives",
    "paired",
    "reliable_change",
    "mixed_model",
    "trend",
)
OVERVIEW_TABLES = MUNICIPAL_TABLES + ("comparison", "funnel", "year_model")
OVERVIEW = "overview"


def report_groups(measurements_csv: str | Path,
                  municipalities: pd.DataFrame) -> list[tuple[int, str]]:
    """Sorted (year, slug) pairs present in the canonical measurements table."""
    table = pd.read_csv(measurements_csv, usecols=["year", "municipality_code"],
                        dtype={"year": int, "municipality_code": str})
    slugs = municipalities.set_index("code")["slug"]
    pairs = table[["year", "municipality_code"]].drop_duplicates()
    unknown = sorted(set(pairs["municipality_code"]) - set(slugs.index))
    if unknown:
        raise ValueError(f"{measurements_csv}: municipality codes not in the municipalities "
                         f"table: {unknown}")
    return sorted({(int(year), slugs[code]) for year, code in pairs.itertuples(index=False)})


# At most this many municipalities' reports per report job: the job's start (interpreter,
# kernel, imports, fonts) is shared by them, and there are still jobs for every core and
# cluster node at national size (342 municipalities: 18 jobs).
REPORTS_PER_JOB = 20


def report_batches(slugs: Iterable[str]) -> list[list[str]]:
    """The municipalities of a cohort year split into report jobs: at most REPORTS_PER_JOB
    each and at least two when there are two (so two cores share even a small year), dealt
    round the sorted slugs so each job gets a similar mix. Only the year's set of
    municipalities decides it, and a change to that set changes the overview every report
    reads anyway."""
    ordered = sorted(slugs)
    count = max(min(len(ordered), 2), -(-len(ordered) // REPORTS_PER_JOB))
    return [ordered[start::count] for start in range(count)]


def report_batch_of(slug: str, slugs: Iterable[str]) -> int:
    """The number of the report job (report_batches) that makes this municipality's reports."""
    for number, batch in enumerate(report_batches(slugs)):
        if slug in batch:
            return number
    raise ValueError(f"{slug!r} has no data in this cohort year")


def stats_tables(year: int | str, group: str) -> list[str]:
    """The CSV tables beside a stats JSON ('overview' or a municipality slug)."""
    names = OVERVIEW_TABLES if group == OVERVIEW else MUNICIPAL_TABLES
    return [f"results/stats/{year}/{group}/{name}.csv" for name in names]


def report_files(year: int | str, group: str,
                 language_suffixes: Iterable[str]) -> dict[str, list[str]]:
    """The files of one report group's job, by kind, in the order of the report languages:
    executed notebooks, their reviewer HTML, the published HTML (the document each PDF is
    printed from) and the PDFs. `year` may be the rule's '{year}' wildcard."""
    suffixes = list(language_suffixes)
    return {
        "notebooks": [f"results/notebooks/{year}/{group}{s}.ipynb" for s in suffixes],
        "reviewer_html": [f"results/notebooks/{year}/{group}{s}.html" for s in suffixes],
        "html": [f"results/reports/{year}/{group}{s}.html" for s in suffixes],
        "pdfs": [f"results/reports/{year}/{group}{s}.pdf" for s in suffixes],
    }


def year_outputs(year: int, slugs: Iterable[str], language_suffixes: Iterable[str]) -> list[str]:
    """Every file of a cohort year: provenance, disclosure decisions and audit, stats and every
    report file."""
    suffixes = list(language_suffixes)
    outputs = [
        f"results/provenance/{year}.json",
        f"results/disclosure/{year}.csv",
        f"results/disclosure/{year}.json",
    ]
    for group in [*sorted(slugs), OVERVIEW]:
        outputs += [f"results/stats/{year}/{group}.json", *stats_tables(year, group)]
        for files in report_files(year, group, suffixes).values():
            outputs += files
    return outputs


def where_the_reports_are(language_suffixes: Iterable[str], base_dir: str | Path = ".") -> str:
    """The closing lines of a run: where each cohort year's reports are, and how many."""
    lines = ["Reports (for the municipalities, PDF):"]
    suffixes = list(language_suffixes)
    folders = sorted(p for p in (Path(base_dir) / "results" / "reports").glob("[0-9]" * 4))
    for folder in folders:
        stems = [pdf.name.removesuffix(".pdf") for pdf in folder.glob("*.pdf")]
        counts = []
        for suffix in suffixes:
            count = sum(1 for stem in stems if (stem.endswith(suffix) if suffix else "." not in stem))
            counts.append(f"{count} {suffix.removeprefix('.') or 'primary language'}")
        lines.append(f"  results/reports/{folder.name}/  ({', '.join(counts)}; SHA256SUMS)")
    lines.append("Reviewer notebooks: results/notebooks/{year}/; numbers: results/stats/{year}/")
    return "\n".join(lines)
