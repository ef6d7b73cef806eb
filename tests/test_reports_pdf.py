"""The report templates end to end: stats JSON → executed notebook → HTML → PDF text.

Runs the real templates with a Jupyter kernel (a few seconds each), then reads the PDFs back
with pypdf and checks the key figures against the stats JSON, the suppression path, English,
that nothing individual or identifying is in any output, and that reruns are byte-identical.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pypdf
import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.reports import build
from samen_sterker.stats import analyse, pooled

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = {
    "municipality": ROOT / "notebooks" / "municipality_report.ipynb",
    "overview": ROOT / "notebooks" / "overview_report.ipynb",
}
BIG, SMALL = "GM9999", "GM9997"


@pytest.fixture(scope="module")
def stats_files(tmp_path_factory):
    """Stats JSON of a simulated year: a normal and a too-small municipality, and the overview."""
    out = tmp_path_factory.mktemp("stats")
    config = load_config(ROOT / "config" / "config.yaml")
    params = simulate.SimulationParameters(
        municipalities=(
            simulate.MunicipalitySpec(BIG, "Nergenshuizen", couples=11, single_partner_couples=1),
            simulate.MunicipalitySpec("GM9998", "Súdwest-Nergensdorp", couples=9),
            simulate.MunicipalitySpec(SMALL, "Kleindorp", couples=3),
        )
    )
    measurements = simulate.simulate_measurements(params, 5)
    files = {
        BIG: analyse.analyse_group(measurements, config, 2024, BIG),
        SMALL: analyse.analyse_group(measurements, config, 2024, SMALL),
        "overview": pooled.analyse_year(measurements, config, 2024),
    }
    paths = {}
    for key, data in files.items():
        paths[key] = out / f"{key}.json"
        paths[key].write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    paths["provenance"] = out / "provenance.json"
    paths["provenance"].write_text(
        json.dumps(
            {
                "inputs": {"data/raw/2024/x.csv": "ab" * 32},
                "config_sha256": "cd" * 32,
                "code_version": "abc123def456",
                "python": "3.11.7",
                "packages": {"pandas": "3.1.1"},
                "data_date": "2025-01-15T00:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    paths["measurements"] = out / "measurements.csv"
    measurements.to_csv(paths["measurements"], index=False)
    codes = set(measurements["participant_id"]) | set(measurements["couple_id"])
    return paths, files, codes


def _render(tmp_path, paths, kind, stats_key, lang):
    parameters = {
        "stats_path": str(paths[stats_key]),
        "overview_path": str(paths["overview"]) if kind == "municipality" else "",
        "provenance_path": str(paths["provenance"]),
        "data_quality_path": "",
        "exclusions_path": "",
        "language": lang,
    }
    if kind == "municipality":
        parameters["measurements_path"] = str(paths["measurements"])
    notebook = tmp_path / f"{stats_key}-{lang}.ipynb"
    html = tmp_path / f"{stats_key}-{lang}.html"
    pdf = tmp_path / f"{stats_key}-{lang}.pdf"
    build.build_notebook(TEMPLATES[kind], notebook, parameters, html=html, timeout=120, cwd=ROOT)
    build.build_pdf(notebook, pdf)
    reader = pypdf.PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return {"notebook": notebook, "html": html, "pdf": pdf, "reader": reader, "text": text}


@pytest.fixture(scope="module")
def dutch(stats_files, tmp_path_factory):
    paths, _, _ = stats_files
    return _render(tmp_path_factory.mktemp("nl"), paths, "municipality", BIG, "nl")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_municipal_pdf_shows_name_and_key_figures_from_the_json(dutch, stats_files):
    _, files, _ = stats_files
    stats = files[BIG]
    text = _flat(dutch["text"])
    assert "Samen Sterker in Nergenshuizen: resultaten 2024" in text
    # Page 1's change is the headline change (the primary mixed model), with its CI in words.
    change = stats["outcomes"]["relationship_rating"]["headline_change"]
    estimate = f"{change['estimate']:+.1f}".replace(".", ",")
    low = f"{change['ci_low']:.1f}".replace(".", ",")
    high = f"{change['ci_high']:.1f}".replace(".", ",")
    assert estimate in text
    assert f"waarschijnlijk tussen {low} en {high}" in text
    part = stats["outcomes"]["relationship_rating"]["participation"]
    # 1-4 drop-outs: participation counts are published exactly, one number wherever they
    # appear (docs/privacy.md); no "op <5 na" any more.
    dropped = part["participants_at_baseline"] - part["complete_pairs"]
    assert 1 <= dropped <= 4
    assert f"{part['complete_pairs']} van de {part['participants_at_baseline']} deelnemers" in text
    assert "<5" not in text
    assert "OEFENGEGEVENS" in text  # synthetic-data banner
    assert "Hawkins" in text and "Conradi" in text  # benchmarks cited
    assert "abc123def456" in text  # provenance: code version


def test_municipal_pdf_metadata_pages_and_no_code(dutch):
    reader = dutch["reader"]
    assert reader.metadata.title == "Samen Sterker in Nergenshuizen: resultaten 2024"
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    # The data date from provenance, not the clock.
    assert reader.metadata["/CreationDate"].startswith("D:20250115")
    pages = len(reader.pages)
    assert f"Pagina {pages} van {pages}" in reader.pages[-1].extract_text()
    text = dutch["text"]
    for code_fragment in ("import ", "municipal.", "ctx =", "stats_path", "show("):
        assert code_fragment not in text


def test_reviewer_notebook_has_code_parameters_and_trace_but_pdf_does_not(dutch):
    nb = nbformat.read(dutch["notebook"], as_version=4)
    sources = "\n".join(cell.source for cell in nb.cells)
    assert "load_context(" in sources
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "language = " in injected[0].source
    html = dutch["html"].read_text(encoding="utf-8")
    assert "json_path" in html and "computed_by" in html  # reviewer-only trace table
    assert "json_path" not in dutch["text"]
    # The slope plot of individual participants is in the reviewer's copy, not in the PDF.
    assert "Reviewer only:" in html and "Slope plot of individual participants" in html
    assert "Reviewer only" not in dutch["text"]


def test_no_participant_or_couple_code_in_notebook_html_or_pdf(dutch, stats_files):
    _, _, codes = stats_files
    outputs = [
        dutch["notebook"].read_text(encoding="utf-8"),
        dutch["html"].read_text(encoding="utf-8"),
        dutch["text"],
    ]
    for output in outputs:
        assert not [code for code in codes if code in output]


def test_rerun_gives_identical_notebook_and_pdf(dutch, stats_files, tmp_path):
    paths, _, _ = stats_files
    again = _render(tmp_path, paths, "municipality", BIG, "nl")
    assert again["pdf"].read_bytes() == dutch["pdf"].read_bytes()
    assert again["notebook"].read_bytes() == dutch["notebook"].read_bytes()


def test_one_kernel_for_every_language_gives_what_fresh_kernels_give(dutch, stats_files,
                                                                     tmp_path):
    """build_reports (a report job: several municipalities and both languages in one kernel,
    reset between notebooks) writes the same notebook, reviewer HTML and PDF bytes as a fresh
    kernel per report, also after another municipality's reports ran in that kernel, and the
    published HTML is the document the PDF was printed from."""
    paths, _, _ = stats_files
    english = _render(tmp_path / "fresh", paths, "municipality", BIG, "en")
    shared = tmp_path / "shared"
    groups, done = [], []
    for code in (SMALL, BIG):  # the small municipality's reports first, in the same kernel
        files = {lang: build.ReportFiles(shared / f"{code}.{lang}.ipynb",
                                         shared / f"{code}.{lang}.review.html",
                                         shared / f"{code}.{lang}.html",
                                         shared / f"{code}.{lang}.pdf")
                 for lang in ("nl", "en")}
        parameters = {
            lang: {"stats_path": str(paths[code]), "overview_path": str(paths["overview"]),
                   "provenance_path": str(paths["provenance"]), "data_quality_path": "",
                   "exclusions_path": "", "language": lang,
                   "measurements_path": str(paths["measurements"])}
            for lang in ("nl", "en")
        }
        groups.append(build.ReportGroup(code, parameters, files))
    build.build_reports(TEMPLATES["municipality"], groups, timeout=120, cwd=ROOT,
                        on_group_done=lambda group: done.append(group.name))
    assert done == [SMALL, BIG]
    files = groups[1].files_by_language
    for lang, fresh in (("nl", dutch), ("en", english)):
        assert files[lang].notebook.read_bytes() == fresh["notebook"].read_bytes(), lang
        assert files[lang].reviewer_html.read_bytes() == fresh["html"].read_bytes(), lang
        assert files[lang].pdf.read_bytes() == fresh["pdf"].read_bytes(), lang
    published = files["en"].html.read_text(encoding="utf-8")
    assert published.startswith("<!DOCTYPE html>") and '<html lang="en">' in published
    assert "Samen Sterker" in published and "<pre" not in published  # outputs, no code
    reprinted = shared / "reprinted.pdf"
    from samen_sterker.reports import render

    nb = nbformat.read(files["en"].notebook, as_version=4)
    epoch = nb.metadata[build.METADATA_KEY]["source_date_epoch"]
    with render.temporary_environment(SOURCE_DATE_EPOCH=str(epoch)):
        reprinted.write_bytes(render.html_to_pdf_bytes(published))
    assert reprinted.read_bytes() == files["en"].pdf.read_bytes()


def test_suppressed_municipality_pdf_says_too_few_and_shows_no_numbers(stats_files, tmp_path):
    paths, files, codes = stats_files
    assert files[SMALL]["publication"]["suppressed"]
    result = _render(tmp_path, paths, "municipality", SMALL, "nl")
    first_page = _flat(result["reader"].pages[0].extract_text())
    assert "Te weinig deelnemers om te rapporteren" in first_page
    # The report before its appendix (which may start on the same page): no numbers but the
    # year and the thresholds. The appendix holds references (years, DOIs), no data.
    assert "Bijlage: hoe dit rapport is gemaakt" in first_page
    body = first_page.split("Bijlage: hoe dit rapport is gemaakt")[0]
    assert set(re.findall(r"\d+(?:[.,]\d+)?", body)) <= {"2024", "10", "5"}
    # Its stats file has no participation counts at all; nor has the report.
    assert "participation" not in files[SMALL]["outcomes"]["relationship_rating"]
    text = _flat(result["text"])
    assert "Er deden" not in text
    assert not [code for code in codes if code in result["text"]]


def test_overview_pdf_in_english(stats_files, tmp_path):
    paths, _, _ = stats_files
    result = _render(tmp_path, paths, "overview", "overview", "en")
    text = _flat(result["text"])
    assert "Samen Sterker: overview of all municipalities 2024" in text
    assert result["reader"].trailer["/Root"]["/Lang"] == "en"
    assert "Page 1 of" in text
    # Kleindorp is in no published group; the totals are over the two published ones.
    assert "this overview shows no totals" not in text
    assert "Kleindorp too few participants" in text
    assert "2 to 2.3 billion euros a year" in text


# --- the committed templates ------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_templates_are_committed_without_outputs_and_match_their_jupytext_pair(kind):
    import jupytext

    template = TEMPLATES[kind]
    nb = nbformat.read(template, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.metadata["kernelspec"]["name"] == "python3"
    paired = jupytext.read(template.with_suffix(".py"))
    assert [c.source for c in paired.cells] == [c.source for c in nb.cells]
