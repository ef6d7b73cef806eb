"""Snakemake script: write results/provenance/{year}.json (rule provenance)."""

import json
from pathlib import Path

from samen_sterker.provenance import collect_provenance, git_describe, read_data_quality
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    with open(snakemake.input.manifest, encoding="utf-8") as handle:
        manifest = json.load(handle)
    # results/clean/{year}/manifest.json of each earlier cohort year in the trend
    earlier_manifests = {
        int(Path(path).parent.name): json.loads(Path(path).read_text(encoding="utf-8"))
        for path in snakemake.input.earlier_manifests
    }
    record = collect_provenance(
        manifest,
        {"cleaning": manifest.get("settings", {}), "analysis": snakemake.params.analysis},
        git_describe(Path.cwd()),
        read_data_quality(snakemake.input.data_quality),
        year=int(snakemake.wildcards.year),
        code_fingerprints=snakemake.params.code,
        packages=snakemake.params.packages,
        fonts=snakemake.params.fonts,
        python=snakemake.params.python,
        earlier_manifests=earlier_manifests,
    )
    with open(snakemake.output[0], "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
    log.info(
        "code version %s, config sha256 %s, %d inputs",
        record["code_version"],
        record["config_sha256"],
        len(record["inputs"]),
    )
    log.info("date of the data: %s (%s)", record["data_date"], record["data_date_source"])
