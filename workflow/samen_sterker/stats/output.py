"""Read the canonical measurements; write the stats JSON and its tidy CSV tables."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from samen_sterker.canonical import MEASUREMENT_COLUMNS
from samen_sterker.spreadsheet import neutralise_formulas

TEXT_COLUMNS = ("municipality", "municipality_code", "couple_id", "participant_id", "timepoint")
TEXT_COLUMNS += ("outcome",)


def read_measurements(path: str | Path) -> pd.DataFrame:
    """Read results/clean/measurements.csv with explicit types; name problems by row/column."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in MEASUREMENT_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    problems = []
    for column, kind in (("year", "integer"), ("value", "number")):
        converted = pd.to_numeric(table[column], errors="coerce")
        bad = table.index[converted.isna()].tolist()
        if bad:
            rows = ", ".join(str(i + 2) for i in bad[:20])  # line 1 is the header
            problems.append(f"{path}, row(s) {rows}, column {column}: not a {kind}")
        table[column] = converted
    if problems:
        raise ValueError("\n".join(problems))
    table["year"] = table["year"].astype(int)
    table["value"] = table["value"].astype(float)
    return table


def _flat(prefix: str, obj: dict) -> dict:
    """Numbers of one effect-size / test object as prefixed columns."""
    return {f"{prefix}_{k}": v for k, v in obj.items() if not isinstance(v, dict | list)}


def _year_model_rows(outcome: str, model: dict) -> list[dict]:
    """One row per municipality of the year model: raw and pooled change, rank interval.
    Only municipalities published on their own have rows (stats/pooled.py cuts the rest)."""
    if not model.get("available"):
        return []
    rows = []
    for row in model["municipalities"]:
        raw = row["raw_change"] if row["raw_change"].get("available", True) else {}
        rows.append(
            {
                "outcome": outcome,
                "municipality_code": row["municipality_code"],
                "n_observations": row["n_observations"],
                "n_couples": row["n_couples"],
                **_flat("raw", {k: raw.get(k) for k in ("estimate", "se", "ci_low", "ci_high")}),
                **_flat("pooled", row["pooled_change"]),
                "own_data_weight": row["own_data_weight"],
                **_flat("rank", row["rank"]),
            }
        )
    return rows


def _paired_rows(outcome: str, source: str, paired_set: dict) -> Iterator[dict]:
    comparisons = [
        (name, paired_set[name]) for name in ("course", "waiting_period", "course_vs_waiting")
    ]
    comparisons += [(f"follow_up:{tp}", r) for tp, r in paired_set["follow_up"].items()]
    for comparison, result in comparisons:
        if not result.get("available"):
            continue
        row = {"outcome": outcome, "unit": source, "comparison": comparison}
        row.update({k: v for k, v in result.items() if not isinstance(v, dict | list)})
        row.update(_flat("t_test", result["t_test"]))
        row.update(_flat("wilcoxon", result["wilcoxon"]))
        for name, size in result["effect_sizes"].items():
            row.update(_flat(name, size))
        row["headline_effect_size"] = result["headline_effect_size"]["name"]
        yield row


def _reliable_rows(outcome: str, reliable: dict) -> Iterator[dict]:
    if not reliable.get("available"):
        return
    variants = [(reliable["reliability"]["value"], reliable, "configured")]
    variants += [(row["reliability"], row, "sensitivity") for row in reliable["sensitivity"]]
    for value, variant, kind in variants:
        for category in ("improved", "unchanged", "deteriorated"):
            yield {
                "outcome": outcome,
                "reliability": value,
                "reliability_source": kind,
                "minimal_reliable_change": variant["minimal_reliable_change"],
                "category": category,
                **variant[category],
            }


def _mixed_rows(outcome: str, model_name: str, model: dict) -> Iterator[dict]:
    if not model.get("available"):
        return
    cells = list(model.get("contrasts", {}).items()) if "contrasts" in model else []
    cells = [dict(cell, timepoint=tp) for tp, cell in cells]
    cells += list(model.get("changes", []))
    for cell in cells:
        yield {
            "outcome": outcome,
            "model": model_name,
            **{k: v for k, v in cell.items() if not isinstance(v, dict | list)},
        }


