# Stage 3, reports: papermill executes a template per group and language; the executed
# notebook is the rule's output (a reviewer can rerun it); a second rule prints it to the PDF
# without code. The primary language's files are {group}.pdf, each other language's are
# beside them as {group}.{language}.pdf. Both steps run workflow/scripts/render_report.py.


ruleorder: overview_notebook > municipality_notebook
ruleorder: overview_pdf > municipality_pdf


# Files every report reads besides its data: sentences, layout and the renderer's code.
REPORT_FILES = {
    "translations": "workflow/samen_sterker/reports/translations.yaml",
    "css": "workflow/samen_sterker/reports/report.css",
}


rule municipality_notebook:
    """Execute the municipal report template for one municipality, year and language."""
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
        notebook="results/notebooks/{year}/{municipality}{language_suffix}.ipynb",
        html="results/notebooks/{year}/{municipality}{language_suffix}.html",
    log:
        "logs/notebooks/{year}/{municipality}{language_suffix}.log",
    # Kernels started in parallel can collide on ZMQ ports; a retry starts a fresh kernel.
    retries: 2
    conda:
        "../../environment.yml"
    params:
        language=lambda wildcards: plan.language_of_suffix(
            config, wildcards.language_suffix
        ),
        # A hung kernel fails the job instead of blocking the workflow.
        timeout=600,
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


rule overview_notebook:
    """Execute the overview report template for one cohort year and language."""
    input:
        **REPORT_FILES,
        template="notebooks/overview_report.ipynb",
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance/{year}.json",
        data_quality="results/clean/{year}/data_quality.csv",
        exclusions="results/clean/{year}/exclusions.csv",
    output:
        notebook="results/notebooks/{year}/overview{language_suffix}.ipynb",
        html="results/notebooks/{year}/overview{language_suffix}.html",
    log:
        "logs/notebooks/{year}/overview{language_suffix}.log",
    retries: 2
    conda:
        "../../environment.yml"
    params:
        language=lambda wildcards: plan.language_of_suffix(
            config, wildcards.language_suffix
        ),
        timeout=600,
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


rule municipality_pdf:
    """Print the executed municipal notebook (outputs only) to an A4 PDF/UA file."""
    input:
        **REPORT_FILES,
        notebook="results/notebooks/{year}/{municipality}{language_suffix}.ipynb",
    output:
        "results/reports/{year}/{municipality}{language_suffix}.pdf",
    log:
        "logs/reports/{year}/{municipality}{language_suffix}.log",
    conda:
        "../../environment.yml"
    params:
        code=CODE["reports"],
    script:
        "../scripts/render_report.py"


rule overview_pdf:
    """Print the executed overview notebook to an A4 PDF/UA file."""
    input:
        **REPORT_FILES,
        notebook="results/notebooks/{year}/overview{language_suffix}.ipynb",
    output:
        "results/reports/{year}/overview{language_suffix}.pdf",
    log:
        "logs/reports/{year}/overview{language_suffix}.log",
    conda:
        "../../environment.yml"
    params:
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
