"""Who took part: participation per timepoint, couples, and who skipped the questionnaire
after the course.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available

Json = Mapping[str, Any]


def participation_section(ctx: ReportContext) -> str:
    """Participation per timepoint, couples, attrition and whether drop-outs started lower."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    part = stats["outcomes"][primary]["participation"]
    out = [blocks.heading(t("participation_heading"), 2)]
    out.append(blocks.paragraph(_couples_text(ctx, part)))
    out.append(blocks.paragraph(t("participation_table_ref", table=ctx.next_number("table"))))
    rows = [
        [ctx.timepoint_label(tp), ctx.count(part["measurements_per_timepoint"][tp])]
        for tp in stats["timepoints"]["order"]
        if part["measurements_per_timepoint"].get(tp, 0)
    ]
    out.append(
        blocks.table(
            [t("col_timepoint"), t("col_respondents")],
            rows,
            caption=ctx.caption(
                "table", t("participation_table_caption", outcome=ctx.outcome_label(primary))
            ),
            numeric_columns=[1],
        )
    )
    attrition = t(
        "attrition_text",
        complete=ctx.count(part["complete_pairs"]),
        started=ctx.count(part["participants_at_baseline"]),
        rate=ctx.pct(part["post_response_rate"]),
    )
    out.append(blocks.paragraph(attrition))
    out.append(blocks.paragraph(_attrition_comparison_text(ctx, part)))
    tipping = stats["outcomes"][primary].get("attrition_tipping_point") or {}
    if available(tipping) and tipping["delta_to_zero"] is not None:
        # What the data can and cannot show about those who skipped the questionnaire; a
        # tipping point beyond the scale's worst score is no tipping point (stats/attrition.py).
        if tipping["delta_to_zero_possible"]:
            text = t("attrition_tipping", delta=ctx.num(tipping["delta_to_zero"]))
        else:
            text = t("attrition_tipping_beyond_scale")
        out.append(blocks.paragraph(text))
    return "".join(out)


def _couples_text(ctx: ReportContext, part: Json) -> str:
    """Couples with both / one partner (participation counts are published)."""
    counts = {
        "participants": ctx.count(part["participants"]),
        "couples": ctx.count(part["couples"]),
    }
    one, both = part["couples_one_partner"], part["couples_both_partners"]
    if not one:
        return ctx.t("participation_text_all_both", **counts)
    return " ".join((
        ctx.t("participation_text", **counts),
        ctx.t("participation_both_partners", plural=both, both=ctx.count(both)),
        ctx.t("participation_one_partner", plural=one, one=ctx.count(one)),
    ))


def _attrition_comparison_text(ctx: ReportContext, part: Json) -> str:
    comparison = part["completers_vs_noncompleters"]
    # Withheld by the stats stage unless each group itself meets the threshold.
    if not available(comparison):
        return ctx.t("attrition_comparison_too_few")
    difference, low, high = (comparison[k] for k in ("difference", "ci_low", "ci_high"))
    if low <= 0 <= high:
        return ctx.t("attrition_comparison_unclear", ci=ctx.ci(low, high))
    if difference < 0:
        # "started 2,3 points lower", so the interval of how much lower: 0,4 to 4,2.
        return ctx.t(
            "attrition_comparison_lower", difference=ctx.num(-difference), ci=ctx.ci(-high, -low)
        )
    return ctx.t("attrition_comparison_higher", difference=ctx.num(difference), ci=ctx.ci(low, high))
