# Stage 3, reports: one job per report group (a municipality, or the overview) and cohort
# year makes the group's files in every report language, in one process and one Jupyter
# kernel (issue 14: start-up was most of a report's cost): per language the executed notebook
# (a reviewer can rerun it) with its HTML copy, the published HTML and the PDF printed from
# it. The primary language's files are {group}.pdf etc.; each other language's are beside
# them as {group}.{language}.pdf. Every file is a declared output, so a job killed halfway is
# rerun whole. workflow/scripts/render_report.py runs them.

from samen_sterker.targets import report_files


ruleorder: overview_report > municipality_report


# Files every report reads besides its data: sentences, layout and the renderer's code.
REPORT_FILES = {
    "translations": "workflow/samen_sterker/reports/translations.yaml",
    "css": "workflow/samen_sterker/reports/report.css",
    "templates": sorted(
        str(path)
        for path in Path("workflow/samen_sterker/reports/templates").glob("*.j2")
    ),
}


rule municipality_report:
    """The municipal report of one municipality and year, in every report language."""
    input:
        **REPORT_FILES,
        template="notebooks/municipality_report.ipynb",
        stats="results/stats/{year}/{municipality}.json",
        # The comparison with other municipalities comes from the pooled overview.
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance/{year}.json",
        data_quality="results/clean/{year}/data_quality.csv",
        exclusions="results/clean/{year}/exclusions.csv",
        # Only for the reviewer-only slope plot; never reaches the PDF.
        measurements="results/clean/{year}/measurements.csv",
    output:
        **reported_report_files(
            report_files("{year}", "{municipality}", LANGUAGE_SUFFIXES),
            "municipal_report.rst",
            report_name="{municipality}",
        ),
    log:
        "logs/reports/{year}/{municipality}.log",
    # Kernels started in parallel can collide on ZMQ ports; a retry starts a fresh kernel.
    retries: 2
    conda:
        "../../environment.yml"
    params:
        languages=plan.report_languages(config),
        # A hung kernel fails the job instead of blocking the workflow.
        timeout=600,
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


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
