"""Benchmark: how readable the reports are, before their appendix (issue 13's B1 targets).

Prints one row per report of a built cohort year: sentences, mean words per sentence, the
share of sentences over 15 and over 20 words, the Flesch reading ease (Flesch-Douma for Dutch)
and how often a statistical term appears. Asserts nothing; tests/test_report_readability.py
holds the demo's text to the targets with these same functions.

    .venv/bin/python benchmarks/readability.py [results/reports/2024 ...]

Where the text comes from, per report (first found): the published HTML twin
(`{group}{.lang}.html` beside the PDF); else the executed notebook's printed HTML
(`results/notebooks/{year}/{group}{.lang}.ipynb`, the exact HTML WeasyPrint laid out); else
the PDF's text (tables and key figures then count as sentences too, so figures are rougher).

Prose is the text of paragraphs, list items and figure and table captions, in document order
up to the appendix heading; key-figure boxes and table cells are labels, not sentences.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "workflow"))

# B1 targets of issue 13: at most 15 words in at least 90% of sentences, none over 20.
LONG, TOO_LONG, SHARE_SHORT = 15, 20, 0.90

# Flesch (1948) for English; Douma (1960) for Dutch: 206.84 - 0.77 * syllables per 100 words
# - 0.93 * words per sentence.
FLESCH = {"en": (206.835, 84.6, 1.015), "nl": (206.84, 77.0, 0.93)}

# Words a municipal reader should not meet before the appendix (the methods page keeps them).
STAT_TERMS = re.compile(
    r"\bp-(?:waarde|value)s?\b|\bp\s*[<=]|Hedges|\bg_av\b|gemengde?\s+model|mixed\s+model"
    r"|\bREML\b|Satterthwaite|Wilson|Graubard|\bBI\b|\bCI\b"
    r"|betrouwbaarheidsinterval|confidence interval"
    r"|\bt-to(?:ets|est)\b|\bICC\b",
    re.IGNORECASE,
)
# Not a sentence end: an abbreviation, an initial, or a caption's label ("Figuur 2. Scores ...").
_ABBREVIATION = re.compile(
    r"(?:\b(?:bijv|o\.a|e\.g|i\.e|al|etc|nr|vs|ca)|\b[A-Z]|\b(?:Figuur|Tabel|Figure|Table) \d+)\.$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_HYPHENATORS = {"nl": "nl_NL", "en": "en_US"}


@dataclass(frozen=True)
class Readability:
    """Figures of one text."""

    sentences: int
    words: int
    syllables: int
    over_15: int
    over_20: int
    stat_terms: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def share_over_15(self) -> float:
        return self.over_15 / self.sentences if self.sentences else 0.0

    @property
    def share_over_20(self) -> float:
        return self.over_20 / self.sentences if self.sentences else 0.0

    def flesch(self, lang: str) -> float:
        """Flesch reading ease; for Dutch the Flesch-Douma score (higher is easier)."""
        base, per_syllable, per_word = FLESCH[lang]
        if not self.words or not self.sentences:
            return float("nan")
        return (
            base
            - per_syllable * self.syllables / self.words
            - per_word * self.words / self.sentences
        )

    def meets_b1(self) -> bool:
        """At most 15 words in at least 90% of sentences and none over 20."""
        return self.over_20 == 0 and self.share_over_15 <= 1 - SHARE_SHORT


def split_sentences(text: str) -> list[str]:
    """Sentences of a block of prose: split after . ! ? and whitespace, not after an
    abbreviation or an initial."""
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        head = text[start : boundary.start()].rstrip("\"')]")
        if _ABBREVIATION.search(head):
            continue
        sentences.append(text[start : boundary.start() + 1].strip())
        start = boundary.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if words(s)]


def words(sentence: str) -> list[str]:
    """Words of a sentence: whitespace-separated tokens with a letter or digit ('5,3' is one)."""
    return [token for token in sentence.split() if any(ch.isalnum() for ch in token)]


@lru_cache(maxsize=2)
def _hyphenator(lang: str):
    import pyphen

    # left=right=1: every syllable boundary, not only the ones a typesetter would break at.
    return pyphen.Pyphen(lang=_HYPHENATORS[lang], left=1, right=1)


def syllables(word: str, lang: str) -> int:
    """Syllables of a word from the language's hyphenation dictionary (pyphen, as WeasyPrint
    uses); a token without letters (a number) counts as one."""
    total = 0
    for part in re.findall(r"[^\W\d_]+", word):
        total += len(_hyphenator(lang).positions(part.lower())) + 1
    return max(total, 1)


def measure(blocks: list[str], lang: str) -> Readability:
    """Readability of prose given as blocks (paragraphs, list items, captions)."""
    counts = [words(s) for block in blocks for s in split_sentences(block)]
    text = " ".join(blocks)
    return Readability(
        sentences=len(counts),
        words=sum(len(w) for w in counts),
        syllables=sum(syllables(word, lang) for w in counts for word in w),
        over_15=sum(len(w) > LONG for w in counts),
        over_20=sum(len(w) > TOO_LONG for w in counts),
        stat_terms=len(STAT_TERMS.findall(text)),
    )


def long_sentences(blocks: list[str], limit: int = LONG) -> list[str]:
    """Sentences of more than limit words (to find what to rewrite)."""
    return [s for block in blocks for s in split_sentences(block) if len(words(s)) > limit]


def _appendix_headings() -> set[str]:
    from samen_sterker.reports.translations import load_translations

    return {text.strip() for text in load_translations()["appendix_heading"].values()}


def prose_before_appendix(html: str) -> list[str]:
    """Text of paragraphs, list items and captions before the appendix heading."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    appendix = _appendix_headings()
    blocks = []
    for element in soup.find_all(["h1", "h2", "h3", "p", "li", "figcaption", "caption"]):
        text = " ".join(element.get_text(" ").split())
        if element.name in ("h1", "h2", "h3"):
            if text in appendix:
                break
            continue
        if "key-figure" in (element.get("class") or []) or element.find_parent(class_="key-figure"):
            continue
        if element.find_parent("li") is not None:
            continue  # key figures are labels; a nested paragraph is its list item's text
        if element.name == "li" and element.find("p"):
            text = " ".join(element.get_text(" ").split())
        if text:
            blocks.append(text)
    return blocks


