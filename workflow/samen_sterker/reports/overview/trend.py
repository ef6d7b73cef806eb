"""The pooled course change per cohort year (`trend.pooled`), and the change per year fitted to
these points (`outcomes.<primary>.change_trend`)."""

from __future__ import annotations

from samen_sterker.reports import blocks, figures, funders_view
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, pooled_totals_publishable


def trend_section(ctx: ReportContext) -> str:
    """Pooled course change per cohort year."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    label = ctx.outcome_label(primary)
    out = [blocks.heading(t("trend_heading_overview"), 2)]
    trend = stats.get("trend") or {}
    rows = []
    if available(trend) and pooled_totals_publishable(stats):
        # Every row with a change is a point, and the slope of funders_view.trend_block is
        # fitted to exactly these (stats/change_trend.py).
        rows = [
            row
            for row in (trend.get("pooled") or {}).get(primary, [])
            if row["mean_change"] is not None
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
