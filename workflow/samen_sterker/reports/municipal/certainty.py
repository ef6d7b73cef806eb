"""How sure we are: the headline change in plain words and what the design cannot show.

The checks behind it are in the appendix (samen_sterker.reports.technical_appendix).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.headline import reading_sentences
from samen_sterker.reports.published import available, outcomes_in_order

Json = Mapping[str, Any]


def certainty_section(ctx: ReportContext) -> str:
    """The headline change in plain words, how sure it is, and what the design cannot show.

    The checks behind it (per-participant and per-couple tests, effect size, the model's
    table) are in the appendix (`technical_details`): no statistical term before it.
    """
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("certainty_heading"), 2)]
    for name, outcome in outcomes_in_order(stats):
        if outcome["publication"]["suppressed"]:
            continue
        course = outcome["paired"]["course"]
        out.append(blocks.heading(ctx.outcome_label(name, outcome), 3))
        if not available(course):
            out.append(blocks.paragraph(t("changes_none")))
            continue
        out.append(blocks.paragraphs(_headline_texts(ctx, outcome)))
    out.append(blocks.paragraph(t("certainty_details"), "note"))
    out.append(blocks.heading(t("design_heading"), 3))
    out.append(blocks.bullets(_design_caveats(ctx)))
    return "".join(out)


def _headline_texts(ctx: ReportContext, outcome: Json) -> list[str]:
    """The headline change with its CI in words, the reading of the CI and the detectable
    change (the reading is chosen by samen_sterker.stats.change, never here)."""
    t = ctx.t
    change = outcome.get("headline_change") or {}
    if not available(change):
        return []
    texts = [
        t(
            "headline_change_text",
            change=ctx.num(change["estimate"], signed=True),
            ci=ctx.ci(change["ci_low"], change["ci_high"]),
        ),
        t("headline_model_note" if change["source"] == "mixed_model" else "headline_fallback_note"),
    ]
    if change["ci_low"] <= 0 <= change["ci_high"]:
        texts.append(t("paired_test_includes_zero"))
    texts += reading_sentences(ctx, change)
    if change.get("smallest_effect_of_interest") is not None:
        texts.append(t("sesoi_explained", sesoi=ctx.num(change["smallest_effect_of_interest"], 1)))
    texts.append(t("mde_text", mde=ctx.num(change["minimal_detectable_effect"])))
    return texts


def _design_caveats(ctx: ReportContext) -> list[str]:
    t = ctx.t
    items = [t("caveat_no_control"), t("caveat_regression_to_mean"), t("caveat_nji")]
    primary = ctx.stats["outcomes"][ctx.stats["primary_outcome"]]
    course = primary["paired"]["course"]
    if available(course) and course["n_pairs"] < 30:
        items.append(t("caveat_small_n", n=ctx.count(course["n_pairs"])))
    if any(available(o["paired"].get("waiting_period")) for o in ctx.stats["outcomes"].values()):
        items.append(t("caveat_waiting_list"))
    return items
