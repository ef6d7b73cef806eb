"""Sections of the pooled overview report of one cohort year, built from overview.json.

Privacy: the stats stage computes pooled figures over the published groups only (each
published municipality, and "other municipalities" when those together meet the thresholds),
so the overview minus the municipal reports never gives a withheld municipality; it says how
many participants are in no published group. Counts not shown exactly carry their decision
(samen_sterker.disclosure); this module renders them and compares no count with a threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks, figures, funders_view, headline
from samen_sterker.reports.appendix import (
    data_quality_appendix,
    methods_appendix,
    provenance_appendix,
)
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
    share_text,
    suppressed_codes,
    withheld_legend,
)

Json = Mapping[str, Any]


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
    out.append(unshown_note(ctx))
    return "".join(out)


def unshown_note(ctx: ReportContext) -> str:
    """How many participants are in no published group (their municipalities too small,
    also together), or that everyone is in one."""
    publication = ctx.stats["publication"]
    count = publication.get("unshown_participants", 0)
    if not count:
        return blocks.paragraph(ctx.t("overview_unshown_none"), "note")
    return blocks.paragraph(
        ctx.t(
            "overview_unshown",
            participants=ctx.count(count),
            municipalities=ctx.num(publication.get("unshown_municipalities", 0), 0),
        ),
        "note",
    )


def meaning(ctx: ReportContext) -> str:
    """What the pooled change means (only when pooled totals may be shown)."""
    if not pooled_totals_publishable(ctx.stats):
        return ""
    return headline.meaning(ctx)


def privacy_note(ctx: ReportContext) -> str:
    """The publication rule and how small municipalities are protected."""
    thresholds = ctx.stats["thresholds"]
    return blocks.paragraph(
        ctx.t(
            "disclosure_rule",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        )
        + " "
        + ctx.t("overview_pooled_rule")
        + " "
        + withheld_legend(ctx),
        "note",
    )


def flow_section(ctx: ReportContext) -> str:
    """Participant flow: started, completed, lost (uitval), measured at each timepoint."""
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("flow_heading"), 2)]
    if not pooled_totals_publishable(stats):
        return "".join(out) + blocks.paragraph(t("flow_hidden"))
    out.append(blocks.paragraph(t("flow_ref", table=ctx.next_number("table"))))
    part = stats["outcomes"][stats["primary_outcome"]]["participation"]
    started, complete = part["participants_at_baseline"], part["complete_pairs"]
    rows = [
        [t("flow_started"), ctx.count(started), ctx.pct(1.0 if started else None)],
        [t("flow_completed"), ctx.count(complete), ctx.pct(part["post_response_rate"])],
        [t("flow_lost"), ctx.count(started - complete), ctx.pct(part["attrition_rate"])],
    ]
    roles = stats["timepoints"]
    for tp in roles["order"]:
        if tp in (roles["baseline"], roles["course_end"]):
            continue
        measured = part["measurements_per_timepoint"].get(tp, 0)
        if measured:
            rows.append(
                [t("flow_measured_at", timepoint=ctx.timepoint_label(tp)), ctx.count(measured), ""]
            )
    out.append(
        blocks.table(
            [t("col_step"), t("col_participants"), t("col_share")],
            rows,
            caption=ctx.caption(
                "table", t("flow_caption", outcome=ctx.outcome_label(stats["primary_outcome"]))
            ),
            numeric_columns=[1, 2],
        )
    )
    out.append(blocks.paragraph(t("flow_youth_care_note"), "note"))
    return "".join(out)


def municipalities_section(ctx: ReportContext) -> str:
    """Table of municipalities (alphabetical, not a ranking), suppressed rows without numbers."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    comparison = stats["outcomes"][primary].get("comparison", [])
    reliable_name = next(
        (
            name
            for name, outcome in stats["outcomes"].items()
            if available(outcome.get("reliable_change"))
        ),
        None,
    )
    out = [
        blocks.heading(t("municipalities_heading"), 2),
        blocks.paragraph(t("municipalities_intro", table=ctx.next_number("table"))),
    ]
    rows = []
    hidden = set(suppressed_codes(stats))
    in_other = {e["municipality_code"] for e in stats["municipalities"] if e.get("group") == "other"}

    def name_of(row: Json) -> str:
        if row["municipality_code"] == "other":
            return t("other_municipalities", names=", ".join(row.get("members") or []))
        return row["municipality"]

    # Alphabetical, "other municipalities" last.
    ordered = sorted(comparison, key=lambda r: (r["municipality_code"] == "other", name_of(r)))
    for row in ordered:
        if row["suppressed"] or row["municipality_code"] in hidden:
            short = "suppressed_short_in_other" if row["municipality_code"] in in_other else (
                "suppressed_short"
            )
            rows.append([name_of(row), t(short), "", "", "", ""])
            continue
        improved = "–"
        if reliable_name is not None:
            match = next(
                (
                    r
                    for r in stats["outcomes"][reliable_name]["comparison"]
                    if r["municipality_code"] == row["municipality_code"]
                ),
                None,
            )
            if match and match.get("reliably_improved"):
                improved = share_text(ctx, match["reliably_improved"])
        rows.append(
            [
                name_of(row),
                ctx.count(row["participants"]),
                ctx.pct(row["post_response_rate"]),
                f"{ctx.num(row['mean_baseline'])} → {ctx.num(row['mean_course_end'])}",
                ctx.change_interval(row["mean_change"], row["ci_low"], row["ci_high"]),
                improved,
            ]
        )
    header = [
        t("col_municipality"),
        t("col_participants"),
        t("col_completion"),
        t("col_before_after"),
        t("col_difference_ci"),
        t(
            "col_reliably_improved",
            outcome=ctx.outcome_label(reliable_name) if reliable_name else "–",
        ),
    ]
    out.append(
        blocks.table(
            header,
            rows,
            caption=ctx.caption(
                "table",
                t("municipalities_caption", outcome=ctx.outcome_label(primary), year=stats["year"]),
            ),
            numeric_columns=[1, 2],
            css_class="wide",
        )
    )
    out.append(funders_view.model_block(ctx))
    return "".join(out)


