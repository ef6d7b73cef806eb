"""Which cell of a cohort year's publications is shown, shown as a range, or withheld, and why.

The one place that compares counts with the privacy thresholds (config `privacy`):

- *Groups.* A municipality is published when its primary outcome has at least
  `min_respondents` respondents and `min_couples` couples at baseline, at course end and with
  both (the course change). The others are pooled into one group, "other municipalities",
  published only when it meets the same thresholds itself. The overview's pooled figures are
  computed over the published groups only, so nothing is subtracted from them to find a
  withheld group, and a municipality that meets the thresholds always keeps its own report.
- *Statistics.* A mean, median, quantile, SD, CI or test is shown only when its respondents
  and couples meet the thresholds (per timepoint, per comparison).
- *Counts.* The protected counts are the reliable and clinical change classes: how many
  people improved, stayed the same or got worse. Within a published group such a count of fewer than `protection_width` people (0
  included, so that "shown exactly" never tells a reader "at least 5") is shown as the range
  0 to w-1 ("at most 4"; primary suppression). Secondary suppression then withholds as little
  as possible: while the audit (samen_sterker.disclosure.audit) narrows a withheld count to
  within 1-4 or to fewer than w possible values, the smallest exact count in a relation with
  it is withheld too; a withheld count is finally shown as the range a reader can derive
  anyway, when that says more than the group's size.
- *Rank tests.* The Wilcoxon test of the course change bounds the change classes of the
  same people, so it is shown only where all of those are shown exactly (`_rank_test_reasons`).
- *Quantiles.* A median or quartile at baseline or course end says how many scores lie on
  either side of a clinical cut-off, so it is shown only where every clinical count of the
  outcome over the same people is shown exactly (`_quantile_reasons`).
- Participation counts of a published group (participants, couples, starters, completers,
  respondents per timepoint) are published and not protected: every mean with its CI gives
  its n away. Of a group in no published group nothing is shown but, summed over all such
  groups, how many participants they have.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from samen_sterker.disclosure.audit import (
    DEFAULT_PROTECTION_WIDTH,
    EXACT,
    RANGE,
    WITHHELD,
    Problem,
    Published,
    Relation,
    audit,
)

OTHER = "other"
POOLED = "pooled"
FEWER_RESPONDENTS = "fewer_respondents_than_min"
FEWER_COUPLES = "fewer_couples_than_min"
GROUP_BELOW = "group_below_thresholds"
OUTCOME_BELOW = "outcome_below_thresholds"
STATISTIC_BELOW = "statistic_below_thresholds"
SMALL_COUNT = "count_below_protection_width"
SECONDARY = "secondary_suppression"
RANKS_BESIDE_PROTECTED = "protected_count_not_shown_exactly"
# No report shows the pooled group's clinical classes, so they are not published at all: their
# starters add up over the municipalities (a fixed cut-off), and stating that sum joined every
# municipality's clinical counts into one linked set of the audit (over 9 CPU-minutes at 342
# municipalities, 88 s before) to protect what nobody reads.
POOLED_CLINICAL_NOT_PUBLISHED = "pooled_clinical_classes_not_published"
QUANTILES_BESIDE_CLINICAL = "clinical_count_not_shown_exactly"
# The cells of the primary outcome that decide whether a group is published.
GROUP_SCOPES = ("baseline", "course_end", "course_change")


def thresholds_of(config: Mapping) -> dict:
    """Thresholds from config `privacy` (defaults 10 respondents, 5 couples, width 5)."""
    privacy = config.get("privacy") or {}
    return {
        "min_respondents": int(privacy.get("min_respondents", 10)),
        "min_couples": int(privacy.get("min_couples", 5)),
        "protection_width": int(privacy.get("protection_width", DEFAULT_PROTECTION_WIDTH)),
    }


def publication_cell(respondents: int, couples: int, thresholds: Mapping[str, int]) -> dict:
    """Whether a statistic of these respondents and couples may be published, and why not."""
    reasons = []
    if respondents < thresholds["min_respondents"]:
        reasons.append(FEWER_RESPONDENTS)
    if couples < thresholds["min_couples"]:
        reasons.append(FEWER_COUPLES)
    return {
        "respondents": int(respondents),
        "couples": int(couples),
        "suppressed": bool(reasons),
        "reasons": reasons,
    }


def add_cells(cells: Iterable[Mapping[str, int]]) -> dict:
    """Respondents and couples of several groups together (couples never span groups)."""
    cells = list(cells)
    return {
        "respondents": sum(int(c["respondents"]) for c in cells),
        "couples": sum(int(c["couples"]) for c in cells),
    }


def group_reasons(scopes: Mapping[str, Mapping[str, int]], thresholds: Mapping) -> list[str]:
    """Why a group is not published ([] when it is): its primary outcome's GROUP_SCOPES."""
    return [
        f"{scope}:{reason}"
        for scope in GROUP_SCOPES
        for reason in publication_cell(
            scopes[scope]["respondents"], scopes[scope]["couples"], thresholds
        )["reasons"]
    ]


