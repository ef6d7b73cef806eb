"""The attacker's view of a year: every published count as a linear constraint, and the
interval an integer program can derive for every withheld count.

Cells are non-negative integers (counts of people). A year's publications give, per cell, an
exact value, a range, or nothing; relations between cells (a total is the sum of its parts,
a part is at most its whole) hold whatever is published. For each withheld cell we minimise
and maximise it subject to all of that with scipy's `milp` (HiGHS): the result is exactly
what someone holding every PDF and stats file of the year can know of it. We do the same with
only the group sizes published (the *prior*: what the number of participants alone says), so
a cell counts as *narrowed* only when the publications say more than the group's size does.

Speed at national size: the funnel's counts add up across every municipality, so one
component of the problem holds a few cells of each municipality, and every withheld cell in it
needs two optimisations over all of them. Those run as linear programs on one HiGHS model per
component (`highspy`), each re-solved from the previous optimal basis after changing only the
objective. A linear program's optimum is the integer program's whenever its optimal vertex is
integral (the LP is a relaxation, and that vertex is an integer solution attaining its bound);
sums and at-most relations usually give integral vertices, and when one is not, that bound is
solved again as the integer program (`milp`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csc_array

EXACT, RANGE, WITHHELD = "exact", "range", "withheld"
DEFAULT_PROTECTION_WIDTH = 5
# Stands for "no upper bound" in the solver (HiGHS reports unbounded and infeasible alike);
# no count of people comes near it.
UNBOUNDED = 10**7


@dataclass(frozen=True)
class Relation:
    """sum(coefficient * cell) == 0 (kind 'eq') or <= 0 (kind 'le')."""

    terms: tuple[tuple[str, float], ...]
    kind: str = "eq"

    @staticmethod
    def total(total: str, parts: Iterable[str]) -> Relation:
        """total = sum(parts)."""
        return Relation(((total, -1.0), *((part, 1.0) for part in parts)))

    @staticmethod
    def at_most(part: str, whole: str) -> Relation:
        """part <= whole."""
        return Relation(((part, 1.0), (whole, -1.0)), "le")


@dataclass(frozen=True)
class Published:
    """What a year's publications say of one cell: exact value, range [low, high] or nothing."""

    how: str
    low: int | None = None
    high: int | None = None

    @staticmethod
    def exact(value: int) -> Published:
        return Published(EXACT, int(value), int(value))

    @staticmethod
    def range(low: int, high: int | None) -> Published:
        return Published(RANGE, int(low), None if high is None else int(high))

    @staticmethod
    def withheld() -> Published:
        return Published(WITHHELD)


@dataclass
class Problem:
    """Cells (id → true value), relations, what is published, which cells are protected."""

    values: dict[str, int]
    relations: list[Relation] = field(default_factory=list)
    published: dict[str, Published] = field(default_factory=dict)
    # Cells the prior knows: the group sizes (participants) as they are published.
    frame: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when unbounded

    @property
    def values(self) -> float:
        """How many integers the interval holds."""
        return self.high - self.low + 1


def verdict(derived: Interval, prior: Interval, protection_width: int) -> str:
    """'safe' unless the publications narrow the cell beyond its prior to within 1..w-1 or to
    fewer than w possible values (w = protection width)."""
    narrowed = derived.low > prior.low or derived.high < prior.high
    if not narrowed:
        return "safe"
    if derived.low >= 1 and derived.high <= protection_width - 1:
        return f"disclosed: within 1-{protection_width - 1}"
    if derived.values < protection_width:
        return f"disclosed: fewer than {protection_width} possible values"
    return "safe"


