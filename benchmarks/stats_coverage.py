"""Validation: coverage of the 95% CIs of the course change and type-I error, by simulation.

Not a unit test: prints tables and asserts nothing. Example (about 5 minutes on 2 cores for
the scenarios, 9 more for the funder's view; `--years 0` skips it):

    PYTHONPATH=workflow .venv/bin/python benchmarks/stats_coverage.py --cohorts 1000

Cohorts come from the package's simulator at the demo's size (`DEMO_PARAMETERS`: 2
municipalities, 20 couples, 39 participants); each cohort gets a fresh seed. Per cohort the
course change (pre → post) of the 1-10 rating is estimated

- in the municipality with 11 couples (GM9999), as a municipal report does, and
- pooled over both municipalities, as the overview does,

by the paired t CI on participants, the paired t CI on couple means, the primary dyadic mixed
model (`fit_dyadic_model`, with the couple x timepoint intercept, Satterthwaite df) fitted on
baseline and course end only (`course_model`: the headline CI of the stats JSON) and on every
occasion (`mixed_model`), and the earlier two-intercept model (`shared_change=False`).
Scenarios:

- `effect, continuous`: ratings not rounded (`round_ratings=False`); true change = 3.0 exactly.
- `effect, rounded`: whole points clipped to 1-10 as in the demo; rounding and clipping shift
  the true mean change, which is computed exactly from the normal model (`true_rounded_change`)
  rather than assumed to be 3.0.
- `null, continuous` / `null, rounded`: post mean = pre mean. Rejection rate at α = .05 is the
  type-I error; for rounded data the true change is again computed (the larger variance after
  the course meets the clipping at 1 and 10, so it is not exactly 0) and shown beside it.
- `..., shared 0.8` / `shared 1.0`: partners share part of their change (simulator
  `sd_shared_change`, a couple-level change carried into post and follow-up): within-couple
  correlation of the latent changes .28 / .38 (`change_correlation`). The analysis model did
  not generate these data: its couple x timepoint term is a separate draw per occasion.

Coverage is the share of cohorts whose 95% CI contains the true change; its Monte Carlo SE at
1000 cohorts is about 0.7 percentage points.

Then the funder's view (issue 12): `--years N` simulated years of 30 municipalities of varying
size (`samen_sterker.simulate_year`, true SD of the municipal changes 0.4, unrounded), each
fitted with the year model (`fit_year_model`); printed: RMSE of the municipal changes raw
(own data only) vs partially pooled, coverage of their 95% intervals, the SD across raw
estimates and the model's SD (with its profile CI's coverage) against the true 0.4, coverage
of the 95% rank intervals, and how often the municipality ranked first is truly in the top 5.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from samen_sterker.simulate import (
    DEMO_PARAMETERS,
    RATING,
    change_correlation,
    simulate_measurements,
)
from samen_sterker.simulate_year import simulate_municipal_year
from samen_sterker.stats.funders_model import fit_year_model
from samen_sterker.stats.mixed import fit_dyadic_model
from samen_sterker.stats.paired import analyse_pairs
from samen_sterker.stats.participation import wide_scores

TIMEPOINTS = ["intake", "pre", "post", "followup"]
METHODS = (
    "paired_t", "couple_mean_t", "course_model", "mixed_model", "mixed_intercepts", "wilcoxon"
)
SHARED_CHANGE_SDS = (0.8, 1.0)


def true_rounded_mean(mu: float, sigma: float) -> float:
    """E[clip(round(X), 1, 10)] for X ~ N(mu, sigma²), exactly."""
    edges = np.arange(1.5, 10.0, 1.0)  # 1.5 .. 9.5: boundaries between whole points
    cdf = stats.norm.cdf(edges, mu, sigma)
    probabilities = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    return float(np.dot(probabilities, np.arange(1, 11)))


def true_rounded_change(params) -> float:
    """True post - pre mean of the rounded, clipped rating under the simulator's model."""
    sd_pre = math.sqrt(params.sd_couple**2 + params.sd_partner**2 + params.sd_residual**2)
    sd_post = math.sqrt(sd_pre**2 + params.sd_change**2 + params.sd_shared_change**2)
    means = params.timepoint_means
    return true_rounded_mean(means["post"], sd_post) - true_rounded_mean(means["pre"], sd_pre)


