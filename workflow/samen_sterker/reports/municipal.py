"""Sections of the municipal report, each built from the stats JSON as an HTML string.

Every function renders the stats stage's disclosure decisions (samen_sterker.disclosure,
docs/privacy.md) and never compares a count with a threshold itself: a group in no
publication shows no numbers at all, a withheld outcome, timepoint or comparison has no
numbers in the JSON and is left out with a sentence saying why, and a count not shown
exactly carries its decision (`disclosure`: a range such as 'hoogstens 4' or 'minstens 13 van
de 17', or not shown), explained by one legend in every report (`withheld_legend`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks, figures
from samen_sterker.reports import formatting as fmt
from samen_sterker.reports.context import ReportContext

Json = Mapping[str, Any]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def is_suppressed(stats: Json) -> bool:
    """Whether the whole group is below the publication threshold."""
    return bool(stats.get("publication", {}).get("suppressed", True))


def _available(obj: Json | None) -> bool:
    return bool(obj) and bool(obj.get("available", False))


def published_outcomes(stats: Json) -> list[str]:
    """Outcomes whose course change may be published, primary first."""
    names = list(stats.get("outcomes", {}))
    primary = stats.get("primary_outcome")
    names.sort(key=lambda name: name != primary)
    return [name for name in names if not stats["outcomes"][name]["publication"]["suppressed"]]


def published_timepoints(stats: Json, outcome: str) -> list[str]:
    """Timepoints of an outcome, in order, whose cell may be published."""
    observed = stats["outcomes"][outcome].get("descriptives", {})
    return [
        tp
        for tp in stats["timepoints"]["order"]
        if tp in observed and not observed[tp].get("withheld")
    ]


def primarily_suppressed(overview: Json) -> list[str]:
    """Codes of municipalities not published on their own (the stats stage decided)."""
    return [
        entry["municipality_code"]
        for entry in overview.get("municipalities", [])
        if entry.get("suppressed")
    ]


suppressed_codes = primarily_suppressed


def pooled_totals_publishable(overview: Json, outcome: str | None = None) -> bool:
    """Whether the overview has pooled figures of an outcome (default: the primary).

    Pooled figures are computed over the published groups only (docs/privacy.md), so they
    are shown whenever the stats stage published them.
    """
    outcome = outcome or overview["primary_outcome"]
    block = overview.get("outcomes", {}).get(outcome)
    return not (
        block is None
        or overview["publication"]["suppressed"]
        or block["publication"]["suppressed"]
    )


def decision(share: Json) -> Json:
    """How a count is published (samen_sterker.disclosure): exact, range or withheld."""
    return share.get("disclosure") or {"how": "exact"}


def count_exact(share: Json) -> bool:
    return decision(share)["how"] == "exact" and share.get("count") is not None


def count_text(ctx: ReportContext, share: Json) -> str:
    """A count as published: '14', 'hoogstens 4', 'minstens 13', '9 tot 13' or '–'."""
    if count_exact(share):
        return ctx.count(share["count"])
    shown = decision(share)
    if shown["how"] != "range":
        return ctx.t("count_not_shown")
    low, high, n = shown["low"], shown["high"], share.get("n")
    if low == 0:
        return ctx.t("count_at_most", high=ctx.count(high))
    if n is not None and high == n:
        return ctx.t("count_at_least", low=ctx.count(low))
    return ctx.t("count_between", low=ctx.count(low), high=ctx.count(high))


def share_text(ctx: ReportContext, share: Json, *, n: str | None = None) -> str:
    """'60% (21 van 35)'; a count not shown exactly as its published bounds ('minstens 13 van
    de 17', 'hoogstens 4 van de 17') or 'niet getoond (van de 17)'."""
    n = ctx.count(share["n"]) if n is None else n
    if count_exact(share):
        return ctx.t(
            "share_with_count",
            percent=ctx.pct(share["share"]),
            count=ctx.count(share["count"]),
            n=n,
        )
    shown = decision(share)
    if shown["how"] != "range":
        return ctx.t("share_not_shown", n=n)
    low, high = shown["low"], shown["high"]
    if low == 0:
        return ctx.t("share_at_most", high=ctx.count(high), n=n)
    if high == share.get("n"):
        return ctx.t("share_at_least", low=ctx.count(low), n=n)
    return ctx.t("share_between", low=ctx.count(low), high=ctx.count(high), n=n)


def withheld_legend(ctx: ReportContext) -> str:
    """The one legend for counts not shown exactly, in every report."""
    width = ctx.stats["thresholds"].get("protection_width", 5)
    return ctx.t("withheld_legend", width=width, small=width - 1)


# --------------------------------------------------------------------------------------------
# Page 1
# --------------------------------------------------------------------------------------------


def title_block(ctx: ReportContext) -> str:
    """Synthetic-data banner, title and subtitle."""
    stats = ctx.stats
    parts = []
    if stats.get("synthetic_data"):
        parts.append(blocks.box(ctx.t("synthetic_banner"), "banner", role="note"))
    parts.append(
        blocks.heading(
            ctx.t("municipal_title", municipality=stats["municipality"], year=stats["year"]), 1
        )
    )
    parts.append(blocks.paragraph(ctx.t("municipal_subtitle", year=stats["year"]), "subtitle"))
    return "".join(parts)


def suppressed_notice(ctx: ReportContext) -> str:
    """The whole report when the group is below the threshold: no numbers at all."""
    thresholds = ctx.stats["thresholds"]
    # No municipality is withheld to protect another (docs/privacy.md): only its own numbers.
    return blocks.heading(ctx.t("suppressed_heading"), 2) + blocks.box(
        ctx.t(
            "suppressed_text",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        ),
        "suppressed",
        role="note",
    )


RELIABLE_CATEGORIES = ("improved", "unchanged", "deteriorated")


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
    change = headline if _available(headline or {}) else None
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


def key_figures(ctx: ReportContext) -> str:
    """Page 1: participants, completion, primary outcome before → after, reliable change."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    part = stats["outcomes"][primary]["participation"]
    # The headline (change of the primary outcome, reliable change) comes first.
    headline: list[blocks.KeyFigure] = []
    items = [
        blocks.KeyFigure(
            t("kf_participants_label"),
            ctx.count(part["participants"]),
            t("kf_participants_detail", couples=ctx.count(part["couples"])),
        ),
        completion_figure(ctx, part),
    ]
    for name in published_outcomes(stats):
        course = stats["outcomes"][name]["paired"]["course"]
        if not _available(course):
            continue
        if name == primary:
            headline.append(
                before_after_figure(
                    ctx,
                    name,
                    course,
                    headline=stats["outcomes"][name].get("headline_change"),
                )
            )
        reliable = stats["outcomes"][name]["reliable_change"]
        if _available(reliable):
            headline.append(reliable_figure(ctx, ctx.outcome_label(name), reliable))
    return blocks.heading(t("summary_heading"), 2) + blocks.key_figures(headline + items)


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
    if outcome["publication"]["suppressed"] or not _available(change):
        return blocks.paragraph(ctx.t("meaning_not_available"), "meaning")
    label = ctx.outcome_label(primary)
    sentences = [ctx.t(READING_DIRECTION[change["interval_reading"]], outcome=label)]
    sentences += reading_sentences(ctx, change)
    sentences.append(ctx.t("meaning_no_control"))
    text = " ".join(sentences)
    return blocks.box(text, "meaning")


def privacy_note(ctx: ReportContext) -> str:
    """The publication rule and the legend for counts not shown exactly, in every report."""
    thresholds = ctx.stats["thresholds"]
    return blocks.paragraph(
        ctx.t(
            "disclosure_rule",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        )
        + " "
        + withheld_legend(ctx),
        "note",
    )


# --------------------------------------------------------------------------------------------
# Who took part
# --------------------------------------------------------------------------------------------


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
    if _available(tipping) and tipping["delta_to_zero"] is not None:
        # What the data can and cannot show about those who skipped the questionnaire.
        out.append(
            blocks.paragraph(t("attrition_tipping", delta=ctx.num(tipping["delta_to_zero"])))
        )
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
    return ctx.t("participation_text", both=ctx.count(both), one=ctx.count(one), **counts)


def _attrition_comparison_text(ctx: ReportContext, part: Json) -> str:
    comparison = part["completers_vs_noncompleters"]
    # Withheld by the stats stage unless each group itself meets the threshold.
    if not _available(comparison):
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


# --------------------------------------------------------------------------------------------
# Ratings before and after
# --------------------------------------------------------------------------------------------


def ratings_section(ctx: ReportContext) -> str:
    """Per outcome: means with CIs and quartile bands per timepoint, and the changes."""
    stats, t = ctx.stats, ctx.t
    out = [
        blocks.heading(t("ratings_heading"), 2, new_page=True),
        blocks.paragraph(t("ratings_intro")),
    ]
    for name, outcome in _outcomes_in_order(stats):
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
                (descriptives[tp]["q1"], descriptives[tp]["median"], descriptives[tp]["q3"])
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
                fig, ctx.caption("figure", t("before_after_caption", outcome=label)), alt
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
        if hidden:
            out.append(
                blocks.paragraph(
                    t(
                        "timepoints_hidden",
                        timepoints=", ".join(ctx.timepoint_label(tp) for tp in hidden),
                    ),
                    "note",
                )
            )
        out.append(_changes_table(ctx, name, outcome))
    return "".join(out)


def _outcomes_in_order(stats: Json) -> list[tuple[str, Json]]:
    primary = stats.get("primary_outcome")
    return sorted(stats["outcomes"].items(), key=lambda item: item[0] != primary)


def pair_publishable(ctx: ReportContext, result: Json) -> bool:
    """Whether a paired comparison is published (the stats stage withholds the others)."""
    return _available(result)


def _change_rows(ctx: ReportContext, outcome: Json) -> list[tuple[str, Json]]:
    """(label, Paired) of the changes that may be shown: waiting period, course, follow-ups."""
    paired = outcome["paired"]
    baseline = ctx.timepoint_label(ctx.stats["timepoints"]["baseline"])
    rows = []
    waiting = paired.get("waiting_period")
    if pair_publishable(ctx, waiting):
        rows.append((ctx.t("change_waiting"), waiting))
    if _available(paired["course"]):
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


# --------------------------------------------------------------------------------------------
# How sure we are
# --------------------------------------------------------------------------------------------


def certainty_section(ctx: ReportContext) -> str:
    """The headline change in plain words, how sure it is, and what the design cannot show.

    The checks behind it (per-participant and per-couple tests, effect size, the model's
    table) are in the appendix (`technical_details`): no statistical term before it.
    """
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("certainty_heading"), 2)]
    for name, outcome in _outcomes_in_order(stats):
        if outcome["publication"]["suppressed"]:
            continue
        course = outcome["paired"]["course"]
        out.append(blocks.heading(ctx.outcome_label(name, outcome), 3))
        if not _available(course):
            out.append(blocks.paragraph(t("changes_none")))
            continue
        out.append(blocks.paragraphs(_headline_texts(ctx, outcome)))
    out.append(blocks.paragraph(t("certainty_details"), "note"))
    out.append(blocks.heading(t("design_heading"), 3))
    out.append(blocks.bullets(_design_caveats(ctx)))
    return "".join(out)


def technical_details(ctx: ReportContext) -> str:
    """Appendix: per outcome the headline change with its method and p-value, the checks
    (paired t-test, couple means), the effect size, the mixed model and the benchmarks."""
    stats, t = ctx.stats, ctx.t
    if is_suppressed(stats):
        return ""
    out = [blocks.heading(t("technical_heading"), 3), blocks.paragraph(t("technical_intro"))]
    for name, outcome in _outcomes_in_order(stats):
        course = outcome["paired"]["course"]
        if outcome["publication"]["suppressed"] or not _available(course):
            continue
        out.append(blocks.heading(ctx.outcome_label(name, outcome), 4))
        texts = []
        change = outcome.get("headline_change") or {}
        if _available(change):
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
        if _available(couple):
            texts.append(
                t(
                    "couple_means_text",
                    change=ctx.num(couple["mean_change"], signed=True),
                    ci=ctx.ci_technical(couple["ci_low"], couple["ci_high"]),
                    n=ctx.count(couple["n_pairs"]),
                )
            )
        reliable = outcome.get("reliable_change") or {}
        if _available(reliable):
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


def _headline_texts(ctx: ReportContext, outcome: Json) -> list[str]:
    """The headline change with its CI in words, the reading of the CI and the detectable
    change (the reading is chosen by samen_sterker.stats.change, never here)."""
    t = ctx.t
    change = outcome.get("headline_change") or {}
    if not _available(change):
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


def _mixed_model_block(ctx: ReportContext, name: str, outcome: Json) -> str:
    t = ctx.t
    model = outcome.get("mixed_model") or {}
    if not _available(model):
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


def _design_caveats(ctx: ReportContext) -> list[str]:
    t = ctx.t
    items = [t("caveat_no_control"), t("caveat_regression_to_mean"), t("caveat_nji")]
    primary = ctx.stats["outcomes"][ctx.stats["primary_outcome"]]
    course = primary["paired"]["course"]
    if _available(course) and course["n_pairs"] < 30:
        items.append(t("caveat_small_n", n=ctx.count(course["n_pairs"])))
    if any(_available(o["paired"].get("waiting_period")) for o in ctx.stats["outcomes"].values()):
        items.append(t("caveat_waiting_list"))
    return items


def _benchmark_text(ctx: ReportContext) -> str:
    primary = ctx.stats["outcomes"][ctx.stats["primary_outcome"]]
    headline = primary["paired"]["course"].get("headline_effect_size") or {}
    if primary["publication"]["suppressed"] or headline.get("estimate") is None:
        return ctx.t("benchmarks_text_no_estimate")
    return ctx.t("benchmarks_text", g=ctx.num(headline["estimate"], 2))


# --------------------------------------------------------------------------------------------
# Reliable change
# --------------------------------------------------------------------------------------------


def reliable_change_section(ctx: ReportContext) -> str:
    """Improved / unchanged / deteriorated with counts and Wilson CIs."""
    stats, t = ctx.stats, ctx.t
    out = [blocks.heading(t("reliable_heading"), 2)]
    shown = False
    for name, outcome in _outcomes_in_order(stats):
        reliable = outcome.get("reliable_change") or {}
        if outcome["publication"]["suppressed"] or not _available(reliable):
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
    if not _available(clinical):
        return ""
    n = clinical["n_started_dysfunctional"]
    n_text = ctx.count(n) if n is not None else count_text(
        ctx, {"count": None, "n": None, "disclosure": clinical["n_started_dysfunctional_disclosure"]}
    )
    return ctx.t(
        "clinical_text",
        cutoff=ctx.num(clinical["cutoff"]["value"]),
        n=n_text,
        recovered=share_text(ctx, clinical["recovered"], n=n_text),
    )


# --------------------------------------------------------------------------------------------
# Comparison with other municipalities and earlier years
# --------------------------------------------------------------------------------------------


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
        pooled = overview["outcomes"][primary]["paired"]["course"]
        pooled_ok = _available(pooled) and pooled_totals_publishable(overview)
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
    out.append(blocks.heading(t("trend_heading"), 3))
    out.append(_trend_block(ctx, primary, label))
    return "".join(out)


def _trend_block(ctx: ReportContext, primary: str, label: str) -> str:
    trend = ctx.stats.get("trend") or {}
    rows = []
    if _available(trend):
        rows = [
            row
            for row in trend.get("by_outcome", {}).get(primary, [])
            if not row["suppressed"]
            and row["mean_change"] is not None
            and row["ci_low"] is not None
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


# --------------------------------------------------------------------------------------------
# Appendix
# --------------------------------------------------------------------------------------------


def methods_appendix(ctx: ReportContext) -> str:
    """Methods in brief, with the references."""
    t = ctx.t
    thresholds = ctx.stats["thresholds"]
    items = [
        t("method_design"),
        t("method_paired"),
        t("method_effect_size"),
        t("method_mixed"),
        t("method_reliable"),
        t(
            "disclosure_rule",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        ),
    ]
    references = [
        t("reference_hawkins"),
        t("reference_conradi"),
        t("reference_jacobson"),
        t("reference_lakens"),
        t("reference_funk_rogge"),
        t("reference_nji"),
        t("reference_barnett"),
    ]
    return (
        blocks.heading(t("appendix_heading"), 2, new_page=True)
        + blocks.heading(t("methods_heading"), 3)
        + blocks.bullets(items)
        # The municipal report's checks; the overview shows its own in overview.appendix.
        + (technical_details(ctx) if ctx.stats.get("kind") != "overview" else "")
        + blocks.heading(t("references_heading"), 3)
        + blocks.bullets(references, "references")
    )


def _exports_by_municipality(ctx: ReportContext) -> dict[str, set[str]]:
    """Export id → CBS codes of the municipalities it holds kept responses of (this year)."""
    quality = ctx.data_quality
    if quality is None or "municipality_codes" not in quality.columns:
        return {}
    return {
        row["export_id"]: set(filter(None, row["municipality_codes"].split("|")))
        for row in quality.to_dict("records")
    }


def report_exports(ctx: ReportContext) -> list[str]:
    """Export ids behind this report: the year's exports, or those of its municipality."""
    exports = _exports_by_municipality(ctx)
    if ctx.stats.get("kind") == "overview":
        return sorted(exports)
    code = ctx.stats["municipality_code"]
    return sorted(export_id for export_id, codes in exports.items() if code in codes)


def data_quality_appendix(
    ctx: ReportContext,
    *,
    show_counts: bool = True,
    hide_municipalities: set[str] | frozenset[str] = frozenset(),
) -> str:
    """Rows read, kept and excluded per export, and why (counts only, never values).

    Counts of exports from hide_municipalities (suppressed ones) are not shown.
    """
    t = ctx.t
    hidden_exports = {
        export_id
        for export_id, codes in _exports_by_municipality(ctx).items()
        if codes & set(hide_municipalities)
    }
    out = [blocks.heading(t("data_quality_heading"), 3)]
    quality = ctx.data_quality
    if quality is None or quality.empty:
        return "".join(out) + blocks.paragraph(t("data_quality_missing"))
    export_ids = report_exports(ctx)
    if export_ids:
        quality = quality[quality["export_id"].isin(export_ids)]
    rows = []
    for record in quality.sort_values("export_id").to_dict("records"):
        counts = (
            [ctx.count(int(record[c])) for c in ("rows_read", "rows_kept", "rows_excluded")]
            if show_counts and record["export_id"] not in hidden_exports
            else ["–", "–", "–"]
        )
        rows.append([record["export_id"], record.get("format", ""), *counts])
    out.append(
        blocks.table(
            [
                t("col_export"),
                t("col_format"),
                t("col_rows_read"),
                t("col_rows_kept"),
                t("col_rows_excluded"),
            ],
            rows,
            caption=ctx.caption("table", t("data_quality_caption")),
            numeric_columns=[2, 3, 4],
            css_class="wide",
        )
    )
    if not show_counts:
        out.append(blocks.paragraph(t("data_quality_counts_hidden"), "note"))
        return "".join(out)
    exclusions = ctx.exclusions
    if exclusions is not None and not exclusions.empty:
        if export_ids:
            exclusions = exclusions[exclusions["export_id"].isin(export_ids)]
        exclusions = exclusions[~exclusions["export_id"].isin(hidden_exports)]
        grouped = (
            exclusions.groupby(["export_id", "reason"]).size().reset_index(name="count")
            if not exclusions.empty
            else None
        )
        if grouped is not None and not grouped.empty:
            out.append(
                blocks.table(
                    [t("col_export"), t("col_reason"), t("col_count")],
                    [
                        [r["export_id"], ctx.reason_label(r["reason"]), ctx.count(int(r["count"]))]
                        for r in grouped.to_dict("records")
                    ],
                    caption=ctx.caption("table", t("exclusions_caption")),
                    numeric_columns=[2],
                    css_class="wide",
                )
            )
            return "".join(out)
    out.append(blocks.paragraph(t("exclusions_none")))
    return "".join(out)


def provenance_appendix(ctx: ReportContext, *, files: list[str] | None = None) -> str:
    """Input SHA-256s, config SHA-256, code version, Python and package versions."""
    t = ctx.t
    prov = ctx.provenance or {}
    out = [blocks.heading(t("provenance_heading"), 3), blocks.paragraph(t("provenance_intro"))]
    inputs = prov.get("inputs", {}) or {}
    if files is not None:
        inputs = {path: sha for path, sha in inputs.items() if path in set(files)}
    input_rows = [
        [path, sha if isinstance(sha, str) else str((sha or {}).get("sha256", ""))]
        for path, sha in sorted(inputs.items())
    ]
    if input_rows:
        out.append(
            blocks.table(
                [t("col_file"), "SHA-256"],
                input_rows,
                caption=ctx.caption("table", t("provenance_inputs_caption")),
                css_class="wide provenance",
            )
        )
    year = str(ctx.stats.get("year", ""))
    data_date = (prov.get("data_date_by_year") or {}).get(year) or prov.get("data_date")
    general = [
        [
            t("prov_data_date"),
            fmt.format_date(data_date, ctx.lang) if data_date else t("prov_data_date_unknown"),
        ],
        [t("prov_code_version"), str(prov.get("code_version", "–"))],
        [
            t("prov_code_fingerprints"),
            ", ".join(
                f"{stage} {value[:12]}"
                for stage, value in sorted((prov.get("code_fingerprints") or {}).items())
            )
            or "–",
        ],
        [t("prov_config"), str(prov.get("config_sha256", "–"))],
        ["Python", str(prov.get("python", "–"))],
    ]
    general += [
        [name, str(version)] for name, version in sorted((prov.get("packages") or {}).items())
    ]
    out.append(
        blocks.table(
            [t("col_item"), t("col_value")],
            general,
            caption=ctx.caption("table", t("provenance_software_caption")),
            css_class="wide provenance",
        )
    )
    return "".join(out)


def report_files(ctx: ReportContext) -> list[str] | None:
    """Raw file paths behind this report (for the provenance table), from data_quality.csv."""
    if ctx.data_quality is None or "municipality_codes" not in ctx.data_quality.columns:
        return None
    ids = set(report_exports(ctx))
    quality = ctx.data_quality
    return list(quality.loc[quality["export_id"].isin(ids), "file"])


def report_title(ctx: ReportContext) -> str:
    """The PDF title (metadata) of the municipal report."""
    return ctx.t("municipal_title", municipality=ctx.stats["municipality"], year=ctx.stats["year"])


# --------------------------------------------------------------------------------------------
# Reviewer-only tables (never in the PDF)
# --------------------------------------------------------------------------------------------

# Which package function computed each JSON object (docs/stats-json.md, "where" column).
_COMPUTED_BY = {
    "participation": "samen_sterker.stats.participation.participation",
    "paired": "samen_sterker.stats.paired.analyse_pairs",
    "reliable_change": "samen_sterker.stats.reliable_change",
    "mixed_model": "samen_sterker.stats.mixed.fit_dyadic_model",
    "headline_change": "samen_sterker.stats.change.headline_change",
}


def trace_table(ctx: ReportContext):  # -> pandas.DataFrame
    """Unrounded JSON values behind page 1, with their path and the function that made them."""
    import pandas as pd

    stats = ctx.stats
    rows = []
    if not is_suppressed(stats):
        for name in published_outcomes(stats):
            outcome = stats["outcomes"][name]
            base = f"outcomes.{name}"
            part = outcome["participation"]
            for key in (
                "participants",
                "couples",
                "participants_at_baseline",
                "complete_pairs",
                "post_response_rate",
            ):
                rows.append(
                    (f"{base}.participation.{key}", part[key], _COMPUTED_BY["participation"])
                )
            change = outcome.get("headline_change") or {}
            if _available(change):
                # Page 1's change and its CI, and the reading that chose the sentence.
                for key in ("source", "estimate", "ci_low", "ci_high", "interval_reading"):
                    rows.append(
                        (
                            f"{base}.headline_change.{key}",
                            change[key],
                            _COMPUTED_BY["headline_change"],
                        )
                    )
            course = outcome["paired"]["course"]
            if _available(course):
                for key in ("n_pairs", "mean_from", "mean_to", "mean_change", "ci_low", "ci_high"):
                    rows.append(
                        (f"{base}.paired.course.{key}", course[key], _COMPUTED_BY["paired"])
                    )
                rows.append(
                    (
                        f"{base}.paired.course.t_test.p_value",
                        course["t_test"]["p_value"],
                        _COMPUTED_BY["paired"],
                    )
                )
                headline = course.get("headline_effect_size") or {}
                for key in ("estimate", "ci_low", "ci_high"):
                    rows.append(
                        (
                            f"{base}.paired.course.headline_effect_size.{key}",
                            headline.get(key),
                            _COMPUTED_BY["paired"],
                        )
                    )
            reliable = outcome.get("reliable_change") or {}
            if _available(reliable):
                for key in ("improved", "unchanged", "deteriorated"):
                    for field in ("count", "n", "share", "ci_low", "ci_high"):
                        rows.append(
                            (
                                f"{base}.reliable_change.{key}.{field}",
                                reliable[key][field],
                                _COMPUTED_BY["reliable_change"],
                            )
                        )
    return pd.DataFrame(rows, columns=["json_path", "value", "computed_by"])


def model_diagnostics_table(ctx: ReportContext):  # -> pandas.DataFrame
    """Mixed-model flags, warnings and variance components per outcome."""
    import pandas as pd

    rows = []
    if not is_suppressed(ctx.stats):
        for name, outcome in ctx.stats["outcomes"].items():
            model = outcome.get("mixed_model") or {}
            rows.append(
                {
                    "outcome": name,
                    "available": model.get("available"),
                    "reason": model.get("reason"),
                    "random_terms": ", ".join(model.get("random_terms") or []),
                    "singular": model.get("singular"),
                    "converged": model.get("converged"),
                    "rule_applied": model.get("rule_applied"),
                    "warnings": " | ".join(model.get("warnings") or []),
                    "variance_components": model.get("variance_components"),
                    "icc_change": model.get("icc_change"),
                    "n_observations": model.get("n_observations"),
                }
            )
    return pd.DataFrame(rows)