def funnel_section(ctx: ReportContext) -> str:
    """Funnel plot per outcome with reliable change: share improved against n."""
    stats, t = ctx.stats, ctx.t
    out: list[str] = []
    shown = False
    for name, outcome in outcomes_in_order(stats):
        funnel = outcome.get("funnel") or {}
        if not available(funnel):
            continue
        # The stats stage put in only groups whose improved count is shown exactly.
        drawable = [p for p in funnel["points"] if not p["suppressed"] and p["n"] > 0]
        shown_rows = [
            r for r in outcome.get("comparison", [])
            if not r["suppressed"] and r.get("reliably_improved")
        ]
        withheld = len(shown_rows) - len(drawable)
        points = [
            (p["n"], p["share"], p["municipality"] or ctx.t("other_municipalities_short"), False)
            for p in drawable
        ]
        if not points:
            continue
        shown = True
        label = ctx.outcome_label(name, outcome)
        limits = funnel["limits"]
        fig = figures.funnel_chart(
            [row["n"] for row in limits],
            [row["lower_95"] for row in limits],
            [row["upper_95"] for row in limits],
            [row["lower_998"] for row in limits],
            [row["upper_998"] for row in limits],
            funnel["pooled_share"],
            points,
            axis_label_x=t("axis_funnel_n"),
            axis_label_y=t("axis_funnel_share"),
            legend_labels=(t("legend_pooled_share"), t("legend_limits_95"), t("legend_limits_998")),
            lang=ctx.lang,
        )
        alt = t(
            "funnel_alt",
            outcome=label,
            pooled=ctx.pct(funnel["pooled_share"]),
            values="; ".join(
                f"{municipality}: {ctx.pct(share)} (n = {ctx.count(n)})"
                for n, share, municipality, _ in points
            ),
        )
        out.append(blocks.paragraph(t("funnel_text", outcome=label, figure=ctx.next_number("figure"))))
        out.append(
            figures.figure_html(fig, ctx.caption("figure", t("funnel_caption", outcome=label)), alt)
        )
        if withheld:
            out.append(blocks.paragraph(t("funnel_points_withheld", count=withheld), "note"))
    if not shown:
        out.append(blocks.paragraph(t("funnel_none")))
    out.append(funders_view.funnel_verdict(ctx))
    # A new page for one sentence would leave half a page empty (issue 13).
    return blocks.heading(t("funnel_heading"), 2, needs_room=shown) + "".join(out)


def completers_section(ctx: ReportContext) -> str:
    """Completers-only results beside all-available-data results for each outcome."""
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("completers_heading"), 2)]
    if not pooled_totals_publishable(stats):
        return "".join(out) + blocks.paragraph(t("flow_hidden"))
    out.append(blocks.paragraph(t("completers_intro", table=ctx.next_number("table"))))
    roles = stats["timepoints"]
    baseline, course_end = roles["baseline"], roles["course_end"]
    rows = []
    for name, outcome in outcomes_in_order(stats):
        if not pooled_totals_publishable(stats, name):
            continue
        label = ctx.outcome_label(name, outcome)
        course = outcome["paired"]["course"]
        if available(course):
            rows.append(
                [
                    label,
                    t("analysis_completers"),
                    ctx.count(course["n_pairs"]),
                    f"{ctx.num(course['mean_from'])} → {ctx.num(course['mean_to'])}",
                    ctx.change_interval(course["mean_change"], course["ci_low"], course["ci_high"]),
                ]
            )
        descriptives = outcome.get("descriptives", {})
        if baseline in descriptives and course_end in descriptives:
            before, after = descriptives[baseline], descriptives[course_end]
            rows.append(
                [
                    label,
                    t("analysis_all_available"),
                    f"{ctx.count(before['n'])} / {ctx.count(after['n'])}",
                    f"{ctx.num(before['mean'])} → {ctx.num(after['mean'])}",
                    # Means of different people: their difference is not a change of anyone.
                    "–",
                ]
            )
        # The dyadic model on all pooled measurements (pooled_model holds per-municipality
        # changes, shown nowhere individually).
        model = outcome.get("mixed_model") or {}
        contrast = (model.get("contrasts") or {}).get(course_end) if available(model) else None
        if contrast and "estimate" in contrast:
            rows.append(
                [
                    label,
                    t("analysis_mixed_model"),
                    ctx.count(model.get("n_participants")),
                    "",
                    ctx.change_interval(
                        contrast["estimate"], contrast["ci_low"], contrast["ci_high"]
                    ),
                ]
            )
    out.append(
        blocks.table(
            [
                t("col_outcome"),
                t("col_analysis"),
                t("col_participants"),
                t("col_before_after"),
                t("col_difference_ci"),
            ],
            rows,
            caption=ctx.caption("table", t("completers_caption")),
            numeric_columns=[2],
            css_class="wide",
        )
    )
    return "".join(out)


