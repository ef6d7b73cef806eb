"""The audit's derivable intervals against brute-force enumeration of small hand-made tables
(every integer assignment that agrees with what is published), not against another LP."""

from __future__ import annotations

import itertools

import pytest

from samen_sterker.disclosure.audit import (
    Interval,
    Problem,
    Published,
    Relation,
    audit,
    derive,
    verdict,
)


def brute_force(problem: Problem, ceiling: int) -> dict[str, tuple[int, int]]:
    """Min and max of every cell over all assignments in 0..ceiling that fit."""
    cells = sorted(problem.values)
    seen: dict[str, list[int]] = {cell: [] for cell in cells}
    ranges = []
    for cell in cells:
        shown = problem.published.get(cell, Published.withheld())
        if shown.how == "exact":
            ranges.append([shown.low])
        elif shown.how == "range":
            ranges.append(range(shown.low, min(shown.high, ceiling) + 1))
        else:
            ranges.append(range(ceiling + 1))
    for assignment in itertools.product(*ranges):
        values = dict(zip(cells, assignment, strict=True))
        ok = True
        for relation in problem.relations:
            total = sum(coefficient * values[cell] for cell, coefficient in relation.terms)
            if (relation.kind == "eq" and total != 0) or (relation.kind == "le" and total > 0):
                ok = False
                break
        if ok:
            for cell, value in values.items():
                seen[cell].append(value)
    return {cell: (min(v), max(v)) for cell, v in seen.items()}


def two_municipalities() -> Problem:
    """Started = complete + lost in A and B; the pooled complete and lost over both.

    A: 12 started, 9 complete, 3 lost; B: 15 started, 13 complete, 2 lost. Published: the
    starters exactly, both lost counts as 'at most 4', B's completers exactly, A's withheld,
    pooled lost exactly (5) and pooled complete withheld.
    """
    values = {"A/s": 12, "A/c": 9, "A/l": 3, "B/s": 15, "B/c": 13, "B/l": 2,
              "P/c": 22, "P/l": 5}
    relations = [
        Relation.total("A/s", ["A/c", "A/l"]),
        Relation.total("B/s", ["B/c", "B/l"]),
        Relation.total("P/c", ["A/c", "B/c"]),
        Relation.total("P/l", ["A/l", "B/l"]),
    ]
    published = {
        "A/s": Published.exact(12), "B/s": Published.exact(15), "B/c": Published.exact(13),
        "A/l": Published.range(0, 4), "B/l": Published.range(0, 4), "P/l": Published.exact(5),
        "A/c": Published.withheld(), "P/c": Published.withheld(),
    }
    return Problem(values, relations, published, frame={"A/s", "B/s"})


def reliable_split() -> Problem:
    """17 complete pairs = 14 improved + 3 unchanged + 0 deteriorated; improved 'at least 12'."""
    values = {"n": 17, "imp": 14, "unch": 3, "det": 0, "at_end": 18}
    relations = [Relation.total("n", ["imp", "unch", "det"]), Relation.at_most("n", "at_end")]
    published = {"n": Published.exact(17), "imp": Published.range(12, 17),
                 "unch": Published.range(0, 4), "det": Published.range(0, 4),
                 "at_end": Published.withheld()}
    return Problem(values, relations, published, frame={"n"})


@pytest.mark.parametrize("make", [two_municipalities, reliable_split])
def test_derivable_intervals_equal_brute_force(make):
    problem = make()
    expected = brute_force(problem, ceiling=30)
    got = derive(problem, problem.published, problem.values)
    for cell, (low, high) in expected.items():
        interval = got[cell]
        # The ceiling of the enumeration stands for 'unbounded'.
        assert interval.low == low, cell
        assert (interval.high if interval.high != float("inf") else 30) == high, cell


def test_hand_worked_values():
    """B's lost is 2 exactly (15 - 13), so A's lost is 3: both are narrowed to one value."""
    problem = two_municipalities()
    got = derive(problem, problem.published, ["A/l", "B/l", "A/c", "P/c"])
    assert (got["B/l"].low, got["B/l"].high) == (2, 2)
    assert (got["A/l"].low, got["A/l"].high) == (3, 3)
    assert (got["A/c"].low, got["A/c"].high) == (9, 9)
    findings = {f.cell: f for f in audit(problem, ["A/l", "B/l", "A/c", "P/c"])}
    assert findings["A/l"].verdict.startswith("disclosed: within 1-4")
    assert findings["A/c"].verdict.startswith("disclosed: fewer than 5")


