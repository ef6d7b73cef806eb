"""Every sentence of the reports, in Dutch (B1) and English, from translations.yaml.

A sentence whose words depend on a count ("1 stel", "3 stellen") gives, per language, a form
per CLDR plural category (`one`, `other`, ...) instead of one text; Babel's plural rules of the
report language pick the form from the count passed as `plural=`.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from samen_sterker.reports.formatting import (
    LANGUAGES,
    check_language,
    locale_of,
    plural_category,
)


class TranslationError(KeyError):
    """A report sentence is missing, or a placeholder was not filled."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


Text = str | dict[str, str]  # one text, or one per plural category


@lru_cache(maxsize=1)
def load_translations() -> dict[str, dict[str, Text]]:
    """Load translations.yaml: key → {nl: text, en: text}."""
    text = resources.files("samen_sterker.reports").joinpath("translations.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TranslationError("translations.yaml must map keys to {nl: ..., en: ...}")
    return data


def placeholders(text: str) -> set[str]:
    """Names of the {placeholders} in a sentence."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(text: Text) -> dict[str, str]:
    """The texts of an entry's language: {"": text}, or one per plural category."""
    return text if isinstance(text, dict) else {"": text}


def forms(text: Text) -> list[str]:
    """Every text of an entry's language (each plural form), for checks on all wording."""
    return list(_forms(text).values())


def check_translations(data: dict[str, dict[str, Text]] | None = None) -> list[str]:
    """Return every problem in the translations (missing language, placeholders that differ,
    plural forms the language does not have or without `other`)."""
    data = load_translations() if data is None else data
    problems: list[str] = []
    for key, texts in data.items():
        if not isinstance(texts, dict):
            problems.append(f"{key}: expected a mapping of languages, got {type(texts).__name__}")
            continue
        found = {}
        for lang in LANGUAGES:
            text = texts.get(lang)
            forms = _forms(text) if isinstance(text, str | dict) else {}
            if not forms or not all(isinstance(f, str) and f.strip() for f in forms.values()):
                problems.append(f"{key}: no {lang} text")
                continue
            if isinstance(text, dict):
                categories = set(locale_of(lang).plural_form.tags) | {"other"}
                if "other" not in forms or set(forms) - categories:
                    problems.append(
                        f"{key}: {lang} plural forms must be among {sorted(categories)} and "
                        f"include 'other', got {sorted(forms)}"
                    )
            for form, form_text in forms.items():
                found[f"{lang} {form}".strip()] = placeholders(form_text)
        extra = set(texts) - set(LANGUAGES)
        if extra:
            problems.append(f"{key}: unknown languages {sorted(extra)}")
        if len({frozenset(names) for names in found.values()}) > 1:
            problems.append(f"{key}: placeholders differ between languages or forms: {found}")
    return problems


class Translator:
    """Look up report sentences in one language: t('key', name=...)."""

    def __init__(self, lang: str = "nl") -> None:
        self.lang = check_language(lang)
        self._texts = load_translations()

    def __call__(self, key: str, plural: int | None = None, **values: Any) -> str:
        """Return the sentence for key, with its {placeholders} filled from values; for a
        sentence with plural forms, the form of the count `plural` in this language."""
        try:
            text = self._texts[key][self.lang]
        except KeyError:
            raise TranslationError(
                f"No {self.lang} text for {key!r} in samen_sterker/reports/translations.yaml"
            ) from None
        if isinstance(text, dict) != (plural is not None):
            raise TranslationError(
                f"Sentence {key!r} has plural forms: give its count as plural="
                if isinstance(text, dict)
                else f"Sentence {key!r} has no plural forms, yet plural= was given"
            )
        if isinstance(text, dict):
            text = text.get(plural_category(plural, self.lang), text["other"])
        missing = placeholders(text) - set(values)
        if missing:
            raise TranslationError(f"Sentence {key!r} needs values for {sorted(missing)}")
        return text.format(**values)

    def has(self, key: str) -> bool:
        """Whether a sentence exists for key."""
        return key in self._texts
