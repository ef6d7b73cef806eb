# Provenance: what made the results, cited in every report's appendix.


rule provenance:
    """Which inputs, config, code and packages made the results (cited by every report)."""
    input:
        manifest="results/clean/manifest.json",
    output:
        "results/provenance.json",
    params:
        # A new commit re-runs this rule (Snakemake's params trigger), so reports cite it.
        code_version=code_version(),
    conda:
        "../../environment.yml"
    log:
        "logs/provenance.log",
    script:
        "../scripts/write_provenance.py"
