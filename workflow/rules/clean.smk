# Stage 1, reading and cleaning: every raw export → one canonical table of measurements.


checkpoint clean_exports:
    """Read each export in the sheet, keep only mapped columns, validate, exclude and log."""
    input:
        sheet=config["exports"],
        municipalities=config["municipalities"],
        raw=raw_export_paths(),
    output:
        measurements="results/clean/measurements.csv",
        exclusions="results/clean/exclusions.csv",
        data_quality="results/clean/data_quality.csv",
        dropped_columns="results/clean/dropped_columns.csv",
        manifest="results/clean/manifest.json",
    log:
        "logs/clean/clean_exports.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/clean_exports.py"
