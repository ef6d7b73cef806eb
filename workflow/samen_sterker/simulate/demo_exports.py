"""The synthetic demo cohort as Qualtrics exports (one per municipality and timepoint), the
sheet of exports and municipalities table describing them, and the canonical table they must
clean into (`demo_truth`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from samen_sterker.simulate.cohort import responses_to_measurements, simulate_responses
from samen_sterker.simulate.parameters import (
    CSI4,
    CSI4_ITEM_MAXIMA,
    DEMO_PARAMETERS,
    DEMO_SEED,
    SimulationParameters,
)

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
