"""Ratings before and after: per outcome the means per timepoint (figure and table) and the
changes between timepoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks, figures
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import (
    available,
    outcomes_in_order,
    pair_publishable,
    published_timepoints,
)

Json = Mapping[str, Any]


def ratings_section(ctx: ReportContext) -> str:
    """Per outcome: means with CIs and quartile bands per timepoint, and the changes."""
    stats, t = ctx.stats, ctx.t
    out = [
        blocks.heading(t("ratings_heading"), 2, new_page=True),
        blocks.paragraph(t("ratings_intro")),
    ]
    for name, outcome in outcomes_in_order(stats):
        label = ctx.outcome_label(name, outcome)
        out.append(blocks.heading(label, 3))
        if outcome["publication"]["suppressed"]:
            out.append(blocks.paragraph(t("outcome_suppressed")))
            continue
        timepoints = published_timepoints(stats, name)
        hidden = [
            tp
            for tp in stats["timepoints"]["order"]
            if tp in outcome.get("descriptives", {}) and tp not in timepoints
        ]
        descriptives = outcome["descriptives"]
        # The stats stage withholds these beside a clinical count not shown exactly (rule 8).
        quartiles_hidden = [tp for tp in timepoints if descriptives[tp]["median"] is None]
        out.append(
            blocks.paragraph(
                t(
                    "ratings_ref",
                    outcome=label,
                    figure=ctx.next_number("figure"),
                    table=ctx.next_number("table"),
                )
            )
        )
        scale = (outcome["scale_min"], outcome["scale_max"])
        labels = [ctx.timepoint_label(tp) for tp in timepoints]
        fig = figures.before_after_chart(
            labels,
            [descriptives[tp]["mean"] for tp in timepoints],
            [descriptives[tp]["ci_low"] for tp in timepoints],
            [descriptives[tp]["ci_high"] for tp in timepoints],
            scale=scale,
            quartiles=[
                None
                if tp in quartiles_hidden
                else (descriptives[tp]["q1"], descriptives[tp]["median"], descriptives[tp]["q3"])
                for tp in timepoints
            ],
            axis_label=t(
                "axis_score", outcome=label, low=ctx.num(scale[0], 0), high=ctx.num(scale[1], 0)
            ),
            quartile_label=t("legend_middle_half"),
            mean_label=t("legend_mean_ci"),
            lang=ctx.lang,
        )
        alt = t(
            "before_after_alt",
            outcome=label,
            values="; ".join(
                f"{ctx.timepoint_label(tp)}: {ctx.num(descriptives[tp]['mean'])}"
                for tp in timepoints
            ),
        )
        out.append(
            figures.figure_html(
                fig,
                ctx.caption(
                    "figure",
                    t(
                        "before_after_caption_no_quartiles"
                        if len(quartiles_hidden) == len(timepoints)
                        else "before_after_caption",
                        outcome=label,
                    ),
                ),
                alt,
            )
        )
        rows = [
            [
                ctx.timepoint_label(tp),
                ctx.count(descriptives[tp]["n"]),
                ctx.num(descriptives[tp]["mean"]),
                ctx.interval(descriptives[tp]["ci_low"], descriptives[tp]["ci_high"]),
                ctx.num(descriptives[tp]["median"]),
            ]
            for tp in timepoints
        ]
        out.append(
            blocks.table(
                [
                    t("col_timepoint"),
                    t("col_respondents"),
                    t("col_mean"),
                    t("col_ci"),
                    t("col_median"),
                ],
                rows,
                caption=ctx.caption("table", t("descriptives_caption", outcome=label)),
                numeric_columns=[1, 2, 4],
            )
        )
        # What the table leaves out, and why: whole timepoints, then quartiles (rule 8).
        for key, timepoints in (("timepoints_hidden", hidden),
                                ("quartiles_hidden", quartiles_hidden)):
            if timepoints:
                labels = ", ".join(ctx.timepoint_label(tp) for tp in timepoints)
                out.append(blocks.paragraph(t(key, timepoints=labels), "note"))
        out.append(_changes_table(ctx, name, outcome))
    return "".join(out)


def _change_rows(ctx: ReportContext, outcome: Json) -> list[tuple[str, Json]]:
    """(label, Paired) of the changes that may be shown: waiting period, course, follow-ups."""
    paired = outcome["paired"]
    baseline = ctx.timepoint_label(ctx.stats["timepoints"]["baseline"])
    rows = []
    waiting = paired.get("waiting_period")
    if pair_publishable(ctx, waiting):
        rows.append((ctx.t("change_waiting"), waiting))
    if available(paired["course"]):
        rows.append((ctx.t("change_course"), paired["course"]))
    for tp, result in paired.get("follow_up", {}).items():
        if pair_publishable(ctx, result):
            label = f"{baseline} → {ctx.timepoint_label(tp)}"
            rows.append((ctx.t("change_follow_up", timepoint=label), result))
    return rows


def _changes_table(ctx: ReportContext, name: str, outcome: Json) -> str:
    # Changes only, no means: the page's means are those of every questionnaire (the table
    # above); the completers' own means would be a second, unlabelled set (issue 13).
    rows = [
        [
            label,
            ctx.count(result["n_pairs"]),
            ctx.num(result["mean_change"], signed=True),
            ctx.interval(result["ci_low"], result["ci_high"]),
        ]
        for label, result in _change_rows(ctx, outcome)
    ]
    if not rows:
        return blocks.paragraph(ctx.t("changes_none"))
    return blocks.paragraph(
        ctx.t("changes_ref", table=ctx.next_number("table"))
    ) + blocks.table(
        [ctx.t("col_change"), ctx.t("col_pairs"), ctx.t("col_difference"), ctx.t("col_ci")],
        rows,
        caption=ctx.caption(
            "table", ctx.t("changes_caption", outcome=ctx.outcome_label(name, outcome))
        ),
        numeric_columns=[1, 2],
    )
