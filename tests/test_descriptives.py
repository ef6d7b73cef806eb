"""Descriptives against R (mean, sd, quantile type 7, t.test CI)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samen_sterker.stats.descriptives import describe

REFERENCE_DIR = Path(__file__).parent / "fixtures" / "reference" / "paired"
REFERENCE = json.loads((REFERENCE_DIR / "reference.json").read_text(encoding="utf-8"))
PAIRS = pd.read_csv(REFERENCE_DIR / "pairs.csv")
CASES = [(name, column) for name in sorted(REFERENCE["paired"]) for column in ("before", "after")]


@pytest.mark.parametrize(("name", "column"), CASES)
def test_describe_equals_r(name, column):
    values = PAIRS.loc[PAIRS["dataset"] == name, column]
    result = describe(values)
    expected = REFERENCE["paired"][name][column]
    assert result["n"] == expected["n"]
    for key in ("mean", "sd", "median", "q1", "q3", "ci_low", "ci_high"):
        assert result[key] == pytest.approx(expected[key], abs=1e-8), key


def test_missing_values_are_ignored():
    assert describe([1.0, np.nan, 3.0]) == describe([1.0, 3.0])


def test_one_value_has_no_sd_or_ci_and_none_is_empty():
    single = describe([4.0])
    assert single["n"] == 1 and single["mean"] == 4.0 and single["median"] == 4.0
    assert single["sd"] is None and single["ci_low"] is None
    empty = describe([])
    assert empty["n"] == 0 and empty["mean"] is None


def test_hand_computed_small_sample():
    # 2, 4, 4, 5: mean 3.75, var = (3.0625 + .0625*2 + 1.5625) / 3 = 1.5833..; type 7 q1 = 3.5.
    result = describe([2, 4, 4, 5])
    assert result["mean"] == pytest.approx(3.75)
    assert result["sd"] == pytest.approx((4.75 / 3) ** 0.5)
    assert (result["q1"], result["median"], result["q3"]) == pytest.approx((3.5, 4.0, 4.25))
