"""Seeded simulator of Samen Sterker cohorts, and the writer of the synthetic demo exports.

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

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from samen_sterker.canonical import MEASUREMENT_COLUMNS

RATING = "relationship_rating"
CSI4 = "couple_satisfaction"
CSI4_ITEM_MAXIMA = (6, 5, 5, 5)


@dataclass(frozen=True)
class MunicipalitySpec:
    """One municipality's cohort: size and which timepoints its questionnaires cover."""

    code: str
    name: str
    couples: int
    single_partner_couples: int = 0
    timepoints: tuple[str, ...] = ("pre", "post")


@dataclass(frozen=True)
class SimulationParameters:
    """Everything that shapes a simulated cohort. Defaults mirror the 2024 seed article."""

    municipalities: tuple[MunicipalitySpec, ...]
    years: tuple[int, ...] = (2024,)
    # Mean latent rating per timepoint; post − pre is the course effect on the rating scale.
    timepoint_means: Mapping[str, float] = field(
        default_factory=lambda: {"intake": 5.0, "pre": 5.0, "post": 8.0, "followup": 7.8}
    )
    # Timepoints after the course: the participant's own change applies to them.
    after_course: tuple[str, ...] = ("post", "followup")
    sd_couple: float = 1.0
    sd_partner: float = 0.7
    sd_change: float = 0.6
    # SD of the couple's shared change after the course (0: partners change independently).
    sd_shared_change: float = 0.0
    sd_residual: float = 0.8
    # Probability that a participant misses a timepoint other than the baseline `pre`.
    attrition: Mapping[str, float] = field(
        default_factory=lambda: {"intake": 0.0, "post": 0.12, "followup": 0.25}
    )
    round_ratings: bool = True
    # Change in mean per cohort year after the first (a trend across years).
    yearly_drift: float = 0.0
    # Missing not at random: log-odds of missing post per SD of the participant's own latent
    # change (own + shared). Negative: those who changed less skip the post questionnaire more
    # often, so completers overstate the change. 0: missing completely at random.
    mnar_post_slope: float = 0.0
    # Selection on low scores: a couple enrols only when its partners' mean pre rating is
    # below this (None: everyone enrols). Scores then regress to the mean after enrolment.
    enrol_below: float | None = None

    @classmethod
    def scaled(
        cls,
        n_municipalities: int,
        couples_per_municipality: int,
        years: Sequence[int] = (2024,),
        course_effect: float = 3.0,
        **overrides,
    ) -> SimulationParameters:
        """Parameters for scale tests: n fictional municipalities (GM9000, GM9001, ...)."""
        municipalities = tuple(
            MunicipalitySpec(
                code=f"GM{9000 + index:04d}",
                name=f"Testgemeente {index + 1}",
                couples=couples_per_municipality,
                single_partner_couples=max(1, couples_per_municipality // 10),
            )
            for index in range(n_municipalities)
        )
        means = {"intake": 5.0, "pre": 5.0, "post": 5.0 + course_effect,
                 "followup": 5.0 + 0.9 * course_effect}
        return cls(municipalities=municipalities, years=tuple(years), timepoint_means=means,
                   **overrides)


# The demo cohort: 2024, two fictional municipalities, 39 participants in 20 couples (one
# couple with a single partner), mean about 5 before and 8 after, as in the seed article.
# Nergenshuizen has a follow-up, Súdwest-Nergensdorp an intake on the waiting list.
DEMO_PARAMETERS = SimulationParameters(
    municipalities=(
        MunicipalitySpec("GM9999", "Nergenshuizen", couples=11, single_partner_couples=1,
                         timepoints=("pre", "post", "followup")),
        MunicipalitySpec("GM9998", "Súdwest-Nergensdorp", couples=9,
                         timepoints=("intake", "pre", "post")),
    ),
)
# The first seed (searching upwards from 0) whose cohort reproduces the article's means of 5
# before and 8 after within 0.15 points; see `find_demo_seed`.
DEMO_SEED = 0


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


# --- Qualtrics-style exports of the demo cohort ---------------------------------------------

QUALTRICS_META = [
    ("StartDate", "Start Date", "startDate"),
    ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]
_CSI4_TEXT = [
    "Hoe gelukkig bent u, alles bij elkaar genomen, in uw relatie? (0-6)",
    "Ik heb een warme en fijne relatie met mijn partner (0-5)",
    "Hoe lonend is uw relatie met uw partner? (0-5)",
    "Hoe tevreden bent u, in het algemeen, met uw relatie? (0-5)",
]
QUALTRICS_QUESTIONS = [
    ("Q1", "Bent u partner A of partner B?", "QID1"),
    ("Q2", ("Welk rapportcijfer geeft u uw relatie op dit moment? (1 = heel slecht, "
            "10 = uitstekend)"), "QID2"),
    *[(f"Q3_{i + 1}", f"Relatietevredenheid - {text}", f"QID3_{i + 1}")
      for i, text in enumerate(_CSI4_TEXT)],
    ("Q4", "Wilt u nog iets kwijt over de cursus?", "QID4_TEXT"),
    ("koppelcode", "koppelcode", "koppelcode"),
]
TIMEPOINT_FILE_LABELS = {"intake": "intake", "pre": "voormeting", "post": "nameting",
                         "followup": "follow-up"}
_TIMEPOINT_START = {"intake": (1, 8), "pre": (2, 5), "post": (4, 15), "followup": (7, 8)}
_COMMENTS = ["Fijne cursus.", "Goede oefeningen, veel herkenning.", "", "", "",
             "De avonden waren soms lang.", ""]


def qualtrics_export(responses: pd.DataFrame, municipality_code: str, year: int,
                     timepoint: str, rng: np.random.Generator,
                     extra_rows: Sequence[dict] = ()) -> bytes:
    """One Qualtrics CSV export (UTF-8 BOM, CRLF, three header rows) of one timepoint.

    Meta columns hold synthetic values from reserved ranges (RFC 5737 IP addresses); the
    pipeline's allow-list must drop them.
    """
    subset = responses[(responses["municipality_code"] == municipality_code)
                       & (responses["year"] == year) & (responses["timepoint"] == timepoint)]
    ids = [m[0] for m in QUALTRICS_META] + [q[0] for q in QUALTRICS_QUESTIONS]
    texts = [m[1] for m in QUALTRICS_META] + [q[1] for q in QUALTRICS_QUESTIONS]
    imports = [json.dumps({"ImportId": m[2]}, separators=(",", ":"))
               for m in QUALTRICS_META] + [json.dumps({"ImportId": q[2]}, separators=(",", ":"))
                                           for q in QUALTRICS_QUESTIONS]
    month, day = _TIMEPOINT_START[timepoint]
    start = datetime(year, month, day, 19, 30)
    records = []
    for index, row in enumerate(subset.itertuples(index=False)):
        answers = {
            "Q1": "1" if row.partner == "A" else "2",
            "Q2": f"{row.rating:g}",
            **{f"Q3_{i}": str(getattr(row, f"csi_{i}")) for i in range(1, 5)},
            "Q4": _COMMENTS[int(rng.integers(len(_COMMENTS)))],
            "koppelcode": row.couple_code,
        }
        records.append(_qualtrics_meta(start, index, rng) | answers)
    for extra in extra_rows:
        index = len(records)
        records.append(_qualtrics_meta(start, index, rng) | extra)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ids)
    writer.writerow(texts)
    writer.writerow(imports)
    for record in records:
        writer.writerow([record.get(column, "") for column in ids])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _qualtrics_meta(start: datetime, index: int, rng: np.random.Generator) -> dict:
    begun = start + timedelta(days=index // 4, minutes=7 * index)
    duration = int(rng.integers(300, 900))
    ended = begun + timedelta(seconds=duration)
    return {
        "StartDate": f"{begun:%Y-%m-%d %H:%M:%S}",
        "EndDate": f"{ended:%Y-%m-%d %H:%M:%S}",
        "Status": "0",
        "IPAddress": f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}."
                     f"{int(rng.integers(1, 255))}",
        "Progress": "100",
        "Duration (in seconds)": str(duration),
        "Finished": "1",
        "RecordedDate": f"{ended:%Y-%m-%d %H:%M:%S}",
        "ResponseId": "R_" + "".join(rng.choice(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQ"
                                                     "RSTUVWXYZ23456789"), 15)),
        "LocationLatitude": f"{52 + rng.random():.4f}",
        "LocationLongitude": f"{5 + rng.random():.4f}",
        "DistributionChannel": "anonymous",
        "UserLanguage": "NL",
    }


