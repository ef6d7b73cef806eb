"""The specimen copies in tests/fixtures/specimens are the bytes of the shared originals.

A checkout that converted line endings or re-encoded a file (core.autocrlf, an editor) would
make the reader tests pass or fail for the wrong reason; the sums in SHA256SUMS were taken from
the originals in shared/specimens when they were copied.
"""

from __future__ import annotations

import hashlib

from .conftest import SPECIMENS


def test_specimens_match_their_recorded_sums():
    lines = (SPECIMENS / "SHA256SUMS").read_text().splitlines()
    recorded = {name: digest for digest, name in (line.split(maxsplit=1) for line in lines)}
    assert sorted(recorded) == sorted(path.name for path in SPECIMENS.glob("*.csv"))
    for name, digest in recorded.items():
        assert hashlib.sha256((SPECIMENS / name).read_bytes()).hexdigest() == digest, name


def test_specimens_keep_their_bom_line_endings_and_cp1252_bytes():
    # As the specimens README states: BOM and CRLF everywhere but the cp1252 file's BOM;
    # "René" as the single byte 0xE9 in cp1252 and as 0xC3 0xA9 in UTF-8.
    files = {path.name: path.read_bytes() for path in SPECIMENS.glob("*.csv")}
    for name, data in files.items():
        assert data.count(b"\r\n") == data.count(b"\n") > 0, name
        assert data.startswith(b"\xef\xbb\xbf") == ("cp1252" not in name), name
    assert b"Ren\xe9" in files["excel_nl_relatiecursus_2024_cp1252.csv"]
    assert "René".encode() in files["excel_nl_relatiecursus_2024_utf8bom.csv"]
