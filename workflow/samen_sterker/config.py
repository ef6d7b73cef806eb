"""Load and validate the pipeline configuration; names and slugs of municipalities."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "config.schema.yaml"

# A slug that the overview report uses; no municipality may take it.
RESERVED_SLUGS = frozenset({"overview"})


class ConfigError(ValueError):
    """The configuration does not follow its schema; the message names every offending key."""


def _validator_filling_defaults(validator_class: type) -> type:
    """Extend a jsonschema validator so that `default` values are written into the instance.

    This is the recipe from the jsonschema FAQ; Snakemake's `validate(..., set_default=True)`
    does the same, so the Snakefile and the package see identical configs.
    """
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = _copy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _copy(value: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(value))


def load_schema() -> dict:
    """The JSON schema of config.yaml."""
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validate_config(config: Mapping[str, Any]) -> dict:
    """Return a validated copy of `config` with defaults filled in, or raise ConfigError."""
    config = _copy(dict(config))
    schema = load_schema()
    validator = _validator_filling_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"- {describe_schema_error(error)}" for error in errors]
        raise ConfigError(
            f"config has {len(errors)} error(s) (workflow/schemas/config.schema.yaml describes "
            "every key):\n" + "\n".join(lines)
        )
    check_consistency(config)
    return config


def describe_schema_error(error: jsonschema.ValidationError) -> str:
    """One line: the key path, what is wrong and what is allowed; never a schema dump.

    jsonschema's own message repeats the offending value, which for a mapping or list is a
    whole block of config, and for oneOf/anyOf says only "is not valid under any of the given
    schemas"; the schema's description of the key says what is allowed instead.
    """
    path = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    shown = repr(value) if isinstance(value, (str, int, float, bool)) or value is None else None
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unexpected = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        what = f"unknown key(s) {unexpected}" + (f"; allowed keys: {allowed}" if allowed else "")
    elif error.validator == "required":
        missing = [key for key in error.validator_value if key not in (value or {})]
        what = f"missing required key(s) {missing}"
    elif error.validator == "enum":
        what = f"{shown or 'this value'} is not one of {error.validator_value}"
    elif error.validator == "type":
        what = f"{shown or 'this value'} is not of type {error.validator_value}"
    elif error.validator in ("oneOf", "anyOf") and all(
        set(option) == {"required"} for option in error.validator_value
    ):
        keys = [key for option in error.validator_value for key in option["required"]]
        many = "exactly one" if error.validator == "oneOf" else "at least one"
        what = f"give {many} of {keys}"
    elif error.validator in ("oneOf", "anyOf", "allOf"):
        what = f"{shown or 'this value'} does not have an allowed form"
    else:
        what = error.message if shown is not None or len(error.message) < 120 else error.validator
    # The top level's description is about the whole file, not about what is allowed.
    description = " ".join(str(schema.get("description", "")).split()) if error.path else ""
    return f"{path}: {what}" + (f" (allowed: {description})" if description else "")


def read_config_file(path: str | Path) -> dict:
    """config.yaml as data; a YAML error names line and column (Snakemake's does not)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None


def check_consistency(config: dict) -> None:
    """Cross-key rules a JSON schema cannot express."""
    problems = []
    order = config["timepoints"]["order"]
    for role in ("baseline", "course_end", "waiting_list"):
        name = config["timepoints"].get(role)
        if name is not None and name not in order:
            problems.append(f"- timepoints.{role}: {name!r} is not in timepoints.order {order}")
    outcomes = config["outcomes"]
    for name, outcome in outcomes.items():
        if outcome["min"] >= outcome["max"]:
            problems.append(f"- outcomes.{name}: min must be below max")
    primaries = [name for name, outcome in outcomes.items() if outcome.get("primary")]
    if len(primaries) != 1:
        problems.append(f"- outcomes: exactly one outcome must have primary: true, found {primaries}")
    if problems:
        raise ConfigError("config is inconsistent:\n" + "\n".join(problems))


def load_config(path: str | Path) -> dict:
    """Read config.yaml, validate it against the schema and fill in defaults."""
    return validate_config(read_config_file(path))


def primary_outcome(config: Mapping[str, Any]) -> str:
    """Name of the outcome marked primary."""
    return next(name for name, outcome in config["outcomes"].items() if outcome.get("primary"))


def strip_diacritics(text: str) -> str:
    """'Súdwest-Fryslân' -> 'Sudwest-Fryslan'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slugify(name: str) -> str:
    """Stable file-name slug of an official municipality name.

    'Súdwest-Fryslân' -> 'sudwest-fryslan', "'s-Hertogenbosch" -> 's-hertogenbosch'.
    """
    ascii_name = strip_diacritics(name).lower()
    ascii_name = ascii_name.replace("'", "").replace("\u2019", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    if not slug:
        raise ValueError("a municipality name must contain letters or digits")
    return slug


def read_municipalities(path: str | Path) -> pd.DataFrame:
    """The municipalities table: code (GMxxxx), official_name, aliases (list), slug.

    Raises ValueError naming the row when a code is malformed, a slug is reserved or two
    municipalities would share a slug.
    """
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ValueError(
            f"{path}: not a UTF-8 tab-separated table ({type(error).__name__}); save it as "
            "UTF-8 text with tabs between the columns code, official_name, aliases"
        ) from None
    missing = {"code", "official_name"} - set(table.columns)
    if missing:
        raise ValueError(
            f"{path}, row 1: missing column(s) {sorted(missing)}; the header must be "
            "code<TAB>official_name<TAB>aliases (tab-separated)"
        )
    if "aliases" not in table.columns:
        table["aliases"] = ""
    problems = []
    for index, row in table.iterrows():
        line = index + 2  # header is line 1
        if not re.fullmatch(r"GM\d{4}", row["code"]):
            problems.append(f"{path}, row {line}, column code: not a CBS code like GM0363")
        if not row["official_name"].strip():
            problems.append(f"{path}, row {line}, column official_name: empty")
    table["aliases"] = table["aliases"].map(
        lambda text: [alias.strip() for alias in text.split("|") if alias.strip()]
    )
    table["slug"] = table["official_name"].map(lambda name: slugify(name) if name.strip() else "")
    for column in ("code", "slug"):
        duplicated = table[table[column].duplicated(keep=False)]
        if not duplicated.empty:
            rows = ", ".join(str(i + 2) for i in duplicated.index)
            problems.append(f"{path}, rows {rows}, column {column}: the same {column} twice")
    reserved = table[table["slug"].isin(RESERVED_SLUGS)]
    for index in reserved.index:
        problems.append(
            f"{path}, row {index + 2}, column official_name: the name makes a reserved slug"
        )
    if problems:
        raise ValueError("\n".join(problems))
    return table[["code", "official_name", "aliases", "slug"]]
