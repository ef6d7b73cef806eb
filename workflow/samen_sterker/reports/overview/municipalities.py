"""The municipalities side by side: the table (alphabetical, not a ranking) and the funnel
plot of the share reliably improved against the number of participants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks, figures, funders_view
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import (
    available,
    outcomes_in_order,
    share_text,
    suppressed_codes,
)

Json = Mapping[str, Any]


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
        # Its members' own rows say they count in it (a list of them here made one row run
        # over pages in a national year).
        if row["municipality_code"] == "other":
            return t("other_municipalities_short")
        return row["municipality"]

    # Alphabetical, "other municipalities" last.
    ordered = sorted(comparison, key=lambda r: (r["municipality_code"] == "other", name_of(r)))
    for row in ordered:
        if row["suppressed"] or row["municipality_code"] in hidden:
            short = "suppressed_short_in_other" if row["municipality_code"] in in_other else (
                "suppressed_short"
            )
            rows.append([name_of(row), blocks.RestOfRow(t(short))])
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
        # The stats stage put in only groups whose improved count is shown exactly (the
        # disclosure decisions); the others are listed in points_not_shown without it.
        drawable = [p for p in funnel["points"] if not p["suppressed"] and p["n"] > 0]
        withheld = len(funnel.get("points_not_shown", []))
        # Placed at the effective n, where they are judged (docs/methods.md, "Funnel plot").
        points = [
            (
                p.get("n_effective", p["n"]),
                p["share"],
                p["municipality"] or ctx.t("other_municipalities_short"),
                False,
            )
            for p in drawable
        ]
        if not points:
            continue
        shown = True
        label = ctx.outcome_label(name, outcome)
        # With overdispersion the points are judged against the widened limits: draw those.
        limits = funnel.get("limits_inflated") or funnel["limits"]
        fig = figures.funnel_chart(
            [row["n"] for row in limits],
            [row["lower_95"] for row in limits],
            [row["upper_95"] for row in limits],
            [row["lower_998"] for row in limits],
            [row["upper_998"] for row in limits],
            funnel["pooled_share"],
            points,
            # Partners are alike, so a couple counts as less than two (the effective n).
            axis_label_x=t(
                "axis_funnel_n_effective"
                if any("n_effective" in p for p in drawable)
                else "axis_funnel_n"
            ),
            axis_label_y=t("axis_funnel_share"),
            legend_labels=(t("legend_pooled_share"), t("legend_limits_95"), t("legend_limits_998")),
            lang=ctx.lang,
        )
        alt = t(
            "funnel_alt",
            outcome=label,
            pooled=ctx.pct(funnel["pooled_share"]),
            values="; ".join(
                f"{p['municipality'] or t('other_municipalities_short')}: {ctx.pct(p['share'])} "
                f"(n = {ctx.count(p['n'])})"
                for p in drawable
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
