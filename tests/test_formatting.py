"""Dutch and English number formatting, small-count suppression and the translations file."""

from __future__ import annotations

import math
from datetime import date

import pytest

from samen_sterker.reports import formatting as f
from samen_sterker.reports.translations import (
    TranslationError,
    Translator,
    check_translations,
    forms,
    load_translations,
    placeholders,
)


@pytest.mark.parametrize(
    ("value", "decimals", "nl", "en"),
    [
        (7.84, 1, "7,8", "7.8"),
        (7.85, 2, "7,85", "7.85"),
        (1234.5, 1, "1.234,5", "1,234.5"),
        (1234567, 0, "1.234.567", "1,234,567"),
        (-0.04, 1, "0,0", "0.0"),  # no negative zero
        (-2.96, 1, "\u22123,0", "\u22123.0"),
        (0.3, 2, "0,30", "0.30"),
    ],
)
def test_format_number(value, decimals, nl, en):
    assert f.format_number(value, decimals, "nl") == nl
    assert f.format_number(value, decimals, "en") == en


def test_format_number_signed_missing_and_invalid():
    assert f.format_number(2.94, 1, "nl", signed=True) == "+2,9"
    assert f.format_number(0.0, 1, "nl", signed=True) == "0,0"
    assert f.format_number(None) == "–"
    assert f.format_number(math.nan) == "–"
    with pytest.raises(ValueError, match="non-finite"):
        f.format_number(math.inf)
    with pytest.raises(ValueError, match="language"):
        f.format_number(1.0, 1, "de")


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0"), (1, "1"), (4, "4"), (5, "5"), (39, "39"), (1250, "1.250")],
)
def test_format_count_writes_the_count(count, expected):
    """Which counts may be shown is decided by samen_sterker.disclosure, not by formatting."""
    assert f.format_count(count, "nl") == expected


def test_format_count_english_thousands_and_errors():
    assert f.format_count(1250, "en") == "1,250"
    assert f.format_count(3, "en") == "3"
    with pytest.raises(ValueError):
        f.format_count(2.5)
    with pytest.raises(ValueError):
        f.format_count(-1)


def test_percent_ci_and_interval():
    assert f.format_percent(0.4545, 0, "nl") == "45%"
    assert f.format_percent(0.4545, 1, "nl") == "45,5%"
    assert f.format_percent(0.4545, 1, "en") == "45.5%"
    assert f.ci_label(lang="nl") == "95%-BI"
    assert f.ci_label(lang="en") == "95% CI"
    assert f.format_ci(0.84, 1.62, 1, "nl") == "95%-BI 0,8 tot 1,6"
    assert f.format_ci(0.84, 1.62, 1, "en") == "95% CI 0.8 to 1.6"
    assert f.format_estimate_ci(2.94, 2.41, 3.47, 1, "nl", signed=True) == (
        "+2,9 (95%-BI 2,4 tot 3,5)"
    )


@pytest.mark.parametrize(
    ("p", "nl", "en"),
    [
        (0.0000123, "p < 0,001", "p < 0.001"),
        (0.0042, "p = 0,004", "p = 0.004"),
        (0.0312, "p = 0,03", "p = 0.03"),
        (0.5, "p = 0,50", "p = 0.50"),
    ],
)
def test_format_p(p, nl, en):
    assert f.format_p(p, "nl") == nl
    assert f.format_p(p, "en") == en


def test_euro_and_date():
    # CLDR puts a no-break space between sign and amount: never split over two lines.
    assert f.format_euro(17550, "nl") == "€\u00a017.550"
    assert f.format_euro(17550, "en") == "€17,550"
    assert f.format_euro(1234.5, "nl", 2) == "€\u00a01.234,50"
    assert f.format_date(date(2025, 3, 1), "nl") == "1 maart 2025"
    assert f.format_date("2025-03-01T10:00:00Z", "en") == "1 March 2025"


# --- translations ---------------------------------------------------------------------------


