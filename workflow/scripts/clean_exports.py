"""Snakemake script (checkpoint clean_exports): raw exports → results/clean/*.

All logic is in samen_sterker.cleaning; this only connects Snakemake's paths and the log.
"""

from pathlib import Path

from samen_sterker.cleaning import clean_exports, write_clean_outputs
from samen_sterker.cleaning.outputs import OUTPUT_NAMES
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    # Detected formats, encodings, drops and the per-export reconciliation, in that order.
    result = clean_exports(dict(snakemake.config), Path.cwd())
    for line in result.log:
        if line.startswith("WARNING "):
            log.warning(line.removeprefix("WARNING "))
        else:
            log.info(line)
    log.info("dropped %d unmapped column(s) in total", len(result.dropped_columns))
    log.info(
        "%d measurements kept, %d exclusions logged",
        len(result.measurements),
        len(result.exclusions),
    )
    outputs = {name: getattr(snakemake.output, name) for name in OUTPUT_NAMES}
    write_clean_outputs(result, outputs, Path.cwd())
    log.info("wrote %s", ", ".join(map(str, outputs.values())))
