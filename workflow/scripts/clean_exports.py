"""Snakemake script (checkpoints clean_year, multi_year_cohorts): raw exports → results/clean/.

All logic is in samen_sterker.cleaning; this connects Snakemake's params, paths and log. The
job reads only its params (sheet rows, municipalities, config slice) and its input paths (the
sheet rows' files, kept out of the params: samen_sterker.plan.entry_params), never the whole
config.
"""

from pathlib import Path

import pandas as pd

from samen_sterker.cleaning import MunicipalityTable, write_clean_outputs
from samen_sterker.cleaning.clean import clean_cohort
from samen_sterker.cleaning.outputs import OUTPUT_NAMES
from samen_sterker.plan import entries_from_params
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive
params = snakemake.params
# multi_year_cohorts has no year wildcard: it cleans every year of its exports.
year = int(snakemake.wildcards.year) if hasattr(snakemake.wildcards, "year") else None

with log_to(snakemake.log[0]) as log:
    result = clean_cohort(
        dict(params.settings),
        Path.cwd(),
        entries_from_params(params.entries, snakemake.input.raw),
        MunicipalityTable(pd.DataFrame(params.municipalities, columns=["code", "official_name", "aliases"])),
        year=year,
        same_as_earlier=params.get("same_as_earlier", {}),
    )
    # Detected formats, encodings, drops and the per-export reconciliation, in that order.
    for line in result.log:
        if line.startswith("WARNING "):
            log.warning(line.removeprefix("WARNING "))
        else:
            log.info(line)
    if year is None:  # multi_year_cohorts: only which years these exports hold
        years = sorted({int(y) for y in result.measurements["year"]})
        Path(snakemake.output[0]).write_text("".join(f"{y}\n" for y in years), encoding="utf-8")
        log.info("multi-year exports hold cohort years %s", years)
    else:
        log.info("dropped %d unmapped column(s) in total", len(result.dropped_columns))
        log.info(
            "%d measurements kept, %d exclusions logged",
            len(result.measurements),
            len(result.exclusions),
        )
        outputs = {name: getattr(snakemake.output, name) for name in OUTPUT_NAMES}
        write_clean_outputs(result, outputs, Path.cwd())
        log.info("wrote %s", ", ".join(map(str, outputs.values())))
