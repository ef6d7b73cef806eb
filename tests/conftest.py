"""Shared test fixtures: paths of the repository, its specimens and its demo configuration."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKFLOW_PROFILE = "workflow/profiles/default"
# Copies of the shared specimen exports (tests/fixtures/specimens/README.md); tests never read
# outside the repository, so a fresh clone with nothing beside it runs every test.
SPECIMENS = Path(__file__).resolve().parent / "fixtures" / "specimens"


@pytest.fixture(scope="session")
def repo() -> Path:
    """Root of the repository (where the Snakefile is)."""
    return REPO


def copy_project(destination: Path) -> Path:
    """Copy the project as a fresh clone would have it (tracked and new, not ignored, files)."""
    import shutil
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def write_demo_stats(out: Path, codes=None) -> tuple[dict[str, Path], Path]:
    """The demo cohort's stats JSONs as the stats stage writes them: overview.json and
    {code}.json for each municipality (all unless `codes`), and a provenance.json with the
    date of the data. Returns (path by 'overview' or code, provenance path)."""
    import json

    from samen_sterker import simulate
    from samen_sterker.config import load_config
    from samen_sterker.stats import analyse, pooled

    config = load_config(REPO / "config" / "config.yaml")
    measurements = simulate.demo_truth()
    year = int(measurements["year"].max())
    stats = {"overview": pooled.analyse_year(measurements, config, year)}
    for code in sorted(codes or measurements["municipality_code"].unique()):
        stats[code] = analyse.analyse_group(measurements, config, year, code)
    paths = {}
    for key, data in stats.items():
        paths[key] = out / f"{key}.json"
        paths[key].write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    provenance = out / "provenance.json"
    provenance.write_text(json.dumps({"data_date": f"{year}-07-10T00:00:00Z"}), encoding="utf-8")
    return paths, provenance


def notebook_parameters(stats_path: Path, kind: str, lang: str, provenance_path: Path) -> dict:
    """Papermill parameters of a report template ('municipality' or 'overview') for a stats
    JSON written by a test beside its overview.json, without the clean tables."""
    parameters = {
        "stats_path": str(stats_path),
        "overview_path": str(stats_path.parent / "overview.json") if kind == "municipality"
        else "",
        "provenance_path": str(provenance_path),
        "data_quality_path": "",
        "exclusions_path": "",
        "language": lang,
    }
    if kind == "municipality":
        parameters["measurements_path"] = ""
    return parameters


def snakemake_arguments(project: Path) -> list[str]:
    """Snakemake's arguments as `make` gives them (the workflow profile), on `project`."""
    return ["--cores", "2", "--directory", str(project), "--snakefile", str(project / "Snakefile"),
            "--workflow-profile", str(project / WORKFLOW_PROFILE)]


def run_pipeline(project: Path, *extra: str, check: bool = True, env: dict | None = None):
    """Run Snakemake on `project` with this interpreter's environment; returns the process."""
    import subprocess
    import sys

    process = subprocess.run(
        [sys.executable, "-m", "snakemake", *snakemake_arguments(project), *extra],
        capture_output=True, text=True, cwd=project, check=False, env=env,
    )
    if check and process.returncode != 0:
        logs = "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}"
                         for log in sorted((project / "logs").rglob("*.log")))
        raise AssertionError(f"snakemake failed:\n{process.stderr[-6000:]}\n{logs}")
    return process


def make_run(project: Path, env: dict | None = None, **kwargs):
    """`make run` in `project` with this interpreter's environment (no venv of its own)."""
    import subprocess
    import sys

    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "run", "STAMP=", "CORES=2",
         f"BIN={Path(sys.executable).parent}"],
        capture_output=True, text=True, check=False, env=env, **kwargs,
    )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The whole pipeline run once on the demo cohort in a temporary copy of the project."""
    project = copy_project(tmp_path_factory.mktemp("demo-project"))
    run_pipeline(project)
    return project
