"""From stats JSON to executed notebook (+ reviewer HTML) and from notebook to PDF.

Two steps, two Snakemake rules: the executed notebook is a rule output (a reviewer can rerun
it), the PDF is printed from it. What the PDF step needs (language, fixed date) travels in the
executed notebook's metadata under `samen_sterker_report`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

from samen_sterker.reports import render
from samen_sterker.reports.context import source_date
from samen_sterker.reports.translations import Translator

METADATA_KEY = "samen_sterker_report"


def report_epoch(stats_path: str | Path, provenance_path: str | Path | None) -> int:
    """The report's fixed date (seconds since 1970): date of the data, never the clock."""
    with Path(stats_path).open(encoding="utf-8") as handle:
        year = json.load(handle)["year"]
    provenance: Mapping[str, Any] = {}
    if provenance_path and Path(provenance_path).exists():
        with Path(provenance_path).open(encoding="utf-8") as handle:
            provenance = json.load(handle)
    return render.source_date_epoch(source_date(provenance, year))


def build_notebook(
    template: str | Path,
    notebook: str | Path,
    parameters: Mapping[str, Any],
    *,
    html: str | Path | None = None,
    log_path: str | Path | None = None,
    timeout: int = render.DEFAULT_EXECUTION_TIMEOUT,
    cwd: str | Path | None = None,
) -> Path:
    """Execute a report template with papermill; record language and date for the PDF step.

    parameters must hold stats_path and language (and provenance_path, optional).
    """
    epoch = report_epoch(parameters["stats_path"], parameters.get("provenance_path"))
    notebook = render.execute_notebook(
        template,
        notebook,
        parameters,
        log_path=log_path,
        timeout=timeout,
        cwd=cwd,
        source_date_epoch_value=epoch,
    )
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata[METADATA_KEY] = {"lang": parameters["language"], "source_date_epoch": epoch}
    render.write_atomically(notebook, nbformat.writes(nb).encode("utf-8") + b"\n")
    if html is not None:
        render.notebook_to_reviewer_html(nb, html)
    return notebook


def build_pdf(notebook: str | Path, pdf: str | Path) -> Path:
    """Print an executed report notebook to its PDF (language and date from its metadata)."""
    nb = nbformat.read(notebook, as_version=4)
    meta = nb.metadata.get(METADATA_KEY)
    if not meta:
        raise render.ReportRenderError(
            f"{notebook} has no '{METADATA_KEY}' metadata: execute it with "
            "samen_sterker.reports.build.build_notebook first"
        )
    t = Translator(meta["lang"])
    return render.notebook_to_pdf(
        nb,
        pdf,
        lang=meta["lang"],
        source_date_epoch_value=int(meta["source_date_epoch"]),
        author=t("author"),
        page_label=t("page_label", page="{page}", pages="{pages}"),
    )