def decide_groups(scopes_by_code: Mapping[str, Mapping[str, Mapping[str, int]]],
                  thresholds: Mapping) -> dict:
    """Which municipalities are published on their own, and whether the others together are.

    scopes_by_code: municipality code → {scope: {respondents, couples}} for GROUP_SCOPES.
    """
    municipalities = {}
    for code in sorted(scopes_by_code):
        reasons = group_reasons(scopes_by_code[code], thresholds)
        municipalities[code] = {"published": not reasons, "reasons": reasons}
    members = [code for code, entry in municipalities.items() if not entry["published"]]
    other_scopes = {
        scope: add_cells(scopes_by_code[code][scope] for code in members) for scope in GROUP_SCOPES
    }
    other_reasons = group_reasons(other_scopes, thresholds) if members else ["no_members"]
    # One member alone would be published under another name.
    if len(members) == 1:
        other_reasons = ["one_member", *other_reasons]
    for code in members:
        municipalities[code]["group"] = OTHER if not other_reasons else None
    for code, entry in municipalities.items():
        if entry["published"]:
            entry["group"] = code
    shown = [code for code, entry in municipalities.items() if entry["published"]]
    return {
        "municipalities": municipalities,
        "other": {"members": members, "published": not other_reasons, "reasons": other_reasons},
        "shown_groups": shown + ([OTHER] if not other_reasons else []),
    }


def cell_id(group: str, outcome: str, quantity: str) -> str:
    return f"{group}/{outcome}/{quantity}"


RELIABLE = ("improved", "unchanged", "deteriorated")
# Counts that say how people's ratings moved (reliable and clinical change classes) are
# protected. Participation counts (participants, couples, starters, completers, respondents
# per timepoint, pairs) are published: every mean with its CI gives its n away anyway.
PROTECTED_PREFIXES = ("rc", "cl:", "fn:improved", "fn:unchanged", "fn:deteriorated")
CLINICAL = ("recovered", "improved", "unchanged", "deteriorated")


