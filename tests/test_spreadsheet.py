"""CSV cells a spreadsheet would run as a formula are written as text (issue 9)."""

from __future__ import annotations

import pandas as pd
import pytest

from samen_sterker.spreadsheet import is_formula, neutralise_formulas


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ("=1+1", True),
        ('=HYPERLINK("http://example.org","x")', True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("-99", False),
        ("+31", False),
        ("-1.5e3", False),
        ("6,5", False),
        ("K01", False),
        ("", False),
    ],
)
def test_is_formula(cell, formula):
    assert is_formula(cell) is formula


def test_neutralise_formulas_prefixes_only_formulas_and_keeps_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "-99", "K01", None], "number": [-1.0, 2.0, 3.0, 4.0]})
    out = neutralise_formulas(frame)
    assert out["text"].tolist()[:3] == ["'=1+1", "-99", "K01"]
    assert pd.isna(out["text"].iloc[3])  # missing stays missing
    assert out["number"].tolist() == [-1.0, 2.0, 3.0, 4.0]
    assert frame["text"].iloc[0] == "=1+1"  # the input is not changed
