"""No half-empty page in a report's PDF (issue 13: page 5 was three-quarters empty).

The demo cohort's statistics (`simulate.demo_truth()`, what data/raw/2024 cleans into) go
through the real route (papermill template → executed notebook → the published HTML that
WeasyPrint prints), for both demo municipalities and the overview in Dutch and English.
WeasyPrint lays each HTML out again here and the test reads the layout boxes: every page but
the last is filled to at least FILL_MIN of its height, and no page ends on a heading. And at
national size (issue 14), the overview's table of municipalities stays within the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from samen_sterker.reports import build
from tests.conftest import notebook_parameters, write_demo_stats

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {
    "municipality": ROOT / "notebooks" / "municipality_report.ipynb",
    "overview": ROOT / "notebooks" / "overview_report.ipynb",
}
LANGUAGES = ("nl", "en")
# A page before the last is at least this full: more than a third left blank reads as a
# mistake (the old page 5 was about a quarter full).
FILL_MIN = 0.55
HEADINGS = {"h1", "h2", "h3", "h4"}


@pytest.fixture(scope="module")
def published_html(tmp_path_factory):
    """The published HTML of every demo report: {(report, lang): path}."""
    out = tmp_path_factory.mktemp("layout")
    stats, provenance = write_demo_stats(out)
    found, groups = {}, {kind: [] for kind in TEMPLATES}
    for key in stats:
        kind = "overview" if key == "overview" else "municipality"
        parameters, files = {}, {}
        for lang in LANGUAGES:
            parameters[lang] = notebook_parameters(stats[key], kind, lang, provenance)
            stem = out / f"{key}.{lang}"
            files[lang] = build.ReportFiles(
                notebook=f"{stem}.ipynb",
                reviewer_html=f"{stem}.reviewer.html",
                html=f"{stem}.html",
                pdf=f"{stem}.pdf",
            )
            found[(key, lang)] = Path(files[lang].html)
        groups[kind].append(build.ReportGroup(key, parameters, files))
    for kind, template in TEMPLATES.items():
        build.build_reports(template, groups[kind], timeout=180, cwd=ROOT)
    return found


def _lines(box, found: list) -> list:
    """The line boxes and images of a layout box, in reading order."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox | boxes.ReplacedBox):
        found.append(box)
        return found  # a line's inline children lie within it
    for child in getattr(box, "children", []):
        _lines(child, found)
    return found


def page_layout(html: Path) -> list[dict]:
    """Per page: how full it is (0-1, bottom of its last line over the content height) and the
    element its last line belongs to."""
    import weasyprint

    pages = []
    for page in weasyprint.HTML(filename=str(html)).render().pages:
        page_box = page._page_box  # the layout boxes: WeasyPrint has no public API for them
        root = page_box.children[0]  # the <html> box; the other children are the margin boxes
        lines = _lines(root, [])
        top, height = page_box.content_box_y(), page_box.height
        if not lines:  # an empty page
            pages.append({"fill": 0.0, "last": None})
            continue
        bottom = max(line.position_y + line.margin_height() for line in lines)
        pages.append({"fill": (bottom - top) / height, "last": lines[-1].element_tag})
    return pages


def test_every_page_but_the_last_is_filled_and_none_ends_on_a_heading(published_html):
    problems = []
    for (report, lang), html in sorted(published_html.items()):
        pages = page_layout(html)
        assert len(pages) >= 3, (report, lang)  # the reports were laid out at all
        for number, page in enumerate(pages[:-1], start=1):
            if page["fill"] < FILL_MIN:
                problems.append(f"{report}.{lang} page {number}: {page['fill']:.0%} full")
            if page["last"] in HEADINGS:
                problems.append(f"{report}.{lang} page {number} ends on its {page['last']}")
    assert not problems, problems


def test_the_layout_reader_sees_a_half_empty_page_and_a_heading_at_the_bottom(tmp_path):
    """The check itself: a forced break after a short paragraph, and a heading pushed to the
    bottom of a page by a spacer (so the test above can fail)."""
    from samen_sterker.reports import render

    body = (
        "<p>Kort.</p><h2 class='new-page'>Twee</h2>"
        "<div style='height: 200mm'></div><h2 style='break-after: auto'>Kop</h2>"
        "<div style='height: 100mm; break-inside: avoid; border: 1pt solid'></div>"
    )
    html = tmp_path / "check.html"
    html.write_text(render.html_document(body, title="t", lang="nl", epoch=0), "utf-8")
    pages = page_layout(html)
    assert len(pages) == 3
    assert pages[0]["fill"] < 0.1 and pages[0]["last"] == "p"
    assert pages[1]["fill"] > 0.8 and pages[1]["last"] == "h2"


def overflowing_boxes(html: Path) -> list[str]:
    """Boxes that reach past the right edge of their page's content area (text cut off in the
    PDF), as 'page N: <tag>'."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(weasyprint.HTML(filename=str(html)).render().pages, start=1):
        page_box = page._page_box  # the layout boxes: WeasyPrint has no public API for them
        right = page_box.content_box_x() + page_box.width + 0.5  # CSS px; rounding

        def visit(box, number=number, right=right):
            if (isinstance(box, boxes.TableBox | boxes.LineBox | boxes.ReplacedBox)
                    and box.position_x + box.margin_width() > right):
                found.append(f"page {number}: {box.element_tag}")
                return
            for child in getattr(box, "children", []):
                visit(child)

        visit(page_box.children[0])
    return found


@pytest.fixture(scope="module")
def national_style_year():
    """A year like the national one: long municipality names, small municipalities counted in
    'other municipalities' (whose table rows carry a note instead of figures)."""
    from samen_sterker import simulate
    from samen_sterker.config import load_config
    from samen_sterker.stats import analyse, pooled

    config = load_config(ROOT / "config/config.yaml")
    spec = simulate.MunicipalitySpec
    specs = [spec("GM0001", "Súdwest-Fryslân", 4), spec("GM0002", "Hardinxveld-Giessendam", 4),
             spec("GM0003", "Alphen aan den Rijn", 12), spec("GM0004", "Midden-Groningen", 11),
             spec("GM0005", "Oldebroek", 4), spec("GM0006", "Noardeast-Fryslân", 10)]
    measurements = simulate.simulate_measurements(
        simulate.SimulationParameters(municipalities=tuple(specs)), 11
    )
    decisions = analyse.year_decisions(measurements, config, 2024)
    return pooled.analyse_year(measurements, config, 2024, decisions)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_municipalities_table_fits_the_page(national_style_year, lang, tmp_path):
    """Issue 14's national run: a note in a table's numeric column (never wrapped) widened
    the table past the page, so its last column was cut off the PDF."""
    from samen_sterker.reports import overview, render
    from samen_sterker.reports.context import ReportContext

    ctx = ReportContext(stats=national_style_year, lang=lang)
    assert ctx.stats["publication"]["other"]["published"]  # the note rows are there
    html = tmp_path / "table.html"
    body = overview.municipalities_section(ctx)
    html.write_text(render.html_document(body, title="t", lang=lang, epoch=0), "utf-8")
    assert not overflowing_boxes(html)


def test_the_overflow_check_sees_a_table_wider_than_the_page(tmp_path):
    from samen_sterker.reports import render

    html = tmp_path / "wide.html"
    cell = "<td style='white-space: nowrap'>" + "breed " * 40 + "</td>"
    body = f"<table><tr>{cell}</tr></table>"
    html.write_text(render.html_document(body, title="t", lang="nl", epoch=0), "utf-8")
    assert overflowing_boxes(html) == ["page 1: table"]
