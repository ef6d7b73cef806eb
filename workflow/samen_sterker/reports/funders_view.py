"""The funder's view in the overview: pooled estimates, rank intervals, funnel verdict, trend.

Rendered from `outcomes.<primary>.year_model`, `.funnel` and `.change_trend` of overview.json
(docs/stats-json.md). Hooked into `overview.py`'s sections with one line each. Minimal and
honest: estimates with intervals, no league table (municipalities alphabetical), and only
municipalities that are not suppressed (`published.suppressed_codes`) get a row; pooled
figures only when the pooled totals are publishable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samen_sterker.reports import blocks
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import (
    available,
    pooled_totals_publishable,
    suppressed_codes,
)

Json = Mapping[str, Any]


def _names(stats: Json) -> dict[str, str]:
    return {e["municipality_code"]: e["municipality"] for e in stats["municipalities"]}


def model_block(ctx: ReportContext) -> str:
    """Pooled change, spread between municipalities, own vs pooled estimates, rank intervals."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    model = stats["outcomes"][primary].get("year_model") or {}
    if not pooled_totals_publishable(stats):
        return ""
    if model.get("fallback") == "fixed_effects":
        return blocks.paragraph(t("fv_fallback", plural=model["n_municipalities"], count=model["n_municipalities"]), "note")
    if not available(model):
        return ""
    label = ctx.outcome_label(primary)
    change, spread = model["pooled_change"], model["sd_change_between_municipalities"]
    out = [
        blocks.heading(t("fv_heading"), 3),
        blocks.paragraph(
            t(
                "fv_pooled",
                count=model["n_municipalities"],
                outcome=label,
                estimate=ctx.num(change["estimate"], signed=True),
                low=ctx.num(change["ci_low"]),
                high=ctx.num(change["ci_high"]),
            )
        ),
        blocks.paragraph(
            t(
                "fv_spread",
                sd=ctx.num(spread["estimate"]),
                low=ctx.num(spread["ci_low"]),
                high=ctx.num(spread["ci_high"]) if spread["ci_high"] is not None else "?",
            )
        ),
        blocks.paragraph(t("fv_shrinkage")),
        blocks.paragraph(t("fv_ranks")),
    ]
    hidden = set(suppressed_codes(stats))
    names = _names(stats)
    count = ctx.count(model["n_municipalities"])
    rows = [
        [
            names.get(row["municipality_code"], row["municipality_code"]),
            ctx.change_interval(
                row["raw_change"].get("estimate"),
                row["raw_change"].get("ci_low"),
                row["raw_change"].get("ci_high"),
            ),
            ctx.change_interval(
                row["pooled_change"]["estimate"],
                row["pooled_change"]["ci_low"],
                row["pooled_change"]["ci_high"],
            ),
            t("fv_rank_value", low=row["rank"]["low"], high=row["rank"]["high"], count=count),
        ]
        for row in model["municipalities"]
        if row["municipality_code"] not in hidden
    ]
    if rows:
        out.append(
            blocks.table(
                [t("col_municipality"), t("fv_col_own"), t("fv_col_pooled"), t("fv_col_rank")],
                sorted(rows, key=lambda r: r[0]),
                caption=t("fv_caption", outcome=label, year=stats["year"]),
                css_class="wide",
            )
        )
    if hidden:
        out.append(blocks.paragraph(t("fv_hidden_rows"), "note"))
    return "".join(out)


def funnel_verdict(ctx: ReportContext) -> str:
    """One common threshold, the overdispersion verdict and how many lie outside the limits."""
    stats, t = ctx.stats, ctx.t
    out = []
    for name, outcome in stats["outcomes"].items():
        funnel = outcome.get("funnel") or {}
        # Only the year model's common-threshold funnel has a threshold and a verdict.
        if (
            not available(funnel)
            or "threshold" not in funnel
            or not pooled_totals_publishable(stats, name)
        ):
            continue
        label = ctx.outcome_label(name, outcome)
        out.append(
            blocks.paragraph(
                t(
                    "fv_funnel_threshold",
                    outcome=label,
                    threshold=ctx.num(funnel["threshold"]["minimal_reliable_change"]),
                )
            )
        )
        dispersion = funnel.get("overdispersion") or {}
        if not available(dispersion):
            continue
        points = [p for p in funnel["points"] if not p["suppressed"]]
        outside = sum(p["outside_95"] for p in points)
        key = "fv_funnel_overdispersed" if dispersion["overdispersed"] else "fv_funnel_ok"
        out.append(
            blocks.paragraph(
                t(
                    key,
                    plural=outside,
                    p=ctx.p(dispersion["p"]),
                    # A number of municipalities, not of persons: no small-count masking.
                    outside=str(outside),
                    count=len(points),
                )
            )
        )
        out.append(blocks.paragraph(t("fv_funnel_couples", icc=ctx.num(funnel["couple_icc"], 2))))
    return "".join(out)


def funnel_appendix(ctx: ReportContext) -> str:
    """The overdispersion test behind the funnel's verdict, and the inflation used (appendix:
    statistical terms are allowed there)."""
    stats, t = ctx.stats, ctx.t
    out = []
    for name, outcome in stats["outcomes"].items():
        funnel = outcome.get("funnel") or {}
        dispersion = funnel.get("overdispersion") or {}
        if (
            not available(funnel)
            or not available(dispersion)
            or not pooled_totals_publishable(stats, name)
        ):
            continue
        inflation = (
            t("fv_funnel_test_inflated", tau2=ctx.num(dispersion["tau2"], 4))
            if dispersion["overdispersed"]
            else t("fv_funnel_test_not_inflated")
        )
        out.append(
            blocks.paragraph(
                t(
                    "fv_funnel_test",
                    outcome=ctx.outcome_label(name, outcome),
                    units=dispersion["units"],
                    phi=ctx.num(dispersion["phi"], 2),
                    df=dispersion["df"],
                    chi2=ctx.num(dispersion["chi2"], 1),
                    p=ctx.p(dispersion["p"]),
                    icc=ctx.num(funnel["couple_icc"], 2),
                    inflation=inflation,
                )
            )
        )
    if not out:
        return ""
    return blocks.heading(t("fv_funnel_test_heading"), 3) + "".join(out)


def trend_block(ctx: ReportContext) -> str:
    """Change per year in the pooled course change, with its CI."""
    stats, t = ctx.stats, ctx.t
    primary = stats["primary_outcome"]
    trend = stats["outcomes"][primary].get("change_trend") or {}
    pooled = trend.get("pooled") or {}
    if not available(trend) or not available(pooled) or not pooled_totals_publishable(stats):
        return ""
    years = pooled["years"]
    return blocks.paragraph(
        t(
            "fv_trend",
            outcome=ctx.outcome_label(primary),
            slope=ctx.num(pooled["change_per_year"], 2, signed=True),
            low=ctx.num(pooled["ci_low"], 2),
            high=ctx.num(pooled["ci_high"], 2),
            first=min(years),
            last=max(years),
        )
    )
