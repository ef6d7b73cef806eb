"""The Wilcoxon test of the course change must not give away withheld change classes.

V (the sum of the ranks of the increases), n_nonzero and n_zeros bound how many changes went
up (m) and down (k): m(m+1)/2 <= V and k(k+1)/2 <= n(n+1)/2 - V, and n_zeros people did not
change at all. The reliable-change classes are on the same people and the same change with a
positive threshold, so deteriorated <= k, improved <= m and unchanged >= n_zeros. The review
found V = 136 = 16*17/2 beside "deteriorated: at most 4" (so 0) and n_zeros = 1 beside
"unchanged: at most 4" (so 1 to 4). The attacker below reads only what the JSON and
paired.csv show; the group is made by hand so that V is at its maximum.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from samen_sterker.config import load_config
from samen_sterker.disclosure.audit import Interval, verdict
from samen_sterker.disclosure.decide import (
    POOLED,
    RANKS_BESIDE_PROTECTED,
    _rank_test_reasons,
)
from samen_sterker.stats import analyse, pooled

CODE, NAME = "GM9001", "Handgemaakt"
OUTCOME, PRIMARY = "couple_satisfaction", "relationship_rating"
CLASSES = ("improved", "unchanged", "deteriorated")


def _largest(total: float) -> int:
    """The largest j with j(j+1)/2 <= total."""
    j = 0
    while (j + 1) * (j + 2) / 2 <= total:
        j += 1
    return j


def rank_test_narrowings(block: dict, width: int = 5) -> list[tuple[str, Interval]]:
    """Ranges of a published outcome's reliable-change classes that its own course Wilcoxon
    test narrows to within 1..w-1 or to fewer than w values (higher is better)."""
    wilcoxon = block["paired"]["course"].get("wilcoxon") or {}
    reliable = block["reliable_change"]
    if wilcoxon.get("statistic_v") is None or not reliable.get("available"):
        return []
    n, v = wilcoxon["n_nonzero"], wilcoxon["statistic_v"]
    most_up, most_down = _largest(v), _largest(n * (n + 1) / 2 - v)
    variants = [("rc", reliable)] + [(f"rc@{r['reliability']}", r)
                                     for r in reliable.get("sensitivity", [])]
    found = []
    for prefix, variant in variants:
        for category in CLASSES:
            decision = variant[category].get("disclosure") or {}
            if decision.get("how") != "range":
                continue
            low, high = decision["low"], decision["high"]
            if category == "deteriorated":
                high = min(high, most_down)
            elif category == "improved":
                high = min(high, most_up)
            else:
                low = max(low, wilcoxon["n_zeros"])
            derived = Interval(low, high)
            published = Interval(decision["low"], decision["high"])
            if verdict(derived, published, width) != "safe":
                found.append((f"{prefix}:{category}", derived))
    return found


def hand_made_measurements() -> pd.DataFrame:
    """10 couples, 20 participants, every one measured before (pre) and after (post).

    Couple satisfaction (0-21, reliability 0.94): baselines 3..17 (SD 4.4, so a reliable
    change is more than 3.4 points); 16 gain 4 points (reliably improved), 3 gain 1
    (unchanged) and 1 does not change (unchanged). Nobody goes down: V = 19*20/2 = 190, its
    maximum, so "deteriorated" is 0 and "unchanged" at least 1 (n_zeros = 1), while both are
    published as "at most 4".
    """
    baselines = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 9, 10, 11, 12, 8]
    gains = [4] * 16 + [1, 1, 1, 0]
    ratings = [(5 + i % 4, 6 + (i * 3) % 4) for i in range(20)]
    rows = []
    for i, (base, gain, (before, after)) in enumerate(zip(baselines, gains, ratings,
                                                           strict=True)):
        couple = f"{CODE}-2024-K{i // 2 + 1:02d}"
        person = f"{couple}-{'AB'[i % 2]}"
        for timepoint, satisfaction, rating in (("pre", base, before),
                                                ("post", base + gain, after)):
            for outcome, value in ((OUTCOME, satisfaction), (PRIMARY, rating)):
                rows.append({"municipality": NAME, "municipality_code": CODE, "year": 2024,
                             "couple_id": couple, "participant_id": person,
                             "timepoint": timepoint, "outcome": outcome,
                             "value": float(value)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def year():
    config = load_config("config/config.yaml")
    measurements = hand_made_measurements()
    decisions = analyse.year_decisions(measurements, config, 2024)
    return {
        "decisions": decisions,
        "municipal": analyse.analyse_group(measurements, config, 2024, CODE, decisions),
        "overview": pooled.analyse_year(measurements, config, 2024, decisions),
    }


def test_the_hand_made_group_is_the_reviewed_case(year):
    """The premise: published, V at its maximum in the statistics before they are cut, and
    deteriorated and unchanged both shown as 0-4."""
    cells = year["decisions"]["cells"]
    for category in ("unchanged", "deteriorated"):
        decision = cells[f"{CODE}/{OUTCOME}/rc:{category}"]
        assert (decision["how"], decision["low"], decision["high"]) == ("range", 0, 4)
    assert cells[f"{CODE}/{OUTCOME}/rc:improved"]["how"] == "exact"
    assert year["municipal"]["outcomes"][OUTCOME]["reliable_change"]["improved"]["count"] == 16


@pytest.mark.parametrize("source", ["municipal", "overview"])
def test_no_published_rank_test_narrows_a_published_range(year, source):
    for name, block in year[source]["outcomes"].items():
        assert rank_test_narrowings(block) == [], (source, name)


def test_the_rank_test_of_the_course_is_withheld_in_json_and_paired_csv(year, tmp_path):
    from samen_sterker.stats.output import write_stats
    from samen_sterker.targets import MUNICIPAL_TABLES

    block = year["municipal"]["outcomes"][OUTCOME]
    for unit in ("paired", "couple_means"):
        course = block[unit]["course"]
        assert course["available"] and course["n_pairs"] > 0, unit  # the rest is still shown
        assert course["wilcoxon"] == {
            "available": False, "withheld": True,
            "reason": f"withheld: {RANKS_BESIDE_PROTECTED}",
        }, unit
    paths = [tmp_path / f"{name}.csv" for name in MUNICIPAL_TABLES]
    write_stats(year["municipal"], tmp_path / "stats.json", paths)
    paired = pd.read_csv(tmp_path / "paired.csv")
    rows = paired[(paired["outcome"] == OUTCOME) & (paired["comparison"] == "course")]
    assert len(rows) == 2
    for column in ("wilcoxon_statistic_v", "wilcoxon_p_value", "wilcoxon_n_zeros",
                   "wilcoxon_n_nonzero"):
        assert column not in rows or rows[column].isna().all(), column
    written = json.loads((tmp_path / "stats.json").read_text())["outcomes"][OUTCOME]
    assert "statistic_v" not in json.dumps(written)  # pre and post only: no other comparison


def test_the_rank_test_stays_where_no_change_class_is_protected(year):
    """The rating has no reliability, so no change classes: its test is shown, with V at
    the value computed by hand (19 of the 20 ratings went up, ranks of |change| 1-3)."""
    wilcoxon = year["municipal"]["outcomes"][PRIMARY]["paired"]["course"]["wilcoxon"]
    assert wilcoxon["available"] and wilcoxon["statistic_v"] is not None
    ratings = [(5 + i % 4, 6 + (i * 3) % 4) for i in range(20)]
    changes = [after - before for before, after in ratings]
    assert wilcoxon["n_zeros"] == changes.count(0)


def test_a_group_sharing_participants_with_a_range_withholds_its_rank_test():
    """Only groups holding some of the same people count: A (all exact) loses its test to a
    range of the pooled group that holds A; a municipality in no group does not touch it."""
    holds = {"A": {"A"}, "B": {"B"}, "H": {"H"}, POOLED: {"A", "B"}}
    course_shown = {"change:course": []}
    assert _rank_test_reasons("A", OUTCOME, course_shown, holds, {("H", OUTCOME)}) == []
    assert _rank_test_reasons("A", OUTCOME, course_shown, holds, {("B", PRIMARY)}) == []
    assert _rank_test_reasons("A", OUTCOME, course_shown, holds, {("B", OUTCOME)}) == []
    assert _rank_test_reasons("A", OUTCOME, course_shown, holds, {(POOLED, OUTCOME)}) == [
        RANKS_BESIDE_PROTECTED]
    assert _rank_test_reasons(POOLED, OUTCOME, course_shown, holds, {("B", OUTCOME)}) == [
        RANKS_BESIDE_PROTECTED]
    # A course change that is withheld anyway keeps its own reasons.
    assert _rank_test_reasons("A", OUTCOME, {"change:course": ["x"]}, holds, set()) == ["x"]


def test_the_course_minus_waiting_test_follows_the_course_test():
    """Waiting change >= 0 and course-minus-waiting >= 0 give course change >= 0: with the
    waiting period's test shown, the course-minus-waiting test would bound the course signs."""
    from samen_sterker.disclosure.apply import _paired_set

    def comparison():
        return {"available": True, "n_pairs": 12, "wilcoxon": {"available": True,
                                                               "statistic_v": 78.0}}

    paired = {"course": comparison(), "waiting_period": comparison(),
              "course_vs_waiting": comparison(), "follow_up": {"followup": comparison()}}
    out = _paired_set(paired, {"wilcoxon:course": [RANKS_BESIDE_PROTECTED]})
    for name in ("course", "course_vs_waiting"):
        assert out[name]["wilcoxon"]["withheld"] is True, name
        assert out[name]["n_pairs"] == 12, name
    assert out["waiting_period"]["wilcoxon"]["statistic_v"] == 78.0
    assert out["follow_up"]["followup"]["wilcoxon"]["statistic_v"] == 78.0
    assert _paired_set(paired, {"wilcoxon:course": []}) == paired



