"""Page 1 of the municipal report: title, key figures, the publication rule, or the notice
that the group is too small to publish.
"""

from __future__ import annotations

from samen_sterker.reports import blocks, headline
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.headline import before_after_figure, completion_figure, reliable_figure
from samen_sterker.reports.published import available, published_outcomes


def title_block(ctx: ReportContext) -> str:
    """Synthetic-data banner, title and subtitle."""
    stats = ctx.stats
    parts = []
    if stats.get("synthetic_data"):
        parts.append(blocks.box(ctx.t("synthetic_banner"), "banner", role="note"))
    parts.append(
        blocks.heading(
            ctx.t("municipal_title", municipality=stats["municipality"], year=stats["year"]), 1
        )
    )
    parts.append(blocks.paragraph(ctx.t("municipal_subtitle", year=stats["year"]), "subtitle"))
    return "".join(parts)


def suppressed_notice(ctx: ReportContext) -> str:
    """The whole report when the group is below the threshold: no numbers at all."""
    thresholds = ctx.stats["thresholds"]
    # No municipality is withheld to protect another (docs/privacy.md): only its own numbers.
    return blocks.heading(ctx.t("suppressed_heading"), 2) + blocks.box(
        ctx.t(
            "suppressed_text",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        ),
        "suppressed",
        role="note",
    )


def key_figures(ctx: ReportContext) -> str:
    """Page 1: participants, completion, primary outcome before → after, reliable change."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    part = stats["outcomes"][primary]["participation"]
    # The headline (change of the primary outcome, reliable change) comes first.
    headline: list[blocks.KeyFigure] = []
    items = [
        blocks.KeyFigure(
            t("kf_participants_label"),
            ctx.count(part["participants"]),
            t("kf_participants_detail", couples=ctx.count(part["couples"])),
        ),
        completion_figure(ctx, part),
    ]
    for name in published_outcomes(stats):
        course = stats["outcomes"][name]["paired"]["course"]
        if not available(course):
            continue
        if name == primary:
            headline.append(
                before_after_figure(
                    ctx,
                    name,
                    course,
                    headline=stats["outcomes"][name].get("headline_change"),
                )
            )
        reliable = stats["outcomes"][name]["reliable_change"]
        if available(reliable):
            headline.append(reliable_figure(ctx, ctx.outcome_label(name), reliable))
    return blocks.heading(t("summary_heading"), 2) + blocks.key_figures(headline + items)


def privacy_note(ctx: ReportContext) -> str:
    """The publication rule and the legend for counts not shown exactly."""
    return headline.privacy_note(ctx)


def report_title(ctx: ReportContext) -> str:
    """The PDF title (metadata) of the municipal report."""
    return ctx.t("municipal_title", municipality=ctx.stats["municipality"], year=ctx.stats["year"])