def outcome_counts(result: Mapping, roles: Mapping,
                   common: Mapping[str, int] | None = None) -> tuple[dict, list, set]:
    """Count cells of one group's outcome (analyse_outcome result): values, relations (in
    quantity names) and the frame quantities (participation counts, not protected).

    common: the group's counts at the year's common reliable-change threshold (the funnel's,
    `stats.funnel.common_threshold_counts`: n and each class), as cells `fn:n` (frame) and
    `fn:improved`, `fn:unchanged`, `fn:deteriorated` (protected)."""
    part = result["participation"]
    values = {
        "participants": part["participants"],
        "couples": part["couples"],
        "started": part["participants_at_baseline"],
        "complete": part["complete_pairs"],
        "lost": part["participants_at_baseline"] - part["complete_pairs"],
    }
    relations = [Relation.total("started", ["complete", "lost"])]
    for tp, count in part["measurements_per_timepoint"].items():
        values[f"n_at:{tp}"] = count
        relations.append(Relation.at_most(f"n_at:{tp}", "participants"))
    relations.append(Relation.total("started", [f"n_at:{roles['baseline']}"]))
    relations.append(Relation.at_most("complete", f"n_at:{roles['course_end']}"))
    paired = result["paired"]
    comparisons = [("waiting_period", paired["waiting_period"]),
                   ("course_vs_waiting", paired["course_vs_waiting"])]
    comparisons += [(f"follow_up:{tp}", r) for tp, r in paired["follow_up"].items()]
    for name, comparison in comparisons:
        if comparison.get("available"):
            values[f"pairs:{name}"] = comparison["n_pairs"]
            relations.append(Relation.at_most(f"pairs:{name}", "participants"))
    reliable = result["reliable_change"]
    if reliable.get("available"):
        variants = [("rc", reliable)] + [
            (f"rc@{row['reliability']}", row) for row in reliable["sensitivity"]
        ]
        for prefix, variant in variants:
            for category in RELIABLE:
                values[f"{prefix}:{category}"] = variant[category]["count"]
            relations.append(
                Relation.total("complete", [f"{prefix}:{c}" for c in RELIABLE])
            )
    clinical = result["clinical_change"]
    if clinical.get("available"):
        values["cl:dysfunctional"] = clinical["n_started_dysfunctional"]
        values["cl:functional"] = clinical["n_started_functional"]
        relations.append(Relation.total("complete", ["cl:dysfunctional", "cl:functional"]))
        for category in CLINICAL:
            values[f"cl:{category}"] = clinical[category]["count"]
        relations.append(
            Relation.total("cl:dysfunctional", [f"cl:{c}" for c in CLINICAL])
        )
    if common is not None:
        values["fn:n"] = common["n"]
        for category in RELIABLE:
            values[f"fn:{category}"] = common[category]
        relations.append(Relation.total("fn:n", [f"fn:{c}" for c in RELIABLE]))
        # The same people: those with baseline and course end.
        if common["n"] == values["complete"]:
            relations.append(Relation.total("complete", ["fn:n"]))
        # The pooled group's own threshold is the common one: the same classes.
        for category in RELIABLE:
            if common[category] == values.get(f"rc:{category}"):
                relations.append(Relation.total(f"rc:{category}", [f"fn:{category}"]))
    return values, relations, {q for q in values if not q.startswith(PROTECTED_PREFIXES)}


def statistic_scopes(result: Mapping, thresholds: Mapping) -> dict[str, list[str]]:
    """Per statistic of one group's outcome, why it is withheld ([] when shown)."""
    publication = result["publication"]
    outcome_reasons = [OUTCOME_BELOW] if publication["suppressed"] else []
    scopes = {}
    for tp in result["descriptives"]:
        cell = publication["by_timepoint"][tp]
        scopes[f"descriptives:{tp}"] = outcome_reasons + cell["reasons"]
    course = outcome_reasons + publication["course_change"]["reasons"]
    scopes["change:course"] = course
    # The course model is the headline's fit: its course-end contrast is the headline change.
    for name in ("reliable_change", "clinical_change", "mixed_model", "course_model",
                 "headline_change", "pooled_model"):
        scopes[name] = list(course)
    clinical = result["clinical_change"]
    if clinical.get("available") and (
        clinical["n_started_dysfunctional"] < thresholds["min_respondents"]
    ):
        scopes["clinical_change"].append(f"started_dysfunctional:{FEWER_RESPONDENTS}")
    # Means of completers and non-completers: each group must meet the respondent threshold
    # (couples are not split by completion here, so only respondents are checked).
    attrition = result["participation"]["completers_vs_noncompleters"]
    scopes["attrition_comparison"] = outcome_reasons + [
        f"{side}:{FEWER_RESPONDENTS}"
        for side in ("n_completers", "n_noncompleters")
        if attrition[side] < thresholds["min_respondents"]
    ]
    paired = result["paired"]
    for name, comparison in [("waiting_period", paired["waiting_period"]),
                             ("course_vs_waiting", paired["course_vs_waiting"]),
                             *((f"follow_up:{tp}", r) for tp, r in paired["follow_up"].items())]:
        if comparison.get("available"):
            cell = publication_cell(comparison["n_pairs"], comparison["n_couples"], thresholds)
            scopes[f"change:{name}"] = outcome_reasons + cell["reasons"]
    return scopes