def scenarios() -> dict[str, tuple]:
    """Scenario name → (simulation parameters, true change of the rating)."""
    null_means = dict(DEMO_PARAMETERS.timepoint_means, post=DEMO_PARAMETERS.timepoint_means["pre"])
    out = {}
    for effect in (True, False):
        for rounded in (False, True):
            params = dataclasses.replace(
                DEMO_PARAMETERS,
                round_ratings=rounded,
                timepoint_means=DEMO_PARAMETERS.timepoint_means if effect else null_means,
            )
            means = params.timepoint_means
            truth = true_rounded_change(params) if rounded else means["post"] - means["pre"]
            name = f"{'effect' if effect else 'null'}, {'rounded' if rounded else 'continuous'}"
            out[name] = (params, truth)
    # Shared change, on rounded scores as in real data: with an effect at both SDs, and the
    # null at the larger one (type-I error).
    for effect, sd_shared in [(True, 0.8), (True, 1.0), (False, 1.0)]:
        params = dataclasses.replace(
            DEMO_PARAMETERS,
            sd_shared_change=sd_shared,
            timepoint_means=DEMO_PARAMETERS.timepoint_means if effect else null_means,
        )
        name = f"{'effect' if effect else 'null'}, rounded, shared {sd_shared}"
        out[name] = (params, true_rounded_change(params))
    # Data no MAR model can get right: post missing more often for those who changed less
    # (the docs state the bias); the truth is the change of everyone who started.
    mnar = dataclasses.replace(DEMO_PARAMETERS, sd_change=1.0, mnar_post_slope=-1.5,
                               attrition={**DEMO_PARAMETERS.attrition, "post": 0.25})
    out["effect, rounded, MNAR dropout"] = (mnar, true_rounded_change(mnar))
    # Couples enrol when their pre rating is low: scores regress to the mean after enrolment.
    # The interval estimates the enrolled couples' change (computed here by simulation),
    # which includes that regression: the course's own part is smaller.
    selected = dataclasses.replace(DEMO_PARAMETERS, enrol_below=5.0)
    out["effect, rounded, selected below 5"] = (selected, enrolled_change(selected))
    return out


def enrolled_change(params, couples: int = 40_000, seed: int = 1) -> float:
    """Mean post - pre of enrolled participants, by one large simulation (Monte Carlo SE about
    0.005 points): no closed form with selection on a rounded couple mean."""
    large = dataclasses.replace(
        params,
        municipalities=(dataclasses.replace(params.municipalities[0], couples=couples,
                                            timepoints=("pre", "post")),),
        attrition={"post": 0.0},
    )
    data = simulate_measurements(large, seed)
    rating = data[data["outcome"] == RATING]
    wide = rating.pivot_table(index="participant_id", columns="timepoint", values="value")
    return float((wide["post"] - wide["pre"]).mean())


