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


def _undecodable(name: str, data: bytes, error: UnicodeDecodeError, tried: str) -> ExportProblems:
    """A problem naming the line of the first undecodable byte (never the bytes themselves)."""
    line = data[: error.start].count(b"\n") + 1
    return ExportProblems(
        [
            Problem(
                file=name,
                row=line,
                kind="unreadable encoding",
                detail=f"bytes at offset {error.start} are not valid {tried}; "
                "save the file as UTF-8 and try again",
            )
        ]
    )
