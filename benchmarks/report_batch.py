"""Benchmark: one batch of municipal reports, rendered in-process as rule municipality_reports
does, with the CPU per report split by step.

Prints figures; asserts nothing (speed is measured here, never in tests). Example:

    .venv/bin/python benchmarks/report_batch.py --n 20             # a quick run
    .venv/bin/python benchmarks/report_batch.py --n 342 --keep /tmp/national-342
    .venv/bin/python benchmarks/report_batch.py --reuse /tmp/national-342 --profile parent

Data: the national benchmark's simulated cohort (benchmarks/national.py) in a temporary copy
of the project; Snakemake runs the pipeline up to the reports' inputs (clean tables, stats
JSONs, provenance), so the batch reads exactly what the rule reads (`--keep` keeps that copy,
`--reuse` starts from one). Then `samen_sterker.reports.build.build_reports` renders the first
batch of `targets.report_batches` (up to 20 municipalities, every report language) into a
scratch folder, in this process and one kernel.

Figures: CPU seconds (this process and, through psutil, the kernel, a child process) per
report, split into notebook execution (papermill and the kernel, writing the notebook),
reviewer HTML (nbconvert, code and outputs), published HTML (the outputs as one document) and
PDF (WeasyPrint); the batch's start (kernel start and first imports) separately. `--profile
parent` prints cProfile's top functions of this process over the batch; `--profile kernel`
runs the template's code cells of one report in this process under cProfile (what the kernel
does).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# This checkout's package, before any installed copy (the kernel runs the project copy's,
# which prepare_project keeps equal to this one).
sys.path.insert(0, str(REPO / "workflow"))

from benchmarks.national import ENVIRONMENT, YEAR, write_national_project
from tests.conftest import copy_project

STEPS = ("notebook execution", "reviewer HTML", "published HTML", "PDF")


class CpuClock:
    """CPU seconds of this process plus its live children (the Jupyter kernel)."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.gone: dict[int, float] = {}
        self.kernel = 0.0  # the children's part, as of the last call
        self.kernel_rss = 0  # the kernel's largest RSS seen

    def __call__(self) -> float:
        total = time.process_time()
        for child in self.me.children(recursive=True):
            try:
                times = child.cpu_times()
                self.gone[child.pid] = times.user + times.system
                self.kernel_rss = max(self.kernel_rss, child.memory_info().rss)
            except psutil.Error:
                pass
        # A kernel that has exited keeps its last sampled CPU (the batch shuts it down last).
        self.kernel = sum(self.gone.values())
        return total + self.kernel


def prepare_project(args: argparse.Namespace, scratch: Path) -> Path:
    """A project copy with the national cohort, run up to the reports' inputs."""
    if args.reuse:  # the kernel imports the project's copy of the code: this checkout's
        for folder in ("workflow/samen_sterker", "notebooks"):
            shutil.copytree(REPO / folder, args.reuse / folder, dirs_exist_ok=True)
        return args.reuse
    project = copy_project(args.keep or scratch / "project")
    shutil.rmtree(project / "results", ignore_errors=True)
    shutil.rmtree(project / "logs", ignore_errors=True)
    cohort = write_national_project(project, args.n, args.seed)
    print(f"cohort: {cohort['municipalities']} municipalities, {cohort['participants']:,} "
          f"participants; running the pipeline up to the reports' inputs ...", flush=True)
    from samen_sterker.config import slugify

    names = pd.read_csv(project / "config/municipalities.tsv", sep="\t", dtype=str)
    targets = [f"results/provenance/{YEAR}.json", f"results/clean/{YEAR}/measurements.csv"] + [
        f"results/stats/{YEAR}/{slugify(name)}.json" for name in names["official_name"]
    ]
    env = dict(os.environ, **ENVIRONMENT)
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--workflow-profile",
         "workflow/profiles/default", *targets],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )
    if process.returncode != 0:
        sys.exit(f"the pipeline failed:\n{process.stderr[-5000:]}")
    return project


def batch_groups(project: Path, staging: Path) -> list:
    """The first report batch of the year, as render_report.py builds its groups."""
    from samen_sterker import plan
    from samen_sterker.config import validate_config
    from samen_sterker.reports.build import ReportGroup, report_parameters, staged_files
    from samen_sterker.targets import report_batches

    config = validate_config(yaml.safe_load((project / "config/config.yaml").read_text("utf-8")))
    languages = plan.report_languages(config)
    suffixes = plan.language_suffixes(config)
    slugs = sorted(path.stem for path in (project / f"results/stats/{YEAR}").glob("*.json")
                   if path.stem != "overview")
    slugs = report_batches(slugs)[0]
    clean = f"results/clean/{YEAR}"
    groups = []
    for slug in slugs:
        # The paths of rule municipality_reports' inputs.
        parameters = report_parameters(
            languages,
            f"results/stats/{YEAR}/{slug}.json",
            overview_path=f"results/stats/{YEAR}/overview.json",
            provenance_path=f"results/provenance/{YEAR}.json",
            data_quality_path=f"{clean}/data_quality.csv",
            exclusions_path=f"{clean}/exclusions.csv",
            measurements_path=f"{clean}/measurements.csv",
        )
        groups.append(ReportGroup(slug, parameters, staged_files(staging, slug, languages, suffixes)))
    return groups


