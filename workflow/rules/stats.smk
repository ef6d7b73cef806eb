# Stage 2, models: every number a report shows, computed once (for every report language)
# and written as JSON + tidy CSVs.

# Issue 14: each municipality's statistics are independent of the others', so disclosure and
# year_stats share them out over processes (stats.groups): at 342
# municipalities that loop took a minute and a half of one core while nothing else could run.
# Snakemake gives a job at most --cores; four is an easy cluster slot and past it the pooled
# year, computed once, is most of what is left.
STATS_PROCESSES = 4


rule disclosure:
    """Which count and statistic each publication of the year shows, and the audit that no
    withheld count can be worked out from them (fails the run when one can). The statistics
    without mixed models of every published group, which the decisions are made on, go to
    {year}.outcomes.json for year_stats to build on (issue 14: each computed once). That file
    holds the figures of groups before disclosure control (withheld cells, the members of
    "other municipalities"): an internal intermediate like results/clean, never published
    (targets.year_outputs does not list it)."""
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
        outcomes="results/disclosure/{year}.outcomes.json",
    log:
        "logs/disclosure/{year}.log",
    conda:
        "../../environment.yml"
    # Processes for the statistics of every municipality (scaled down to --cores locally).
    threads: STATS_PROCESSES
    params:
        settings=plan.analysis_settings(config),
        code=CODE["stats"],
        packages=package_versions(NUMERIC_PACKAGES),
    script:
        "../scripts/compute_disclosure.py"


rule year_stats:
    """Every statistic of one cohort year in one job: the dyadic mixed models of each published
    municipality and of the pooled groups (shared out over the job's processes), added to
    their participation, descriptives, paired tests and reliable change from rule disclosure,
    then the pooled year (all municipalities, the municipality × time model, funnel and
    trend) and every municipality's files. Every municipality's statistics read the whole
    year's measurements and decisions, so they rerun together anyway; one job spares a Python
    start and the imports per municipality (issue 14).
    """
    input:
        # This year's and earlier years' measurements (the trend over cohort years).
        measurements=measurements_up_to,
        decisions="results/disclosure/{year}.json",
        outcomes="results/disclosure/{year}.outcomes.json",
    output:
        json="results/stats/{year}/overview.json",
        tables=[
            f"results/stats/{{year}}/overview/{name}.csv" for name in OVERVIEW_TABLES
        ],
        # Per CBS code; municipality_stats gives each file its declared path.
        municipalities=directory("results/staging/stats/{year}"),
    log:
        "logs/stats/{year}/year.log",
    conda:
        "../../environment.yml"
    threads: STATS_PROCESSES
    params:
        settings=plan.analysis_settings(config),
        code=CODE["stats"],
        packages=package_versions(NUMERIC_PACKAGES),
    script:
        "../scripts/compute_year_stats.py"


# A hard link, so it runs in Snakemake's own host (never a cluster job).
localrules:
    municipality_stats,


rule municipality_stats:
    """One municipality's stats JSON and tidy CSVs at their own paths (what year_stats
    computed), so each report depends on its own municipality's file."""
    input:
        "results/staging/stats/{year}",
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
        staged=staged_stats,
    shell:
        LINK_STAGED
