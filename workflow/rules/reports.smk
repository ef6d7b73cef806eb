# Stage 3, reports: each municipality's report in every report language: per language the
# executed notebook (a reviewer can rerun it) with its HTML copy, the published HTML and the
# PDF printed from it. The primary language's files are {group}.pdf etc.; each other
# language's are beside them as {group}.{language}.pdf. workflow/scripts/render_report.py
# makes them.
#
# Issue 14: a job's start (interpreter, Jupyter kernel, imports, fonts) was a third of a
# report's cost, so one job (municipality_reports) makes the reports of up to 20
# municipalities of a year in one process and one kernel, into a staging folder;
# municipality_report links each municipality's files to their declared paths. Each report
# still depends on its own stats JSON (through its job), and a job killed halfway leaves its
# staging folder incomplete, so it is rerun whole.

from samen_sterker.targets import report_files

# Files every report reads besides its data: sentences, layout and the renderer's code.
REPORT_FILES = {
    "translations": "workflow/samen_sterker/reports/translations.yaml",
    "css": "workflow/samen_sterker/reports/report.css",
    "templates": sorted(
        str(path)
        for path in Path("workflow/samen_sterker/reports/templates").glob("*.j2")
    ),
}


rule municipality_reports:
    """The municipal reports of up to 20 municipalities of one year, in every report language."""
    input:
        **REPORT_FILES,
        template="notebooks/municipality_report.ipynb",
        stats=stats_of_report_batch,
        # The comparison with other municipalities comes from the pooled overview.
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance/{year}.json",
        data_quality="results/clean/{year}/data_quality.csv",
        exclusions="results/clean/{year}/exclusions.csv",
        # Only for the reviewer-only slope plot; never reaches the PDF.
        measurements="results/clean/{year}/measurements.csv",
    output:
        staging=directory("results/staging/reports/{year}/{batch}"),
    log:
        "logs/reports/{year}/batch-{batch}.log",
    # Kernels started in parallel can collide on ZMQ ports; a retry starts a fresh kernel.
    retries: 2
    conda:
        "../../environment.yml"
    params:
        languages=plan.report_languages(config),
        language_suffixes=LANGUAGE_SUFFIXES,
        # A hung kernel fails the job instead of blocking the workflow.
        timeout=600,
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


# A hard link, so it runs in Snakemake's own host (never a cluster job).
localrules:
    municipality_report,


rule municipality_report:
    """One municipality's report files at their declared paths (copied from its report job)."""
    input:
        report_batch_of_municipality,
    output:
        **reported_report_files(
            report_files("{year}", "{municipality}", LANGUAGE_SUFFIXES),
            "municipal_report.rst",
            report_name="{municipality}",
        ),
    log:
        "logs/reports/{year}/{municipality}.log",
    conda:
        "../../environment.yml"
    params:
        staged=staged_reports,
    shell:
        LINK_STAGED


rule overview_report:
    """The overview report of one cohort year, in every report language."""
    input:
        **REPORT_FILES,
        template="notebooks/overview_report.ipynb",
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance/{year}.json",
        data_quality="results/clean/{year}/data_quality.csv",
        exclusions="results/clean/{year}/exclusions.csv",
    output:
        **reported_report_files(
            report_files("{year}", "overview", LANGUAGE_SUFFIXES),
            "overview_report.rst",
            report_name="overview",
        ),
    log:
        "logs/reports/{year}/overview.log",
    retries: 2
    conda:
        "../../environment.yml"
    params:
        languages=plan.report_languages(config),
        language_suffixes=LANGUAGE_SUFFIXES,
        timeout=600,
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


rule publication_checksums:
    """SHA-256 of every PDF of a cohort year, in every language (what `make publish` ships).

    Its inputs are everything the year makes, so building it builds the whole year."""
    input:
        outputs_of_year,
    output:
        "results/reports/{year}/SHA256SUMS",
    log:
        "logs/reports/{year}/SHA256SUMS.log",
    conda:
        "../../environment.yml"
    params:
        pdfs=pdfs_of_year,
    script:
        "../scripts/write_checksums.py"
