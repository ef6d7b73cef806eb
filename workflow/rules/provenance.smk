# Provenance: what made a cohort year's results, cited in every report's appendix.


rule provenance:
    """Which inputs, config, code and packages made one cohort year's results."""
    input:
        manifest="results/clean/{year}/manifest.json",
        # The trend over years reads the earlier years' measurements: their inputs too.
        earlier_manifests=earlier_manifests,
        # Its latest_response_date per export gives the date of the data (report dates).
        data_quality="results/clean/{year}/data_quality.csv",
    output:
        for_report(
            "results/provenance/{year}.json",
            "provenance.rst",
            "Data checks",
            file="provenance",
        ),
    log:
        "logs/provenance/{year}.log",
    conda:
        "../../environment.yml"
    params:
        # What made the numbers and the documents: this record changes (and the reports
        # citing it rerun) exactly when one of them does. The git commit is read when the
        # record is written, so a commit alone reruns nothing.
        analysis=plan.analysis_settings(config),
        code=CODE,
        packages=package_versions(),
        fonts=report_fonts(),
        python=platform.python_version(),
    script:
        "../scripts/write_provenance.py"
