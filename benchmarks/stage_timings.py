"""Benchmark: time and peak memory of the statistics stage as the cohort grows.

Prints a table; asserts nothing (speed is measured here, not in tests). Example:

    .venv/bin/python benchmarks/stage_timings.py --scales 2x10 20x10 50x15

Each scale is MUNICIPALITIESxCOUPLES (per municipality), one cohort year, simulated with the
package's seeded simulator. Per-municipality time is the mean over municipalities of
`analyse_group`; pooled time is one `analyse_year` (which includes the municipality × time model).
"""

from __future__ import annotations

import argparse
import resource
import time

from samen_sterker.config import load_config
from samen_sterker.simulate import SimulationParameters, simulate_measurements
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.pooled import analyse_year


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["2x10", "10x10", "30x12"])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    config = load_config(args.config)
    # Scale cohorts have pre and post only; the demo config's other timepoints stay unused.
    print(f"{'scale':>8} {'rows':>7} {'per municipality s':>19} {'pooled year s':>14} "
          f"{'peak RSS MB':>12}")
    for scale in args.scales:
        n_municipalities, couples = (int(part) for part in scale.split("x"))
        params = SimulationParameters.scaled(n_municipalities, couples)
        measurements = simulate_measurements(params, args.seed)
        codes = sorted(measurements["municipality_code"].unique())
        started = time.perf_counter()
        for code in codes:
            analyse_group(measurements, config, 2024, code)
        per_group = (time.perf_counter() - started) / len(codes)
        started = time.perf_counter()
        analyse_year(measurements, config, 2024)
        pooled = time.perf_counter() - started
        print(f"{scale:>8} {len(measurements):>7} {per_group:>19.3f} {pooled:>14.3f} "
              f"{peak_rss_mb():>12.0f}")


if __name__ == "__main__":
    main()
