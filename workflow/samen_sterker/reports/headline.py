"""The headline blocks both reports open with: key figures for completion, the course change
and reliable change, and what the change means (from where its interval lies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, count_exact, share_text, withheld_legend

Json = Mapping[str, Any]


def completion_figure(ctx: ReportContext, part: Json) -> blocks.KeyFigure:
    """'90% / 19 of the 21': participation counts are published (docs/privacy.md)."""
    t = ctx.t
    return blocks.KeyFigure(
        t("kf_completion_label"),
        ctx.pct(part["post_response_rate"]),
        t(
            "kf_completion_detail",
            complete=ctx.count(part["complete_pairs"]),
            started=ctx.count(part["participants_at_baseline"]),
        ),
    )


def before_after_figure(
    ctx: ReportContext, name: str, course: Json, *, headline: Json | None = None
) -> blocks.KeyFigure:
    """The course change of an outcome: the headline change (primary mixed model) when
    available, else the paired change, with its CI in words.

    The big figure is the change itself, not two means: means of the completers beside a
    model change of all measurements would not add up (issue 13). No n is printed, so show_n
    (kept for the callers) no longer matters here.
    """
    change = headline if available(headline or {}) else None
    source = change or course
    estimate = source["estimate"] if change else course["mean_change"]
    key = "kf_before_after_detail" if change else "kf_before_after_detail_paired"
    return blocks.KeyFigure(
        ctx.t("kf_before_after_label", outcome=ctx.outcome_label(name)),
        ctx.num(estimate, signed=True),
        ctx.t(key, ci=ctx.ci(source["ci_low"], source["ci_high"])),
    )


def reliable_figure(ctx: ReportContext, label: str, reliable: Json) -> blocks.KeyFigure:
    """Share reliably improved, or its published bounds when the count is not shown exactly."""
    t = ctx.t
    improved = reliable["improved"]
    name = t("kf_reliable_label", outcome=label)
    if not count_exact(improved):
        return blocks.KeyFigure(name, share_text(ctx, improved), t("kf_reliable_bounds_detail"))
    ci = ctx.pct_ci(improved["ci_low"], improved["ci_high"])
    return blocks.KeyFigure(
        name,
        ctx.pct(improved["share"]),
        t("kf_reliable_detail", count=ctx.count(improved["count"]),
          n=ctx.count(improved["n"]), ci=ci),
    )


READING_DIRECTION = {
    "better_beyond_sesoi": "meaning_better",
    "better_size_unclear": "meaning_better",
    "better_below_sesoi": "meaning_better",
    "better": "meaning_better",
    "worse_beyond_sesoi": "meaning_worse",
    "worse_size_unclear": "meaning_worse",
    "worse_below_sesoi": "meaning_worse",
    "worse": "meaning_worse",
    "no_change_within_sesoi": "meaning_unclear",
    "unclear": "meaning_unclear",
}


def reading_sentences(ctx: ReportContext, change: Json) -> list[str]:
    """The sentence for where the headline CI lies relative to 0 and the SESOI.

    Chosen from `interval_reading` (samen_sterker.stats.change), never from a p-value; the
    plain readings without a SESOI ("better", "worse") need no size sentence beyond the
    direction, except that the interval is stated to lie on one side.
    """
    reading = change["interval_reading"]
    sesoi = change.get("smallest_effect_of_interest")
    values = {"sesoi": ctx.num(sesoi, 1)} if sesoi is not None else {}
    return [ctx.t(f"reading_{reading}", **values)]


def meaning(ctx: ReportContext) -> str:
    """What the primary change means, from where its CI lies, and what it does not prove."""
    stats = ctx.stats
    primary = stats["primary_outcome"]
    outcome = stats["outcomes"][primary]
    change = outcome.get("headline_change") or {}
    if outcome["publication"]["suppressed"] or not available(change):
        return blocks.paragraph(ctx.t("meaning_not_available"), "meaning")
    label = ctx.outcome_label(primary)
    sentences = [ctx.t(READING_DIRECTION[change["interval_reading"]], outcome=label)]
    sentences += reading_sentences(ctx, change)
    sentences.append(ctx.t("meaning_no_control"))
    text = " ".join(sentences)
    return blocks.box(text, "meaning")


def privacy_note(ctx: ReportContext, *rules: str) -> str:
    """The publication rule, the report's own further rules (translation keys) and the one
    legend for counts not shown exactly: the note on page 1 of every report."""
    thresholds = ctx.stats["thresholds"]
    rule = ctx.t(
        "disclosure_rule",
        min_respondents=thresholds["min_respondents"],
        min_couples=thresholds["min_couples"],
    )
    sentences = [rule, *(ctx.t(key) for key in rules), withheld_legend(ctx)]
    return blocks.paragraph(" ".join(sentences), "note")
