"""Cost per participant and per reliably improved participant, with honest context.
"""

from __future__ import annotations

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, pooled_totals_publishable


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
