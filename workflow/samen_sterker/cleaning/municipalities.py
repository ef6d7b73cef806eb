"""Match municipality names in exports to config/municipalities.tsv, tolerantly."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samen_sterker.config import read_municipalities, strip_diacritics


@dataclass(frozen=True)
class Municipality:
    """A configured municipality: CBS code and official name."""

    code: str
    official_name: str


def normalise_name(name: str) -> str:
    """A municipality name reduced to what identifies it.

    Case, diacritics, spacing, hyphens, apostrophes and a leading `gemeente` do not matter:
    "'s-Hertogenbosch", "’s Hertogenbosch" and "S-HERTOGENBOSCH" all become "s hertogenbosch",
    "Súdwest-Fryslân" becomes "sudwest fryslan".
    """
    text = strip_diacritics(name).lower().replace("\u2019", "'").replace("`", "'")
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^gemeente ", "", text)


class MunicipalityTable:
    """Lookup from a CBS code, official name or alias (as in municipalities.tsv) to the row."""

    def __init__(self, table: pd.DataFrame) -> None:
        self._by_key: dict[str, Municipality] = {}
        self.official_names: list[str] = []
        for _, row in table.iterrows():
            municipality = Municipality(row["code"], row["official_name"])
            self.official_names.append(row["official_name"])
            self._by_key[row["code"].lower()] = municipality
            for name in [row["official_name"], *row["aliases"]]:
                key = normalise_name(name)
                self._by_key[key] = municipality
                # "'s-Hertogenbosch" is often written without its "'s-" in exports.
                if key.startswith("s "):
                    self._by_key.setdefault(key[2:], municipality)

    @classmethod
    def from_file(cls, path: str | Path) -> MunicipalityTable:
        """Read the table with samen_sterker.config.read_municipalities."""
        return cls(read_municipalities(path))

    def match(self, name: str) -> Municipality | None:
        """The municipality a code or name refers to, or None when nothing matches."""
        text = name.strip()
        if re.fullmatch(r"(?i)gm\d{4}", text):
            return self._by_key.get(text.lower())
        return self._by_key.get(normalise_name(text))

    def suggestions(self, name: str, count: int = 3) -> list[str]:
        """The configured official names closest to `name` (difflib), best first."""
        key = normalise_name(name)
        names = {normalise_name(official): official for official in self.official_names}
        close = difflib.get_close_matches(key, list(names), n=count, cutoff=0.5)
        return [names[match] for match in close]