def test_at_least_twelve_of_seventeen_protects_the_rest():
    """'at least 12 of 17 improved' leaves unchanged and deteriorated 0-4 (five values)."""
    problem = reliable_split()
    findings = {f.cell: f for f in audit(problem, ["imp", "unch", "det"])}
    assert (findings["unch"].derived.low, findings["unch"].derived.high) == (0, 4)
    assert all(f.verdict == "safe" for f in findings.values())
    problem.published["imp"] = Published.range(13, 17)  # 'at least 13': the rest is 0-4 still
    assert all(f.verdict == "safe" for f in audit(problem, ["unch", "det"]))
    problem.published["det"] = Published.exact(0)  # now unchanged is 0-4 minus nothing: 5 values
    assert all(f.verdict == "safe" for f in audit(problem, ["unch"]))
    problem.published["imp"] = Published.range(14, 17)  # unchanged 0-3: four values
    assert audit(problem, ["unch"])[0].verdict.startswith("disclosed")


def test_verdict_is_relative_to_the_group_size():
    """A group of 4 whose counts say nothing beyond its size is not 'narrowed'."""
    assert verdict(Interval(0, 4), Interval(0, 4), 5) == "safe"
    assert verdict(Interval(1, 4), Interval(0, 4), 5).startswith("disclosed: within")
    assert verdict(Interval(0, 3), Interval(0, 20), 5).startswith("disclosed: fewer")
    assert verdict(Interval(0, 4), Interval(0, 20), 5) == "safe"
    assert verdict(Interval(5, 9), Interval(0, 20), 5) == "safe"


def test_a_fractional_lp_vertex_is_solved_as_the_integer_program():
    # 2 a = b + 1 with b >= 0: the linear program's least a is 0.5 (b = 0); the least
    # integer a is 1 (b = 1). The interval must be the integer one, as brute force says.
    problem = Problem(
        values={"a": 1, "b": 1, "one": 1},
        relations=[Relation((("a", 2.0), ("b", -1.0), ("one", -1.0)))],
        published={"one": Published.exact(1), "a": Published.range(0, 4),
                   "b": Published.withheld()},
    )
    derived = derive(problem, problem.published, ["a", "b"])
    expected = brute_force(problem, ceiling=7)
    assert (derived["a"].low, derived["a"].high) == expected["a"] == (1, 4)
    assert (derived["b"].low, derived["b"].high) == expected["b"] == (1, 7)


# ---------------------------------------------------------------- relations between classes
# The same participants and the same change are classified at several thresholds (the primary
# reliability and the sensitivity ones, the funnel's common threshold) and, starting
# dysfunctional, clinically at the primary one. A reader who knows the definitions (the
# methods publish them) knows how those counts relate; the brute force below writes those
# relations down by hand from the definitions in stats/reliable_change.py.

ROLES = {"baseline": "pre", "course_end": "post"}
PRIMARY_RELIABILITY = 0.94


def _share(count: int) -> dict:
    return {"count": count}


def hand_made_result(complete: int, variants: dict[float, tuple[int, int, int]],
                     clinical: tuple[int, int, int, int, int] | None = None) -> dict:
    """An analyse_outcome result with only what the decisions read: every participant
    measured before and after; variants: reliability → (improved, unchanged, deteriorated),
    the primary reliability among them; clinical: (functional at the start, recovered,
    improved, unchanged, deteriorated)."""
    def classes(counts):
        return dict(zip(("improved", "unchanged", "deteriorated"), map(_share, counts),
                        strict=True))

    reliable = {
        "available": True,
        "reliability": {"value": PRIMARY_RELIABILITY},
        # S_diff at SD 4: only its order against another threshold matters here.
        "se_difference": 2**0.5 * 4 * (1 - PRIMARY_RELIABILITY) ** 0.5,
        **classes(variants[PRIMARY_RELIABILITY]),
        "sensitivity": [{"reliability": r, **classes(counts)}
                        for r, counts in sorted(variants.items()) if r != PRIMARY_RELIABILITY],
    }
    clinical_block = {"available": False}
    if clinical is not None:
        functional, *counts = clinical
        clinical_block = {
            "available": True,
            "n_started_dysfunctional": sum(counts),
            "n_started_functional": functional,
            **dict(zip(("recovered", "improved", "unchanged", "deteriorated"),
                       map(_share, counts), strict=True)),
        }
    shown = {"reasons": []}
    return {
        "publication": {"suppressed": False, "by_timepoint": {"pre": shown, "post": shown},
                        "course_change": shown},
        "descriptives": {"pre": {}, "post": {}},
        "participation": {
            "participants": complete, "couples": complete // 2,
            "participants_at_baseline": complete, "complete_pairs": complete,
            "measurements_per_timepoint": {"pre": complete, "post": complete},
            "completers_vs_noncompleters": {"n_completers": complete, "n_noncompleters": 0},
        },
        "paired": {"waiting_period": {"available": False},
                   "course_vs_waiting": {"available": False}, "follow_up": {}},
        "reliable_change": reliable,
        "clinical_change": clinical_block,
    }