def write_demo_cohort(out_dir: str | Path, params: SimulationParameters = DEMO_PARAMETERS,
                      seed: int = DEMO_SEED) -> list[Path]:
    """Write the demo cohort as Qualtrics exports, one per municipality and timepoint.

    Besides the simulated participants, each export holds what real exports hold and the
    pipeline must exclude: the researcher's survey preview (Status 1), and in the post
    exports an abandoned response (Finished 0) from a participant who never completed it.
    One participant's CSI-4 item is '-99' (seen, not answered) at post.
    """
    out_dir = Path(out_dir)
    responses = simulate_responses(params, seed)
    rng = np.random.default_rng(seed + 1)
    written = []
    for year in params.years:
        for spec in params.municipalities:
            for timepoint in spec.timepoints:
                extra = [_preview_row()]
                if timepoint == "post":
                    extra.append(_abandoned_row(responses, spec.code, year))
                content = qualtrics_export(responses, spec.code, year, timepoint, rng, extra)
                if timepoint == "post" and spec.code == params.municipalities[0].code:
                    content = _unanswered_item(content)
                path = out_dir / str(year) / (
                    f"samen-sterker_{spec.code}_{year}_{TIMEPOINT_FILE_LABELS[timepoint]}.csv")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
                written.append(path)
    return written


