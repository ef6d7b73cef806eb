"""Benchmark: each rule's peak memory and duration as a SLURM job, on the demo cohort.

Needs root and Debian's slurm-wlm and munge (as tests/test_slurm.py, whose private one-node
SLURM it starts). Copies the project to a temporary directory, runs the pipeline through that
SLURM with workflow/profiles/slurm, samples every SLURM job's processes every 0.1 s, and prints
one row per job: the peak of the summed RSS of all its processes (both Snakemake processes,
the script, a notebook's kernel; what a cluster's memory limit counts, apart from
slurmstepd), how long it ran and its CPU seconds. The figures behind the profile's
set-resources. Asserts nothing. Example:

    sudo .venv/bin/python benchmarks/slurm_jobs.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import copy_project
from tests.test_slurm import SUBMITTED, run_through_slurm, single_node_slurm

# slurmstepd's command line names its job and step: "slurmstepd: [12.batch]", "[12.0]".
STEP = re.compile(r"^slurmstepd: \[(\d+)\.\w+\]")


class Sampler(threading.Thread):
    """Peak summed RSS, first and last sighting and CPU time of each SLURM job's processes."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.jobs: dict[str, dict] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            now = time.monotonic()
            trees: dict[str, list[psutil.Process]] = {}
            for process in psutil.process_iter(["cmdline"]):
                match = STEP.match(" ".join(process.info["cmdline"] or []))
                if match:
                    try:
                        trees.setdefault(match.group(1), []).extend(
                            process.children(recursive=True))
                    except psutil.Error:
                        pass
            for slurm_id, processes in trees.items():
                job = self.jobs.setdefault(slurm_id, {"first": now, "rss": 0, "cpu": {}})
                job["last"] = now
                rss = 0
                for process in processes:
                    try:
                        rss += process.memory_info().rss
                        times = process.cpu_times()
                        job["cpu"][process.pid] = times.user + times.system
                    except psutil.Error:
                        pass
                job["rss"] = max(job["rss"], rss)
            time.sleep(0.1)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch) / "project")
        with single_node_slurm(Path(scratch) / "slurm") as env:
            sampler = Sampler()
            sampler.start()
            started = time.monotonic()
            process = run_through_slurm(project, env)
            wall = time.monotonic() - started
            sampler.done.set()
            sampler.join()
        if process.returncode != 0:
            sys.exit(process.stderr[-4000:])
        logs = project / ".snakemake/slurm_logs"
        print(f"{'slurm id':>8}  {'rule':<24}{'peak MB':>8}{'job s':>7}{'CPU s':>7}")
        for _, slurm_id, log in sorted(SUBMITTED.findall(process.stdout + process.stderr),
                                       key=lambda found: int(found[1])):
            rule = Path(log).relative_to(logs).parts[0].removeprefix("rule_")
            job = sampler.jobs.get(slurm_id, {"first": 0, "last": 0, "rss": 0, "cpu": {}})
            print(f"{slurm_id:>8}  {rule:<24}{job['rss'] / 2**20:>8.0f}"
                  f"{job['last'] - job['first']:>7.1f}{sum(job['cpu'].values()):>7.1f}")
        print(f"whole run through SLURM: {wall:.0f} s wall")


if __name__ == "__main__":
    main()
