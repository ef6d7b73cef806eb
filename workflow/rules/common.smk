# Shared by every rule: the package, the sheet of exports and the groups to report on.

import csv
import subprocess

from samen_sterker.config import check_consistency, read_municipalities
from samen_sterker.targets import report_groups

check_consistency(config)

MUNICIPALITIES = read_municipalities(config["municipalities"])


wildcard_constraints:
    year=r"\d{4}",
    municipality=r"[a-z0-9]+(?:-[a-z0-9]+)*",


def raw_export_paths():
    """Every raw file named in the sheet of exports (inputs of the cleaning checkpoint)."""
    with open(config["exports"], encoding="utf-8", newline="") as handle:
        return [row["path"] for row in csv.DictReader(handle, delimiter="\t")]


def municipality_code(slug):
    """CBS code of the municipality whose official name has this slug."""
    match = MUNICIPALITIES.loc[MUNICIPALITIES["slug"] == slug, "code"]
    if match.empty:
        raise ValueError(
            f"no municipality in {config['municipalities']} has the slug {slug!r}"
        )
    return match.iloc[0]


def code_version():
    """The git commit the pipeline runs from (with '-dirty' when files differ from it)."""
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            check=True,
            cwd=workflow.basedir,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    return commit


def all_report_outputs(wildcards):
    """Reports, notebooks and stats for every (year, municipality) present in the clean data.

    Municipalities and years come from the data, so this waits for the cleaning checkpoint.
    """
    measurements = checkpoints.clean_exports.get().output.measurements
    groups = report_groups(measurements, MUNICIPALITIES)
    outputs = []
    for year, slug in groups:
        outputs += [
            f"results/reports/{year}/{slug}.pdf",
            f"results/notebooks/{year}/{slug}.ipynb",
            f"results/notebooks/{year}/{slug}.html",
            f"results/stats/{year}/{slug}.json",
        ]
    for year in sorted({year for year, _ in groups}):
        outputs += [
            f"results/reports/{year}/overview.pdf",
            f"results/notebooks/{year}/overview.ipynb",
            f"results/stats/{year}/overview.json",
        ]
    return outputs
