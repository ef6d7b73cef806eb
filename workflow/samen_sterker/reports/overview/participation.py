"""Who took part and who finished: the participant flow, and completers-only results beside
all available data.
"""

from __future__ import annotations

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import (
    available,
    outcomes_in_order,
    pooled_totals_publishable,
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
