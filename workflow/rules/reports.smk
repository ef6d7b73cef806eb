# Stage 3, reports: papermill executes a template per group; the executed notebook is the
# rule's output (a reviewer can rerun it); a second rule turns it into the PDF without code.


ruleorder: overview_notebook > municipality_notebook
ruleorder: overview_pdf > municipality_pdf


rule municipality_notebook:
    input:
        template="notebooks/municipality_report.ipynb",
        stats="results/stats/{year}/{municipality}.json",
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance.json",
        data_quality="results/clean/data_quality.csv",
    output:
        notebook="results/notebooks/{year}/{municipality}.ipynb",
        html="results/notebooks/{year}/{municipality}.html",
    conda:
        "../../environment.yml"
    log:
        "logs/notebooks/{year}/{municipality}.log",
    # Kernels started in parallel can collide on ZMQ ports; a retry starts a fresh kernel.
    retries: 2
    script:
        "../scripts/execute_notebook.py"


rule overview_notebook:
    input:
        template="notebooks/overview_report.ipynb",
        overview="results/stats/{year}/overview.json",
        provenance="results/provenance.json",
        data_quality="results/clean/data_quality.csv",
    output:
        notebook="results/notebooks/{year}/overview.ipynb",
        html="results/notebooks/{year}/overview.html",
    conda:
        "../../environment.yml"
    log:
        "logs/notebooks/{year}/overview.log",
    retries: 2
    script:
        "../scripts/execute_notebook.py"


rule municipality_pdf:
    input:
        notebook="results/notebooks/{year}/{municipality}.ipynb",
    output:
        "results/reports/{year}/{municipality}.pdf",
    conda:
        "../../environment.yml"
    log:
        "logs/reports/{year}/{municipality}.log",
    script:
        "../scripts/render_pdf.py"


rule overview_pdf:
    input:
        notebook="results/notebooks/{year}/overview.ipynb",
    output:
        "results/reports/{year}/overview.pdf",
    conda:
        "../../environment.yml"
    log:
        "logs/reports/{year}/overview.log",
    script:
        "../scripts/render_pdf.py"
