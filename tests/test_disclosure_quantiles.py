"""The median and quartiles must not give back a clinical count that is not shown exactly
(docs/privacy.md, rule 8).

A quantile is rank information: R's type-7 q3 of 18 scores is x13 + 0.75(x14 - x13), so
q3 = 13.5 with whole-number scores says x14..x18 >= 13.5, i.e. at least 5 of the 18 start at
or above the CSI-4 cut-off of 13.5. The reviewer built this by changing three Súdwest CSI-4
baseline scores of the demo (K06-A 7 -> 15, K05-A 13 -> 14, K03-B 12 -> 14): 18 at baseline,
17 completers, "at most 4" starting functional, and q3 = 13.5, so at least 5 - 1 = 4
completers started functional: exactly 4. The attacker below reads only the written JSON and
knows only the type-7 definition; it is written here from that definition, not from numpy.
"""

from __future__ import annotations

import html as html_module
import math

import pandas as pd
import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.disclosure.audit import Interval, verdict
from samen_sterker.disclosure.decide import QUANTILES_BESIDE_CLINICAL, _quantile_reasons
from samen_sterker.reports import reviewer_tables
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.figures import before_after_chart
from samen_sterker.stats.output import tidy_tables
from tests.test_report_privacy import _year

SUDWEST, NERGENSHUIZEN = "GM9998", "GM9999"
CSI4, RATING = "couple_satisfaction", "relationship_rating"
BASELINE, COURSE_END = "pre", "post"
# The reviewer's three changed baseline scores (participant id -> new CSI-4 score).
CONSTRUCTED = {"GM9998-2024-K06-A": 15.0, "GM9998-2024-K05-A": 14.0, "GM9998-2024-K03-B": 14.0}
SCORES = range(22)  # CSI-4 is a sum of whole-number items, 0 to 21


@pytest.fixture(scope="module")
def config():
    return load_config("config/config.yaml")


@pytest.fixture(scope="module")
def constructed(config):
    measurements = simulate.demo_truth()
    at_baseline = (measurements["outcome"] == CSI4) & (measurements["timepoint"] == BASELINE)
    for participant, score in CONSTRUCTED.items():
        row = at_baseline & (measurements["participant_id"] == participant)
        assert row.sum() == 1, participant
        measurements.loc[row, "value"] = score
    return _year(config, measurements, 2024)


