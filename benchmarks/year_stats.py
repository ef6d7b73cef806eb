"""Benchmark: the statistics of one national-size cohort year, as rule year_stats runs them.

Prints figures and the job's own progress lines; asserts nothing (speed is measured here,
never in tests). Example:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/year_stats.py            # 342 municipalities
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/year_stats.py --n 100 --workers 2

Data: the national benchmark's simulated cohort (benchmarks/national.py: a few large cities,
most municipalities with 10-60 participants, some below the privacy thresholds), simulated
straight into the canonical measurements table (342 municipalities: about 130,000 rows). It
runs the disclosure decisions as rule disclosure does (without its audit table), writing the
statistics of every published group to the file rule year_stats reads, then
samen_sterker.stats.year_files.write_year_stats on that file, the whole of rule year_stats,
into a temporary folder. Figures: seconds and CPU seconds per step (this process and its
worker processes), peak RSS of this process.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.national import YEAR, national_parameters
from samen_sterker import plan
from samen_sterker.config import validate_config
from samen_sterker.simulate import simulate_measurements


def cpu_seconds() -> float:
    """CPU of this process and of its finished worker processes (--workers)."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in (resource.getrusage(resource.RUSAGE_SELF),
                             resource.getrusage(resource.RUSAGE_CHILDREN)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=342, help="municipalities (default 342)")
    parser.add_argument("--seed", type=int, default=20241201)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes for the groups' statistics (the rules' threads)")
    args = parser.parse_args()

    from samen_sterker.disclosure.year import disclose_with_outcomes
    from samen_sterker.stats.output import read_group_outcomes, write_group_outcomes
    from samen_sterker.stats.year_files import write_year_stats
    from samen_sterker.targets import stats_tables

    config = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    settings = plan.analysis_settings(validate_config(config))
    measurements = simulate_measurements(national_parameters(args.n, args.seed), args.seed)
    participants = measurements["participant_id"].nunique()
    print(f"cohort: {args.n} municipalities, {participants:,} participants, "
          f"{len(measurements):,} rows")

    from samen_sterker.stats.analyse import progress

    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(logging.Formatter("  %(relativeCreated)8.0f ms  %(message)s"))
    progress.addHandler(console)
    progress.setLevel(logging.INFO)
    steps = []
    with tempfile.TemporaryDirectory(prefix="year-stats-") as scratch:
        outcomes_file = Path(scratch) / f"disclosure/{YEAR}.outcomes.json"
        wall, cpu = time.perf_counter(), cpu_seconds()
        decisions, outcomes = disclose_with_outcomes(
            measurements[measurements["year"] == YEAR], settings, workers=args.workers)
        write_group_outcomes(outcomes, outcomes_file)
        steps.append(("disclosure (decisions + outcomes file)", time.perf_counter() - wall,
                      cpu_seconds() - cpu))
        print(f"outcomes file: {len(outcomes)} groups, "
              f"{outcomes_file.stat().st_size / 1e6:.1f} MB")
        del outcomes

        wall, cpu = time.perf_counter(), cpu_seconds()
        write_year_stats(
            measurements, settings, YEAR, decisions, read_group_outcomes(outcomes_file),
            Path(scratch) / f"stats/{YEAR}/overview.json",
            [Path(scratch) / path for path in stats_tables(YEAR, "overview")],
            Path(scratch) / "staging",
            workers=args.workers,
        )
        steps.append(("year_stats (overview + every municipality)",
                      time.perf_counter() - wall, cpu_seconds() - cpu))
    print(f"\n{'step':<45}{'wall s':>9}{'CPU s':>9}")
    for name, seconds, cpu in steps:
        print(f"{name:<45}{seconds:>9.1f}{cpu:>9.1f}")
    print(f"{'both':<45}{sum(s[1] for s in steps):>9.1f}{sum(s[2] for s in steps):>9.1f}")
    print(f"CPU per municipality (year_stats): {steps[-1][2] / args.n:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
