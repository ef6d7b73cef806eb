"""The notebook → HTML → PDF route: text, A4, page numbers, metadata, atomicity, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pypdf
import pytest

from samen_sterker.reports import figures, render

A4_POINTS = (595.28, 841.89)  # 210 × 297 mm at 72 pt per inch
EPOCH = 1_717_200_000  # 2024-06-01T00:00:00Z


def _output(html_text: str, **metadata) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": html_text}, metadata=metadata)


def _report_notebook(paragraphs: int = 90) -> nbformat.NotebookNode:
    """A small executed notebook: a title, a table, a figure, Dutch characters, enough text
    for several pages, plus content that must never reach the PDF."""
    fig, ax = figures.new_figure(120, 50)
    ax.bar(["voor", "na"], [5.1, 7.9], color=figures.OKABE_ITO["blue"])
    figure = figures.figure_html(
        fig, "Gemiddeld rapportcijfer vóór en na", "Staafdiagram: 5,1 en 7,9"
    )
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("stats_path = 'x.json'")
    parameters.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("stats_path = 'GEHEIM-INJECTED'")
    injected.metadata["tags"] = ["injected-parameters"]
    injected.outputs = [_output("<p>GEHEIM-INJECTED</p>")]
    body = nbformat.v4.new_code_cell("show(...)")
    body.outputs = [
        _output(
            "<h1>Samen Sterker in Súdwest-Fryslân</h1>"
            "<p>Tevredenheid: reëel, café, € 450</p>"
            "<table><caption>Kerncijfers</caption><thead><tr><th>Moment</th><th>Gemiddelde</th>"
            "</tr></thead><tbody><tr><td>voor</td><td>5,1</td></tr><tr><td>na</td><td>7,9</td>"
            "</tr></tbody></table>" + figure
        ),
        _output("<p>ALLEEN-REVIEWER-OUTPUT</p>", tags=["reviewer-only"]),
        nbformat.v4.new_output("stream", name="stdout", text="PRINT-VOOR-REVIEWER\n"),
        _output("".join(f"<p>Alinea {i} met tekst.</p>" for i in range(paragraphs))),
    ]
    reviewer = nbformat.v4.new_code_cell("slope_plot(...)")
    reviewer.metadata["tags"] = ["reviewer-only"]
    reviewer.outputs = [_output("<p>ALLEEN-REVIEWER-CEL</p>")]
    markdown = nbformat.v4.new_markdown_cell("MARKDOWN-VOOR-REVIEWER")
    nb.cells = [markdown, parameters, injected, body, reviewer]
    return nb


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pdf")
    pdf = out / "report.pdf"
    render.notebook_to_pdf(_report_notebook(), pdf, lang="nl", source_date_epoch_value=EPOCH)
    reader = pypdf.PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return pdf, text


def test_pdf_text_keeps_dutch_characters_tables_and_figure_caption(rendered):
    _, text = rendered
    assert "Samen Sterker in Súdwest-Fryslân" in text
    assert "reëel, café, € 450" in text
    assert "Kerncijfers" in text and "7,9" in text
    assert "Gemiddeld rapportcijfer vóór en na" in text


def test_pdf_leaves_out_parameters_markdown_prints_and_reviewer_only_content(rendered):
    _, text = rendered
    for hidden in ("GEHEIM-INJECTED", "ALLEEN-REVIEWER", "PRINT-VOOR-REVIEWER", "MARKDOWN"):
        assert hidden not in text


def test_pdf_is_a4_with_page_x_of_y_on_every_page(rendered):
    pdf, _ = rendered
    reader = pypdf.PdfReader(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4_POINTS[0], abs=0.5)
        assert float(box.height) == pytest.approx(A4_POINTS[1], abs=0.5)
        assert f"Pagina {number} van {pages}" in page.extract_text()


def test_pdf_metadata_title_language_author_date_and_tags(rendered):
    pdf, _ = rendered
    reader = pypdf.PdfReader(pdf)
    assert reader.metadata.title == "Samen Sterker in Súdwest-Fryslân"
    assert reader.metadata.author == render.DEFAULT_AUTHOR
    assert reader.metadata["/CreationDate"].startswith("D:20240601")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert "/StructTreeRoot" in root  # tagged PDF
    assert root["/MarkInfo"]["/Marked"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid:part" in xmp or 'pdfuaid:part="1"' in xmp


def test_pdf_figure_has_alt_text_in_structure_tree(rendered):
    pdf, _ = rendered
    raw = pypdf.PdfReader(pdf)
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)

    walk(raw.trailer["/Root"]["/StructTreeRoot"])
    assert "Staafdiagram: 5,1 en 7,9" in alts


def test_same_notebook_and_date_give_identical_bytes_and_date_changes_them(tmp_path):
    nb = _report_notebook(paragraphs=5)
    first, second, later = tmp_path / "1.pdf", tmp_path / "2.pdf", tmp_path / "3.pdf"
    render.notebook_to_pdf(nb, first, lang="nl", source_date_epoch_value=EPOCH)
    render.notebook_to_pdf(nb, second, lang="nl", source_date_epoch_value=EPOCH)
    render.notebook_to_pdf(nb, later, lang="nl", source_date_epoch_value=EPOCH + 86_400)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != later.read_bytes()


def test_english_page_label(tmp_path):
    pdf = tmp_path / "en.pdf"
    render.notebook_to_pdf(
        _report_notebook(paragraphs=2),
        pdf,
        lang="en",
        source_date_epoch_value=EPOCH,
        page_label="Page {page} of {pages}",
    )
    reader = pypdf.PdfReader(pdf)
    assert "Page 1 of 1" in reader.pages[0].extract_text()
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_failed_render_leaves_previous_file_untouched_and_no_temp_files(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"previous good PDF")

    def broken(document, **kwargs):
        raise render.ReportRenderError("boom")

    monkeypatch.setattr(render, "html_to_pdf_bytes", broken)
    with pytest.raises(render.ReportRenderError):
        render.notebook_to_pdf(
            _report_notebook(2), target, lang="nl", source_date_epoch_value=EPOCH
        )
    assert target.read_bytes() == b"previous good PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_write_atomically_removes_temp_file_when_writing_fails(tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(TypeError):
        render.write_atomically(target, object())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_no_title_is_an_error(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [_output("<p>no heading</p>")]
    nb.cells = [cell]
    with pytest.raises(render.ReportRenderError, match="no title"):
        render.notebook_to_pdf(nb, tmp_path / "x.pdf", lang="nl", source_date_epoch_value=EPOCH)
    assert not (tmp_path / "x.pdf").exists()


def test_source_date_epoch_never_falls_back_to_the_clock(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with pytest.raises(render.ReportRenderError, match="SOURCE_DATE_EPOCH"):
        render.source_date_epoch(None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render.source_date_epoch(None) == 1_700_000_000
    assert render.source_date_epoch("2024-06-01T00:00:00Z") == EPOCH
    assert render.source_date_epoch("2024-06-01T02:00:00+02:00") == EPOCH


def test_page_label_becomes_css_counters():
    css = render._css_counter_content("Pagina {page} van {pages}")
    assert css == '"Pagina " counter(page) " van " counter(pages)'
    assert render._css_counter_content('Seite "{page}"') == '"Seite \\"" counter(page) "\\""'


def test_body_html_has_stable_cell_ids():
    nb = _report_notebook(2)
    nb.cells[3]["id"] = "random-1"
    first = render.notebook_body_html(nb)
    nb.cells[3]["id"] = "random-2"
    assert render.notebook_body_html(nb) == first
    assert not re.search(r"random-\d", first)


def test_reused_exporters_give_a_fresh_exporters_html_after_another_notebook(tmp_path):
    """One exporter per kind serves a whole batch (issue 14), the reviewer's remembering its
    highlighted code cells: an export after another notebook's equals that of an exporter
    built for it alone."""
    from nbconvert import HTMLExporter

    first, other = _report_notebook(3), _report_notebook(40)
    other.cells[3].outputs[0]["data"]["text/html"] = "<h1>Een andere gemeente</h1>"
    render.notebook_body_html(other)
    render.notebook_to_reviewer_html(other, tmp_path / "other.html")
    body = render.notebook_body_html(first)
    reviewer = render.notebook_to_reviewer_html(first, tmp_path / "first.html").read_text("utf-8")

    published_nb = _report_notebook(3)
    published_nb.cells = [published_nb.cells[3]]
    published_nb.cells[0].outputs = [published_nb.cells[0].outputs[i] for i in (0, 3)]
    published_nb.cells[0]["id"] = "cell-0"
    fresh_body, _ = HTMLExporter(template_name="basic", exclude_input=True,
                                 exclude_input_prompt=True, exclude_output_prompt=True,
                                 ).from_notebook_node(published_nb)
    assert body == fresh_body and "Een andere gemeente" not in body
    reviewer_nb = _report_notebook(3)
    for index, cell in enumerate(reviewer_nb.cells):
        cell["id"] = f"cell-{index}"
    fresh_reviewer, _ = HTMLExporter(template_name="lab").from_notebook_node(reviewer_nb)
    assert reviewer == render._EXTERNAL_SCRIPT.sub("", fresh_reviewer)
    assert "Een andere gemeente" not in reviewer


def test_reviewer_html_shows_code_and_loads_nothing_from_the_internet(tmp_path):
    nb = _report_notebook(2)
    output = render.notebook_to_reviewer_html(nb, tmp_path / "review.html")
    text = output.read_text(encoding="utf-8")
    assert "slope_plot" in text  # code cells are kept for the reviewer
    assert "ALLEEN-REVIEWER-CEL" in text
    assert not re.search(r'src="https?://', text)


def test_atomic_write_gives_the_usual_file_permissions(tmp_path):
    import os

    from samen_sterker.reports.render import write_atomically

    umask = os.umask(0o022)
    try:
        target = tmp_path / "report.pdf"
        write_atomically(target, b"%PDF-1.7")
        assert target.read_bytes() == b"%PDF-1.7"
        assert target.stat().st_mode & 0o777 == 0o644
        assert list(tmp_path.iterdir()) == [target]
    finally:
        os.umask(umask)
