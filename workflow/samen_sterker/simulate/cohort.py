"""The seeded data-generating model of Samen Sterker cohorts: responses and measurements.

The data-generating model (one participant p in couple c, timepoint t):

    latent[c, p, t] = mean[t] + couple[c] + partner[p] + change[p] * (t after the course)
                      + residual[c, p, t]
    couple ~ N(0, sd_couple²)      shared by both partners: why partners' ratings correlate
    partner ~ N(0, sd_partner²)    stable person-level deviation within the couple
    change ~ N(0, sd_change²)      person-to-person variation in how much the course helps
    shared ~ N(0, sd_shared_change²)  change the two partners go through together (added,
                                   like `change`, at every timepoint after the course)
    residual ~ N(0, sd_residual²)  occasion-level noise

Partners take the course together, so their changes correlate: `shared` makes the
within-couple correlation of the latent pre → post changes
sd_shared_change² / (sd_shared_change² + sd_change² + 2 sd_residual²)
(`change_correlation`). The default 0 is the model the demo data were made with, and it draws
nothing, so the demo cohort stays byte-identical; validation runs set it (issue 11).

The 1-10 rating is the latent value rounded to whole points and clipped to 1-10 (the
questionnaire allows whole points only). The CSI-4 items (Funk & Rogge 2007; item 1 scored
0-6, items 2-4 scored 0-5) load on the same standardised latent value plus item noise, so the
second outcome moves with the first as it does in real data.

Missing measurements: each participant independently misses a non-baseline timepoint with the
configured attrition probability (a participant who misses post also misses follow-up), and
`single_partner_couples` couples take part with one partner only.

Everything is drawn from one `numpy.random.Generator` seeded by `seed`: the same parameters and
seed give the same cohort on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from samen_sterker.canonical import MEASUREMENT_COLUMNS
from samen_sterker.simulate.parameters import (
    CSI4,
    CSI4_ITEM_MAXIMA,
    DEMO_PARAMETERS,
    RATING,
    MunicipalitySpec,
    SimulationParameters,
)


def simulate_responses(params: SimulationParameters, seed: int) -> pd.DataFrame:
    """One row per participant and timepoint answered: codes, rating and CSI-4 items.

    Columns: municipality, municipality_code, year, couple_code (K01…, as a trainer writes it),
    partner (A/B), timepoint, rating, csi_1..csi_4, csi_total. Missing measurements are absent.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for year_index, year in enumerate(params.years):
        drift = params.yearly_drift * year_index
        for spec in params.municipalities:
            for couple_index in range(spec.couples):
                single = couple_index >= spec.couples - spec.single_partner_couples
                # More than one draw only with enrol_below (selection on low scores); a
                # threshold almost no couple meets stops with an error instead of hanging.
                for _ in range(MAX_ENROLMENT_DRAWS):
                    couple = _couple_rows(rng, params, spec, year, drift, couple_index, single)
                    if params.enrol_below is None or _enrols(couple, params.enrol_below):
                        break
                else:
                    raise ValueError(
                        f"enrol_below={params.enrol_below}: no couple enrolled in "
                        f"{MAX_ENROLMENT_DRAWS} draws; choose a higher threshold"
                    )
                rows.extend(couple)
    return pd.DataFrame(rows)


MAX_ENROLMENT_DRAWS = 10_000


def _enrols(couple: list[dict], threshold: float) -> bool:
    pre = [row["rating"] for row in couple if row["timepoint"] == "pre"]
    return bool(pre) and float(np.mean(pre)) < threshold


def _couple_rows(rng: np.random.Generator, params: SimulationParameters, spec: MunicipalitySpec,
                 year: int, drift: float, couple_index: int, single: bool) -> list[dict]:
    """The responses of one couple (the order of random draws is the cohort's seed contract)."""
    rows = []
    couple_code = f"K{couple_index + 1:02d}"
    couple_effect = rng.normal(0.0, params.sd_couple)
    # Drawn only when used: with the default 0 the random stream (and so every earlier
    # cohort, the committed demo data included) is unchanged.
    shared_change = rng.normal(0.0, params.sd_shared_change) if params.sd_shared_change else 0.0
    partners = ("A",) if single else ("A", "B")
    for partner in partners:
        partner_effect = rng.normal(0.0, params.sd_partner)
        own_change = rng.normal(0.0, params.sd_change)
        missed = _missed_timepoints(rng, spec.timepoints, params, own_change + shared_change)
        for timepoint in spec.timepoints:
            residual = rng.normal(0.0, params.sd_residual)
            item_noise = rng.normal(0.0, 0.6, size=4)
            if timepoint in missed:  # never the baseline `pre`, which decides enrolment
                continue
            latent = (params.timepoint_means[timepoint] + drift + couple_effect
                      + partner_effect + residual)
            if timepoint in params.after_course:
                latent += own_change + shared_change
            rows.append(_response_row(spec, year, couple_code, partner, timepoint, latent,
                                      item_noise, params.round_ratings))
    return rows