def every_clinical_count_at_least_five() -> pd.DataFrame:
    """One municipality of 15 couples, 30 participants, all measured before and after, whose
    CSI-4 clinical counts are all 5 or more, so every one is shown exactly (the simulated
    years always have a class of 0-4 somewhere; `no_suppression` has them too).

    Baseline below 13.5 (dysfunctional), 20: 5 recovered (10-13, +5 to above 13.5), 5
    improved (2-6, +5, still below), 5 unchanged (7-11, +0), 5 deteriorated (6-10, -5);
    10 start functional (14-20, +0). Baseline SD 4.9, so a reliable change is more than
    1.96 * 4.9 * sqrt(2 * 0.06) = 3.3 points: +-5 is reliable, 0 is not.
    """
    plan = ([(b, 5) for b in (10, 11, 12, 12, 13)] + [(b, 5) for b in (2, 3, 4, 5, 6)]
            + [(b, 0) for b in (7, 8, 9, 10, 11)] + [(b, -5) for b in (6, 7, 8, 9, 10)]
            + [(b, 0) for b in (14, 15, 16, 17, 18, 19, 20, 14, 16, 18)])
    rows = []
    for i, (base, change) in enumerate(plan):
        couple = f"GM9001-2024-K{i // 2 + 1:02d}"
        person = f"{couple}-{'AB'[i % 2]}"
        for timepoint, satisfaction, rating in ((BASELINE, base, 5 + i % 4),
                                                (COURSE_END, base + change, 6 + i % 3)):
            for outcome, value in ((CSI4, satisfaction), (RATING, rating)):
                rows.append({"municipality": "Handgemaakt", "municipality_code": "GM9001",
                             "year": 2024, "couple_id": couple, "participant_id": person,
                             "timepoint": timepoint, "outcome": outcome, "value": float(value)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def all_exact(config):
    return _year(config, every_clinical_count_at_least_five(), 2024)


def type7(sorted_scores: list[float], p: float) -> float:
    """R quantile type 7 (Hyndman & Fan 1996): h = (n - 1)p, x[h] interpolated linearly."""
    h = (len(sorted_scores) - 1) * p
    low = math.floor(h)
    upper = sorted_scores[min(low + 1, len(sorted_scores) - 1)]
    return sorted_scores[low] + (h - low) * (upper - sorted_scores[low])


def fewest_at_or_above(n: int, p: float, quantile: float, cutoff: float) -> int:
    """The fewest of n whole-number scores at or above `cutoff` that a type-7 quantile p of
    `quantile` allows: every pair of order statistics (x_j, x_j+1) it interpolates between is
    tried; the scores above x_j+1 are at least x_j+1, those below may be anything lower."""
    h = (n - 1) * p
    j = math.floor(h)  # 0-based position of x_j
    fewest = n
    for below in SCORES:
        for above in SCORES:
            if above < below or not math.isclose(below + (h - j) * (above - below), quantile):
                continue
            forced = (n - j - 1 if above >= cutoff else 0) + (1 if below >= cutoff else 0)
            fewest = min(fewest, forced)
    return fewest


def quantile_narrowings(block: dict, width: int = 5) -> list[tuple[str, Interval]]:
    """Ranges of the starters on the functional side (higher is better) that the published
    baseline quantiles narrow to within 1..w-1 or to fewer than w values."""
    clinical = block["clinical_change"]
    row = block["descriptives"].get(BASELINE, {})
    decision = clinical.get("n_started_functional_disclosure") or {}
    if not clinical.get("available") or decision.get("how") != "range":
        return []
    part = block["participation"]
    lost = part["participants_at_baseline"] - part["complete_pairs"]
    cutoff = clinical["cutoff"]["value"]
    low = decision["low"]
    for p, key in ((0.25, "q1"), (0.5, "median"), (0.75, "q3")):
        if row.get(key) is not None:
            low = max(low, fewest_at_or_above(row["n"], p, row[key], cutoff) - lost)
    derived = Interval(low, decision["high"])
    if verdict(derived, Interval(decision["low"], decision["high"]), width) == "safe":
        return []
    return [("cl:functional", derived)]


def test_the_constructed_year_is_the_reviewed_case(constructed):
    """The reviewer's numbers, and that type-7 q3 = 13.5 pins the starters at exactly 4."""
    block = constructed["groups"][SUDWEST]["outcomes"][CSI4]
    part = block["participation"]
    assert (part["participants_at_baseline"], part["complete_pairs"]) == (18, 17)
    clinical = block["clinical_change"]
    assert clinical["cutoff"]["value"] == 13.5
    decision = clinical["n_started_functional_disclosure"]
    assert (decision["how"], decision["low"], decision["high"]) == ("range", 0, 4)
    # The true scores, read from the measurements, give q3 = 13.5 by the definition ...
    m = constructed["measurements"]
    rows = m[(m["municipality_code"] == SUDWEST) & (m["outcome"] == CSI4)]
    baseline = rows[rows["timepoint"] == BASELINE].set_index("participant_id")["value"]
    assert type7(sorted(baseline), 0.75) == 13.5
    # ... which allows no fewer than 5 of 18 at or above 13.5 (x14..x18, found by trying every
    # pair (x13, x14) of whole scores), so at least 4 of the 17 completers started functional.
    assert fewest_at_or_above(18, 0.75, 13.5, 13.5) == 5
    after = rows[rows["timepoint"] == COURSE_END].set_index("participant_id")["value"]
    completers = baseline[baseline.index.isin(after.index)]
    assert int((completers >= 13.5).sum()) == 4  # the truth "at most 4" was hiding


def test_the_constructed_case_withholds_the_baseline_quantiles(constructed):
    decisions = constructed["decisions"]["statistics"]
    for group in (SUDWEST, "pooled"):
        assert decisions[group][CSI4][f"quantiles:{BASELINE}"] == [QUANTILES_BESIDE_CLINICAL]
    for stats in (constructed["groups"][SUDWEST], constructed["overview"]):
        row = stats["outcomes"][CSI4]["descriptives"][BASELINE]
        assert (row["median"], row["q1"], row["q3"]) == (None, None, None)
        assert row["quantiles_withheld"] == f"withheld: {QUANTILES_BESIDE_CLINICAL}"
        # Only the quantiles go: mean, SD, interval and n stay (rule 3).
        assert row["n"] > 0 and None not in (row["mean"], row["sd"], row["ci_low"], row["ci_high"])


@pytest.mark.parametrize("code", [SUDWEST, NERGENSHUIZEN])
def test_no_published_quantile_narrows_the_starters(constructed, code):
    assert quantile_narrowings(constructed["groups"][code]["outcomes"][CSI4]) == []


def test_the_attacker_finds_the_reviewed_leak_when_q3_is_put_back(constructed):
    block = constructed["groups"][SUDWEST]["outcomes"][CSI4]
    put_back = {**block, "descriptives": {BASELINE: {"n": 18, "q3": 13.5}}}
    assert quantile_narrowings(put_back) == [("cl:functional", Interval(4, 4))]


def test_the_stats_tables_leave_withheld_quantiles_empty(constructed, tmp_path):
    table = tidy_tables(constructed["groups"][SUDWEST])["descriptives"]
    path = tmp_path / "descriptives.csv"
    table.to_csv(path, index=False)
    written = path.read_text("utf-8").splitlines()
    header = written[0].split(",")
    row = next(line.split(",") for line in written[1:]
               if line.startswith(f"{CSI4},{BASELINE},"))
    for key in ("median", "q1", "q3"):
        assert row[header.index(key)] == ""
    assert row[header.index("mean")] != ""


def test_quantiles_stay_where_every_clinical_count_is_exact(all_exact):
    decisions = all_exact["decisions"]
    clinical = all_exact["groups"]["GM9001"]["outcomes"][CSI4]["clinical_change"]
    # The premise, by hand: 20 starting dysfunctional, 10 functional, 5 in each class.
    assert (clinical["n_started_dysfunctional"], clinical["n_started_functional"]) == (20, 10)
    assert [clinical[c]["count"] for c in ("recovered", "improved", "unchanged",
                                           "deteriorated")] == [5, 5, 5, 5]
    assert all(entry["how"] == "exact" for cell, entry in decisions["cells"].items()
               if f"/{CSI4}/cl:" in cell)
    for group, stats in (("GM9001", all_exact["groups"]["GM9001"]),
                         ("pooled", all_exact["overview"])):
        for tp in (BASELINE, COURSE_END):
            assert decisions["statistics"][group][CSI4][f"quantiles:{tp}"] == []
            row = stats["outcomes"][CSI4]["descriptives"][tp]
            assert None not in (row["median"], row["q1"], row["q3"])
            assert "quantiles_withheld" not in row


def test_a_group_sharing_participants_with_a_clinical_range_withholds_its_quantiles():
    """As rule 7: only groups holding some of the same people, and only clinical counts of
    the same outcome, count; a timepoint withheld anyway keeps its own reasons."""
    holds = {"A": {"A"}, "B": {"B"}, "pooled": {"A", "B"}}
    assert _quantile_reasons("A", CSI4, [], holds, {("B", CSI4)}) == []
    assert _quantile_reasons("A", CSI4, [], holds, {("A", RATING)}) == []
    assert _quantile_reasons("A", CSI4, [], holds, {("pooled", CSI4)}) == [
        QUANTILES_BESIDE_CLINICAL]
    assert _quantile_reasons("pooled", CSI4, [], holds, {("B", CSI4)}) == [
        QUANTILES_BESIDE_CLINICAL]
    assert _quantile_reasons("A", CSI4, ["x"], holds, set()) == ["x"]


def test_an_outcome_without_a_cutoff_keeps_its_quantiles(constructed):
    """The 1-10 rating has no cut-off, so no clinical counts: its quartiles stay, even in the
    group whose CSI-4 quartiles are withheld."""
    decisions = constructed["decisions"]["statistics"]
    for stats, group in ((constructed["groups"][SUDWEST], SUDWEST),
                         (constructed["overview"], "pooled")):
        for tp in (BASELINE, COURSE_END):
            assert decisions[group][RATING][f"quantiles:{tp}"] == []
            row = stats["outcomes"][RATING]["descriptives"][tp]
            assert None not in (row["median"], row["q1"], row["q3"])


def test_the_figure_draws_no_box_where_the_quartiles_are_withheld():
    fig = before_after_chart(["voor", "na"], [9.4, 12.0], [5.7, 10.0], [13.0, 14.0],
                             scale=(0, 21), quartiles=[None, (10.0, 12.0, 15.0)],
                             axis_label="CSI-4", quartile_label="middelste helft",
                             mean_label="gemiddelde")
    ax = fig.axes[0]
    boxes = [patch for patch in ax.patches if patch.get_width() > 0]
    assert [(box.get_x(), box.get_width()) for box in boxes] == [(10.0, 5.0)]
    # The legend still names the box that is drawn.
    assert "middelste helft" in [text.get_text() for text in ax.get_legend().get_texts()]


@pytest.mark.parametrize("lang, sentence", [
    ("nl", "De middelste helft en de mediaan tonen we hier niet ('–'): Voor de cursus, Na de"),
    ("en", "The middle half and the median are not shown here ('–'): Before the course, After"),
])
def test_the_report_renders_a_withheld_median(constructed, lang, sentence):
    from tests.test_report_readability import municipal_html

    stats = constructed["groups"][SUDWEST]
    ctx = ReportContext(stats=stats, lang=lang, overview=constructed["overview"])
    html = municipal_html(ctx)
    assert sentence in html_module.unescape(html)
    label = ctx.timepoint_label(BASELINE)
    # The descriptives table's row of the baseline ends in the house's "not shown" mark.
    rows = [row for row in html.split("<tr") if f">{label}<" in row and "–" in row]
    assert rows, "no baseline row with the mark"
    reviewer_tables.trace_table(ctx)
    reviewer_tables.model_diagnostics_table(ctx)
