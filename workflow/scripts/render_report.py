"""Snakemake script for the report rules: several report groups of one cohort year (a batch of
municipalities, or the overview) in every report language, in one process and one Jupyter
kernel (issue 14: interpreter, kernel and imports were a third of a report's cost).

Per group and language: papermill executes the template (parameters as a dict, never `-p`
strings, so a code such as '0363' stays text) into the reviewer's notebook and its HTML copy;
the notebook's outputs become the published HTML, which WeasyPrint prints to the PDF. A
failing cell is named in the error and its traceback is written to the rule's log. One line
on stderr says when a group's reports are ready (progress at national scale, besides
Snakemake's own).

Rule overview_report names its files as outputs; rule municipality_reports writes each
municipality's files into its staging folder under their final names
(notebooks/{slug}{suffix}.ipynb and .html, reports/{slug}{suffix}.html and .pdf), from where
rule municipality_report links them to their declared paths.
"""

import sys
import time
from pathlib import Path

from samen_sterker.reports.build import (
    ReportFiles,
    ReportGroup,
    build_reports,
    make_staging_folders,
    report_parameters,
    staged_files,
)
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

started = time.perf_counter()
inputs, output = snakemake.input, snakemake.output
languages = snakemake.params.languages
suffixes = snakemake.params.language_suffixes


def parameters_of(stats_path):
    return report_parameters(
        languages,
        stats_path,
        overview_path=inputs.get("overview", ""),
        provenance_path=inputs.provenance,
        data_quality_path=inputs.data_quality,
        exclusions_path=inputs.exclusions,
        # Only the municipal report's rule has it (reviewer-only slope plot).
        measurements_path=getattr(inputs, "measurements", None),
    )


if hasattr(output, "staging"):  # a batch of municipalities
    staging = Path(output.staging)
    groups = []
    for stats_path in inputs.stats:
        slug = Path(stats_path).stem
        files = staged_files(staging, slug, languages, suffixes)
        groups.append(ReportGroup(slug, parameters_of(stats_path), files))
    make_staging_folders(staging)
else:  # the overview
    files = {
        language: ReportFiles(
            notebook=output.notebooks[index],
            reviewer_html=output.reviewer_html[index],
            html=output.html[index],
            pdf=output.pdfs[index],
        )
        for index, language in enumerate(languages)
    }
    groups = [ReportGroup("overview", parameters_of(inputs.overview), files)]


def ready(group):
    print(
        f"reports ready: {snakemake.wildcards.year} {group.name} ({', '.join(languages)}) "
        f"at {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )


with log_to(snakemake.log[0]) as log:
    log.info("executing %s for %s", inputs.template, [group.name for group in groups])
    build_reports(
        inputs.template,
        groups,
        log_path=snakemake.log[0],
        timeout=snakemake.params.timeout,
        cwd=Path.cwd(),
        on_group_done=ready,
    )
    log.info("wrote %s", ", ".join(str(path) for path in output))
