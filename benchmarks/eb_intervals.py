"""Validation: coverage of the pooled (empirical Bayes) 95% intervals of municipal changes.

Not a unit test: prints a table and asserts nothing. Example (about 10 minutes on 2 shared
cores; part of `make validate`):

    PYTHONPATH=workflow .venv/bin/python benchmarks/eb_intervals.py --years 150

Each simulated year has 30 municipalities of varying size (`samen_sterker.simulate_year`, true
SD of the municipal changes 0.4), fitted once with the year model; every interval below is
then built from the same fit, so the columns differ only in the interval:

- `known, z`: prediction-error variance g1 + g2 with the variance parameters taken as known,
  normal quantile;
- `+g3, z`: plus the delta-method variance g3 of estimating them (Kackar & Harville 1984):
  the interval before issue 12's fix;
- `+2g3, z`: the Prasad-Rao (1990) MSE g1 + g2 + 2 g3, normal quantile;
- `+2g3, t`: the same with a t quantile at the MSE's Satterthwaite df: what the stats JSON
  reports (`pooled_change_mse`).

Scenarios: `normal` (the model's own random effects, partners sharing part of their change,
which the model does not generate); `skewed` (municipal changes from a centred gamma,
skewness 1.41); `outcome dropout` (post missing more often for participants who changed less,
`mnar_post_slope` -1.5 at 25%: the truth is everyone's change, so every interval is biased);
`independent partners` (no shared change). Monte Carlo SE of a coverage at 150 x 30 rows:
about 0.5 percentage points (rows within a year are correlated, so somewhat more).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import scipy.stats

from samen_sterker.simulate_year import simulate_municipal_year
from samen_sterker.stats.mixed_fit import identifiable_terms, level_codes, prepare
from samen_sterker.stats.municipal_pooling import pooled_change_mse, pooled_changes
from samen_sterker.stats.year_model import COUPLE_TERMS, fit_year, satterthwaite

SCENARIOS = {
    "normal": {},
    "skewed": {"change_distribution": "skewed"},
    "outcome dropout": {"mnar_post_slope": -1.5, "attrition": {"post": 0.25}},
    "independent partners": {"sd_shared_change": 0.0},
}
METHODS = ("known, z", "+g3, z", "+2g3, z", "+2g3, t")
Z_95 = float(scipy.stats.norm.ppf(0.975))


def one_year(job: tuple[str, int]) -> tuple[str, dict]:
    """Coverage indicators of every interval method for one simulated year."""
    scenario, seed = job
    data, truth = simulate_municipal_year(30, seed, **SCENARIOS[scenario])
    subset = data[data["timepoint"].isin(["pre", "post"])].reset_index(drop=True)
    prepared = prepare(subset, ["pre", "post"], "pre", extra=("municipality_code",))
    terms, _ = identifiable_terms(level_codes(prepared), COUPLE_TERMS)
    fit = fit_year(prepared, "pre", "post", terms)
    cov = satterthwaite(fit.data, fit.theta, np.eye(2))["parameter_cov"]
    mse = pooled_change_mse(fit.data, np.r_[fit.theta, np.sqrt(fit.sigma2)], cov)
    true_change = (
        truth.set_index("municipality_code")
        .loc[list(fit.data.municipalities), "true_change"]
        .to_numpy()
    )
    error = np.abs(pooled_changes(fit.data, fit.theta) - true_change)
    t_quantile = scipy.stats.t.ppf(0.975, mse["df"])
    half = {
        "known, z": Z_95 * np.sqrt(mse["g12"]),
        "+g3, z": Z_95 * np.sqrt(mse["g12"] + mse["g3"]),
        "+2g3, z": Z_95 * np.sqrt(mse["mse"]),
        "+2g3, t": t_quantile * np.sqrt(mse["mse"]),
    }
    out = {method: list(error <= half[method]) for method in METHODS}
    out["df"] = list(mse["df"])
    return scenario, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=150)
    parser.add_argument("--seed", type=int, default=5000, help="first seed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    args = parser.parse_args()
    started = time.perf_counter()
    jobs = [(s, args.seed + i) for s in args.scenarios for i in range(args.years)]
    results: dict[str, dict[str, list]] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for scenario, out in pool.map(one_year, jobs, chunksize=4):
            for key, values in out.items():
                results.setdefault(scenario, {}).setdefault(key, []).extend(values)
    print(
        f"coverage of the pooled 95% intervals: {args.years} simulated years x 30 "
        f"municipalities per scenario, seeds {args.seed}.. "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(f"  {'scenario':<22}" + "".join(f"{m:>10}" for m in METHODS) + f"{'median df':>11}")
    for scenario, out in results.items():
        row = "".join(f"{np.mean(out[m]):10.3f}" for m in METHODS)
        print(f"  {scenario:<22}{row}{np.median(out['df']):11.1f}")


if __name__ == "__main__":
    main()
