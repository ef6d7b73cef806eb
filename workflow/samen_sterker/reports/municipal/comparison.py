"""Comparison with other municipalities (from overview.json) and with earlier years."""

from __future__ import annotations

from samen_sterker.reports import blocks, figures
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, pooled_totals_publishable


def comparison_section(ctx: ReportContext) -> str:
    """Forest plot of the course change per municipality (this one highlighted), and trend."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    label = ctx.outcome_label(primary)
    out = [blocks.heading(t("comparison_heading"), 2)]
    overview = ctx.overview or {}
    comparison = overview.get("outcomes", {}).get(primary, {}).get("comparison", [])
    rows = [
        figures.IntervalRow(
            row["municipality"] or t("other_municipalities_short"),
            row["mean_change"],
            row["ci_low"],
            row["ci_high"],
            highlight=row["municipality_code"] == stats["municipality_code"],
        )
        for row in comparison
        if not row["suppressed"] and row["mean_change"] is not None and row["ci_low"] is not None
    ]
    hidden = sum(1 for row in comparison if row["suppressed"])
    this_shown = any(row.highlight for row in rows)
    if len(rows) < 2 or not this_shown:
        out.append(blocks.paragraph(t("comparison_too_few")))
    else:
        shown_of = len(rows)
        rows = figures.nearest_rows(rows)  # own row and the nearest others (issue 14)
        # The band is the pooled headline change, as the overview's page 1 shows it; like the
        # rows, a couple-aware interval.
        pooled = overview["outcomes"][primary].get("headline_change") or {}
        pooled_ok = available(pooled) and pooled_totals_publishable(overview)
        fig = figures.interval_chart(
            rows,
            axis_label=t("axis_change", outcome=label),
            reference=0.0,
            reference_label=t("legend_no_change"),
            band=(pooled["ci_low"], pooled["ci_high"]) if pooled_ok else None,
            band_label=t("legend_all_municipalities") if pooled_ok else None,
            lang=ctx.lang,
        )
        alt = t(
            "comparison_alt",
            values="; ".join(f"{r.label}: {ctx.num(r.estimate, signed=True)}" for r in rows),
        )
        text = t("comparison_text", outcome=label, figure=ctx.next_number("figure"))
        if pooled_ok:
            text += " " + t("comparison_band")
        out.append(blocks.paragraph(text))
        out.append(
            figures.figure_html(
                fig, ctx.caption("figure", t("comparison_caption", year=stats["year"])), alt
            )
        )
        if len(rows) < shown_of:
            out.append(
                blocks.paragraph(
                    t("comparison_capped", total=shown_of, others=len(rows) - 1), "note"
                )
            )
        if hidden:
            out.append(blocks.paragraph(t("comparison_hidden_small", count=hidden), "note"))
    out.append(_pooled_estimate(ctx, primary))
    out.append(blocks.heading(t("trend_heading"), 3))
    out.append(_trend_block(ctx, primary, label))
    return "".join(out)


def _pooled_estimate(ctx: ReportContext, primary: str) -> str:
    """The municipality's own change beside its partially pooled one from the overview's year
    model, with one sentence on shrinkage. The overview JSON holds a row only for a
    municipality published on its own (stats/pooled.py), so nothing else can be shown."""
    overview, t = ctx.overview or {}, ctx.t
    model = overview.get("outcomes", {}).get(primary, {}).get("year_model") or {}
    if not model or not pooled_totals_publishable(overview):
        return ""
    if model.get("fallback") == "fixed_effects":
        return blocks.paragraph(t("comparison_no_pooled", plural=model["n_municipalities"],
                                 count=model["n_municipalities"]))
    row = next(
        (
            r
            for r in model.get("municipalities", [])
            if r["municipality_code"] == ctx.stats["municipality_code"]
        ),
        None,
    )
    if not available(model) or row is None:
        return ""
    own, pooled = row["raw_change"], row["pooled_change"]
    sentences = []
    if own.get("available", True):
        sentences.append(
            t(
                "comparison_own_estimate",
                estimate=ctx.num(own["estimate"], signed=True),
                low=ctx.num(own["ci_low"], signed=True),
                high=ctx.num(own["ci_high"], signed=True),
            )
        )
    sentences.append(
        t(
            "comparison_pooled_estimate",
            estimate=ctx.num(pooled["estimate"], signed=True),
            low=ctx.num(pooled["ci_low"], signed=True),
            high=ctx.num(pooled["ci_high"], signed=True),
        )
    )
    sentences.append(t("comparison_shrinkage"))
    return blocks.paragraph(" ".join(sentences))


def _trend_block(ctx: ReportContext, primary: str, label: str) -> str:
    trend = ctx.stats.get("trend") or {}
    rows = []
    if available(trend):
        rows = [
            row
            for row in trend.get("by_outcome", {}).get(primary, [])
            if row["mean_change"] is not None
        ]
    if len(rows) < 2:
        return blocks.paragraph(ctx.t("trend_none"))
    fig = figures.trend_chart(
        [row["year"] for row in rows],
        [row["mean_change"] for row in rows],
        [row["ci_low"] for row in rows],
        [row["ci_high"] for row in rows],
        axis_label=ctx.t("axis_change", outcome=label),
        lang=ctx.lang,
    )
    alt = ctx.t(
        "trend_alt",
        values="; ".join(
            f"{row['year']}: {ctx.num(row['mean_change'], signed=True)}" for row in rows
        ),
    )
    return blocks.paragraph(
        ctx.t("trend_ref", figure=ctx.next_number("figure"))
    ) + figures.figure_html(fig, ctx.caption("figure", ctx.t("trend_caption", outcome=label)), alt)
