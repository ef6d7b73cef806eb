# Stage 2, models: every number a report shows, computed once and written as JSON + tidy CSVs.


ruleorder: overview_stats > municipality_stats


rule municipality_stats:
    """Participation, descriptives, paired tests, reliable change and the dyadic mixed model."""
    input:
        measurements="results/clean/measurements.csv",
    output:
        json="results/stats/{year}/{municipality}.json",
        tables=directory("results/stats/{year}/{municipality}"),
    log:
        "logs/stats/{year}/{municipality}.log",
    conda:
        "../../environment.yml"
    params:
        municipality_code=lambda wildcards: municipality_code(wildcards.municipality),
    script:
        "../scripts/compute_stats.py"


rule overview_stats:
    """The pooled year: all municipalities, the municipality × time model, funnel and trend."""
    input:
        measurements="results/clean/measurements.csv",
    output:
        json="results/stats/{year}/overview.json",
        tables=directory("results/stats/{year}/overview"),
    log:
        "logs/stats/{year}/overview.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/compute_overview_stats.py"