def test_translation_file_is_complete_in_both_languages_with_matching_placeholders():
    assert check_translations() == []
    assert len(load_translations()) > 0


def test_check_translations_finds_problems():
    problems = check_translations(
        {
            "a": {"nl": "Hallo {naam}", "en": "Hello {name}"},
            "b": {"nl": "Alleen Nederlands"},
            "c": "geen mapping",
        }
    )
    assert any(p.startswith("a: placeholders differ") for p in problems)
    assert "b: no en text" in problems
    assert any(p.startswith("c:") for p in problems)


def test_translator_fills_placeholders_and_reports_missing_ones():
    nl, en = Translator("nl"), Translator("en")
    assert nl("page_label", page=1, pages=3) == "Pagina 1 van 3"
    assert en("page_label", page=1, pages=3) == "Page 1 of 3"
    with pytest.raises(TranslationError, match="needs values"):
        nl("page_label", page=1)
    with pytest.raises(TranslationError, match="No nl text for 'does_not_exist'"):
        nl("does_not_exist")
    assert placeholders("{a} en {b}") == {"a", "b"}


def test_plural_forms_follow_the_languages_plural_rules():
    # "Bij 1 stellen deed één partner mee" was printed for a single couple.
    nl, en = Translator("nl"), Translator("en")
    assert nl("participation_one_partner", plural=1, one="1") == "Bij 1 stel deed één partner mee."
    assert nl("participation_one_partner", plural=3, one="3") == (
        "Bij 3 stellen deed één partner mee."
    )
    assert nl("participation_one_partner", plural=0, one="0").startswith("Bij 0 stellen")
    assert en("participation_one_partner", plural=1, one="1") == "In 1 couple one partner did."
    assert en("participation_one_partner", plural=2, one="2") == "In 2 couples one partner did."
    with pytest.raises(TranslationError, match="give its count as plural="):
        nl("participation_one_partner", one="1")
    with pytest.raises(TranslationError, match="has no plural forms"):
        nl("page_label", plural=1, page=1, pages=3)


def test_check_translations_finds_bad_plural_forms():
    problems = check_translations(
        {
            "no_other": {"nl": {"one": "{n} stel"}, "en": {"one": "{n} couple", "other": "{n} couples"}},
            "unknown_form": {"nl": {"one": "{n} stel", "few": "{n} stellen", "other": "{n} stellen"},
                             "en": "{n} couples"},
            "placeholders": {"nl": {"one": "{n} stel", "other": "{m} stellen"}, "en": "{n} couples"},
            "fine": {"nl": {"one": "{n} stel", "other": "{n} stellen"}, "en": "{n} couple(s)"},
        }
    )
    assert any(p.startswith("no_other: nl plural forms") for p in problems)
    assert any(p.startswith("unknown_form: nl plural forms") for p in problems)
    assert any(p.startswith("placeholders: placeholders differ") for p in problems)
    assert not any(p.startswith("fine") for p in problems)


def test_translations_contain_no_decimal_point_numbers_in_dutch():
    # Numbers are always filled in by the formatter; a literal "7.8" in Dutch text is a bug.
    import re

    for key, texts in load_translations().items():
        if key.startswith("reference_"):  # citations hold DOIs such as 10.1037/...
            continue
        for text in forms(texts["nl"]):
            assert not re.search(r"\d\.\d", text), key


def test_score_axes_have_whole_number_ticks():
    """A 0-21 scale gets ticks at whole points only (no '2,5' on a scale of whole points)."""
    from samen_sterker.reports.figures import before_after_chart

    fig = before_after_chart(["voor", "na"], [10.2, 15.1], [9.0, 14.0], [11.4, 16.2],
                             scale=(0, 21), axis_label="CSI-4", lang="nl")
    ticks = [tick for tick in fig.axes[0].get_xticks() if 0 <= tick <= 21]
    assert len(ticks) >= 3 and all(float(tick).is_integer() for tick in ticks)
    labels = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert not any("," in label for label in labels)
