"""Which (year, municipality) groups the clean data holds, for the workflow's targets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def report_groups(measurements_csv: str | Path,
                  municipalities: pd.DataFrame) -> list[tuple[int, str]]:
    """Sorted (year, slug) pairs present in the canonical measurements table."""
    table = pd.read_csv(measurements_csv, usecols=["year", "municipality_code"],
                        dtype={"year": int, "municipality_code": str})
    slugs = municipalities.set_index("code")["slug"]
    pairs = table[["year", "municipality_code"]].drop_duplicates()
    unknown = sorted(set(pairs["municipality_code"]) - set(slugs.index))
    if unknown:
        raise ValueError(f"{measurements_csv}: municipality codes not in the municipalities "
                         f"table: {unknown}")
    return sorted({(int(year), slugs[code]) for year, code in pairs.itertuples(index=False)})
