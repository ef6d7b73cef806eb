"""Config mistakes in plain words (issue 9): every schema error at once with its key path and
what is allowed, no schema dump; YAML errors with line and column; municipalities-table
errors with row and column; and the same through Snakemake, before any job runs."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from samen_sterker.config import (
    ConfigError,
    read_config_file,
    read_municipalities,
    validate_config,
)

from .conftest import copy_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def raw_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))


def broken(raw: dict) -> dict:
    """Five mistakes at different depths."""
    config = copy.deepcopy(raw)
    config["langauge"] = "nl"
    config["accept"] = {"max_excluded_share": 1.5}
    mapping = config["mappings"]["qualtrics_samen_sterker"]
    mapping["format"] = "qualtrix"
    mapping["outcomes"]["relationship_rating"] = {"colum": "Q2"}
    del config["timepoints"]["baseline"]
    return config


def test_every_schema_error_at_once_with_path_and_what_is_allowed(raw_config):
    with pytest.raises(ConfigError) as caught:
        validate_config(broken(raw_config))
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("config has 6 error(s)")
    text = "\n".join(lines)
    expected = [
        "- (top level): unknown key(s) ['langauge']; allowed keys: ['accept',",
        "- accept.max_excluded_share: 1.5 is greater than the maximum of 1 (allowed: Share",
        "- mappings.qualtrics_samen_sterker.format: 'qualtrix' is not one of ['qualtrics_csv',",
        ("- mappings.qualtrics_samen_sterker.outcomes.relationship_rating: unknown key(s) "
        "['colum']; allowed keys: ['column',"),
        ("- mappings.qualtrics_samen_sterker.outcomes.relationship_rating: give exactly one of "
        "['column', 'columns', 'items']"),
        "- timepoints: missing required key(s) ['baseline']",
    ]
    for phrase in expected:
        assert phrase in text
    # One line per error, and nothing of the schema itself.
    assert len(lines) == 7
    assert "Failed validating" not in text and "$schema" not in text and "On instance" not in text


def test_defaults_are_filled_in(raw_config):
    config = validate_config(raw_config)
    assert config["accept"]["max_excluded_share"] == 0.5
    assert config["accept"]["exports_without_measurements"] == []


def test_yaml_error_names_line_and_column(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("exports: config/exports.tsv\n  municipalities: [x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml, line 2, column 17: not valid YAML"):
        read_config_file(path)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("code\taliases\nGM0363\t\n", "row 1: missing column(s) ['official_name']"),
        ("code;official_name\nGM0363;Amsterdam\n", "row 1: missing column(s)"),
        ("code\tofficial_name\nGM0363\tAmsterdam\nGM363\tUtrecht\n", "row 3, column code"),
        ("code\tofficial_name\nGM0363\tAmsterdam\nGM0363\tUtrecht\n", "rows 2, 3, column code"),
        ("code\tofficial_name\nGM0363\t\n", "row 2, column official_name: empty"),
        ("code\tofficial_name\nGM0363\tOverview\n", "row 2, column official_name: the name"),
    ],
)
def test_municipalities_table_errors_name_row_and_column(tmp_path, table, says):
    path = tmp_path / "municipalities.tsv"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        read_municipalities(path)
    assert says in str(caught.value)


def dry_run(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--directory", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_snakemake_names_every_schema_error_without_a_schema_dump(tmp_path, raw_config):
    project = copy_project(tmp_path / "project")
    (project / "config" / "config.yaml").write_text(
        yaml.safe_dump(broken(raw_config), allow_unicode=True), encoding="utf-8"
    )
    process = dry_run(project)
    assert process.returncode != 0
    output = process.stdout + process.stderr
    assert "config has 6 error(s)" in output
    assert "timepoints: missing required key(s) ['baseline']" in output
    assert "Failed validating" not in output and len(output.splitlines()) < 40


def test_snakemake_names_the_line_of_a_yaml_error(tmp_path):
    project = copy_project(tmp_path / "project")
    config = project / "config" / "config.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("timepoints:"))
    lines[number + 1] = "  order: [intake, pre, post, followup"  # the ] forgotten
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = dry_run(project)
    assert process.returncode != 0
    assert f"config/config.yaml, line {number + 3}" in process.stdout + process.stderr