class DisclosureError(RuntimeError):
    """The published numbers of a year would disclose a withheld count."""


def _problem(results: Mapping[str, Mapping[str, Mapping]], groups: Mapping, roles: Mapping,
             pooled_members: Sequence[str], common: Mapping[str, Mapping[str, Mapping]]
             ) -> tuple[Problem, dict[str, str], set[str]]:
    """All count cells of the year, their relations, and each cell's group status."""
    problem = Problem(values={})
    status: dict[str, str] = {}  # cell → "shown", "frame", "hidden"
    protected: set[str] = set()
    shown_groups = set(groups["shown_groups"]) | {POOLED}
    for group, outcomes in results.items():
        for outcome, result in outcomes.items():
            values, relations, frame = outcome_counts(
                result, roles, common.get(group, {}).get(outcome)
            )
            if group == POOLED:
                # Not published (POOLED_CLINICAL_NOT_PUBLISHED), so no cells: every relation
                # they were in follows from the members' own.
                values = {q: v for q, v in values.items() if not q.startswith("cl:")}
                relations = [r for r in relations
                             if not any(q.startswith("cl:") for q, _ in r.terms)]
            for quantity, value in values.items():
                cell = cell_id(group, outcome, quantity)
                problem.values[cell] = int(value)
                if quantity in frame:
                    problem.frame.add(cell)
                else:
                    protected.add(cell)
                status[cell] = "shown" if group in shown_groups else "hidden"
            for relation in relations:
                problem.relations.append(Relation(
                    tuple((cell_id(group, outcome, q), c) for q, c in relation.terms),
                    relation.kind,
                ))
    # Additive counts (not the reliable-change classes: each group has its own SD at baseline;
    # the funnel's classes are additive, they share one threshold; so are those starting on
    # either side of the clinical cut-off, a fixed score).
    additive = {"participants", "couples", "started", "complete", "lost", "fn:n",
                *(f"fn:{c}" for c in RELIABLE), "cl:dysfunctional", "cl:functional"}
    members_of = {POOLED: list(pooled_members)}
    if OTHER in results:
        members_of[OTHER] = groups["other"]["members"]
    for whole, members in members_of.items():
        for outcome, result in results.get(whole, {}).items():
            for quantity in outcome_counts(result, roles, common.get(whole, {}).get(outcome))[0]:
                if quantity not in additive and not quantity.startswith("n_at:"):
                    continue
                if cell_id(whole, outcome, quantity) not in problem.values:
                    continue  # not published (the pooled clinical classes)
                parts = [cell_id(m, outcome, quantity) for m in members
                         if cell_id(m, outcome, quantity) in problem.values]
                if quantity.startswith(("fn:", "cl:")) and len(parts) < len(members):
                    continue  # a member without these counts: no total to state
                problem.relations.append(
                    Relation.total(cell_id(whole, outcome, quantity), parts)
                )
    return problem, status, protected


