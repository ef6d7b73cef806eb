# Stage 3, reports: papermill executes a template per group; the executed notebook is the
# rule's output (a reviewer can rerun it); a second rule prints it to the PDF without code.
# Both steps run workflow/scripts/render_report.py (samen_sterker.reports.build).


ruleorder: overview_notebook > municipality_notebook
ruleorder: overview_pdf > municipality_pdf


rule municipality_notebook:
    """Execute the municipal report template for one municipality and year."""
    input:
        template="notebooks/municipality_report.ipynb",
        stats="results/stats/{year}/{municipality}.json",
        # The comparison with other municipalities comes from the pooled overview.
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance.json",
        data_quality="results/clean/data_quality.csv",
        exclusions="results/clean/exclusions.csv",
        # Only for the reviewer-only slope plot; never reaches the PDF.
        measurements="results/clean/measurements.csv",
    output:
        notebook="results/notebooks/{year}/{municipality}.ipynb",
        html="results/notebooks/{year}/{municipality}.html",
    log:
        "logs/notebooks/{year}/{municipality}.log",
    # Kernels started in parallel can collide on ZMQ ports; a retry starts a fresh kernel.
    retries: 2
    conda:
        "../../environment.yml"
    params:
        # A hung kernel fails the job instead of blocking the workflow.
        timeout=600,
    script:
        "../scripts/render_report.py"


rule overview_notebook:
    """Execute the overview report template for one cohort year."""
    input:
        template="notebooks/overview_report.ipynb",
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance.json",
        data_quality="results/clean/data_quality.csv",
        exclusions="results/clean/exclusions.csv",
    output:
        notebook="results/notebooks/{year}/overview.ipynb",
        html="results/notebooks/{year}/overview.html",
    log:
        "logs/notebooks/{year}/overview.log",
    retries: 2
    conda:
        "../../environment.yml"
    params:
        timeout=600,
    script:
        "../scripts/render_report.py"


rule municipality_pdf:
    """Print the executed municipal notebook (outputs only) to an A4 PDF/UA file."""
    input:
        notebook="results/notebooks/{year}/{municipality}.ipynb",
    output:
        "results/reports/{year}/{municipality}.pdf",
    log:
        "logs/reports/{year}/{municipality}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/render_report.py"


rule overview_pdf:
    """Print the executed overview notebook to an A4 PDF/UA file."""
    input:
        notebook="results/notebooks/{year}/overview.ipynb",
    output:
        "results/reports/{year}/overview.pdf",
    log:
        "logs/reports/{year}/overview.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/render_report.py"