def exports_sheet(paths: Sequence[Path], base_dir: str | Path,
                  mapping: str = "qualtrics_samen_sterker") -> pd.DataFrame:
    """The sheet of exports (config/exports.tsv) describing files from `write_demo_cohort`."""
    by_label = {label: timepoint for timepoint, label in TIMEPOINT_FILE_LABELS.items()}
    rows = []
    for path in paths:
        _, code, year, label = Path(path).stem.split("_", 3)
        rows.append({
            "export_id": f"{code.lower()}_{year}_{by_label[label]}",
            "path": Path(path).relative_to(base_dir).as_posix(),
            "mapping": mapping,
            "year": int(year),
            "municipality": code,
            "timepoint": by_label[label],
            "description": "Synthetic: Qualtrics export written by samen_sterker.simulate",
        })
    return pd.DataFrame(rows)


def municipalities_table(params: SimulationParameters) -> pd.DataFrame:
    """The municipalities table (config/municipalities.tsv) of a simulated cohort."""
    return pd.DataFrame([{"code": spec.code, "official_name": spec.name, "aliases": ""}
                         for spec in params.municipalities])


def _preview_row() -> dict:
    return {"Status": "1", "Q1": "1", "Q2": "7", "Q3_1": "4", "Q3_2": "4", "Q3_3": "4",
            "Q3_4": "4", "Q4": "test van de onderzoeker", "koppelcode": "TEST"}


def _abandoned_row(responses: pd.DataFrame, municipality_code: str, year: int) -> dict:
    """A started-but-unfinished post questionnaire of someone with no post measurement."""
    people = responses[(responses["municipality_code"] == municipality_code)
                       & (responses["year"] == year)]
    answered_post = set(people.loc[people["timepoint"] == "post", ["couple_code", "partner"]]
                        .itertuples(index=False, name=None))
    pre = people[people["timepoint"] == "pre"]
    for row in pre.itertuples(index=False):
        if (row.couple_code, row.partner) not in answered_post:
            return {"Progress": "40", "Finished": "0", "Q1": "1" if row.partner == "A" else "2",
                    "Q2": "6", "koppelcode": row.couple_code}
    return {"Progress": "20", "Finished": "0", "koppelcode": "K99", "Q1": "1"}


def _unanswered_item(content: bytes) -> bytes:
    """Replace the second CSI-4 item of the first data row by Qualtrics' -99 ('seen, no answer')."""
    text = content[3:].decode("utf-8")
    lines = text.split("\r\n")
    reader = list(csv.reader(lines[:4]))
    column = reader[0].index("Q3_2")
    fields = reader[3]
    fields[column] = "-99"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[3] = buffer.getvalue()
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8")


def demo_truth(params: SimulationParameters = DEMO_PARAMETERS,
               seed: int = DEMO_SEED) -> pd.DataFrame:
    """The canonical table the demo exports must clean into: the -99 item (item 2 of one
    post CSI-4) is prorated from the other three within the items' ranges (docs/methods.md)."""
    responses = simulate_responses(params, seed)
    first = params.municipalities[0]
    post_rows = responses[(responses["municipality_code"] == first.code)
                          & (responses["timepoint"] == "post")]
    measurements = responses_to_measurements(responses)
    if not post_rows.empty:
        row = post_rows.iloc[0]
        participant = f"{row.municipality_code}-{row.year}-{row.couple_code}-{row.partner}"
        cell = ((measurements["participant_id"] == participant)
                & (measurements["timepoint"] == "post") & (measurements["outcome"] == CSI4))
        answered = [0, 2, 3]  # item 2 (index 1) is the -99
        points = sum(getattr(row, f"csi_{i + 1}") for i in answered)
        answered_maxima = sum(CSI4_ITEM_MAXIMA[i] for i in answered)
        measurements.loc[cell, "value"] = points * sum(CSI4_ITEM_MAXIMA) / answered_maxima
    return measurements