def _missed_timepoints(rng: np.random.Generator, timepoints: Sequence[str],
                       params: SimulationParameters, latent_change: float = 0.0) -> set[str]:
    """Timepoints a participant does not answer; dropping out at post also loses follow-up.

    With `mnar_post_slope` the chance of missing post depends on the participant's own latent
    change (the same uniform draw is compared with it, so the random stream is unchanged)."""
    draws = {tp: rng.random() for tp in timepoints}
    chance = dict(params.attrition)
    if params.mnar_post_slope and "post" in chance:
        sd = math.sqrt(params.sd_change**2 + params.sd_shared_change**2)
        base = chance["post"]
        logit = math.log(base / (1 - base)) + params.mnar_post_slope * latent_change / sd
        chance["post"] = 1 / (1 + math.exp(-logit))
    missed = {tp for tp in timepoints if tp != "pre" and draws[tp] < chance.get(tp, 0)}
    if "post" in missed:
        missed |= {tp for tp in timepoints if tp == "followup"}
    return missed


def _response_row(spec: MunicipalitySpec, year: int, couple_code: str, partner: str,
                  timepoint: str, latent: float, item_noise: np.ndarray,
                  round_ratings: bool) -> dict:
    rating = float(np.clip(np.rint(latent), 1, 10)) if round_ratings else float(latent)
    # Standardised satisfaction: 0 at the scale's midpoint, ±1 about two rating points away.
    z = (latent - 5.5) / 2.0
    items = [
        int(np.clip(np.rint(maximum / 2 + 1.4 * maximum / 5 * z + noise), 0, maximum))
        for maximum, noise in zip(CSI4_ITEM_MAXIMA, item_noise, strict=True)
    ]
    return {
        "municipality": spec.name,
        "municipality_code": spec.code,
        "year": year,
        "couple_code": couple_code,
        "partner": partner,
        "timepoint": timepoint,
        "rating": rating,
        **{f"csi_{i + 1}": item for i, item in enumerate(items)},
        "csi_total": float(sum(items)),
    }


def change_correlation(params: SimulationParameters) -> float:
    """Within-couple correlation of the two partners' latent pre -> post changes."""
    shared = params.sd_shared_change**2
    return shared / (shared + params.sd_change**2 + 2 * params.sd_residual**2)


def responses_to_measurements(responses: pd.DataFrame) -> pd.DataFrame:
    """The canonical long table (docs/architecture.md) of simulated responses."""
    base = responses.assign(
        couple_id=lambda d: d["municipality_code"] + "-" + d["year"].astype(str) + "-"
        + d["couple_code"],
    )
    base["participant_id"] = base["couple_id"] + "-" + base["partner"]
    long = pd.concat(
        [
            base.assign(outcome=RATING, value=base["rating"]),
            base.assign(outcome=CSI4, value=base["csi_total"]),
        ],
        ignore_index=True,
    )
    return long[MEASUREMENT_COLUMNS].sort_values(
        ["year", "municipality_code", "participant_id", "timepoint", "outcome"],
        ignore_index=True,
    )


def simulate_measurements(params: SimulationParameters, seed: int) -> pd.DataFrame:
    """A simulated cohort directly in the canonical measurements table."""
    return responses_to_measurements(simulate_responses(params, seed))


def find_demo_seed(params: SimulationParameters = DEMO_PARAMETERS, tolerance: float = 0.15,
                   max_seed: int = 1000) -> int:
    """First seed whose cohort has mean rating 5 ± tolerance before and 8 ± tolerance after."""
    for seed in range(max_seed):
        responses = simulate_responses(params, seed)
        means = responses.groupby("timepoint")["rating"].mean()
        n = len(responses.drop_duplicates(["municipality_code", "couple_code", "partner"]))
        if n == 39 and abs(means["pre"] - 5) <= tolerance and abs(means["post"] - 8) <= tolerance:
            return seed
    raise RuntimeError("no seed reproduces the demo means")