def estimate(data) -> dict[str, tuple]:
    """(ci_low, ci_high, p) of the course change by each method, for one group's rating."""
    rating = data[data["outcome"] == RATING]
    wide = wide_scores(rating, TIMEPOINTS)
    pairs = wide.dropna(subset=["pre", "post"])
    person = analyse_pairs(pairs["pre"], pairs["post"], pairs["couple_id"], "pre", "post")
    means = pairs.groupby("couple_id")[["pre", "post"]].mean()
    couple = analyse_pairs(means["pre"], means["post"], means.index, "pre", "post", "couple_mean")
    out = {}
    for method, shared in (("mixed_model", True), ("mixed_intercepts", False)):
        model = fit_dyadic_model(
            rating.reset_index(drop=True), TIMEPOINTS, "pre", shared_change=shared
        )
        post = model.get("contrasts", {}).get("post", {}) if model.get("available") else {}
        out[method] = (post.get("ci_low"), post.get("ci_high"), post.get("p"))
    # The headline: the primary model on baseline and course end only (stats/outcome.py).
    course = rating[rating["timepoint"].isin(["pre", "post"])].reset_index(drop=True)
    model = fit_dyadic_model(course, ["pre", "post"], "pre")
    post = model.get("contrasts", {}).get("post", {}) if model.get("available") else {}
    out["course_model"] = (post.get("ci_low"), post.get("ci_high"), post.get("p"))
    # "paired t" is the t over participants (partners as independent), as in the results in
    # docs/methods.md; analyse_pairs' own interval counts couples (benchmarks/paired_coverage.py).
    half = (stats.t.ppf(0.975, person["n_pairs"] - 1) * person["sd_change"]
            / math.sqrt(person["n_pairs"]))
    return {
        **out,
        "paired_t": (person["mean_change"] - half, person["mean_change"] + half,
                     person["t_test"]["p_value"]),
        "couple_mean_t": (couple["ci_low"], couple["ci_high"], couple["t_test"]["p_value"]),
        "wilcoxon": (None, None, person["wilcoxon"]["p_value"]),
    }


def one_cohort(job: tuple) -> dict:
    """Estimates of one simulated cohort, per group (municipal GM9999 and pooled)."""
    params, seed = job
    data = simulate_measurements(params, seed)
    return {
        "municipal": estimate(data[data["municipality_code"] == "GM9999"]),
        "pooled": estimate(data),
    }


def summarise(results: list[dict], truth: float) -> list[tuple]:
    """Rows: group, method, coverage, rejection rate, cohorts with a result, and the bias
    (mean CI midpoint minus truth; the t intervals are symmetric about the estimate)."""
    rows = []
    for group in ("municipal", "pooled"):
        for method in METHODS:
            triples = [r[group][method] for r in results]
            with_ci = [(lo, hi) for lo, hi, _ in triples if lo is not None and hi is not None]
            p_values = [p for _, _, p in triples if p is not None]
            coverage = np.mean([lo <= truth <= hi for lo, hi in with_ci]) if with_ci else None
            rejection = np.mean([p < 0.05 for p in p_values]) if p_values else None
            bias = np.mean([(lo + hi) / 2 - truth for lo, hi in with_ci]) if with_ci else None
            rows.append((group, method, coverage, rejection, len(p_values), bias))
    return rows


MUNICIPAL_SD_CHANGE = 0.4
N_MUNICIPALITIES = 30


def one_year(seed: int) -> dict:
    """Raw vs pooled municipal changes of one simulated 30-municipality year."""
    data, truth = simulate_municipal_year(N_MUNICIPALITIES, seed, sd_change=MUNICIPAL_SD_CHANGE)
    result = fit_year_model(data, "pre", "post")
    rows = {r["municipality_code"]: r for r in result["municipalities"]}
    truth = truth.set_index("municipality_code")
    true_change = truth["true_change"].to_numpy()
    true_rank = (-true_change).argsort().argsort() + 1
    out = {"raw_err": [], "pooled_err": [], "raw_cover": [], "pooled_cover": [],
           "rank_cover": []}
    raw_estimates = []
    for code, change, rank in zip(truth.index, true_change, true_rank):
        row = rows[code]
        raw, pooled = row["raw_change"], row["pooled_change"]
        raw_estimates.append(raw["estimate"])
        out["raw_err"].append(raw["estimate"] - change)
        out["pooled_err"].append(pooled["estimate"] - change)
        out["raw_cover"].append(raw["ci_low"] <= change <= raw["ci_high"])
        out["pooled_cover"].append(pooled["ci_low"] <= change <= pooled["ci_high"])
        out["rank_cover"].append(row["rank"]["low"] <= rank <= row["rank"]["high"])
    codes = list(truth.index)
    top5 = set(np.array(codes)[true_rank <= 5])
    best_raw = codes[int(np.argmax(raw_estimates))]
    best_pooled = codes[int(np.argmax([rows[c]["pooled_change"]["estimate"] for c in codes]))]
    spread = result["sd_change_between_municipalities"]
    out.update(
        raw_sd=float(np.std(raw_estimates, ddof=1)),
        model_sd=spread["estimate"],
        sd_cover=spread["ci_low"] <= MUNICIPAL_SD_CHANGE <= (spread["ci_high"] or np.inf),
        best_raw_top5=best_raw in top5,
        best_pooled_top5=best_pooled in top5,
    )
    return out


