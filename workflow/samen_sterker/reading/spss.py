"""SPSS .sav files (pyreadstat): value labels and user-defined missing codes kept."""

from __future__ import annotations

from pathlib import Path

import pyreadstat

from samen_sterker.reading.base import RawExport, cell_text, unique_names
from samen_sterker.reading.problems import ExportProblems, Problem


def read_spss_sav(path: Path, file: str, options: dict) -> RawExport:
    """Read a .sav; user-missing values stay visible (as codes) and are recorded as missing.

    With `user_missing=True` pyreadstat returns a declared missing code such as 99 ("weet
    niet") as 99 rather than NaN, so the cleaning stage can log it as a missing code instead
    of it silently vanishing; `missing_ranges` says which codes those are. Row numbers are SPSS
    case numbers (the row in SPSS's Data View).
    """
    try:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except (pyreadstat.ReadstatError, OSError, ValueError) as error:
        raise ExportProblems(
            [
                Problem(
                    file,
                    "unreadable SPSS file",
                    f"pyreadstat could not read it: {type(error).__name__}",
                )
            ]
        ) from None
    notes = [f"{file}: SPSS .sav, {len(data)} cases, file encoding {meta.file_encoding}"]
    columns = unique_names([str(name) for name in data.columns], file, notes)
    frame = data.copy()
    frame.columns = columns
    frame = frame.astype(object).map(cell_text)
    missing_ranges: dict[str, list[tuple[float, float]]] = {}
    missing_codes: dict[str, set[str]] = {}
    for name, ranges in (meta.missing_ranges or {}).items():
        for declared in ranges:
            low, high = declared["lo"], declared["hi"]
            if isinstance(low, str) or isinstance(high, str):
                missing_codes.setdefault(name, set()).update({str(low), str(high)})
            else:
                missing_ranges.setdefault(name, []).append((float(low), float(high)))
    value_labels = {
        name: {cell_text(code): str(label) for code, label in labels.items()}
        for name, labels in (meta.variable_value_labels or {}).items()
    }
    return RawExport(
        file=file,
        format="spss_sav",
        encoding=meta.file_encoding,
        frame=frame,
        row_numbers=list(range(1, len(frame) + 1)),
        header_rows=0,
        decimal=".",
        missing_codes=missing_codes,
        missing_ranges=missing_ranges,
        value_labels=value_labels,
        notes=notes,
    )
