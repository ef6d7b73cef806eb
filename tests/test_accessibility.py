"""The reports' HTML meets WCAG 2.1 AA, checked by axe-core in a real headless Chromium.

The HTML is the document WeasyPrint lays out (and the published HTML twin beside the PDF):
the demo cohort's statistics (`simulate.demo_truth()`) go through the real route, papermill
template → executed notebook → `render.notebook_to_pdf(..., html_output=...)`, for a
municipality and the overview in both languages. axe-core and puppeteer-core are pinned in
tests/accessibility/package-lock.json (`npm ci` there; .ci/run does it) and drive Debian's
`chromium`. Without either the test skips and says what is missing. The PDFs printed from
the same HTML keep their PDF/UA tags: /Lang, and alt text on every figure.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pypdf
import pytest

from samen_sterker import simulate
from samen_sterker.reports import build, render
from tests.conftest import notebook_parameters, write_demo_stats

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AXE_DIR = ROOT / "tests" / "accessibility"
TEMPLATES = {
    "municipality": ROOT / "notebooks" / "municipality_report.ipynb",
    "overview": ROOT / "notebooks" / "overview_report.ipynb",
}


def _browser() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _missing() -> str | None:
    """Why axe cannot run here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm)"
    if not all((AXE_DIR / "node_modules" / name).is_dir() for name in ("axe-core", "puppeteer-core")):
        return f"axe-core/puppeteer-core are not installed: run `npm ci` in {AXE_DIR}"
    if _browser() is None:
        return "no headless browser: apt-get install chromium (or set CHROMIUM=/path/to/it)"
    return None


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """HTML and PDF of a demo municipality and the overview, in Dutch and English."""
    out = tmp_path_factory.mktemp("a11y")
    municipality = min(simulate.demo_truth()["municipality_code"].unique())
    stats, provenance = write_demo_stats(out, [municipality])
    stats["municipality"] = stats.pop(municipality)
    files = {}
    for kind in ("municipality", "overview"):
        for lang in ("nl", "en"):
            parameters = notebook_parameters(stats[kind], kind, lang, provenance)
            notebook = out / f"{kind}.{lang}.ipynb"
            build.build_notebook(TEMPLATES[kind], notebook, parameters, timeout=180, cwd=ROOT)
            meta = nbformat.read(notebook, as_version=4).metadata[build.METADATA_KEY]
            html, pdf = out / f"{kind}.{lang}.html", out / f"{kind}.{lang}.pdf"
            render.notebook_to_pdf(
                notebook,
                pdf,
                lang=lang,
                source_date_epoch_value=meta["source_date_epoch"],
                html_output=html,
            )
            files[(kind, lang)] = (html, pdf)
    return files


def test_axe_finds_no_violations_in_any_report(reports):
    missing = _missing()
    if missing:
        pytest.skip(f"axe-core in Chromium cannot run: {missing}")
    htmls = [str(html) for html, _ in reports.values()]
    process = subprocess.run(
        ["node", str(AXE_DIR / "axe.mjs"), _browser(), *htmls],
        capture_output=True, text=True, cwd=AXE_DIR, timeout=300, check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    results = json.loads(process.stdout)
    assert set(results) == set(htmls)  # every report was checked
    problems = {
        Path(file).name: [f"{v['id']} ({v['impact']}): {v['help']} {v['nodes'][:2]}" for v in found]
        for file, found in results.items()
        if found
    }
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_html_has_language_landmarks_one_h1_heading_order_and_no_code(reports):
    from bs4 import BeautifulSoup

    for (kind, lang), (html, _) in reports.items():
        soup = BeautifulSoup(html.read_text("utf-8"), "html.parser")
        assert soup.html["lang"] == lang
        assert soup.title.get_text(strip=True)
        assert len(soup.find_all("main")) == 1 and len(soup.find_all("h1")) == 1
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4"])]
        # No level skipped on the way down (h2 → h4 would lose a screen reader's outline).
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (kind, lang, levels)
        for table in soup.find_all("table"):
            assert table.caption and table.caption.get_text(strip=True)
            assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
        for img in soup.find_all("img"):
            assert img.get("alt", "").strip(), (kind, lang)
        text = soup.get_text(" ")
        for code in ("import ", "ctx =", "show(", "stats_path", "In [", "Traceback"):
            assert code not in text, (kind, lang, code)
        assert not soup.find_all(["script", "textarea", "pre"]), (kind, lang)


def _figures(node, found: list) -> list:
    """Every /Figure structure element under node."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.DictionaryObject):
        if node.get("/S") == "/Figure":
            found.append(node)
        if node.get("/K") is not None:
            _figures(node["/K"], found)
    elif isinstance(node, pypdf.generic.ArrayObject):
        for kid in node:
            _figures(kid, found)
    return found


def test_pdf_printed_from_the_same_html_stays_tagged(reports):
    for (kind, lang), (_, pdf) in reports.items():
        root = pypdf.PdfReader(pdf).trailer["/Root"]
        assert root["/Lang"] == lang and "/StructTreeRoot" in root
        figures = _figures(root["/StructTreeRoot"], [])
        if kind == "municipality":  # the demo overview has no chart (one year, no funnel)
            assert figures, (kind, lang)
        assert all(str(figure.get("/Alt", "")).strip() for figure in figures), (kind, lang)
