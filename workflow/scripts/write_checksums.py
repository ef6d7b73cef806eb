"""Snakemake script (rule publication_checksums): SHA-256 of a cohort year's PDFs, in the
format of `sha256sum` so that `sha256sum -c SHA256SUMS` checks a publication bundle."""

from pathlib import Path

from samen_sterker.provenance import sha256_file
from samen_sterker.runtime import log_to

snakemake = globals()["snakemake"]  # injected by Snakemake's script directive

with log_to(snakemake.log[0]) as log:
    output = Path(snakemake.output[0])
    lines = [f"{sha256_file(pdf)}  {Path(pdf).name}\n" for pdf in sorted(snakemake.params.pdfs)]
    output.write_text("".join(lines), encoding="utf-8")
    log.info("%d PDF(s) in %s", len(lines), output)
