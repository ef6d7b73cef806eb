"""Benchmark: what a rebuild costs after each kind of edit (wall time and jobs run).

Prints a table; asserts nothing (tests/test_rebuilds.py checks *which* jobs rerun, this
measures how long). Works on a temporary copy of the project, so results/ is left alone:

    .venv/bin/python benchmarks/rebuilds.py [--cores 2]

Rows: a full build of the demo, a no-op `make`, a second no-op, and a rebuild after each
edit (one export, the report CSS, a privacy threshold), each from the built state.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DONE = re.compile(r"(\d+) of (\d+) steps")


def copy_project(destination: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make(project: Path, cores: str) -> tuple[float, float, int]:
    """Run the pipeline as `make` does; (wall seconds, CPU seconds, jobs run)."""
    cpu = children_cpu_seconds()
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", cores,
         "--workflow-profile", "workflow/profiles/default"],
        cwd=project, capture_output=True, text=True, check=True,
    )
    seconds = time.perf_counter() - start
    steps = DONE.findall(process.stdout + process.stderr)
    return seconds, children_cpu_seconds() - cpu, int(steps[-1][0]) if steps else 0


def edit_export(project: Path) -> None:
    path = project / "data/raw/2024/samen-sterker_GM9998_2024_voormeting.csv"
    lines = path.read_bytes().split(b"\r\n")
    header = lines[0].decode("utf-8-sig").split(",")
    cells = lines[3].decode().split(",")
    column = header.index("Q2")
    cells[column] = "6" if cells[column] != "6" else "7"
    lines[3] = ",".join(cells).encode()
    path.write_bytes(b"\r\n".join(lines))


def edit_css(project: Path) -> None:
    with open(project / "workflow/samen_sterker/reports/report.css", "a") as handle:
        handle.write("\n/* benchmark edit */\n")


def edit_threshold(project: Path) -> None:
    path = project / "config/config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["privacy"]["min_respondents"] = 12
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cores", default="2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        built = copy_project(Path(temporary) / "built")
        rows = [("full build of the demo", *make(built, args.cores))]
        rows.append(("no-op make", *make(built, args.cores)))
        rows.append(("no-op make, again", *make(built, args.cores)))
        for label, edit in (("one export changed", edit_export), ("report CSS changed", edit_css),
                            ("privacy threshold changed", edit_threshold)):
            project = Path(temporary) / label.replace(" ", "-")
            shutil.copytree(built, project, symlinks=True)
            edit(project)
            rows.append((label, *make(project, args.cores)))
    # CPU seconds do not depend on what else the machine runs; wall seconds do.
    print(f"{'rebuild':<28} {'wall s':>7} {'CPU s':>7} {'jobs run':>9}")
    for label, seconds, cpu, jobs in rows:
        print(f"{label:<28} {seconds:>7.1f} {cpu:>7.1f} {jobs:>9}")


if __name__ == "__main__":
    main()