def _span(shown: Published, complete: int) -> range:
    if shown.how == "exact":
        return range(shown.low, shown.low + 1)
    if shown.how == "range":
        return range(shown.low, min(shown.high, complete) + 1)
    return range(complete + 1)


def brute_force_classes(complete: int, reliabilities: list[float], clinical: bool,
                        published: dict[str, Published]) -> dict[str, tuple[int, int]]:
    """Min and max of every class count over all assignments that agree with what is
    published and with the definitions: at each reliability improved + unchanged +
    deteriorated = complete; a larger reliability (a smaller threshold) keeps everyone
    improved or deteriorated at a smaller one so; recovered and improved (clinical) are
    reliably improved at the primary threshold, clinically unchanged and deteriorated are
    reliably so, dysfunctional + functional = complete."""
    def cell(name):
        return published.get(name, Published.withheld())

    prefixes = {r: "rc" if r == PRIMARY_RELIABILITY else f"rc@{r}" for r in reliabilities}
    order = sorted(reliabilities)
    classes = ("recovered", "improved", "unchanged", "deteriorated")

    def agrees(values):
        return all(value in _span(cell(name), complete) for name, value in values.items())

    # The reliable and the clinical counts are enumerated apart, then paired.
    reliable = []
    free = [f"{prefixes[r]}:{c}" for r in order for c in ("improved", "deteriorated")]
    for assignment in itertools.product(*(_span(cell(name), complete) for name in free)):
        values = dict(zip(free, assignment, strict=True))
        for p in prefixes.values():
            values[f"{p}:unchanged"] = complete - values[f"{p}:improved"] - values[
                f"{p}:deteriorated"]
        nested = all(values[f"{prefixes[lower]}:{c}"] <= values[f"{prefixes[higher]}:{c}"]
                     for lower, higher in itertools.pairwise(order)
                     for c in ("improved", "deteriorated"))
        if nested and agrees(values):
            reliable.append(values)
    clinical_ones = [{}]
    if clinical:
        clinical_ones = []
        free = [f"cl:{c}" for c in classes]
        for assignment in itertools.product(*(_span(cell(name), complete) for name in free)):
            values = dict(zip(free, assignment, strict=True))
            values["cl:dysfunctional"] = sum(assignment)
            values["cl:functional"] = complete - values["cl:dysfunctional"]
            if agrees(values):
                clinical_ones.append(values)

    def within(r, c):
        return not c or (c["cl:recovered"] + c["cl:improved"] <= r["rc:improved"]
                         and c["cl:unchanged"] <= r["rc:unchanged"]
                         and c["cl:deteriorated"] <= r["rc:deteriorated"])

    fitting = [r for r in reliable if any(within(r, c) for c in clinical_ones)]
    fitting += [c for c in clinical_ones if any(within(r, c) for r in reliable)]
    seen: dict[str, set[int]] = {}
    for values in fitting:
        for name, value in values.items():
            seen.setdefault(name, set()).add(value)
    return {name: (min(v), max(v)) for name, v in seen.items()}


def leaks(complete: int, reliabilities: list[float], clinical: bool,
          published: dict[str, Published]) -> dict[str, tuple[int, int]]:
    """Protected counts not shown exactly that the brute force narrows beyond the group's
    size to within 1-4 or to fewer than 5 values."""
    derived = brute_force_classes(complete, reliabilities, clinical, published)
    return {
        name: interval for name, interval in derived.items()
        if published.get(name, Published.withheld()).how != "exact"
        and verdict(Interval(*interval), Interval(0, complete), 5) != "safe"
    }


def decided(result: dict) -> dict[str, Published]:
    """decide_year of one published municipality holding this result: count → Published."""
    from samen_sterker.disclosure.decide import decide_year, outcome_counts

    groups = {"municipalities": {"GM1": {"published": True, "reasons": [], "group": "GM1"}},
              "other": {"members": [], "published": False, "reasons": ["no_members"]},
              "shown_groups": ["GM1"]}
    thresholds = {"min_respondents": 10, "min_couples": 5, "protection_width": 5}
    cells = decide_year({"GM1": {"o": result}}, groups, ROLES, thresholds, "o")["cells"]
    values = outcome_counts(result, ROLES)[0]
    out = {}
    for name, entry in cells.items():
        quantity = name.split("/", 2)[2]
        if entry["how"] == "exact":
            out[quantity] = Published.exact(values[quantity])
        elif entry["how"] == "range":
            out[quantity] = Published.range(entry["low"], entry["high"])
        else:
            out[quantity] = Published.withheld()
    return out