def decide_year(results: Mapping[str, Mapping[str, Mapping]], groups: Mapping,
                roles: Mapping, thresholds: Mapping, primary: str,
                common: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None) -> dict:
    """Decide every count cell and statistic of a year, then audit; raise DisclosureError.

    results: group → outcome → analyse_outcome result (fit_mixed not needed), for every
    municipality, OTHER (when its members are published together) and POOLED (over the shown
    groups). groups: decide_groups(...). primary: the primary outcome's name. common: group →
    outcome → the funnel's counts at the common threshold (see `outcome_counts`).
    """
    width = thresholds["protection_width"]
    common = common or {}
    pooled_members = list(groups["shown_groups"])
    problem, status, protected = _problem(results, groups, roles, pooled_members, common)
    reasons: dict[str, str] = {}
    statistics: dict[str, dict[str, dict[str, list[str]]]] = {}
    for group, outcomes in results.items():
        hidden = status[cell_id(group, primary, "participants")] == "hidden"
        statistics[group] = {}
        for outcome, result in outcomes.items():
            scopes = statistic_scopes(result, thresholds)
            if hidden:
                scopes = {scope: [GROUP_BELOW] for scope in scopes}
            if group == POOLED:
                scopes["clinical_change"] = [POOLED_CLINICAL_NOT_PUBLISHED]
            statistics[group][outcome] = scopes
            outcome_hidden = hidden or result["publication"]["suppressed"]
            values, _, frame = outcome_counts(result, roles, common.get(group, {}).get(outcome))
            for quantity, value in values.items():
                cell = cell_id(group, outcome, quantity)
                if hidden:
                    reasons[cell] = GROUP_BELOW
                elif outcome_hidden:
                    reasons[cell] = OUTCOME_BELOW
                elif quantity.startswith(("rc", "cl:", "fn:")) and scopes["reliable_change"]:
                    reasons[cell] = STATISTIC_BELOW
                elif quantity not in frame and value < width:
                    reasons[cell] = SMALL_COUNT
    published = {}
    for cell, value in problem.values.items():
        reason = reasons.get(cell)
        if reason is None:
            published[cell] = Published.exact(value)
        elif reason == SMALL_COUNT:
            published[cell] = Published.range(0, width - 1)
        else:
            published[cell] = Published.withheld()
    # How many participants are in no published group is not published either: from one such
    # municipality it would be that municipality's count, and from two, either one's count
    # to the other (rule 1: a municipality in no group gets no number at all).
    problem.published = published

    # Secondary suppression: withhold the smallest exact count next to each disclosed one.
    neighbours: dict[str, set[str]] = {}
    for relation in problem.relations:
        cells_of_relation = [cell for cell, _ in relation.terms]
        for cell in cells_of_relation:
            neighbours.setdefault(cell, set()).update(cells_of_relation)
    cache: dict = {}
    while True:
        findings = audit(problem, protected, width, cache)
        disclosed = [f for f in findings if f.verdict != "safe"]
        if not disclosed:
            break
        chosen = set()
        for finding in disclosed:
            candidates = sorted(
                (problem.values[c], c)
                for c in neighbours.get(finding.cell, ())
                if c in protected and published[c].how == EXACT
            )
            if candidates:
                chosen.add(candidates[0][1])
        if not chosen:
            raise DisclosureError(
                "disclosure: no further count can be withheld to protect cell(s) "
                + ", ".join(sorted(f.cell for f in disclosed))
            )
        for cell in chosen:
            published[cell] = Published.withheld()
            reasons[cell] = SECONDARY

    # A secondarily withheld count is shown as what can be derived of it anyway, if anything.
    for finding in findings:
        if reasons.get(finding.cell) == SECONDARY and (
            finding.derived.low > finding.prior.low or finding.derived.high < finding.prior.high
        ):
            published[finding.cell] = Published.range(finding.derived.low, finding.derived.high)
    findings = audit(problem, protected, width, cache)
    bad = [f for f in findings if f.verdict != "safe"]
    if bad:
        raise DisclosureError(
            "disclosure audit failed: "
            + "; ".join(f"{f.cell} ({f.verdict})" for f in bad)
        )
    not_exact = {tuple(cell.split("/")[:2]) for cell in protected
                 if published[cell].how != EXACT}
    clinical_not_exact = {
        tuple(cell.split("/")[:2]) for cell in protected
        if published[cell].how != EXACT and cell.split("/")[2].startswith("cl:")
    }
    holds = {group: _municipalities_of(group, groups) for group in statistics}
    for group, outcomes in statistics.items():
        for outcome, scopes in outcomes.items():
            scopes["wilcoxon:course"] = _rank_test_reasons(
                group, outcome, scopes, holds, not_exact)
            for tp in (roles["baseline"], roles["course_end"]):
                if f"descriptives:{tp}" in scopes:
                    scopes[f"quantiles:{tp}"] = _quantile_reasons(
                        group, outcome, scopes[f"descriptives:{tp}"], holds,
                        clinical_not_exact)
    cells = {}
    for cell, shown in published.items():
        entry = {"how": shown.how, "reason": reasons.get(cell)}
        if shown.how == RANGE:
            entry |= {"low": shown.low, "high": shown.high}
        cells[cell] = entry
    return {
        "thresholds": dict(thresholds),
        "cells": cells,
        "statistics": statistics,
        "audit": [
            {
                "cell": f.cell,
                "published_as": _published_text(f.published),
                "derivable_low": f.derived.low,
                "derivable_high": _finite(f.derived.high),
                "prior_low": f.prior.low,
                "prior_high": _finite(f.prior.high),
                "verdict": f.verdict,
            }
            for f in sorted(findings, key=lambda f: f.cell)
        ],
    }


