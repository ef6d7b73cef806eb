"""The notebook → HTML → PDF route of the reports.

nbconvert turns an executed notebook (see `execution`) into HTML without input cells (basic
template); WeasyPrint prints that HTML with the project stylesheet (A4, page numbers) to a
tagged PDF. Every step is deterministic: same notebook + same SOURCE_DATE_EPOCH => same bytes.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat

# Cells with these tags never reach the PDF: papermill's injected parameters (its cell id is
# random), the template's defaults, and anything meant for the reviewer only (slope plots of
# individual participants, raw tables of the stats JSON).
PDF_REMOVE_CELL_TAGS = frozenset({"injected-parameters", "parameters", "reviewer-only"})

_EXTERNAL_SCRIPT = re.compile(
    r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.IGNORECASE
)

DEFAULT_AUTHOR = "Samen Sterker evaluatiepipeline"


class ReportRenderError(RuntimeError):
    """A report could not be converted to HTML or PDF."""


def stylesheet(page_label: str = "Pagina {page} van {pages}") -> str:
    """Return the project CSS with the page footer in the report's language."""
    css = resources.files("samen_sterker.reports").joinpath("report.css").read_text("utf-8")
    return css.replace("/*PAGE-LABEL*/", _css_counter_content(page_label))


def _css_counter_content(label: str) -> str:
    """Turn 'Pagina {page} van {pages}' into CSS content with page counters."""
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", label):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            escaped = piece.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{escaped}"')
    return " ".join(parts) or '""'


def source_date_epoch(value: str | float | datetime | None = None) -> int:
    """Seconds since 1970 for the report's fixed date: the argument, else $SOURCE_DATE_EPOCH."""
    if value is None:
        value = os.environ.get("SOURCE_DATE_EPOCH")
        if value is None:
            raise ReportRenderError(
                "No report date: pass source_date_epoch (the date of the data) or set "
                "SOURCE_DATE_EPOCH; the clock is never used, so that reruns give identical PDFs."
            )
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        parsed = datetime.fromisoformat(value.strip())
        return source_date_epoch(parsed)
    return int(value)


def _w3c_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def temporary_environment(**values: str) -> Iterator[None]:
    """Temporarily set environment variables: inherited by a kernel papermill starts, read
    by WeasyPrint (SOURCE_DATE_EPOCH)."""
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, previous in old.items():
            if previous is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = previous


