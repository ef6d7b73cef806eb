"""Reviewer-only tables of the municipal report (never in the PDF): the unrounded JSON values
behind page 1 with the function that computed them, and the mixed model's diagnostics.
"""

from __future__ import annotations

from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.published import available, is_suppressed, published_outcomes

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
            if available(change):
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
            if available(course):
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
            if available(reliable):
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
