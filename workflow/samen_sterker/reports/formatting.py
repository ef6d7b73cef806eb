"""Numbers, intervals, counts, dates and money written the Dutch or the English way.

Babel writes every number, percentage, amount and date from the locale's CLDR data: decimal
comma and dot for thousands in Dutch ("1.234,5", "€ 1.234", "10 juli 2024"), the reverse in
English ("1,234.5", "€1,234", "10 July 2024"). This module only decides the rounding (once,
here) and the sign. Which counts may be shown is decided by samen_sterker.disclosure, never here.
"""

from __future__ import annotations

import copy
import math
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel.numbers import NumberPattern

LANGUAGES = ("nl", "en")

# A true minus sign reads better in print and screen readers say "minus" (CLDR's Dutch and
# English minus is the hyphen).
MINUS = "\u2212"

# Day, month in words, year in both languages ("10 juli 2024", "10 July 2024"): the English
# long format would put the month first, and one report is read beside its translation.
DATE_PATTERN = "d MMMM y"


def check_language(lang: str) -> str:
    """Return lang if it is a supported report language, else raise ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unsupported report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(
    value: float | None, decimals: int = 1, lang: str = "nl", *, signed: bool = False
) -> str:
    """Format a number with the language's decimal and thousands separators ('7,8' / '7.8')."""
    check_language(lang)
    if _is_missing(value):
        return "–"
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Cannot format a non-finite number ({value}) for a report")
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0,0"
    text = _pattern("decimal", lang, decimals).apply(abs(rounded), locale_of(lang))
    if rounded < 0:
        return MINUS + text
    if signed and rounded > 0:
        return "+" + text
    return text


@lru_cache(maxsize=32)
def locale_of(lang: str) -> Locale:
    return Locale.parse(check_language(lang))


def plural_category(count: int, lang: str = "nl") -> str:
    """The CLDR plural category of a count in the language ('one', 'other', ...)."""
    return locale_of(lang).plural_form(count)


@lru_cache(maxsize=64)
def _pattern(kind: str, lang: str, decimals: int) -> NumberPattern:
    """The locale's standard decimal, percent or currency pattern with fixed decimals."""
    locale = locale_of(lang)
    formats = {
        "decimal": locale.decimal_formats,
        "percent": locale.percent_formats,
        "currency": locale.currency_formats,
    }[kind]
    pattern = copy.copy(formats[None] if kind != "currency" else formats["standard"])
    pattern.frac_prec = (decimals, decimals)
    return pattern


def format_count(count: float | None, lang: str = "nl") -> str:
    """Format a count (one that the disclosure decisions publish exactly)."""
    check_language(lang)
    if _is_missing(count):
        return "–"
    if float(count) != int(count):
        raise ValueError(f"A count must be a whole number, got {count}")
    count = int(count)
    if count < 0:
        raise ValueError(f"A count cannot be negative, got {count}")
    return format_number(count, 0, lang)


def format_percent(share: float | None, decimals: int = 0, lang: str = "nl") -> str:
    """Format a share between 0 and 1 as a percentage ('45%', '45,5%')."""
    check_language(lang)
    if _is_missing(share):
        return "–"
    rounded = round(100 * float(share), decimals) / 100
    text = _pattern("percent", lang, decimals).apply(abs(rounded), locale_of(lang))
    return MINUS + text if rounded < 0 else text


def ci_label(level: float = 0.95, lang: str = "nl") -> str:
    """Label of a confidence interval: '95%-BI' in Dutch, '95% CI' in English."""
    check_language(lang)
    percent = format_number(100 * level, 0, lang)
    return f"{percent}%-BI" if lang == "nl" else f"{percent}% CI"


def format_interval(
    low: float | None, high: float | None, decimals: int = 1, lang: str = "nl"
) -> str:
    """Format an interval in words: '0,8 tot 1,6' / '0.8 to 1.6'."""
    word = "tot" if check_language(lang) == "nl" else "to"
    return f"{format_number(low, decimals, lang)} {word} {format_number(high, decimals, lang)}"


def format_ci(
    low: float | None,
    high: float | None,
    decimals: int = 1,
    lang: str = "nl",
    level: float = 0.95,
) -> str:
    """Format a confidence interval with its label: '95%-BI 0,8 tot 1,6'."""
    return f"{ci_label(level, lang)} {format_interval(low, high, decimals, lang)}"


def format_estimate_ci(
    estimate: float | None,
    low: float | None,
    high: float | None,
    decimals: int = 1,
    lang: str = "nl",
    *,
    signed: bool = False,
) -> str:
    """Format an estimate with its interval: '+2,9 (95%-BI 2,4 tot 3,4)'."""
    return (
        f"{format_number(estimate, decimals, lang, signed=signed)} "
        f"({format_ci(low, high, decimals, lang)})"
    )


def format_p(p: float | None, lang: str = "nl") -> str:
    """Format a p-value: 'p < 0,001' below 0.001, else two significant decimals."""
    check_language(lang)
    if _is_missing(p):
        return "–"
    if p < 0.001:
        return f"p < {format_number(0.001, 3, lang)}"
    decimals = 3 if p < 0.01 else 2
    return f"p = {format_number(p, decimals, lang)}"


def format_euro(amount: float | None, lang: str = "nl", decimals: int = 0) -> str:
    """Format an amount in euros: '€ 1.234' in Dutch, '€1,234' in English."""
    check_language(lang)
    if _is_missing(amount):
        return "–"
    rounded = round(float(amount), decimals)
    text = _pattern("currency", lang, decimals).apply(
        abs(rounded), locale_of(lang), currency="EUR", currency_digits=False
    )
    return MINUS + text if rounded < 0 else text


def format_date(value: date | datetime | str, lang: str = "nl") -> str:
    """Format a date in words: '24 november 2026' / '24 November 2026'."""
    check_language(lang)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, format=DATE_PATTERN, locale=locale_of(lang))
