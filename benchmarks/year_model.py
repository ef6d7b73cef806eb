"""Benchmark: time and peak memory of the overview's pooled model, before and after issue 12/14.

Prints a table; asserts nothing (speed is measured here, not in tests). Example:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/year_model.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/year_model.py --before 30 100 --lme4

Data: one simulated cohort year of the 1-10 rating, pre and post, from the package simulator
with municipal level and change shifts (`samen_sterker.simulate_year`), at 30, 100 and 342
municipalities of varying size, and 342 municipalities of 80 couples (about 100,000 rows).

- after: `fit_year_model` (the year model: municipal random level and change on the
  couple-level model, block algebra); "fit" = REML fit and Satterthwaite df, "all" adds the
  empirical Bayes estimates, rank intervals and the profile CI of the change SD;
- before (`--before N ...`): `fit_pooled_model`, the fixed municipality x time model the
  overview fitted until now (issue 14 measured it at 13 s, 101 s and 3,273 CPU-s / 4.15 GB for
  30, 100 and 342 municipalities; run only the small sizes on a shared machine);
- dyadic: `fit_dyadic_model`, the primary couple-level model on every row of the year (the
  overview's pooled headline fit; issue 14 measured 440 s on a 100k-row export while it
  started from statsmodels MixedLM);
- `--lme4`: R's lme4 + lmerTest on the same data, same formulas (if Rscript is installed),
  timed inside R (lmer fit and summary with Satterthwaite df).

Every measurement runs in its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"30": (30, None), "100": (100, None), "342": (342, None), "100k": (342, 80)}
SEED = 20241201

R_TIMING = r"""
suppressPackageStartupMessages({library(lme4); library(lmerTest)})
d <- read.csv(commandArgs(TRUE)[1])
d$timepoint <- factor(d$timepoint, levels = c("pre", "post"))
d$change <- as.numeric(d$timepoint == "post")
t0 <- proc.time()
fit <- lmer(value ~ timepoint + (1 + change | municipality_code) + (1 | couple_id) +
            (1 | couple_id:participant_id) + (1 | couple_id:timepoint), data = d, REML = TRUE)
co <- summary(fit, ddf = "Satterthwaite")$coefficients
t1 <- proc.time() - t0
cat(sprintf("%.3f %.3f %.6f\n", t1[["elapsed"]], t1[["user.self"]] + t1[["sys.self"]],
            co[2, "df"]))
t0 <- proc.time()
fit <- lmer(value ~ timepoint + (1 | couple_id) + (1 | couple_id:participant_id) +
            (1 | couple_id:timepoint), data = d, REML = TRUE)
co <- summary(fit, ddf = "Satterthwaite")$coefficients
t1 <- proc.time() - t0
cat(sprintf("%.3f %.3f %.6f\n", t1[["elapsed"]], t1[["user.self"]] + t1[["sys.self"]],
            co[2, "df"]))
"""


def data_of(size: str):
    """The simulated year of one benchmark size."""
    from samen_sterker.simulate_year import simulate_municipal_year

    n, couples = SIZES[size]
    data, _ = simulate_municipal_year(n, SEED, couples=None if couples is None else [couples] * n)
    return data


def one(method: str, size: str) -> None:
    """Run one measurement in this process and print it as JSON (imports not timed)."""
    import numpy as np

    from samen_sterker.stats.funders_model import COUPLE_TERMS, fit_year_model
    from samen_sterker.stats.mixed import fit_dyadic_model, fit_pooled_model
    from samen_sterker.stats.mixed_fit import identifiable_terms, level_codes, prepare
    from samen_sterker.stats.year_model import fit_year, satterthwaite

    data = data_of(size)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    out = {}
    if method == "after_fit":
        prepared = prepare(data, ["pre", "post"], "pre", extra=("municipality_code",))
        terms, _ = identifiable_terms(level_codes(prepared), COUPLE_TERMS)
        fit = fit_year(prepared, "pre", "post", terms)
        out["df_change"] = float(satterthwaite(fit.data, fit.theta, np.eye(2))["df"][1])
    elif method == "after_all":
        out["df_change"] = fit_year_model(data, "pre", "post")["pooled_change"]["df"]
    elif method == "before":
        fit_pooled_model(data, ["pre", "post"], "pre")
    elif method == "dyadic":
        out["df_change"] = fit_dyadic_model(data, ["pre", "post"], "pre")["contrasts"]["post"]["df"]
    out.update(
        rows=len(data),
        wall=time.perf_counter() - wall,
        cpu=time.process_time() - cpu,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        rss_before_fit_mb=base_rss,
    )
    print(json.dumps(out))


def lme4(size: str) -> dict | None:
    """lme4's times on the same data, year model then dyadic model (None without Rscript)."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        data_of(size).to_csv(path, index=False)
        script = Path(tmp) / "t.R"
        script.write_text(R_TIMING)
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "Rscript", str(script), str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    lines = [[float(x) for x in line.split()] for line in done.stdout.strip().splitlines()]
    return {
        model: {"wall": wall, "cpu": cpu, "df_change": df}
        for model, (wall, cpu, df) in zip(("year model", "dyadic"), lines)
    } | {"peak_rss_mb": int(done.stderr.strip().splitlines()[-1]) / 1024}


def run(method: str, size: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--one", method, size],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=list(SIZES))
    parser.add_argument("--before", nargs="*", default=[], help="sizes to run the old fit on")
    parser.add_argument("--lme4", action="store_true")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return
    print(
        f"{'size':>5} {'rows':>7} {'method':<16} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}"
        f" {'df(change)':>11}"
    )
    for size in args.sizes:
        methods = ["after_fit", "after_all", "dyadic"] + (
            ["before"] if size in args.before else []
        )
        for method in methods:
            r = run(method, size)
            df = f"{r['df_change']:11.3f}" if "df_change" in r else ""
            print(
                f"{size:>5} {r['rows']:>7} {method:<16} {r['wall']:8.2f} {r['cpu']:8.2f} "
                f"{r['peak_rss_mb']:12.0f} {df}",
                flush=True,
            )
        if args.lme4 and (r := lme4(size)) is not None:
            for model in ("year model", "dyadic"):
                print(
                    f"{size:>5} {'':>7} {'lme4 ' + model:<16} {r[model]['wall']:8.2f} "
                    f"{r[model]['cpu']:8.2f} {r['peak_rss_mb']:12.0f} "
                    f"{r[model]['df_change']:11.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
