"""Reliable change: how many participants improved, stayed the same or got worse by more
than the measurement error, and how many recovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks, figures
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import (
    available,
    count_exact,
    count_text,
    decision,
    outcomes_in_order,
    share_text,
    withheld_legend,
)

Json = Mapping[str, Any]


RELIABLE_CATEGORIES = ("improved", "unchanged", "deteriorated")


def reliable_change_section(ctx: ReportContext) -> str:
    """Improved / unchanged / deteriorated with counts and couple-aware 95% intervals."""
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("reliable_heading"), 2)]
    shown = False
    for name, outcome in outcomes_in_order(stats):
        reliable = outcome.get("reliable_change") or {}
        if outcome["publication"]["suppressed"] or not available(reliable):
            continue
        shown = True
        label = ctx.outcome_label(name, outcome)
        out.append(blocks.heading(label, 3))
        out.append(
            blocks.paragraph(
                t(
                    "reliable_text",
                    outcome=label,
                    threshold=ctx.num(reliable["minimal_reliable_change"]),
                    figure=ctx.next_number("figure"),
                    table=ctx.next_number("table"),
                )
            )
        )
        categories = [
            ("improved", t("category_improved")),
            ("unchanged", t("category_unchanged")),
            ("deteriorated", t("category_deteriorated")),
        ]
        labels, shares, lows, highs, count_labels, rows = [], [], [], [], [], []
        ranges = []
        for key, category in categories:
            share = reliable[key]
            shown_exactly = count_exact(share)
            shown = decision(share)
            labels.append(category)
            # A category not shown exactly is drawn as its published range, never as a bar.
            shares.append(share["share"] if shown_exactly else 0.0)
            lows.append(share["ci_low"] if shown_exactly else 0.0)
            highs.append(share["ci_high"] if shown_exactly else 0.0)
            ranges.append(
                (shown["low"] / share["n"], shown["high"] / share["n"])
                if shown["how"] == "range" and share["n"]
                else None
            )
            count_labels.append(share_text(ctx, share))
            rows.append(
                [
                    category,
                    count_text(ctx, share),
                    ctx.pct(share["share"]) if shown_exactly else "–",
                    ctx.pct_interval(share["ci_low"], share["ci_high"]) if shown_exactly else "–",
                ]
            )
        fig = figures.share_chart(
            labels,
            shares,
            lows,
            highs,
            count_labels,
            axis_label=t("axis_share_participants"),
            lang=ctx.lang,
            ranges=ranges,
        )
        alt = t(
            "reliable_alt",
            outcome=label,
            values="; ".join(f"{c}: {text}" for c, text in zip(labels, count_labels, strict=True)),
        )
        out.append(
            figures.figure_html(fig, ctx.caption("figure", t("reliable_caption", outcome=label)), alt)
        )
        out.append(
            blocks.table(
                [t("col_category"), t("col_count"), t("col_share"), t("col_ci")],
                rows,
                caption=ctx.caption(
                    "table",
                    t("reliable_table_caption", n=ctx.count(reliable["n"]), outcome=label),
                ),
                numeric_columns=[1, 2],
            )
        )
        if not all(count_exact(reliable[key]) for key in RELIABLE_CATEGORIES):
            out.append(blocks.paragraph(withheld_legend(ctx), "note"))
        clinical = _clinical_text(ctx, outcome)
        if clinical:
            out.append(blocks.paragraph(clinical, "note"))
    if not shown:
        out.append(blocks.paragraph(t("reliable_none")))
    return "".join(out)


def _clinical_text(ctx: ReportContext, outcome: Json) -> str:
    clinical = outcome.get("clinical_change") or {}
    if clinical.get("withheld") and clinical.get("cutoff"):
        return ctx.t("clinical_too_few", cutoff=ctx.num(clinical["cutoff"]["value"]))
    if not available(clinical):
        return ""
    n = clinical["n_started_dysfunctional"]
    recovered = clinical["recovered"]
    if n is None:
        starters = clinical["n_started_dysfunctional_disclosure"]
        n_text = count_text(ctx, {"count": None, "n": None, "disclosure": starters})
        # The recovered are some of the starters: a range up to the starters' own upper
        # bound reads "at least 2 of the 14 to 18", not "2 to 18 of the 14 to 18".
        recovered = {**recovered, "n": (starters or {}).get("high")}
    else:
        n_text = ctx.count(n)
    return ctx.t(
        "clinical_text",
        cutoff=ctx.num(clinical["cutoff"]["value"]),
        n=n_text,
        recovered=share_text(ctx, recovered, n=n_text),
    )
