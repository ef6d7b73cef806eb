"""Snakemake script for the report rules: one report group (a municipality or the overview of
a cohort year) in every report language, in one process and one Jupyter kernel.

Per language: papermill executes the template (parameters as a dict, never `-p` strings, so a
code such as '0363' stays text) into the reviewer's notebook and its HTML copy; the notebook's
outputs become the published HTML, which WeasyPrint prints to the PDF. A failing cell is named
in the error and its traceback is written to the rule's log. One line on stderr says when a
group's reports are ready (progress at national scale, besides Snakemake's own).
"""

import sys
import time
from pathlib import Path

from samen_sterker.reports.build import ReportFiles, build_report
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

started = time.perf_counter()
with log_to(snakemake.log[0]) as log:
    inputs, output = snakemake.input, snakemake.output
    languages = snakemake.params.languages
    parameters, files = {}, {}
    for index, language in enumerate(languages):
        parameters[language] = {
            "stats_path": inputs.get("stats", inputs.get("overview")),
            "overview_path": inputs.get("overview", ""),
            "provenance_path": inputs.provenance,
            "data_quality_path": inputs.data_quality,
            "exclusions_path": inputs.exclusions,
            "language": language,
        }
        if hasattr(inputs, "measurements"):  # reviewer-only slope plot (municipal report)
            parameters[language]["measurements_path"] = inputs.measurements
        files[language] = ReportFiles(
            notebook=output.notebooks[index],
            reviewer_html=output.reviewer_html[index],
            html=output.html[index],
            pdf=output.pdfs[index],
        )
    log.info("executing %s with %s", inputs.template, parameters)
    build_report(
        inputs.template,
        parameters,
        files,
        log_path=snakemake.log[0],
        timeout=snakemake.params.timeout,
        cwd=Path.cwd(),
    )
    log.info("wrote %s", ", ".join(str(path) for path in output))
group = snakemake.wildcards.get("municipality", "overview")
print(
    f"reports ready: {snakemake.wildcards.year} {group} ({', '.join(languages)}) "
    f"in {time.perf_counter() - started:.1f} s",
    file=sys.stderr,
    flush=True,
)
