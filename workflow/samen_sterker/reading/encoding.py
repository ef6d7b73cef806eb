"""Decode a text export in a fixed, reliable order: BOM, strict UTF-8, cp1252, reject."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from samen_sterker.reading.problems import ExportProblems, Problem

# A fixed order rather than a statistical guess: charset-normalizer called a short cp1252
# export cp1250 (shared/specimens/README.md). UTF-8 is tried strictly first because cp1252
# decodes almost any byte string, so a UTF-8 file must never reach that step.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class DecodedText:
    """Text of a file with the encoding that decoded it and a warning if it was a fallback."""

    text: str
    encoding: str
    warning: str | None = None


def decode_export(path: Path, display_name: str | None = None) -> DecodedText:
    """Decode a file: BOM → strict UTF-8 → cp1252 (with a warning) → ExportProblems."""
    name = display_name or str(path)
    data = Path(path).read_bytes()
    not_text = _not_text(data)
    if not_text:
        raise ExportProblems([Problem(name, "not a text file", not_text, row=1)])
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding), f"{encoding} (BOM)")
            except UnicodeDecodeError as error:
                raise _undecodable(name, data, error, f"{encoding} with BOM") from None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise _undecodable(name, data, error, "UTF-8 or cp1252") from None
    return DecodedText(
        text,
        "cp1252",
        warning=(
            f"{name}: not UTF-8; read as cp1252 (Windows-1252, the Dutch Excel default). "
            "Check accented letters in the output; re-save as UTF-8 to silence this."
        ),
    )


# Magic numbers of the files people rename to .csv, and what to do instead.
_MAGIC = (
    (
        b"PK\x03\x04",
        ("an Excel workbook (.xlsx, a ZIP file) named as CSV: give its mapping format xlsx, "
        "or save it from Excel as CSV UTF-8"),
    ),
    (
        b"\xd0\xcf\x11\xe0",
        ("an old Excel workbook (.xls) named as CSV: save it from Excel as .xlsx (format xlsx) "
        "or as CSV UTF-8"),
    ),
    (b"$FL2", "an SPSS data file (.sav) named as CSV: give its mapping format spss_sav"),
    (b"%PDF", "a PDF document, not an export"),
)


def _not_text(data: bytes) -> str | None:
    """What a file is when it is not a text export (checked before decoding, because UTF-16
    without a byte-order mark, and sometimes a workbook, decode as UTF-8 or cp1252 anyway)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"this file is {what}"
    if not any(data.startswith(bom) for bom, _ in _BOMS) and b"\x00" in data[:4096]:
        return (
            "the file holds NUL bytes: it is probably UTF-16 without a byte-order mark; save it "
            "as CSV UTF-8 (Excel: 'CSV UTF-8 (door komma's gescheiden)')"
        )
    return None


def _undecodable(name: str, data: bytes, error: UnicodeDecodeError, tried: str) -> ExportProblems:
    """A problem naming the row and column of the first bad byte (never the bytes themselves)."""
    row, column = _locate(data, error.start)
    return ExportProblems(
        [
            Problem(
                file=name,
                row=row,
                column=column,
                kind="unreadable encoding",
                detail=f"byte offset {error.start} is not valid {tried}; "
                "save the file as UTF-8 and try again",
            )
        ]
    )


def _locate(data: bytes, offset: int) -> tuple[int, str | None]:
    """Row (record) and column position (`#5`, 1-based) of a byte offset in a delimited file,
    as far as it can tell.

    The line of the offset is exact; the column is found by splitting that line on the
    header's most common separator, which is right unless a quoted field holds one. The
    column is given by position: a header is typed by a person and may be personal data (an
    e-mail address), and a failed read never reaches the cleaning stage's check of which
    names may be written (cleaning/names.py).
    """
    line = data[:offset].count(b"\n") + 1
    lines = data.split(b"\n")
    header = lines[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    separator = max([",", ";", "\t"], key=header.count)
    start = data.rfind(b"\n", 0, offset) + 1
    before = data[start:offset].decode("utf-8", errors="replace")
    index = before.count(separator)
    width = header.count(separator) + 1
    return line, f"#{index + 1}" if line > 1 and index < width else None
