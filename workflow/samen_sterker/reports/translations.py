"""Every sentence of the reports, in Dutch (B1) and English, from translations.yaml."""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from samen_sterker.reports.formatting import LANGUAGES, check_language


class TranslationError(KeyError):
    """A report sentence is missing, or a placeholder was not filled."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


@lru_cache(maxsize=1)
def load_translations() -> dict[str, dict[str, str]]:
    """Load translations.yaml: key → {nl: text, en: text}."""
    text = resources.files("samen_sterker.reports").joinpath("translations.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TranslationError("translations.yaml must map keys to {nl: ..., en: ...}")
    return data


def placeholders(text: str) -> set[str]:
    """Names of the {placeholders} in a sentence."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check_translations(data: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Return every problem in the translations (missing language, placeholders that differ)."""
    data = load_translations() if data is None else data
    problems: list[str] = []
    for key, texts in data.items():
        if not isinstance(texts, dict):
            problems.append(f"{key}: expected a mapping of languages, got {type(texts).__name__}")
            continue
        for lang in LANGUAGES:
            if not isinstance(texts.get(lang), str) or not texts[lang].strip():
                problems.append(f"{key}: no {lang} text")
        extra = set(texts) - set(LANGUAGES)
        if extra:
            problems.append(f"{key}: unknown languages {sorted(extra)}")
        found = {
            lang: placeholders(texts[lang])
            for lang in LANGUAGES
            if isinstance(texts.get(lang), str)
        }
        if len({frozenset(names) for names in found.values()}) > 1:
            problems.append(f"{key}: placeholders differ between languages: {found}")
    return problems


class Translator:
    """Look up report sentences in one language: t('key', name=...)."""

    def __init__(self, lang: str = "nl") -> None:
        self.lang = check_language(lang)
        self._texts = load_translations()

    def __call__(self, key: str, **values: Any) -> str:
        """Return the sentence for key, with its {placeholders} filled from values."""
        try:
            text = self._texts[key][self.lang]
        except KeyError:
            raise TranslationError(
                f"No {self.lang} text for {key!r} in samen_sterker/reports/translations.yaml"
            ) from None
        missing = placeholders(text) - set(values)
        if missing:
            raise TranslationError(f"Sentence {key!r} needs values for {sorted(missing)}")
        return text.format(**values)

    def has(self, key: str) -> bool:
        """Whether a sentence exists for key."""
        return key in self._texts
