"""Page 1 of the overview: title, pooled key figures, how many participants are in no
published group, what the change means, and the publication rule.
"""

from __future__ import annotations

from samen_sterker.reports import blocks, headline
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.headline import (
    before_after_figure,
    completion_figure,
    reliable_figure,
)
from samen_sterker.reports.published import (
    available,
    outcomes_in_order,
    pooled_totals_publishable,
)


def title_block(ctx: ReportContext) -> str:
    """Banner, title and subtitle of the overview."""
    stats = ctx.stats
    parts = []
    if stats.get("synthetic_data"):
        parts.append(blocks.box(ctx.t("synthetic_banner"), "banner", role="note"))
    parts.append(blocks.heading(ctx.t("overview_title", year=stats["year"]), 1))
    parts.append(
        blocks.paragraph(
            ctx.t("overview_subtitle", year=stats["year"], count=len(stats["municipalities"])),
            "subtitle",
        )
    )
    return "".join(parts)


def report_title(ctx: ReportContext) -> str:
    """The PDF title of the overview."""
    return ctx.t("overview_title", year=ctx.stats["year"])


def key_figures(ctx: ReportContext) -> str:
    """Page 1 of the overview: pooled participants, completion, change, reliable change."""
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("summary_heading"), 2)]
    if not pooled_totals_publishable(stats):
        out.append(blocks.box(t("overview_nothing_published"), "suppressed", role="note"))
        out.append(unshown_note(ctx))
        return "".join(out)
    primary = stats["primary_outcome"]
    outcome = stats["outcomes"][primary]
    part = outcome["participation"]
    items = [
        blocks.KeyFigure(
            t("kf_municipalities_label"),
            # A number of municipalities, not of people: no small-count rule.
            ctx.num(len(stats["municipalities"]), 0),
            t(
                "kf_participants_in_couples",
                participants=ctx.count(part["participants"]),
                couples=ctx.count(part["couples"]),
            ),
        ),
        completion_figure(ctx, part),
    ]
    headline: list[blocks.KeyFigure] = []  # the change comes first, as in the municipal report
    course = outcome["paired"]["course"]
    if available(course):
        headline.append(
            before_after_figure(ctx, primary, course, headline=outcome.get("headline_change"))
        )
    for name, other in outcomes_in_order(stats):
        reliable = other.get("reliable_change") or {}
        if not available(reliable):
            continue
        label = ctx.outcome_label(name, other)
        headline.append(reliable_figure(ctx, label, reliable))
    out.append(blocks.key_figures(headline + items))
    if available(course) and available(outcome.get("headline_change") or {}):
        # Whose change: the participants together, not the average municipality's (that is
        # the funder's year model; docs/methods.md, "Pooled year").
        out.append(blocks.paragraph(t("overview_change_all_participants"), "note"))
    out.append(unshown_note(ctx))
    return "".join(out)


def unshown_note(ctx: ReportContext) -> str:
    """From how many municipalities participants are in no published group (too small, also
    together), or that everyone is in one; never how many participants (docs/privacy.md)."""
    municipalities = ctx.stats["publication"].get("unshown_municipalities", 0)
    if not municipalities:
        return blocks.paragraph(ctx.t("overview_unshown_none"), "note")
    return blocks.paragraph(
        ctx.t("overview_unshown", municipalities=ctx.num(municipalities, 0)), "note"
    )


def meaning(ctx: ReportContext) -> str:
    """What the pooled change means (only when pooled totals may be shown)."""
    if not pooled_totals_publishable(ctx.stats):
        return ""
    return headline.meaning(ctx)


def privacy_note(ctx: ReportContext) -> str:
    """The publication rule, how small municipalities are protected, and the legend."""
    return headline.privacy_note(ctx, "overview_pooled_rule")
