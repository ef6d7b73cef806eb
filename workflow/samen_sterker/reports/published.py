"""What the stats stage published, and how a count not shown exactly reads.

Shared by the municipal and the overview report. These helpers render the stats stage's
disclosure decisions (samen_sterker.disclosure, docs/privacy.md) and never compare a count
with a threshold themselves: a group in no publication shows no numbers at all, a withheld
outcome, timepoint or comparison has no numbers in the JSON, and a count not shown exactly
carries its decision (`disclosure`: a range such as 'hoogstens 4' or 'minstens 13 van de 17',
or not shown), explained by one legend in every report (`withheld_legend`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports.context import ReportContext

Json = Mapping[str, Any]


def is_suppressed(stats: Json) -> bool:
    """Whether the whole group is below the publication threshold."""
    return bool(stats.get("publication", {}).get("suppressed", True))


def available(obj: Json | None) -> bool:
    return bool(obj) and bool(obj.get("available", False))


def published_outcomes(stats: Json) -> list[str]:
    """Outcomes whose course change may be published, primary first."""
    names = list(stats.get("outcomes", {}))
    primary = stats.get("primary_outcome")
    names.sort(key=lambda name: name != primary)
    return [name for name in names if not stats["outcomes"][name]["publication"]["suppressed"]]


def published_timepoints(stats: Json, outcome: str) -> list[str]:
    """Timepoints of an outcome, in order, whose cell may be published."""
    observed = stats["outcomes"][outcome].get("descriptives", {})
    return [
        tp
        for tp in stats["timepoints"]["order"]
        if tp in observed and not observed[tp].get("withheld")
    ]


def outcomes_in_order(stats: Json) -> list[tuple[str, Json]]:
    primary = stats.get("primary_outcome")
    return sorted(stats["outcomes"].items(), key=lambda item: item[0] != primary)


def pair_publishable(ctx: ReportContext, result: Json) -> bool:
    """Whether a paired comparison is published (the stats stage withholds the others)."""
    return available(result)


def primarily_suppressed(overview: Json) -> list[str]:
    """Codes of municipalities not published on their own (the stats stage decided)."""
    return [
        entry["municipality_code"]
        for entry in overview.get("municipalities", [])
        if entry.get("suppressed")
    ]


suppressed_codes = primarily_suppressed


def pooled_totals_publishable(overview: Json, outcome: str | None = None) -> bool:
    """Whether the overview has pooled figures of an outcome (default: the primary).

    Pooled figures are computed over the published groups only (docs/privacy.md), so they
    are shown whenever the stats stage published them.
    """
    outcome = outcome or overview["primary_outcome"]
    block = overview.get("outcomes", {}).get(outcome)
    return not (
        block is None
        or overview["publication"]["suppressed"]
        or block["publication"]["suppressed"]
    )


def decision(share: Json) -> Json:
    """How a count is published (samen_sterker.disclosure): exact, range or withheld."""
    return share.get("disclosure") or {"how": "exact"}


def count_exact(share: Json) -> bool:
    return decision(share)["how"] == "exact" and share.get("count") is not None


def count_text(ctx: ReportContext, share: Json) -> str:
    """A count as published: '14', 'hoogstens 4', 'minstens 13', '9 tot 13' or '–'."""
    if count_exact(share):
        return ctx.count(share["count"])
    shown = decision(share)
    if shown["how"] != "range":
        return ctx.t("count_not_shown")
    low, high, n = shown["low"], shown["high"], share.get("n")
    if low == 0:
        return ctx.t("count_at_most", high=ctx.count(high))
    if n is not None and high == n:
        return ctx.t("count_at_least", low=ctx.count(low))
    return ctx.t("count_between", low=ctx.count(low), high=ctx.count(high))


def share_text(ctx: ReportContext, share: Json, *, n: str | None = None) -> str:
    """'60% (21 van 35)'; a count not shown exactly as its published bounds ('minstens 13 van
    de 17', 'hoogstens 4 van de 17') or 'niet getoond (van de 17)'."""
    n = ctx.count(share["n"]) if n is None else n
    if count_exact(share) and share["share"] is None:
        # Its n is not shown exactly (a clinical class): no percentage, which would give n.
        return ctx.t("share_withheld", count=ctx.count(share["count"]), n=n)
    if count_exact(share):
        return ctx.t(
            "share_with_count",
            percent=ctx.pct(share["share"]),
            count=ctx.count(share["count"]),
            n=n,
        )
    shown = decision(share)
    if shown["how"] != "range":
        return ctx.t("share_not_shown", n=n)
    low, high = shown["low"], shown["high"]
    if low == 0:
        return ctx.t("share_at_most", high=ctx.count(high), n=n)
    if high == share.get("n"):
        return ctx.t("share_at_least", low=ctx.count(low), n=n)
    return ctx.t("share_between", low=ctx.count(low), high=ctx.count(high), n=n)


def withheld_legend(ctx: ReportContext) -> str:
    """The one legend for counts not shown exactly, in every report."""
    width = ctx.stats["thresholds"].get("protection_width", 5)
    return ctx.t("withheld_legend", width=width, small=width - 1)