def tidy_tables(result: dict) -> dict[str, pd.DataFrame]:
    """Long-form tables of a stats JSON (municipality or overview)."""
    descriptives, paired, reliable, mixed = [], [], [], []
    comparison, funnel, trend, headline, year_model = [], [], [], [], []
    for outcome, block in result["outcomes"].items():
        if block.get("withheld"):
            continue  # nothing of it is published (samen_sterker.disclosure.apply)
        if (change := block.get("headline_change") or {}).get("available"):
            headline.append(
                {"outcome": outcome, **{k: v for k, v in change.items() if not isinstance(v, dict)}}
            )
        for tp, row in block["descriptives"].items():
            descriptives.append({"outcome": outcome, "timepoint": tp, **row})
        paired += _paired_rows(outcome, "participant", block["paired"])
        paired += _paired_rows(outcome, "couple_mean", block["couple_means"])
        reliable += _reliable_rows(outcome, block["reliable_change"])
        mixed += _mixed_rows(outcome, "dyadic", block["mixed_model"])
        if "course_model" in block:
            mixed += _mixed_rows(outcome, "dyadic_course", block["course_model"])
        if "pooled_model" in block:
            mixed += _mixed_rows(outcome, "pooled", block["pooled_model"])
        for row in block.get("comparison", []):
            flat = {k: v for k, v in row.items() if not isinstance(v, dict)}
            # A row of a municipality not published on its own has no figures at all.
            flat.update(_flat("headline", row.get("headline_effect_size") or {}))
            flat.update(_flat("reliably_improved", row.get("reliably_improved") or {}))
            comparison.append({"outcome": outcome, **flat})
        if block.get("funnel", {}).get("available"):
            funnel += [{"outcome": outcome, **row} for row in block["funnel"]["limits"]]
        year_model += _year_model_rows(outcome, block.get("year_model") or {})
    if result["trend"].get("available"):
        by_outcome = result["trend"].get("by_outcome") or result["trend"].get("pooled", {})
        for outcome, rows in by_outcome.items():
            trend += [{"outcome": outcome, "municipality_code": "pooled", **r} for r in rows]
        for code, outcomes in result["trend"].get("by_municipality", {}).items():
            for outcome, rows in outcomes.items():
                trend += [{"outcome": outcome, "municipality_code": code, **r} for r in rows]
    tables = {
        "headline_change": headline,
        "descriptives": descriptives,
        "paired": paired,
        "reliable_change": reliable,
        "mixed_model": mixed,
    }
    if result["kind"] == "overview":
        tables |= {
            "comparison": comparison,
            "funnel": funnel,
            "trend": trend,
            "year_model": year_model,
        }
    elif result["trend"].get("available"):
        for row in trend:
            row["municipality_code"] = result["municipality_code"]
        tables["trend"] = trend
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
    os.replace(temporary, path)


def write_stats(result: dict, json_path: str | Path, table_paths: Iterable[str | Path]) -> None:
    """Write the tidy CSV tables, then the stats JSON (sorted keys, no NaN), each atomically.

    `table_paths` name every table file of this kind of result (samen_sterker.targets); a
    table without rows (a trend with one cohort year) is an empty file. The JSON comes last,
    so a JSON on disk means its tables are complete.
    """
    tables = tidy_tables(result)
    paths = {Path(path).stem: Path(path) for path in table_paths}
    unexpected = sorted(set(tables) - set(paths))
    if unexpected:
        raise ValueError(f"no output path for the table(s) {unexpected}")
    for name, path in paths.items():
        table = tables.get(name)
        text = (
            ""
            if table is None or table.empty
            else neutralise_formulas(table).to_csv(index=False, lineterminator="\n")
        )
        _atomic_write(path, text)
    text = json.dumps(result, sort_keys=True, indent=2, allow_nan=False, ensure_ascii=False)
    _atomic_write(Path(json_path), text + "\n")


def write_group_outcomes(results: Mapping[str, Mapping], path: str | Path) -> None:
    """results/disclosure/{year}.outcomes.json: group → outcome → statistics without mixed
    models (disclosure.year.disclose_with_outcomes), for rule year_stats to build on.

    As in every stats JSON, no NaN (a statistic without a finite value is None) and floats
    are written so that they read back exactly. The keys keep the order they were computed
    in instead of being sorted: a group's timepoints and statistics come out of the tidy
    tables (tidy_tables) as rows and columns in that order, so sorted keys would not give the
    same tables back. That order comes from the code and config alone, so the same inputs
    give the same bytes.
    """
    text = json.dumps(results, indent=1, allow_nan=False, ensure_ascii=False)
    _atomic_write(Path(path), text + "\n")


def read_group_outcomes(path: str | Path) -> dict[str, dict]:
    """What write_group_outcomes wrote, equal to what it was given."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_measurements_files(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Measurements of several cohort years' tables (read_measurements each), in one frame."""
    return pd.concat([read_measurements(path) for path in paths], ignore_index=True)