def trend_section(ctx: ReportContext) -> str:
    """Pooled course change per cohort year."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    label = ctx.outcome_label(primary)
    out = [blocks.heading(t("trend_heading_overview"), 2)]
    trend = stats.get("trend") or {}
    rows = []
    if available(trend) and pooled_totals_publishable(stats):
        rows = [
            row
            for row in (trend.get("pooled") or {}).get(primary, [])
            if not row["suppressed"] and row["ci_low"] is not None
        ]
    if len(rows) < 2:
        return "".join(out) + blocks.paragraph(t("trend_none"))
    fig = figures.trend_chart(
        [row["year"] for row in rows],
        [row["mean_change"] for row in rows],
        [row["ci_low"] for row in rows],
        [row["ci_high"] for row in rows],
        axis_label=t("axis_change", outcome=label),
        lang=ctx.lang,
    )
    alt = t(
        "trend_alt",
        values="; ".join(
            f"{row['year']}: {ctx.num(row['mean_change'], signed=True)}" for row in rows
        ),
    )
    out.append(blocks.paragraph(t("trend_ref", figure=ctx.next_number("figure"))))
    figure = figures.figure_html(
        fig, ctx.caption("figure", t("trend_caption", outcome=label)), alt
    )
    return "".join(out) + figure + funders_view.trend_block(ctx)


def cost_section(ctx: ReportContext) -> str:
    """Cost per participant and per reliably improved participant, with honest context."""
    stats, t = ctx.stats, ctx.t
    cost = stats.get("cost") or {}
    out = [blocks.heading(t("cost_heading"), 2)]
    if not available(cost):
        out.append(blocks.paragraph(t("cost_unavailable")))
    elif not pooled_totals_publishable(stats):
        out.append(blocks.paragraph(t("flow_hidden")))
    else:
        rows = [
            [t("cost_per_participant"), ctx.euro(cost["course_cost_per_participant"])],
            [t("cost_participants_started"), ctx.count(cost["participants_started"])],
            [t("cost_total"), ctx.euro(cost["total_cost"])],
        ]
        for name, entry in (cost.get("by_outcome") or {}).items():
            # Cost per improved gives the improved count back (total cost / cost per improved).
            # Only present when the improved count is shown exactly (the stats stage decides).
            if entry.get("cost_per_reliably_improved") is None:
                continue
            rows.append(
                [
                    t("cost_per_improved", outcome=ctx.outcome_label(name)),
                    ctx.euro(entry["cost_per_reliably_improved"]),
                ]
            )
        out.append(blocks.paragraph(t("cost_ref", table=ctx.next_number("table"))))
        out.append(
            blocks.table(
                [t("col_item"), t("col_value")],
                rows,
                caption=ctx.caption("table", t("cost_caption")),
                numeric_columns=[1],
            )
        )
        out.append(blocks.paragraph(t("cost_caveat")))
        if stats.get("synthetic_data"):
            out.append(blocks.paragraph(t("cost_illustrative"), "note"))
    out.append(blocks.paragraph(t("cost_context")))
    return "".join(out)


def interaction_text(ctx: ReportContext) -> str:
    """Whether the change differs between municipalities: the pooled model's test (a p-value,
    so in the appendix)."""
    stats = ctx.stats
    primary = stats["primary_outcome"]
    interaction = (stats["outcomes"][primary].get("pooled_model") or {}).get("interaction_test")
    comparison = stats["outcomes"][primary].get("comparison", [])
    if (
        interaction
        and interaction.get("p") is not None
        and len(comparison) > 1
        and pooled_totals_publishable(stats)
    ):
        return blocks.heading(ctx.t("technical_heading"), 3) + blocks.paragraph(
            ctx.t("municipalities_interaction", p=ctx.p(interaction["p"]))
        )
    return ""


def appendix(ctx: ReportContext) -> str:
    """Methods, data quality of every export of the year, provenance."""
    return (
        methods_appendix(ctx)
        + interaction_text(ctx)
        + blocks.paragraph(ctx.t("reference_econovision"), "note")
        + data_quality_appendix(ctx, hide_municipalities=set(suppressed_codes(ctx.stats)))
        + provenance_appendix(ctx)
    )
