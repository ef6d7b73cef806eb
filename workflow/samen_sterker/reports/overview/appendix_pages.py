"""The overview's appendix: methods, the test whether the change differs between
municipalities, the funder's view's details, data quality and provenance.
"""

from __future__ import annotations

from samen_sterker.reports import blocks, funders_view
from samen_sterker.reports.appendix import (
    data_quality_appendix,
    methods_appendix,
    provenance_appendix,
)
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import pooled_totals_publishable, suppressed_codes


def interaction_text(ctx: ReportContext) -> str:
    """Whether the change differs between municipalities: the pooled model's test (a p-value,
    so in the appendix)."""
    stats = ctx.stats
    primary = stats["primary_outcome"]
    interaction = (stats["outcomes"][primary].get("pooled_model") or {}).get("interaction_test")
    comparison = stats["outcomes"][primary].get("comparison", [])
    if (
        interaction
        and interaction.get("p") is not None
        and len(comparison) > 1
        and pooled_totals_publishable(stats)
    ):
        return blocks.heading(ctx.t("technical_heading"), 3) + blocks.paragraph(
            ctx.t("municipalities_interaction", p=ctx.p(interaction["p"]))
        )
    return ""


def appendix(ctx: ReportContext) -> str:
    """Methods, data quality of every export of the year, provenance."""
    return (
        methods_appendix(ctx)
        + interaction_text(ctx)
        + funders_view.funnel_appendix(ctx)
        + blocks.paragraph(ctx.t("reference_econovision"), "note")
        + data_quality_appendix(ctx, hide_municipalities=set(suppressed_codes(ctx.stats)))
        + provenance_appendix(ctx)
    )
