"""From stats JSON to executed notebook (+ reviewer HTML) and from notebook to PDF.

`build_reports` makes several report groups' files in every language in one process and one
kernel (one Snakemake job; issue 14): per language the executed notebook (a reviewer can
rerun it) and its reviewer HTML, then the published HTML and the PDF printed from it. What
the PDF step needs (language, fixed date) travels in the executed notebook's metadata under
`samen_sterker_report`, so `build_pdf` can also print a notebook on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from samen_sterker.reports import execution, render
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
    timeout: int = execution.DEFAULT_EXECUTION_TIMEOUT,
    cwd: str | Path | None = None,
    kernel: Any = None,
) -> nbformat.NotebookNode:
    """Execute a report template with papermill; record language and date for the PDF step.

    parameters must hold stats_path and language (and provenance_path, optional). Returns
    the executed notebook as written. `kernel`: a started kernel (execution.shared_kernel).
    """
    epoch = report_epoch(parameters["stats_path"], parameters.get("provenance_path"))
    nb = execution.execute_notebook(
        template,
        notebook,
        parameters,
        log_path=log_path,
        timeout=timeout,
        cwd=cwd,
        source_date_epoch_value=epoch,
        kernel=kernel,
        metadata={METADATA_KEY: {"lang": parameters["language"], "source_date_epoch": epoch}},
    )
    if html is not None:
        render.notebook_to_reviewer_html(nb, html)
    return nb


@dataclass(frozen=True)
class ReportFiles:
    """The files of one report in one language."""

    notebook: str | Path
    reviewer_html: str | Path
    html: str | Path
    pdf: str | Path


@dataclass(frozen=True)
class ReportGroup:
    """One report group (a municipality or the overview): per language its papermill
    parameters and its files."""

    name: str
    parameters_by_language: Mapping[str, Mapping[str, Any]]
    files_by_language: Mapping[str, ReportFiles]


def report_parameters(
    languages: Iterable[str],
    stats_path: str,
    *,
    overview_path: str,
    provenance_path: str,
    data_quality_path: str,
    exclusions_path: str,
    measurements_path: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The papermill parameters of one report group in every language (a ReportGroup's
    parameters_by_language). measurements_path feeds the municipal report's reviewer-only
    slope plot; without it the parameter is left out."""
    parameters = {}
    for language in languages:
        parameters[language] = {
            "stats_path": stats_path,
            "overview_path": overview_path,
            "provenance_path": provenance_path,
            "data_quality_path": data_quality_path,
            "exclusions_path": exclusions_path,
            "language": language,
        }
        if measurements_path is not None:
            parameters[language]["measurements_path"] = measurements_path
    return parameters


# A batch job's staging folder holds each municipality's files under their final names; rule
# municipality_report links them from there to their declared paths (common.smk).
def staged_files(
    staging: Path, slug: str, languages: Iterable[str], language_suffixes: Iterable[str]
) -> dict[str, ReportFiles]:
    """A municipality's report files in its batch's staging folder, by language."""
    return {
        language: ReportFiles(
            notebook=staging / "notebooks" / f"{slug}{suffix}.ipynb",
            reviewer_html=staging / "notebooks" / f"{slug}{suffix}.html",
            html=staging / "reports" / f"{slug}{suffix}.html",
            pdf=staging / "reports" / f"{slug}{suffix}.pdf",
        )
        for language, suffix in zip(languages, language_suffixes, strict=True)
    }


def make_staging_folders(staging: Path) -> None:
    """The folders staged_files puts a batch's files in."""
    for folder in ("notebooks", "reports"):
        (staging / folder).mkdir(parents=True, exist_ok=True)


def build_reports(
    template: str | Path,
    groups: Sequence[ReportGroup],
    *,
    log_path: str | Path | None = None,
    timeout: int = execution.DEFAULT_EXECUTION_TIMEOUT,
    cwd: str | Path | None = None,
    on_group_done: Callable[[ReportGroup], None] | None = None,
) -> None:
    """Every language of several report groups of one cohort year in one kernel: per report
    the notebook, reviewer HTML, HTML and PDF (issue 14: kernel start, imports and fonts were
    a third of a report's cost). The kernel is reset before each notebook, so each equals a
    fresh kernel's. `on_group_done` is called after each group's last file (progress).

    All reports of a cohort year share its date of the data, so one kernel serves them all.
    """
    epochs = {
        report_epoch(p["stats_path"], p.get("provenance_path"))
        for group in groups
        for p in group.parameters_by_language.values()
    }
    if len(epochs) != 1:
        raise render.ReportRenderError(f"reports of one job have different dates: {epochs}")
    with execution.shared_kernel(cwd=cwd, source_date_epoch_value=epochs.pop()) as kernel:
        for group in groups:
            for language, parameters in group.parameters_by_language.items():
                files = group.files_by_language[language]
                nb = build_notebook(
                    template,
                    files.notebook,
                    parameters,
                    html=files.reviewer_html,
                    log_path=log_path,
                    timeout=timeout,
                    cwd=cwd,
                    kernel=kernel,
                )
                print_report(nb, files.pdf, html=files.html, source=files.notebook)
            if on_group_done is not None:
                on_group_done(group)


def build_pdf(notebook: str | Path, pdf: str | Path, *, html: str | Path | None = None) -> Path:
    """Print an executed report notebook to its PDF (language and date from its metadata);
    html, if given, receives the HTML document that was printed (the published HTML)."""
    return print_report(nbformat.read(notebook, as_version=4), pdf, html=html, source=notebook)


def print_report(
    nb: nbformat.NotebookNode,
    pdf: str | Path,
    *,
    html: str | Path | None = None,
    source: str | Path = "notebook",
) -> Path:
    """Print an executed report notebook (in memory) to its PDF and published HTML."""
    notebook = source
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
        html_output=html,
    )