def municipal_validation(years: int, seed: int, workers: int) -> None:
    """Print raw vs pooled figures over simulated 30-municipality years."""
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one_year, [seed + i for i in range(years)], chunksize=5))

    def pooled_list(key):
        return np.concatenate([r[key] for r in results])

    def mean_of(key):
        return float(np.mean([r[key] for r in results]))

    print(
        f"\nfunder's view: {years} simulated years of {N_MUNICIPALITIES} municipalities, true SD "
        f"of municipal changes {MUNICIPAL_SD_CHANGE} ({time.perf_counter() - started:.0f} s)"
    )
    print(f"  {'':<34} {'raw':>8} {'pooled':>8}")
    rmse = [float(np.sqrt(np.mean(pooled_list(k) ** 2))) for k in ("raw_err", "pooled_err")]
    print(f"  {'RMSE of municipal changes':<34} {rmse[0]:8.3f} {rmse[1]:8.3f}")
    cover = [float(np.mean(pooled_list(k))) for k in ("raw_cover", "pooled_cover")]
    print(f"  {'coverage of 95% intervals':<34} {cover[0]:8.3f} {cover[1]:8.3f}")
    print(f"  {'SD across municipalities (true 0.4)':<34} {mean_of('raw_sd'):8.3f} "
          f"{mean_of('model_sd'):8.3f}")
    print(f"  {'first-ranked truly in the top 5':<34} {mean_of('best_raw_top5'):8.3f} "
          f"{mean_of('best_pooled_top5'):8.3f}")
    print(f"  coverage of the 95% rank intervals: {float(np.mean(pooled_list('rank_cover'))):.3f}; "
          f"of the SD's profile CI: {mean_of('sd_cover'):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=1000)
    parser.add_argument("--years", type=int, default=200,
                        help="simulated 30-municipality years for the funder's view (0: skip)")
    parser.add_argument("--seed", type=int, default=20241124, help="first seed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="scenario names to run, e.g. 'effect, rounded'")
    args = parser.parse_args()
    print(f"{args.cohorts} cohorts per scenario at the demo size; seeds {args.seed}..")
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for name, (params, truth) in scenarios().items():
            if args.only and name not in args.only:
                continue
            started = time.perf_counter()
            jobs = [(params, args.seed + i) for i in range(args.cohorts)]
            results = list(pool.map(one_cohort, jobs, chunksize=20))
            print(
                f"\n{name}: true change {truth:.4f}, within-couple change correlation "
                f"{change_correlation(params):.2f} ({time.perf_counter() - started:.0f} s)"
            )
            header = f"{'group':<10} {'method':<16} {'coverage':>9} {'p<.05':>7} {'n':>5}"
            print(f"  {header} {'bias':>7}")
            for group, method, coverage, rejection, n, bias in summarise(results, truth):
                cov = "" if coverage is None else f"{coverage:9.3f}"
                rej = "" if rejection is None else f"{rejection:7.3f}"
                off = "" if bias is None else f"{bias:+7.3f}"
                print(f"  {group:<10} {method:<16} {cov:>9} {rej:>7} {n:>5} {off:>7}")
    if args.years:
        municipal_validation(args.years, args.seed, args.workers)


if __name__ == "__main__":
    main()
