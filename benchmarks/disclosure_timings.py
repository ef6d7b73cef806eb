"""Benchmark: time of the year's disclosure decisions and audit, and of the statistics jobs
that apply them, as the cohort grows.

Prints a table; asserts nothing (speed is measured here, not in tests). Example:

    .venv/bin/python benchmarks/disclosure_timings.py --scales 10x10 40x10

Each scale is MUNICIPALITIESxCOUPLES (per municipality), one cohort year, simulated with the
package's seeded simulator; every fifth municipality gets 2 couples only (below the
thresholds), so the decisions have small groups, an "other municipalities" group and
secondary suppression to work on. Columns: the rule `disclosure` (decisions + audit, one per
year), and the two parts of the `year_stats` job: the mean municipality (analyse_group with the
decisions) and the overview (analyse_year with the decisions).
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

from samen_sterker.config import load_config
from samen_sterker.simulate import SimulationParameters, simulate_measurements
from samen_sterker.stats.analyse import analyse_group, year_decisions
from samen_sterker.stats.pooled import analyse_year


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["10x10", "40x10"])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    config = load_config(args.config)
    print(f"{'scale':>8} {'rows':>7} {'audited':>8} {'disclosure s':>13} "
          f"{'per municipality s':>19} {'pooled year s':>14} {'peak RSS MB':>12}")
    for scale in args.scales:
        n_municipalities, couples = (int(part) for part in scale.split("x"))
        params = SimulationParameters.scaled(n_municipalities, couples)
        specs = tuple(
            replace(spec, couples=2) if i % 5 == 4 else spec
            for i, spec in enumerate(params.municipalities)
        )
        measurements = simulate_measurements(replace(params, municipalities=specs), args.seed)
        codes = sorted(measurements["municipality_code"].unique())
        started = time.perf_counter()
        decisions = year_decisions(measurements, config, 2024)
        disclosure = time.perf_counter() - started
        started = time.perf_counter()
        for code in codes:
            analyse_group(measurements, config, 2024, code, decisions)
        per_group = (time.perf_counter() - started) / len(codes)
        started = time.perf_counter()
        analyse_year(measurements, config, 2024, decisions)
        pooled = time.perf_counter() - started
        print(f"{scale:>8} {len(measurements):>7} {len(decisions['audit']):>8} "
              f"{disclosure:>13.2f} {per_group:>19.3f} {pooled:>14.2f} {peak_rss_mb():>12.0f}")


if __name__ == "__main__":
    main()