def write_atomically(path: Path, data: bytes) -> None:
    """Write bytes to a temp file beside path, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
        # mkstemp creates the file owner-only; reports are for sharing: use the umask default.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# Notebook → HTML
# --------------------------------------------------------------------------------------------


def _read_notebook(notebook: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    if isinstance(notebook, nbformat.NotebookNode):
        return copy.deepcopy(notebook)
    return nbformat.read(Path(notebook), as_version=4)


def _stable_cell_ids(nb: nbformat.NotebookNode) -> None:
    # nbconvert writes cell ids into the HTML; numbering them keeps output independent of ids.
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"


def notebook_body_html(
    notebook: str | Path | nbformat.NotebookNode,
    *,
    remove_cell_tags: frozenset[str] | set[str] = PDF_REMOVE_CELL_TAGS,
) -> str:
    """Return the outputs of a notebook as an HTML fragment: no input cells, no prompts."""
    remove = set(remove_cell_tags)
    nb = _read_notebook(notebook)
    # Markdown cells are the reviewer's commentary; every sentence of the report itself is an
    # output of a code cell, made from translations.yaml.
    nb.cells = [
        cell
        for cell in nb.cells
        if cell.get("cell_type") == "code"
        and not set(cell.get("metadata", {}).get("tags", [])) & remove
    ]
    for cell in nb.cells:
        # A single output can be kept out of the PDF by tagging it in its display metadata.
        cell["outputs"] = [
            output
            for output in cell.get("outputs", [])
            if not set(output.get("metadata", {}).get("tags", [])) & remove
            and output.get("output_type") != "stream"  # print() is for the reviewer
        ]
    _stable_cell_ids(nb)
    body, _ = _published_exporter().from_notebook_node(nb)
    return body


# One exporter per kind and process: building one loads and compiles its Jinja2 templates,
# which cost more than the export itself (issue 14: a batch exports 2 x 40 notebooks).
# An export starts from fresh resources, so a reused exporter gives the same bytes (tested).
@functools.cache
def _published_exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


@functools.cache
def _reviewer_exporter() -> Any:
    from nbconvert import HTMLExporter
    from nbconvert.filters import Highlight2HTML, clean_html

    # Every report's code cells are the template's: highlighting them (pygments) and
    # sanitising that HTML (bleach) was a third of the reviewer HTML's CPU (issue 14), so each
    # source is done once a process. The reports run in the python3 kernel, whose notebooks
    # name the ipython3 lexer (what the exporter would take from their metadata).
    highlighter = Highlight2HTML(pygments_lexer="ipython3")

    @functools.lru_cache(maxsize=256)
    def highlight(source: str, language: str | None, magics_language: str | None) -> str:
        metadata = {"magics_language": magics_language} if magics_language else None
        return highlighter(source, language, metadata)

    def highlight_code(source: str, language: str | None = None, metadata=None) -> str:
        # The cell metadata matters to the highlighter only through its magics_language.
        return highlight(source, language, (metadata or {}).get("magics_language"))

    return HTMLExporter(
        template_name="lab",
        filters={
            "highlight_code": highlight_code,
            "clean_html": functools.lru_cache(maxsize=256)(clean_html),
        },
    )


def html_document(
    body: str,
    *,
    title: str,
    lang: str,
    epoch: int,
    author: str = DEFAULT_AUTHOR,
    description: str | None = None,
    page_label: str = "Pagina {page} van {pages}",
) -> str:
    """Wrap an HTML fragment into a full document with metadata and the project CSS."""
    date = _w3c_date(epoch)
    meta = [
        '<meta charset="utf-8">',
        # The same document is the published HTML twin: readable on a phone (WCAG reflow).
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f'<meta name="author" content="{html.escape(author)}">',
        f'<meta name="dcterms.created" content="{date}">',
        f'<meta name="dcterms.modified" content="{date}">',
    ]
    if description:
        meta.append(f'<meta name="description" content="{html.escape(description)}">')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n'
        + "\n".join(meta)
        + f"\n<style>\n{stylesheet(page_label)}\n</style>\n</head>\n"
        f'<body>\n<main class="report">\n{body}\n</main>\n</body>\n</html>\n'
    )


class _FirstHeading(HTMLParser):
    """Collects the text of the first <h1> of an HTML fragment (an HTML parser, not a regex:
    attributes, nested tags and entities are read as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 while inside the first <h1>
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1" and not self.done:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def first_heading(body: str) -> str | None:
    """Text of the first <h1> in an HTML fragment (the report's title), if any."""
    parser = _FirstHeading()
    parser.feed(body)
    parser.close()
    return " ".join("".join(parser.parts).split()) or None


def notebook_to_reviewer_html(
    notebook: str | Path | nbformat.NotebookNode, output: str | Path
) -> Path:
    """Write the reviewer's HTML copy of an executed notebook: code, outputs and all."""
    nb = _read_notebook(notebook)
    _stable_cell_ids(nb)
    body, _ = _reviewer_exporter().from_notebook_node(nb)
    # No scripts from CDNs: the copy must open offline and tell no third party who reads it.
    body = _EXTERNAL_SCRIPT.sub("", body)
    output = Path(output)
    write_atomically(output, body.encode("utf-8"))
    return output


# --------------------------------------------------------------------------------------------
# HTML → PDF
# --------------------------------------------------------------------------------------------


def html_to_pdf_bytes(document: str, *, base_url: str | Path | None = None) -> bytes:
    """Print a full HTML document to tagged PDF/UA-1 bytes with WeasyPrint."""
    import weasyprint

    identifier = hashlib.sha256(document.encode("utf-8")).hexdigest()[:32].encode("ascii")
    try:
        return weasyprint.HTML(
            string=document, base_url=str(base_url) if base_url else None
        ).write_pdf(
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            # A content hash, not a random id: same document => same bytes.
            pdf_identifier=identifier,
        )
    except Exception as error:
        raise ReportRenderError(f"WeasyPrint could not print the report: {error}") from error


def notebook_to_pdf(
    notebook: str | Path | nbformat.NotebookNode,
    output: str | Path,
    *,
    lang: str,
    source_date_epoch_value: str | int | datetime | None = None,
    title: str | None = None,
    author: str = DEFAULT_AUTHOR,
    page_label: str = "Pagina {page} van {pages}",
    html_output: str | Path | None = None,
) -> Path:
    """Render an executed notebook's outputs to an A4 PDF, written atomically.

    The title defaults to the notebook's first <h1>. html_output, if given, receives the
    exact HTML that was printed (handy when a layout needs checking in a browser).
    """
    epoch = source_date_epoch(source_date_epoch_value)
    body = notebook_body_html(notebook)
    title = title or first_heading(body)
    if not title:
        raise ReportRenderError(
            f"Report {notebook} has no title: pass title= or make the notebook show an <h1>."
        )
    document = html_document(
        body, title=title, lang=lang, epoch=epoch, author=author, page_label=page_label
    )
    if html_output is not None:
        write_atomically(Path(html_output), document.encode("utf-8"))
    with temporary_environment(SOURCE_DATE_EPOCH=str(epoch)):
        pdf = html_to_pdf_bytes(document)
    output = Path(output)
    write_atomically(output, pdf)
    return output