def pdf_prose_before_appendix(pdf: Path) -> list[str]:
    """The PDF's text up to the appendix heading, one block per line run (rough)."""
    import pypdf

    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    for heading in _appendix_headings():
        text = text.split(heading)[0]
    return [" ".join(text.split())]


def report_language(name: str, default: str = "nl") -> str:
    """'nergenshuizen.en.pdf' → 'en'; the primary language has no suffix."""
    parts = name.split(".")
    return parts[-2] if len(parts) > 2 and parts[-2] in FLESCH else default


def report_prose(pdf: Path, *, pdf_only: bool = False) -> tuple[str, list[str]]:
    """(source, prose blocks) of the report whose PDF is `pdf` (see the module notes)."""
    if pdf_only:
        return "pdf", pdf_prose_before_appendix(pdf)
    twin = pdf.with_suffix(".html")
    if twin.exists():
        return "html", prose_before_appendix(twin.read_text("utf-8"))
    year = pdf.parent.name
    notebook = pdf.parents[2] / "notebooks" / year / pdf.with_suffix(".ipynb").name
    if notebook.exists():
        from samen_sterker.reports import render

        return "notebook", prose_before_appendix(render.notebook_body_html(notebook))
    return "pdf", pdf_prose_before_appendix(pdf)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folders", nargs="*", type=Path, help="results/reports/{year} folders (default: all)"
    )
    parser.add_argument("--show-long", action="store_true", help="list sentences over 15 words")
    parser.add_argument(
        "--pdf", action="store_true", help="read the PDFs' text even where HTML exists"
    )
    args = parser.parse_args(argv)
    folders = args.folders or sorted(p for p in (REPO / "results" / "reports").glob("*") if p.is_dir())
    pdfs = sorted(pdf for folder in folders for pdf in folder.glob("*.pdf"))
    if not pdfs:
        print("No reports found: run `make` first (results/reports/{year}/*.pdf).")
        return 1
    print(
        f"{'report':<36} {'lang':<4} {'source':<8} {'sent':>5} {'w/sent':>7} "
        f"{'>15':>6} {'>20':>4} {'Flesch':>7} {'stat':>5}  B1"
    )
    for pdf in pdfs:
        lang = report_language(pdf.name)
        source, blocks = report_prose(pdf, pdf_only=args.pdf)
        figures = measure(blocks, lang)
        print(
            f"{pdf.parent.name + '/' + pdf.name:<36} {lang:<4} {source:<8} "
            f"{figures.sentences:>5} {figures.words_per_sentence:>7.1f} "
            f"{figures.share_over_15:>6.0%} {figures.over_20:>4} {figures.flesch(lang):>7.1f} "
            f"{figures.stat_terms:>5}  {'yes' if figures.meets_b1() else 'no'}"
        )
        if args.show_long:
            for sentence in long_sentences(blocks):
                print(f"    {len(words(sentence)):>2}: {sentence}")
    print(
        f"\nB1 target: at most {LONG} words in at least {SHARE_SHORT:.0%} of sentences, none over "
        f"{TOO_LONG}; 'stat' counts statistical terms (p-value, CI/BI, Hedges, mixed model, ...) "
        "before the appendix. Flesch: Douma (1960) for nl, Flesch (1948) for en; higher is easier."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