# 20 complete pairs. At reliability 0.94: 7 improved, 8 unchanged, 5 deteriorated; at 0.9
# (a larger threshold) 6, 11, 3: deteriorated 3 is "at most 4", so the improved 6 was withheld
# beside it and shown as what the variant alone allows, 5-9. Improved at 0.9 is at most
# improved at 0.94, 7: 5-7, three values, and so deteriorated at 0.9 (20 - 11 - improved) is
# 2-4.
CROSS = {PRIMARY_RELIABILITY: (7, 8, 5), 0.9: (6, 11, 3)}
CROSS_BEFORE = {
    "rc:improved": Published.exact(7), "rc:unchanged": Published.exact(8),
    "rc:deteriorated": Published.exact(5), "rc@0.9:improved": Published.range(5, 9),
    "rc@0.9:unchanged": Published.exact(11), "rc@0.9:deteriorated": Published.range(0, 4),
}
# 20 complete pairs, 7 improved, 8 unchanged, 5 deteriorated; 12 started dysfunctional: 6
# recovered, 1 improved, 3 unchanged, 2 deteriorated. Alone, the clinical split (12 = 6 +
# three counts of "at most 4") leaves each of those 0-4; but recovered + improved are
# reliably improved, at most 7: clinically improved is 0 or 1, and unchanged + deteriorated
# at least 5, so each of them 1-4.
CLINICAL_CASE = (8, 6, 1, 3, 2)
CLINICAL_BEFORE = {
    "rc:improved": Published.exact(7), "rc:unchanged": Published.exact(8),
    "rc:deteriorated": Published.exact(5), "cl:dysfunctional": Published.exact(12),
    "cl:functional": Published.exact(8), "cl:recovered": Published.exact(6),
    "cl:improved": Published.range(0, 4), "cl:unchanged": Published.range(0, 4),
    "cl:deteriorated": Published.range(0, 4),
}


def test_the_hand_made_cases_leak_through_the_relations_between_classes():
    """The premise, by brute force: what the decisions published before these relations
    were in the audit narrows a withheld and a ranged count."""
    assert leaks(20, [0.9, PRIMARY_RELIABILITY], False, CROSS_BEFORE) == {
        "rc@0.9:improved": (5, 7), "rc@0.9:deteriorated": (2, 4)}
    assert leaks(20, [PRIMARY_RELIABILITY], True, CLINICAL_BEFORE) == {
        "cl:improved": (0, 1), "cl:unchanged": (1, 4), "cl:deteriorated": (1, 4)}


@pytest.mark.parametrize("result, before", [
    (hand_made_result(20, CROSS), CROSS_BEFORE),
    (hand_made_result(20, {PRIMARY_RELIABILITY: (7, 8, 5)}, CLINICAL_CASE), CLINICAL_BEFORE),
], ids=["cross_threshold", "clinical_within_reliable"])
def test_the_audit_derives_what_the_brute_force_does(result, before):
    """The audit's problem of one group (its relations as the decisions state them) gives
    the brute force's intervals, so it flags the leak."""
    from samen_sterker.disclosure.decide import outcome_counts

    values, relations, frame = outcome_counts(result, ROLES)
    published = {q: Published.exact(v) for q, v in values.items() if q in frame} | before
    problem = Problem(values, relations, published, frame)
    reliabilities = [PRIMARY_RELIABILITY] + [
        row["reliability"] for row in result["reliable_change"]["sensitivity"]]
    clinical = result["clinical_change"]["available"]
    expected = brute_force_classes(20, reliabilities, clinical, published)
    got = derive(problem, published, expected)
    assert {cell: (got[cell].low, got[cell].high) for cell in expected} == expected
    flagged = {f.cell for f in audit(problem, set(before)) if f.verdict != "safe"}
    assert flagged == set(leaks(20, reliabilities, clinical, published))


