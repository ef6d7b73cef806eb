# Provenance: what made the results, cited in every report's appendix.


rule provenance:
    """Which inputs, config, code and packages made the results (cited by every report)."""
    input:
        manifest="results/clean/manifest.json",
        # Its latest_response_date per export gives the date of the data (report dates).
        data_quality="results/clean/data_quality.csv",
    output:
        "results/provenance.json",
    log:
        "logs/provenance.log",
    conda:
        "../../environment.yml"
    params:
        # A new commit re-runs this rule (Snakemake's params trigger), so reports cite it.
        code_version=code_version(),
    script:
        "../scripts/write_provenance.py"
