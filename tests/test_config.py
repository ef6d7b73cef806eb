"""Config loading, schema defaults and consistency rules; slugs of municipality names."""

import copy

import pytest
import yaml

from samen_sterker.config import (
    ConfigError,
    load_config,
    primary_outcome,
    read_municipalities,
    slugify,
    validate_config,
)


@pytest.fixture
def raw_config(repo):
    return yaml.safe_load((repo / "config" / "config.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Súdwest-Fryslân", "sudwest-fryslan"),
        ("'s-Hertogenbosch", "s-hertogenbosch"),
        ("’s-Gravenhage", "s-gravenhage"),
        ("Bergen (NH.)", "bergen-nh"),
        ("Nuenen, Gerwen en Nederwetten", "nuenen-gerwen-en-nederwetten"),
        ("Noardeast-Fryslân", "noardeast-fryslan"),
    ],
)
def test_slugify_official_names(name, slug):
    assert slugify(name) == slug


def test_demo_config_loads_with_defaults(repo):
    config = load_config(repo / "config" / "config.yaml")
    assert config["privacy"] == {"min_respondents": 10, "min_couples": 5, "protection_width": 5}
    assert config["outcomes"]["couple_satisfaction"]["reliability"]["value"] == 0.94
    assert primary_outcome(config) == "relationship_rating"


def test_schema_errors_name_every_key(raw_config):
    broken = copy.deepcopy(raw_config)
    broken["language"] = "fr"
    broken["privacy"] = {"min_respondents": 0}
    del broken["timepoints"]["baseline"]
    with pytest.raises(ConfigError) as error:
        validate_config(broken)
    message = str(error.value)
    assert "language" in message
    assert "privacy.min_respondents" in message
    assert "timepoints" in message and "baseline" in message


def test_consistency_rules(raw_config):
    broken = copy.deepcopy(raw_config)
    broken["timepoints"]["course_end"] = "nameting"
    broken["outcomes"]["couple_satisfaction"]["primary"] = True
    with pytest.raises(ConfigError) as error:
        validate_config(broken)
    assert "timepoints.course_end" in str(error.value)
    assert "exactly one outcome" in str(error.value)


def test_municipalities_table(repo, tmp_path):
    table = read_municipalities(repo / "config" / "municipalities.tsv")
    assert dict(zip(table["code"], table["slug"], strict=True)) == {
        "GM9999": "nergenshuizen", "GM9998": "sudwest-nergensdorp"}
    bad = tmp_path / "municipalities.tsv"
    bad.write_text("code\tofficial_name\taliases\nGM12\tOverview\t\nGM0001\tÓverview\t\n",
                   encoding="utf-8")
    with pytest.raises(ValueError) as error:
        read_municipalities(bad)
    message = str(error.value)
    assert "row 2, column code" in message
    assert "same slug" in message
