"""Write a CleanResult to results/clean/ (CSV + manifest JSON), never over an input file."""

from __future__ import annotations

import json
from pathlib import Path

from samen_sterker.cleaning.clean import CleanResult
from samen_sterker.spreadsheet import neutralise_formulas

OUTPUT_NAMES = ("measurements", "exclusions", "data_quality", "dropped_columns", "manifest")


def write_clean_outputs(result: CleanResult, paths: dict[str, str | Path], base_dir: Path) -> None:
    """Write each table as UTF-8 CSV and the manifest as JSON to the given paths.

    Refuses to write to any path that is one of the inputs in the manifest, so a raw export
    can never be overwritten even by a mistaken rule.
    """
    inputs = {(Path(base_dir) / name).resolve() for name in result.manifest["inputs"]}
    for name in OUTPUT_NAMES:
        target = Path(paths[name])
        if target.resolve() in inputs:
            raise ValueError(f"refusing to write {name} over the input file {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_NAMES[:-1]:
        # repr-exact floats: the stats stage must see the values that were read.
        neutralise_formulas(getattr(result, name)).to_csv(
            paths[name], index=False, encoding="utf-8", lineterminator="\n"
        )
    with open(paths["manifest"], "w", encoding="utf-8") as handle:
        json.dump(result.manifest, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
