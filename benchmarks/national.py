"""Benchmark: the whole pipeline at national size, against the naive loop on the same data.

Prints figures; asserts nothing (speed is measured here, never in tests). Example:

    .venv/bin/python benchmarks/national.py --n 30       # make benchmark-national N=30

What it does, in a temporary copy of the project (results/ is left alone):

1. Simulates N municipalities (default 342) with the package's seeded simulator and a
   realistic spread of sizes: a few large cities, most with 10-60 participants, some above
   that, and about one in eight below the privacy thresholds (their reports say so).
2. Writes them as raw Qualtrics exports with a sheet of exports and a municipalities table,
   in place of the demo cohort, and runs the whole pipeline (`snakemake`, as `make` does)
   from raw exports to every PDF and HTML.
3. On the same data, runs the naive loop over a sample of municipalities: per report the
   command-line tools one after another, papermill (executes the template), nbconvert (HTML
   without code) and WeasyPrint (PDF).

Figures: wall time, CPU seconds of all child processes (rusage: not disturbed by other load
the way wall time is), CPU per report for both and their ratio, peak memory (the largest
single process from rusage, and the peak of the summed RSS of the pipeline's process tree,
sampled), and the pipeline's CPU per stage (each job process and its children, sampled every
0.2 s and attributed to the stage by the script the job runs).

At N=342 the whole run takes about a quarter of an hour on 2 idle cores (README, "Speed at
national size"); N=20-40 takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import psutil
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from samen_sterker.simulate import (
    MunicipalitySpec,
    SimulationParameters,
    exports_sheet,
    municipalities_table,
    write_demo_cohort,
)
from tests.conftest import copy_project

YEAR = 2024
BIN = Path(sys.executable).parent
# The job processes Snakemake starts run these scripts; a job's children (a notebook's
# kernel) count towards its stage.
STAGES = {
    "clean_exports.py": "cleaning",
    "compute_disclosure.py": "disclosure",
    "compute_year_stats.py": "statistics",
    "write_provenance.py": "provenance",
    "render_report.py": "reports",
    "write_checksums.py": "checksums",
}
ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
}


def municipality_sizes(n: int, rng: np.random.Generator) -> list[int]:
    """Couples per municipality: a few large cities, many small, some below the thresholds.

    Fractions (of N): 1 in 80 a large city (150-500 couples), 1 in 8 below the privacy
    thresholds (2-4 couples), 1 in 5 medium (31-80 couples), the rest 5-30 couples
    (10-60 participants). At N=342 that is 17,144 participants with the default seed (the
    national cohort in issue 14 had 30,136: the large cities here are smaller).
    """
    large = max(1, round(n / 80))
    small = max(1, round(n / 8))
    medium = round(n / 5)
    typical = max(0, n - large - small - medium)
    sizes = (
        list(rng.integers(150, 501, size=large))
        + list(rng.integers(2, 5, size=small))
        + list(rng.integers(31, 81, size=medium))
        + list(rng.integers(5, 31, size=typical))
    )[:n]
    rng.shuffle(sizes)
    return [int(size) for size in sizes]


def national_parameters(n: int, seed: int) -> SimulationParameters:
    rng = np.random.default_rng(seed)
    specs = []
    for index, couples in enumerate(municipality_sizes(n, rng)):
        # One in five municipalities also asks a follow-up three months later.
        timepoints = ("pre", "post", "followup") if index % 5 == 0 else ("pre", "post")
        specs.append(MunicipalitySpec(
            code=f"GM{9000 + index:04d}",
            name=f"Testgemeente {index + 1}",
            couples=couples,
            single_partner_couples=max(0, couples // 12),
            timepoints=timepoints,
        ))
    return SimulationParameters(municipalities=tuple(specs), years=(YEAR,))


def write_national_project(project: Path, n: int, seed: int) -> dict:
    """Replace the demo cohort of a project copy by N simulated municipalities."""
    params = national_parameters(n, seed)
    raw = project / "data" / "raw"
    shutil.rmtree(raw / str(YEAR), ignore_errors=True)
    paths = write_demo_cohort(raw, params, seed=seed)
    exports_sheet(paths, project).to_csv(project / "config/exports.tsv", sep="\t", index=False)
    municipalities_table(params).to_csv(project / "config/municipalities.tsv", sep="\t",
                                        index=False)
    participants = sum(2 * spec.couples - spec.single_partner_couples
                       for spec in params.municipalities)
    thresholds = yaml.safe_load((project / "config/config.yaml").read_text("utf-8"))["privacy"]
    below = sum(1 for spec in params.municipalities
                if 2 * spec.couples - spec.single_partner_couples < thresholds["min_respondents"]
                or spec.couples < thresholds["min_couples"])
    return {"municipalities": n, "participants": participants, "exports": len(paths),
            "below_thresholds": below,
            "largest": max(2 * spec.couples for spec in params.municipalities)}


class TreeSampler(threading.Thread):
    """Samples a process tree every 0.2 s: summed RSS, and CPU seconds per stage."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(root_pid)
        self.done = threading.Event()
        self.peak_rss = 0
        self.cpu: dict[int, tuple[str, float]] = {}
        self.stage_of: dict[int, str] = {}
        self.first_seen: dict[str, float] = {}
        self.last_seen: dict[str, float] = {}

    def _stage(self, process: psutil.Process) -> str:
        if process.pid in self.stage_of:
            return self.stage_of[process.pid]
        stage = "snakemake"
        try:
            for candidate in [process, *process.parents()]:
                if candidate.pid == self.root.pid:
                    break
                command = " ".join(candidate.cmdline())
                found = next((name for script, name in STAGES.items() if script in command),
                             None)
                if found:
                    stage = found
                    break
        except psutil.Error:
            pass
        self.stage_of[process.pid] = stage
        return stage

    def run(self) -> None:
        while not self.done.is_set():
            now = time.monotonic()
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            rss = 0
            for process in processes:
                try:
                    rss += process.memory_info().rss
                    times = process.cpu_times()
                    stage = self._stage(process)
                    # Own time only: a parent's children_* fields would count its jobs twice.
                    self.cpu[process.pid] = (stage, times.user + times.system)
                    self.first_seen.setdefault(stage, now)
                    self.last_seen[stage] = now
                except psutil.Error:
                    pass
            self.peak_rss = max(self.peak_rss, rss)
            time.sleep(0.2)

    def cpu_by_stage(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for stage, seconds in self.cpu.values():
            totals[stage] += seconds
        return dict(totals)


def children_usage() -> tuple[float, float]:
    """(CPU seconds of all waited-for children so far, largest child's peak RSS in MB)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_pipeline(project: Path, cores: int) -> dict:
    env = dict(os.environ, **ENVIRONMENT)
    cpu_before, _ = children_usage()
    started = time.perf_counter()
    log = (project / "benchmark-snakemake.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", str(cores),
         "--workflow-profile", "workflow/profiles/default"],
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    returncode = process.wait()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    log.close()
    cpu_after, max_rss = children_usage()
    output = (project / "benchmark-snakemake.log").read_text(encoding="utf-8")
    if returncode != 0:
        sys.exit(f"the pipeline failed:\n{output[-5000:]}")
    steps = re.findall(r"(\d+) of (\d+) steps", output)
    return {"wall": wall, "cpu": cpu_after - cpu_before, "max_rss_mb": max_rss,
            "tree_rss_mb": sampler.peak_rss / 2**20, "stages": sampler.cpu_by_stage(),
            "spans": {stage: sampler.last_seen[stage] - sampler.first_seen[stage]
                      for stage in sampler.first_seen},
            "jobs": int(steps[-1][1]) if steps else 0}


def naive_loop(project: Path, slugs: list[str], languages: list[str]) -> dict:
    """papermill + nbconvert + WeasyPrint, one command after another, per report."""
    env = dict(os.environ, **ENVIRONMENT, PYTHONPATH=str(project / "workflow"))
    out = project / "naive"
    out.mkdir()
    cpu_before, _ = children_usage()
    started = time.perf_counter()
    reports = 0
    for slug in slugs:
        for language in languages:
            stem = out / f"{slug}.{language}"
            parameters = {
                "stats_path": f"results/stats/{YEAR}/{slug}.json",
                "overview_path": f"results/stats/{YEAR}/overview.json",
                "provenance_path": f"results/provenance/{YEAR}.json",
                "data_quality_path": f"results/clean/{YEAR}/data_quality.csv",
                "exclusions_path": f"results/clean/{YEAR}/exclusions.csv",
                "measurements_path": f"results/clean/{YEAR}/measurements.csv",
                "language": language,
            }
            # A YAML file keeps '0363'-like strings text (papermill's -p would not).
            parameter_file = stem.with_suffix(".yaml")
            parameter_file.write_text(yaml.safe_dump(parameters), encoding="utf-8")
            commands = [
                [BIN / "papermill", "--no-progress-bar", "-f", parameter_file,
                 "notebooks/municipality_report.ipynb", stem.with_suffix(".ipynb")],
                [BIN / "jupyter-nbconvert", "--to", "html", "--no-input", "--log-level", "WARN",
                 stem.with_suffix(".ipynb")],
                [BIN / "weasyprint", stem.with_suffix(".html"), stem.with_suffix(".pdf")],
            ]
            for command in commands:
                subprocess.run([str(part) for part in command], cwd=project, env=env,
                               check=True, capture_output=True)
            reports += 1
    wall = time.perf_counter() - started
    cpu_after, max_rss = children_usage()
    return {"wall": wall, "cpu": cpu_after - cpu_before, "reports": reports,
            "max_rss_mb": max_rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=342, help="municipalities (default 342)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--naive-sample", type=int, default=4,
                        help="municipalities the naive loop renders (every language)")
    parser.add_argument("--seed", type=int, default=20240342)
    parser.add_argument("--keep", type=Path, help="keep the project copy here (a new folder)")
    parser.add_argument("--languages", nargs="+",
                        help="report languages instead of config.yaml's (e.g. nl: one report "
                             "per municipality, as when issue 14 measured its before figures)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="national-") as scratch:
        project = copy_project(args.keep or Path(scratch) / "project")
        shutil.rmtree(project / "results", ignore_errors=True)
        shutil.rmtree(project / "logs", ignore_errors=True)
        cohort = write_national_project(project, args.n, args.seed)
        config_path = project / "config/config.yaml"
        config = yaml.safe_load(config_path.read_text("utf-8"))
        if args.languages:
            config["languages"] = args.languages
            config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
        languages = list(config.get("languages") or [config.get("language", "nl")])
        print(f"cohort: {cohort['municipalities']} municipalities, {cohort['participants']:,} "
              f"participants (largest {cohort['largest']}), {cohort['exports']} exports, "
              f"{cohort['below_thresholds']} below the privacy thresholds; "
              f"{len(languages)} languages; {args.cores} cores; load before: "
              f"{os.getloadavg()[0]:.2f}", flush=True)

        pipeline = run_pipeline(project, args.cores)
        pdfs = sorted((project / "results/reports" / str(YEAR)).glob("*.pdf"))
        published_html = sorted((project / "results/reports" / str(YEAR)).glob("*.html"))
        reviewer_html = sorted((project / "results/notebooks" / str(YEAR)).glob("*.html"))
        reports = len(pdfs)

        # The sample: spread over the sizes (sorted by stats file size, every k-th).
        stats = sorted((project / "results/stats" / str(YEAR)).glob("*.json"),
                       key=lambda path: path.stat().st_size)
        slugs = [path.stem for path in stats if path.stem != "overview"]
        step = max(1, len(slugs) // max(1, args.naive_sample))
        sample = slugs[step // 2::step][: args.naive_sample]
        naive = naive_loop(project, sample, languages)

        report_cpu = pipeline["stages"].get("reports", 0.0)
        print(f"\npipeline: {pipeline['jobs']} jobs, {reports} PDFs, {len(published_html)} "
              f"published HTML, {len(reviewer_html)} reviewer HTML "
              f"(load after: {os.getloadavg()[0]:.2f})")
        print(f"{'':<34}{'wall s':>9}{'CPU s':>9}{'CPU s/report':>14}{'peak MB':>9}")
        print(f"{'pipeline, everything':<34}{pipeline['wall']:>9.1f}{pipeline['cpu']:>9.1f}"
              f"{pipeline['cpu'] / reports:>14.2f}{pipeline['max_rss_mb']:>9.0f}")
        print(f"{'pipeline, report jobs only':<34}{'':>9}{report_cpu:>9.1f}"
              f"{report_cpu / reports:>14.2f}{'':>9}")
        print(f"{'naive loop, ' + str(naive['reports']) + ' reports':<34}{naive['wall']:>9.1f}"
              f"{naive['cpu']:>9.1f}{naive['cpu'] / naive['reports']:>14.2f}"
              f"{naive['max_rss_mb']:>9.0f}")
        naive_per_report = naive["cpu"] / naive["reports"]
        print(f"\nCPU per report, pipeline / naive loop: everything "
              f"{pipeline['cpu'] / reports / naive_per_report:.2f}x, report jobs only "
              f"{report_cpu / reports / naive_per_report:.2f}x (target <= 0.25x)")
        print(f"peak memory: largest process {pipeline['max_rss_mb']:.0f} MB; whole pipeline "
              f"process tree (summed RSS, sampled) {pipeline['tree_rss_mb']:.0f} MB "
              f"(target <= 2048 MB)")
        print(f"naive loop for all {reports} reports, estimated: "
              f"{naive_per_report * reports:.0f} CPU-s")
        print("\nper stage (CPU s sampled every 0.2 s; first to last job seen, s):")
        total = sum(pipeline["stages"].values())
        for stage, seconds in sorted(pipeline["stages"].items(), key=lambda item: -item[1]):
            print(f"  {stage:<32}{seconds:>9.1f}{100 * seconds / total:>6.0f}%"
                  f"{pipeline['spans'].get(stage, 0):>9.1f}")


if __name__ == "__main__":
    main()