def test_the_course_model_is_withheld_with_the_course_change():
    """The course model is the headline's fit: its course-end contrast is the headline change.
    It was withheld per timepoint only, so a course change withheld while both timepoints are
    shown would have stayed in it (a reviewer's find; today a withheld course change also
    withholds its outcome, so this guards the rule rather than a reachable leak)."""
    from samen_sterker.disclosure.decide import statistic_scopes

    shown = {"respondents": 12, "couples": 6, "suppressed": False, "reasons": []}
    result = {
        "publication": {"suppressed": False, "by_timepoint": {"pre": shown, "post": shown},
                        "course_change": {"reasons": ["fewer_respondents_than_min"]}},
        "descriptives": {"pre": {"n": 12, "mean": 9.0}, "post": {"n": 12, "mean": 11.0}},
        "clinical_change": {"available": False},
        "participation": {"completers_vs_noncompleters": {"n_completers": 4,
                                                          "n_noncompleters": 8}},
        "paired": {"course": {}, "waiting_period": {}, "course_vs_waiting": {}, "follow_up": {}},
    }
    scopes = statistic_scopes(result, {"min_respondents": 10, "min_couples": 5})
    # apply.publishable_outcome withholds a model as a whole when its scope has reasons.
    assert scopes["course_model"] == scopes["headline_change"] == scopes["change:course"]
    assert scopes["course_model"]
