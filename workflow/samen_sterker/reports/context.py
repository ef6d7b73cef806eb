"""Everything a report notebook loads, in one object, plus the shared formatting helpers.

The notebooks call `load_context(...)` once; section builders in `municipal/` and
`overview/` read from it. Loading is cheap: JSON and small CSVs, no statistics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from samen_sterker.provenance import sha256_file
from samen_sterker.reports import formatting as fmt
from samen_sterker.reports.translations import Translator


@dataclass
class ReportContext:
    """Inputs of one report: stats JSON(s), provenance, data quality, language."""

    stats: dict[str, Any]
    lang: str = "nl"
    overview: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    # Of the provenance file's bytes: a report too long to list its inputs names this file.
    provenance_sha256: str | None = None
    data_quality: pd.DataFrame | None = None
    exclusions: pd.DataFrame | None = None
    t: Translator = field(init=False)
    # Figures and tables are numbered in the order the sections build them (one report is one
    # kernel run, so the numbers run on across the notebook's cells).
    numbers: dict[str, int] = field(default_factory=dict, init=False)
    # Every number printed, as (raw value, text as printed), for the reviewer's trace table
    # (samen_sterker.reports.reviewer.printed_numbers).
    printed: list[tuple[float, str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.t = Translator(self.lang)

    # -- numbered figures and tables ---------------------------------------------------------
    def next_number(self, kind: str) -> int:
        """The number the next figure or table (kind 'figure' / 'table') will get."""
        return self.numbers.get(kind, 0) + 1

    def caption(self, kind: str, text: str) -> str:
        """Number a caption: 'Figuur 2. ...' / 'Table 2. ...' (and count it)."""
        self.numbers[kind] = number = self.next_number(kind)
        return self.t(f"{kind}_caption_label", number=number, text=text)

    # -- formatting bound to the report language -----------------------------------------
    def _record(self, value: float | None, text: str) -> str:
        if value is not None:
            self.printed.append((value, text))
        return text

    def num(self, value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
        """A number in the report language."""
        return self._record(value, fmt.format_number(value, decimals, self.lang, signed=signed))

    def count(self, value: int | None) -> str:
        """A count in the report language (which counts are shown is the disclosure's decision)."""
        return self._record(value, fmt.format_count(value, self.lang))

    def pct(self, share: float | None, decimals: int = 0) -> str:
        """A share as a percentage."""
        return self._record(share, fmt.format_percent(share, decimals, self.lang))

    def ci(self, low: float | None, high: float | None, decimals: int = 1) -> str:
        """A confidence interval in words: 'waarschijnlijk tussen 0,8 en 1,6' (no 'BI' before
        the appendix; the methods say it is the 95% CI)."""
        return self.t(
            "range_probably",
            low=self.num(low, decimals),
            high=self.num(high, decimals),
        )

    def ci_technical(self, low: float | None, high: float | None, decimals: int = 1) -> str:
        """'95%-BI 0,8 tot 1,6': for the appendix's technical details."""
        return fmt.format_ci(low, high, decimals, self.lang)

    def interval(self, low: float | None, high: float | None, decimals: int = 1) -> str:
        """'0,8 tot 1,6' (for table cells under a '95%-BI' header)."""
        return fmt.format_interval(low, high, decimals, self.lang)

    def change_interval(self, estimate: float | None, low: float | None, high: float | None) -> str:
        """'+2,9 (2,4 tot 3,5)' (for table cells under a 'Verschil (95%-BI)' header)."""
        return f"{self.num(estimate, signed=True)} ({self.interval(low, high)})"

    def pct_interval(self, low: float | None, high: float | None) -> str:
        """'44% tot 74%' (for table cells under a '95%-BI' header)."""
        word = "tot" if self.lang == "nl" else "to"
        return f"{self.pct(low)} {word} {self.pct(high)}"

    def pct_ci(self, low: float | None, high: float | None) -> str:
        """A CI of a share in words: 'waarschijnlijk tussen 44% en 74%'."""
        return self.t("range_probably", low=self.pct(low), high=self.pct(high))

    def p(self, value: float | None) -> str:
        """A p-value."""
        return fmt.format_p(value, self.lang)

    def euro(self, value: float | None) -> str:
        """An amount in euros."""
        return self._record(value, fmt.format_euro(value, self.lang))

    # -- labels -----------------------------------------------------------------------------
    def outcome_label(self, name: str, outcome: Mapping[str, Any] | None = None) -> str:
        """The outcome's label in the report language (from config), else its name."""
        outcome = outcome or self.stats["outcomes"].get(name, {})
        return (outcome.get("label") or {}).get(self.lang) or name

    def timepoint_label(self, timepoint: str) -> str:
        """Plain-language name of a timepoint; unknown timepoints keep their config name."""
        key = f"timepoint_{timepoint}"
        return self.t(key) if self.t.has(key) else timepoint

    def reason_label(self, reason: str) -> str:
        """Plain-language exclusion reason (every code of the cleaning stage has one, tested)."""
        key = f"exclusion_{reason}"
        return self.t(key) if self.t.has(key) else reason


def _read_json(path: str | Path | None) -> dict[str, Any] | None:
    if path is None or str(path) == "":
        return None
    with Path(path).open(encoding="utf-8") as handle:
        return json.load(handle)


def _read_csv(path: str | Path | None) -> pd.DataFrame | None:
    if path is None or str(path) == "" or not Path(path).exists():
        return None
    # Codes such as export ids stay text; keep_default_na=False keeps empty cells as "".
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_context(
    stats_path: str | Path,
    *,
    lang: str = "nl",
    overview_path: str | Path | None = None,
    provenance_path: str | Path | None = None,
    data_quality_path: str | Path | None = None,
    exclusions_path: str | Path | None = None,
) -> ReportContext:
    """Load a report's inputs from disk (paths as passed to the notebook's parameters)."""
    return ReportContext(
        stats=_read_json(stats_path) or {},
        lang=fmt.check_language(lang),
        overview=_read_json(overview_path),
        provenance=_read_json(provenance_path) or {},
        provenance_sha256=sha256_file(provenance_path) if provenance_path else None,
        data_quality=_read_csv(data_quality_path),
        exclusions=_read_csv(exclusions_path),
    )


def source_date(provenance: Mapping[str, Any], year: int) -> str:
    """The report's fixed date: the date of the data from provenance, else 31 December.

    Never the clock, so that a rerun gives identical PDFs.
    """
    # The cohort's own date (provenance is per cohort year; older records held a map).
    by_year = provenance.get("data_date_by_year") or {}
    if by_year.get(str(year)):
        return str(by_year[str(year)])
    for key in ("data_date", "date_of_data", "source_date"):
        value = provenance.get(key)
        if value:
            return str(value)
    return f"{int(year)}-12-31T00:00:00+00:00"
