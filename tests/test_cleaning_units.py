"""Small units of the cleaning stage: municipality names, cell values, mapping checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samen_sterker.cleaning.mapping import parse_mapping
from samen_sterker.cleaning.municipalities import MunicipalityTable, normalise_name
from samen_sterker.cleaning.values import parse_cell
from samen_sterker.config import load_config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def table() -> MunicipalityTable:
    frame = pd.DataFrame(
        {
            "code": ["GM0796", "GM1900", "GM0518", "GM0363"],
            "official_name": ["'s-Hertogenbosch", "Súdwest-Fryslân", "'s-Gravenhage", "Amsterdam"],
            "aliases": [["Den Bosch"], [], ["Den Haag"], []],
        }
    )
    return MunicipalityTable(frame)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("'s-Hertogenbosch", "GM0796"),
        ("’s-Hertogenbosch", "GM0796"),  # typographic apostrophe
        ("s Hertogenbosch", "GM0796"),
        ("  'S-HERTOGENBOSCH ", "GM0796"),
        ("Hertogenbosch", "GM0796"),  # without its 's-
        ("den bosch", "GM0796"),  # alias
        ("Sudwest Fryslan", "GM1900"),  # diacritics and hyphen
        ("Gemeente Súdwest-Fryslân", "GM1900"),
        ("Den  Haag", "GM0518"),
        ("gm0363", "GM0363"),  # a CBS code
    ],
)
def test_municipality_names_match_tolerantly(table, name, code):
    assert table.match(name).code == code


def test_unknown_municipality_gets_close_suggestions(table):
    assert table.match("Amsterdm") is None
    assert table.match("GM9999") is None
    assert table.suggestions("Amsterdm")[0] == "Amsterdam"
    assert table.suggestions("Sudwest Frislan")[0] == "Súdwest-Fryslân"


def test_normalise_name():
    assert normalise_name("'s-Hertogenbosch") == "s hertogenbosch"
    assert normalise_name("Súdwest-Fryslân") == "sudwest fryslan"


@pytest.mark.parametrize(
    ("text", "decimal", "value", "reason"),
    [
        ("6", ".", 6.0, None),
        ("6,5", ",", 6.5, None),
        ("6.5", ".", 6.5, None),
        ("6,5", ".", None, "not_a_number"),
        ("6.5", ",", None, "not_a_number"),
        ("", ".", None, "missing_value"),
        ("   ", ".", None, "missing_value"),
        ("-99", ".", None, "missing_code"),
        ("Weet niet", ".", None, "missing_code"),
        ("zes", ".", None, "not_a_number"),
        ("1e3", ".", None, "not_a_number"),  # not a survey answer
    ],
)
def test_parse_cell(text, decimal, value, reason):
    parsed = parse_cell(text, decimal=decimal, missing_codes={"-99", "weet niet"})
    assert (parsed.value, parsed.reason) == (value, reason)
    assert text.strip() == "" or text not in parsed.detail


def test_parse_cell_labels_and_spss_missing():
    labels = {"Zeer tevreden": 10, "Zeer ontevreden": 1}
    assert parse_cell("zeer tevreden", decimal=".", labels_to_numbers=labels).value == 10.0
    # 99 declared user-missing in the file, or labelled "weet niet": never a rating of 99.
    assert parse_cell("99", decimal=".", missing_ranges=[(98.0, 99.0)]).reason == "missing_code"
    assert parse_cell("99", decimal=".", file_value_labels={"99": "Weet niet"}).reason == (
        "missing_code"
    )
    assert parse_cell("7", decimal=".", file_value_labels={"7": "zeven"}).value == 7.0


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config(REPO / "config" / "config.yaml")


def test_mapping_problems_name_the_key(config):
    spec = {
        "format": "csv",
        "layout": "per_timepoint",
        "couple_column": "k",
        "outcomes": {
            "happiness": {"column": "x"},
            "relationship_rating": {"columns": {"pre": "a"}},
        },
        "timepoint_values": {"Voor": "before"},
    }
    mapping, problems = parse_mapping("m", spec, config)
    assert mapping is None
    text = "\n".join(map(str, problems))
    assert "config mappings.m: invalid mapping: partner_column" in text
    assert "timepoint_values.Voor: 'before' is not in timepoints.order" in text
    assert "outcomes.happiness: not an outcome of the config" in text
    assert "outcomes.relationship_rating: per-timepoint columns" in text


def test_allow_list_is_exactly_the_mapped_columns(config):
    mapping, problems = parse_mapping(
        "qualtrics", config["mappings"]["qualtrics_samen_sterker"], config
    )
    assert problems == []
    assert sorted(mapping.allowed_columns()) == [
        "Q1",
        "Q2",
        "Q3_1",
        "Q3_2",
        "Q3_3",
        "Q3_4",
        "koppelcode",
    ]


def test_pandera_failures_are_reported_without_their_values(config):
    import pandera.pandas as pa

    from samen_sterker.cleaning.schema import (
        describe_failures,
        failed_positions,
        measurements_schema,
    )

    secret = "j.jansen@example.org"
    frame = pd.DataFrame(
        {
            "municipality": ["Nergenshuizen", "Nergenshuizen"],
            "municipality_code": ["GM9999", secret],
            "year": [2024, 2024],
            "couple_id": ["GM9999-2024-K01", "GM9999-2024-K01"],
            "participant_id": ["GM9999-2024-K01-A", "GM9999-2024-K01-B"],
            "timepoint": ["pre", "pre"],
            "outcome": ["relationship_rating", "relationship_rating"],
            "value": [6.0, 11.0],
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        measurements_schema(config).validate(frame, lazy=True)
    assert secret in str(caught.value)  # pandera repeats values: the reason for the wrapper
    lines = describe_failures(caught.value)
    assert not any(secret in line for line in lines)
    assert any("municipality_code" in line and "str_matches" in line for line in lines)
    assert failed_positions(caught.value)[1] >= {"value_in_outcome_range"}
