"""The municipal report's technical details in the appendix: per outcome the headline
change with its method and p-value, the checks behind it, the effect size, the mixed model's
table and the benchmarks. The only place these statistical terms appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, is_suppressed, outcomes_in_order

Json = Mapping[str, Any]


def technical_details(ctx: ReportContext) -> str:
    """Appendix: per outcome the headline change with its method and p-value, the checks
    (paired t-test, couple means), the effect size, the mixed model and the benchmarks."""
    stats, t = ctx.stats, ctx.t
    if is_suppressed(stats):
        return ""
    out = [blocks.heading(t("technical_heading"), 3), blocks.paragraph(t("technical_intro"))]
    for name, outcome in outcomes_in_order(stats):
        course = outcome["paired"]["course"]
        if outcome["publication"]["suppressed"] or not available(course):
            continue
        out.append(blocks.heading(ctx.outcome_label(name, outcome), 4))
        texts = []
        change = outcome.get("headline_change") or {}
        if available(change):
            source = "mixed_model" if change["source"] == "mixed_model" else "couple_means"
            texts.append(
                t(
                    "headline_technical",
                    change=ctx.num(change["estimate"], signed=True),
                    ci=ctx.ci_technical(change["ci_low"], change["ci_high"]),
                    p=ctx.p(change.get("p")),
                    method=t(f"headline_source_{source}"),
                )
            )
        texts.append(
            t(
                "paired_check_text",
                change=ctx.num(course["mean_change"], signed=True),
                ci=ctx.ci_technical(course["ci_low"], course["ci_high"]),
                n=ctx.count(course["n_pairs"]),
                couples=ctx.count(course["n_couples"]),
            )
        )
        headline = course.get("headline_effect_size") or {}
        if headline.get("estimate") is not None:
            # No Cohen label ("large"): those describe controlled effects, not pre/post change.
            texts.append(
                t(
                    "effect_size_text",
                    g=ctx.num(headline["estimate"], 2),
                    ci=ctx.ci_technical(headline["ci_low"], headline["ci_high"], 2),
                )
            )
            texts.append(t("effect_size_no_control"))
        couple = outcome["couple_means"]["course"]
        if available(couple):
            texts.append(
                t(
                    "couple_means_text",
                    change=ctx.num(couple["mean_change"], signed=True),
                    ci=ctx.ci_technical(couple["ci_low"], couple["ci_high"]),
                    n=ctx.count(couple["n_pairs"]),
                )
            )
        reliable = outcome.get("reliable_change") or {}
        if available(reliable):
            texts.append(
                t(
                    "reliability_source",
                    outcome=ctx.outcome_label(name, outcome),
                    reliability=ctx.num(reliable["reliability"]["value"], 2),
                    citation=reliable["reliability"]["citation"],
                )
            )
        out.append(blocks.paragraphs(texts))
        out.append(_mixed_model_block(ctx, name, outcome))
    out.append(blocks.heading(t("benchmarks_heading"), 4))
    out.append(blocks.paragraph(_benchmark_text(ctx)))
    return "".join(out)


def _mixed_model_block(ctx: ReportContext, name: str, outcome: Json) -> str:
    t = ctx.t
    model = outcome.get("mixed_model") or {}
    if not available(model):
        return blocks.paragraph(t("mixed_model_unavailable"), "note")
    baseline = ctx.stats["timepoints"]["baseline"]
    rows = []
    for tp in ctx.stats["timepoints"]["order"]:
        contrast = model.get("contrasts", {}).get(tp)
        # A timepoint the stats stage withheld has no estimate.
        if not contrast or contrast.get("available") is False or "estimate" not in contrast:
            continue
        rows.append(
            [
                # The contrast is tp minus baseline, also for a timepoint before the baseline.
                t(
                    "contrast_label",
                    timepoint=ctx.timepoint_label(tp),
                    baseline=ctx.timepoint_label(baseline),
                ),
                ctx.num(contrast["estimate"], signed=True),
                ctx.interval(contrast["ci_low"], contrast["ci_high"]),
                ctx.p(contrast["p"]),
            ]
        )
    parts = [blocks.paragraph(t("mixed_model_text"))]
    if rows:
        parts.append(
            blocks.table(
                [t("col_comparison"), t("col_difference"), t("col_ci_technical"), t("col_p")],
                rows,
                caption=ctx.caption(
                    "table", t("mixed_model_caption", outcome=ctx.outcome_label(name, outcome))
                ),
                numeric_columns=[1],
            )
        )
    if model.get("icc_partner") is not None:
        parts.append(blocks.paragraph(t("mixed_model_icc", icc=ctx.num(model["icc_partner"], 2))))
    if model.get("icc_change") is not None:
        parts.append(
            blocks.paragraph(t("mixed_model_icc_change", icc=ctx.num(model["icc_change"], 2)))
        )
    warnings = []
    if model.get("singular") or model.get("rule_applied"):
        warnings.append(t("warning_singular"))
    if model.get("warnings"):
        warnings.append(t("warning_model_messages"))
    if warnings:
        parts.append(blocks.bullets(warnings, "note"))
    return "".join(parts)


def _benchmark_text(ctx: ReportContext) -> str:
    primary = ctx.stats["outcomes"][ctx.stats["primary_outcome"]]
    headline = primary["paired"]["course"].get("headline_effect_size") or {}
    if primary["publication"]["suppressed"] or headline.get("estimate") is None:
        return ctx.t("benchmarks_text_no_estimate")
    return ctx.t("benchmarks_text", g=ctx.num(headline["estimate"], 2))