class StepTimer:
    """Wraps the renderer's functions to charge their CPU to a step (innermost step wins)."""

    def __init__(self, clock: CpuClock) -> None:
        self.clock = clock
        self.cpu: dict[str, float] = defaultdict(float)
        self.kernel: dict[str, float] = defaultdict(float)  # the kernel's part of each step
        self.stack: list[tuple[str, float, float]] = []

    def wrap(self, owner: object, name: str, step: str) -> None:
        function: Callable = getattr(owner, name)

        def charge(step: str, started: float, kernel_started: float) -> tuple[float, float]:
            now = self.clock()
            self.cpu[step] += now - started
            self.kernel[step] += self.clock.kernel - kernel_started
            return now, self.clock.kernel

        def timed(*args, **kwargs):
            now, kernel = self.clock(), self.clock.kernel
            if self.stack:  # pause the enclosing step
                outer, started, kernel_started = self.stack[-1]
                now, kernel = charge(outer, started, kernel_started)
            self.stack.append((step, now, kernel))
            try:
                return function(*args, **kwargs)
            finally:
                now, kernel = charge(*self.stack.pop())
                if self.stack:
                    self.stack[-1] = (self.stack[-1][0], now, kernel)

        setattr(owner, name, timed)


def instrument(clock: CpuClock) -> StepTimer:
    from samen_sterker.reports import build, render

    timer = StepTimer(clock)
    timer.wrap(build, "build_notebook", "notebook execution")
    timer.wrap(render, "notebook_to_reviewer_html", "reviewer HTML")
    timer.wrap(build, "print_report", "published HTML")
    timer.wrap(render, "html_to_pdf_bytes", "PDF")
    return timer


def profile_kernel(project: Path, group) -> None:
    """The template's code cells of one report, run in this process under cProfile."""
    import nbformat

    language, parameters = next(iter(group.parameters_by_language.items()))
    nb = nbformat.read(REPO / "notebooks/municipality_report.ipynb", as_version=4)
    namespace: dict = {}
    os.chdir(project)
    for cell in nb.cells:  # the defaults first, as papermill injects after them
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)  # noqa: S102 - the project's own template
    namespace.update(parameters)
    codes = [cell.source for cell in nb.cells if cell.cell_type == "code"
             and "parameters" not in cell.metadata.get("tags", [])]
    exec(codes[0], namespace)  # noqa: S102 - imports once (a warm kernel has them)
    profiler = cProfile.Profile()
    for _ in range(2):  # the second run is the steady state of a shared kernel
        profiler = cProfile.Profile()
        started = time.process_time()
        profiler.enable()
        for code in codes:
            exec(code, namespace)  # noqa: S102 - as the kernel runs it
        profiler.disable()
        print(f"kernel code of one report ({group.name}, {language}): "
              f"{time.process_time() - started:.2f} CPU-s")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40,
                        help="municipalities (default 40: two batches of 20)")
    parser.add_argument("--seed", type=int, default=20240342)
    parser.add_argument("--keep", type=Path, help="keep the project copy here (a new folder)")
    parser.add_argument("--reuse", type=Path, help="a project kept by --keep")
    parser.add_argument("--out", type=Path, help="keep the batch's files here (to compare)")
    parser.add_argument("--profile", choices=("parent", "kernel"))
    parser.add_argument("--profile-out", type=Path, help="also write the parent's pstats here")
    args = parser.parse_args()
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)

    with tempfile.TemporaryDirectory(prefix="report-batch-") as scratch:
        project = prepare_project(args, Path(scratch))
        staging = args.out or Path(scratch) / "staging"
        from samen_sterker.reports.build import make_staging_folders

        make_staging_folders(staging)
        groups = batch_groups(project, staging)
        if args.profile == "kernel":
            profile_kernel(project, groups[0])
            return

        from samen_sterker.reports.build import build_reports

        clock = CpuClock()
        timer = instrument(clock)
        marks: list[float] = []
        started_cpu, started_wall = clock(), time.perf_counter()
        # CPU time, not wall time: waiting for the kernel is not this process's cost.
        profiler = cProfile.Profile(time.process_time) if args.profile == "parent" else None
        if profiler:
            profiler.enable()
        os.chdir(project)
        build_reports(REPO / "notebooks/municipality_report.ipynb", groups,
                      cwd=project, on_group_done=lambda group: marks.append(clock()))
        if profiler:
            profiler.disable()
        total, wall = clock() - started_cpu, time.perf_counter() - started_wall
        reports = sum(len(group.files_by_language) for group in groups)
        languages = len(groups[0].files_by_language)

    first_group = marks[0] - started_cpu
    steady = (marks[-1] - marks[0]) / (reports - languages) if len(marks) > 1 else float("nan")
    print(f"batch: {len(groups)} municipalities x {languages} languages = {reports} reports "
          f"(project of {len(list((project / f'results/stats/{YEAR}').glob('*.json'))) - 1} "
          f"municipalities); load {os.getloadavg()[0]:.2f}")
    print(f"wall {wall:.1f} s, CPU {total:.1f} s (this process and the kernel); peak RSS: "
          f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"kernel {clock.kernel_rss / 2**20:.0f} MB (sampled at each step)")
    print(f"CPU per report, whole batch: {total / reports:.2f} s; first municipality "
          f"(kernel start, first imports): {first_group:.2f} s; every later report: "
          f"{steady:.2f} s")
    print(f"{'step':<22}{'CPU s':>8}{'per report':>12}{'of it kernel':>14}{'share':>8}")
    for step in (*STEPS, "other"):
        seconds = timer.cpu[step] if step != "other" else total - sum(timer.cpu.values())
        kernel = timer.kernel[step] if step != "other" else clock.kernel - sum(
            timer.kernel.values())
        print(f"{step:<22}{seconds:>8.1f}{seconds / reports:>12.2f}{kernel / reports:>14.2f}"
              f"{seconds / total:>8.0%}")
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
