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
