"""Snakemake script for the report rules: execute a report notebook, or print it to PDF.

Rules whose output has `notebook` run papermill (parameters as a dict, never `-p` strings,
so a code such as '0363' stays text) and write the reviewer's HTML beside the notebook;
rules whose output is a PDF print the executed notebook. A failing cell is named in the
error and its traceback is written to the rule's log.
"""

from pathlib import Path

from samen_sterker.reports.build import build_notebook, build_pdf
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    if hasattr(snakemake.output, "notebook"):
        inputs = snakemake.input
        parameters = {
            "stats_path": inputs.get("stats", inputs.get("overview")),
            "overview_path": inputs.get("overview", ""),
            "provenance_path": inputs.provenance,
            "data_quality_path": inputs.data_quality,
            "exclusions_path": inputs.exclusions,
            "language": snakemake.params.language,
        }
        if hasattr(inputs, "measurements"):  # reviewer-only slope plot (municipal report)
            parameters["measurements_path"] = inputs.measurements
        log.info("executing %s with %s", inputs.template, parameters)
        build_notebook(
            inputs.template,
            snakemake.output.notebook,
            parameters,
            html=snakemake.output.html,
            log_path=snakemake.log[0],
            timeout=snakemake.params.timeout,
            cwd=Path.cwd(),
        )
    else:
        build_pdf(snakemake.input.notebook, snakemake.output[0])
    log.info("wrote %s", ", ".join(str(path) for path in snakemake.output))