@pytest.mark.parametrize("result", [
    hand_made_result(20, CROSS),
    hand_made_result(20, {PRIMARY_RELIABILITY: (7, 8, 5)}, CLINICAL_CASE),
], ids=["cross_threshold", "clinical_within_reliable"])
def test_the_decisions_leave_nothing_narrowed_through_the_relations(result):
    published = decided(result)
    reliabilities = [PRIMARY_RELIABILITY] + [
        row["reliability"] for row in result["reliable_change"]["sensitivity"]]
    assert leaks(20, reliabilities, result["clinical_change"]["available"], published) == {}


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_the_relations_between_classes_hold_on_simulated_cohorts(seed):
    """On every group of simulated cohorts (municipalities, other municipalities, pooled),
    the counts satisfy the relations written from the definitions, and the audit's problem
    states them: the reliabilities' classes nested by threshold, the clinical classes within
    the primary reliable ones, the funnel's classes nested with the group's own."""
    from samen_sterker import simulate
    from samen_sterker.config import load_config
    from samen_sterker.disclosure.decide import POOLED, outcome_counts
    from samen_sterker.disclosure.year import (
        funnel_counts,
        group_frame,
        outcome_results,
        year_groups,
    )
    from samen_sterker.stats.outcome import timepoint_roles

    config = load_config("config/config.yaml")
    specs = [simulate.MunicipalitySpec("GM0001", "Klein", 3),
             simulate.MunicipalitySpec("GM0002", "Mini", 4),
             simulate.MunicipalitySpec("GM0003", "Middel", 9),
             simulate.MunicipalitySpec("GM0004", "Groot", 16)]
    measurements = simulate.simulate_measurements(
        simulate.SimulationParameters(municipalities=tuple(specs)), seed)
    roles = timepoint_roles(config)
    groups = year_groups(measurements, config)
    names = [*groups["municipalities"], *(["other"] if groups["other"]["published"] else []),
             POOLED]
    results = {name: outcome_results(group_frame(measurements, groups, name), config)
               for name in names}
    common = funnel_counts(measurements, config, groups, results[POOLED])
    checked = 0
    for group, outcomes in results.items():
        for outcome, result in outcomes.items():
            reliable = result["reliable_change"]
            if not reliable.get("available"):
                continue
            funnel = common.get(group, {}).get(outcome)
            values, relations, _ = outcome_counts(result, roles, funnel)
            # Every relation stated holds on the true counts.
            for relation in relations:
                total = sum(c * values[name] for name, c in relation.terms)
                assert total == 0 if relation.kind == "eq" else total <= 0, (group, relation)
            stated = {(relation.kind, frozenset(relation.terms)) for relation in relations}

            def states(kind, terms, stated=stated):
                return (kind, frozenset(terms)) in stated

            variants = sorted([(reliable["reliability"]["value"], "rc", reliable)] + [
                (row["reliability"], f"rc@{row['reliability']}", row)
                for row in reliable["sensitivity"]])
            # A larger reliability, a smaller threshold: improved and deteriorated grow.
            for (_, low, smaller), (_, high, larger) in itertools.pairwise(variants):
                for c in ("improved", "deteriorated"):
                    assert smaller[c]["count"] <= larger[c]["count"], (group, low, high, c)
                    assert states("le", [(f"{low}:{c}", 1.0),
                                         (f"{high}:{c}", -1.0)]), (group, low, high, c)
                assert smaller["unchanged"]["count"] >= larger["unchanged"]["count"]
            clinical = result["clinical_change"]
            if clinical.get("available"):
                assert (clinical["recovered"]["count"] + clinical["improved"]["count"]
                        <= reliable["improved"]["count"]), group
                assert states("le", [("cl:recovered", 1.0), ("cl:improved", 1.0),
                                     ("rc:improved", -1.0)]), group
                for c in ("unchanged", "deteriorated"):
                    assert clinical[c]["count"] <= reliable[c]["count"], (group, c)
                    assert states("le", [(f"cl:{c}", 1.0), (f"rc:{c}", -1.0)])
                assert (clinical["n_started_dysfunctional"] + clinical["n_started_functional"]
                        == result["participation"]["complete_pairs"]), group
            if funnel is not None:
                own, shared = reliable["se_difference"], funnel["se_difference"]
                for c in ("improved", "deteriorated"):
                    mine, theirs = reliable[c]["count"], funnel[c]
                    if own == shared:
                        assert mine == theirs and states("eq", [(f"rc:{c}", -1.0),
                                                                (f"fn:{c}", 1.0)])
                    elif own > shared:
                        assert mine <= theirs and states("le", [(f"rc:{c}", 1.0),
                                                                (f"fn:{c}", -1.0)])
                    else:
                        assert mine >= theirs and states("le", [(f"fn:{c}", 1.0),
                                                                (f"rc:{c}", -1.0)])
            checked += 1
    assert checked >= 3
