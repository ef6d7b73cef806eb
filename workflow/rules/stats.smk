# Stage 2, models: every number a report shows, computed once (for every report language)
# and written as JSON + tidy CSVs.


ruleorder: overview_stats > municipality_stats


rule disclosure:
    """Which count and statistic each publication of the year shows, and the audit that no
    withheld count can be worked out from them (fails the run when one can)."""
    input:
        measurements="results/clean/{year}/measurements.csv",
    output:
        audit=for_report(
            "results/disclosure/{year}.csv",
            "disclosure_audit.rst",
            "Data checks",
            file="disclosure audit",
        ),
        decisions="results/disclosure/{year}.json",
    log:
        "logs/disclosure/{year}.log",
    conda:
        "../../environment.yml"
    params:
        settings=plan.analysis_settings(config),
        code=CODE["stats"],
        packages=package_versions(plan.NUMERIC_PACKAGES),
    script:
        "../scripts/compute_disclosure.py"


rule municipality_stats:
    """Participation, descriptives, paired tests, reliable change and the dyadic mixed model."""
    input:
        # This year's and earlier years' measurements (the trend over cohort years).
        measurements=measurements_up_to,
        decisions="results/disclosure/{year}.json",
    output:
        json="results/stats/{year}/{municipality}.json",
        tables=[
            f"results/stats/{{year}}/{{municipality}}/{name}.csv"
            for name in MUNICIPAL_TABLES
        ],
    log:
        "logs/stats/{year}/{municipality}.log",
    conda:
        "../../environment.yml"
    params:
        municipality_code=lambda wildcards: municipality_code(wildcards.municipality),
        settings=plan.analysis_settings(config),
        code=CODE["stats"],
        packages=package_versions(plan.NUMERIC_PACKAGES),
    script:
        "../scripts/compute_stats.py"


rule overview_stats:
    """The pooled year: all municipalities, the municipality × time model, funnel and trend."""
    input:
        measurements=measurements_up_to,
        decisions="results/disclosure/{year}.json",
    output:
        json="results/stats/{year}/overview.json",
        tables=[
            f"results/stats/{{year}}/overview/{name}.csv" for name in OVERVIEW_TABLES
        ],
    log:
        "logs/stats/{year}/overview.log",
    conda:
        "../../environment.yml"
    params:
        settings=plan.analysis_settings(config),
        code=CODE["stats"],
        packages=package_versions(plan.NUMERIC_PACKAGES),
    script:
        "../scripts/compute_overview_stats.py"