def _bounds(problem: Problem, known: Mapping[str, Published]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for cell in problem.values:
        shown = known.get(cell)
        if shown is None or shown.how == WITHHELD:
            bounds[cell] = (0.0, math.inf)
        else:
            bounds[cell] = (float(shown.low), math.inf if shown.high is None else float(shown.high))
    return bounds


def _components(cells: Sequence[str], relations: Sequence[Relation],
                fixed: set[str]) -> list[tuple[list[str], list[Relation]]]:
    """Connected groups of cells that are not fixed, linked by relations (union-find)."""
    parent = {cell: cell for cell in cells}

    def find(cell: str) -> str:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        free = [cell for cell, _ in relation.terms if cell not in fixed]
        for other in free[1:]:
            parent[find(other)] = find(free[0])
    members: dict[str, list[str]] = {}
    for cell in cells:
        if cell not in fixed:
            members.setdefault(find(cell), []).append(cell)
    linked: dict[str, list[Relation]] = {}
    for relation in relations:
        free = [cell for cell, _ in relation.terms if cell not in fixed]
        if free:
            linked.setdefault(find(free[0]), []).append(relation)
    return [(cells_, linked.get(root, [])) for root, cells_ in members.items()]


def derive(problem: Problem, known: Mapping[str, Published], targets: Iterable[str],
           cache: dict | None = None) -> dict[str, Interval]:
    """The integer interval of each target cell that `known` and the relations allow.

    cache: results per component (its cells, bounds, relations and constants), reused when
    the same component comes back (secondary suppression changes a few components a round).
    """
    bounds = _bounds(problem, known)
    fixed = {cell for cell, (low, high) in bounds.items() if low == high}
    wanted = set(targets)
    result = {cell: Interval(bounds[cell][0], bounds[cell][1]) for cell in wanted & fixed}
    for cells, relations in _components(list(problem.values), problem.relations, fixed):
        todo = [cell for cell in cells if cell in wanted]
        if not todo:
            continue
        key = (
            tuple(cells),
            tuple(bounds[c] for c in cells),
            tuple((r.kind, tuple((c, w, bounds[c] if c in fixed else None) for c, w in r.terms))
                  for r in relations),
        )
        if cache is not None and key in cache and set(todo) <= set(cache[key]):
            result.update({cell: cache[key][cell] for cell in todo})
            continue
        index = {cell: i for i, cell in enumerate(cells)}
        rows, cols, data, upper, lower = [], [], [], [], []
        for r, relation in enumerate(relations):
            constant = 0.0
            for cell, coefficient in relation.terms:
                if cell in index:
                    rows.append(r)
                    cols.append(index[cell])
                    data.append(coefficient)
                else:
                    constant += coefficient * bounds[cell][0]
            upper.append(-constant)
            lower.append(-constant if relation.kind == "eq" else -np.inf)
        matrix = coo_array((data, (rows, cols)), shape=(len(relations), len(cells)))
        box = Bounds([bounds[c][0] for c in cells],
                     [min(bounds[c][1], UNBOUNDED) for c in cells])
        bounds_of = _ComponentBounds(matrix, np.array(lower), np.array(upper), box)
        for cell in todo:
            low, high = bounds_of.cell(index[cell], cell)
            result[cell] = Interval(low, math.inf if high >= UNBOUNDED else high)
        if cache is not None:
            cache.setdefault(key, {}).update({cell: result[cell] for cell in todo})
    return result


class _ComponentBounds:
    """The least and greatest integer value of each cell of one component, by warm-started LP.

    Constraints lower <= matrix @ x <= upper and the box; one HiGHS model, whose objective is
    changed per bound. A non-integral LP vertex is solved again as the integer program.
    """

    def __init__(self, matrix: coo_array, lower: np.ndarray, upper: np.ndarray,
                 box: Bounds) -> None:
        self.matrix, self.lower, self.upper, self.box = matrix, lower, upper, box
        n = matrix.shape[1]
        columns = csc_array(matrix)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, matrix.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_, lp.col_upper_ = np.asarray(box.lb, float), np.asarray(box.ub, float)
        lp.row_lower_ = np.where(np.isinf(lower), -highspy.kHighsInf, lower)
        lp.row_upper_ = upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = columns.indptr
        lp.a_matrix_.index_ = columns.indices
        lp.a_matrix_.value_ = columns.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # One thread: the same bounds in the same order, whatever the machine.
        self.highs.setOptionValue("threads", 1)
        # After a change of objective the last optimal basis is still feasible: primal simplex
        # continues from it (the default dual simplex took twice as long at N=342).
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.passModel(lp)
        self.costed: int | None = None

    def cell(self, column: int, name: str) -> tuple[int, int]:
        """Least and greatest value of one cell."""
        return self._extreme(column, 1.0, name), -self._extreme(column, -1.0, name)

    def _extreme(self, column: int, sign: float, name: str) -> int:
        """min over the feasible integers of sign * x[column]."""
        if self.costed is not None and self.costed != column:
            self.highs.changeColCost(self.costed, 0.0)
        self.highs.changeColCost(column, sign)
        self.costed = column
        self.highs.run()
        if self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(self.highs.getSolution().col_value)
            if np.all(np.abs(x - np.round(x)) <= 1e-7):
                return round(sign * x[column])
        return self._integer_program(column, sign, name)

    def _integer_program(self, column: int, sign: float, name: str) -> int:
        objective = np.zeros(self.matrix.shape[1])
        objective[column] = sign
        constraints = []
        if self.matrix.shape[0]:
            constraints = [LinearConstraint(self.matrix.tocsr(), self.lower, self.upper)]
        solution = milp(objective, constraints=constraints, bounds=self.box,
                        integrality=np.ones(self.matrix.shape[1]))
        if solution.status != 0:
            raise RuntimeError(
                f"disclosure audit: the published numbers of cell {name} are "
                f"inconsistent or the solver failed ({solution.message})"
            )
        return round(solution.fun)


@dataclass(frozen=True)
class Finding:
    cell: str
    published: Published
    derived: Interval
    prior: Interval
    verdict: str


def audit(problem: Problem, protected: Iterable[str],
          protection_width: int = DEFAULT_PROTECTION_WIDTH,
          cache: dict | None = None) -> list[Finding]:
    """Derivable interval and verdict of every protected cell that is not published exactly.

    cache: pass the same dict to repeated audits of one problem (see `derive`).
    """
    targets = [cell for cell in protected
               if problem.published.get(cell, Published.withheld()).how != EXACT]
    derived = derive(problem, problem.published, targets, cache)
    prior_known = {cell: problem.published[cell] for cell in problem.frame
                   if cell in problem.published}
    prior = derive(problem, prior_known, targets, cache)
    return [
        Finding(cell, problem.published.get(cell, Published.withheld()), derived[cell],
                prior[cell], verdict(derived[cell], prior[cell], protection_width))
        for cell in targets
    ]