def _municipalities_of(group: str, groups: Mapping) -> set[str]:
    """The municipalities whose participants a group holds (POOLED: every one in a shown
    group, the members of "other municipalities" included)."""
    if group == POOLED:
        return {code for code, entry in groups["municipalities"].items()
                if entry.get("group") is not None}
    if group == OTHER:
        return set(groups["other"]["members"])
    return {group}


def _rank_test_reasons(group: str, outcome: str, scopes: Mapping[str, list[str]],
                       holds: Mapping[str, set[str]],
                       not_exact: set[tuple[str, str]]) -> list[str]:
    """Why the Wilcoxon test of a group's course change (participants and couple means) is
    withheld ([] when shown): rule 7 of docs/privacy.md.

    The test is on the same people and the same change as the reliable and clinical classes
    and the funnel's, and its V, n_nonzero and n_zeros bound how many changes went up, went
    down or stayed put (at V's maximum nobody went down: deteriorated = 0), with ties even
    more (changes all of one size: V = m(n+1)/2 gives m). The audit's linear cells cannot
    hold that, so the test is shown only where it can narrow nothing: every protected count
    of the outcome, in every group holding any of the same participants, is shown exactly.
    """
    if scopes["change:course"]:
        return list(scopes["change:course"])
    shared = any(name == outcome and holds[group] & holds[other] for other, name in not_exact)
    return [RANKS_BESIDE_PROTECTED] if shared else []


def _quantile_reasons(group: str, outcome: str, timepoint_reasons: list[str],
                      holds: Mapping[str, set[str]],
                      clinical_not_exact: set[tuple[str, str]]) -> list[str]:
    """Why a group's median and quartiles at baseline or course end are withheld ([] when
    shown): rule 8 of docs/privacy.md.

    Quantiles are rank information: R type-7 q3 = x13 + 0.75(x14 - x13) >= 13.5 of 18 scores
    says x14..x18 >= 13.5, so at least 5 start at or above a cut-off of 13.5, and with at
    most 1 drop-out at least 4 completers start functional, which "at most 4" then pins. The
    clinical counts (starters on either side, the classes, recovered meaning ending beyond
    the cut-off) are defined by the scores at baseline and course end only, so those two
    timepoints' quantiles are shown only where every clinical count of the outcome, in every
    group holding any of the same participants, is shown exactly; then they narrow nothing.
    An outcome without a cut-off has no clinical counts and keeps its quantiles.
    """
    if timepoint_reasons:
        return list(timepoint_reasons)
    shared = any(name == outcome and holds[group] & holds[other]
                 for other, name in clinical_not_exact)
    return [QUANTILES_BESIDE_CLINICAL] if shared else []


def _finite(value: float) -> int | None:
    """An interval's end; None when nothing published bounds it."""
    return None if math.isinf(value) else int(value)


def _published_text(shown: Published) -> str:
    if shown.how == RANGE:
        return f"range {shown.low}-{shown.high}"
    return shown.how


__all__ = [
    "EXACT",
    "OTHER",
    "POOLED",
    "RANGE",
    "WITHHELD",
    "DisclosureError",
    "decide_groups",
    "decide_year",
    "publication_cell",
    "thresholds_of",
]
