# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Samen Sterker: municipal report (reviewer's notebook)
#
# Executed by papermill once per municipality and cohort year
# (`workflow/rules/reports.smk`), then printed to `results/reports/{year}/{slug}.pdf`.
#
# * **What reaches the PDF:** only the *outputs* of code cells. Markdown cells (like this
#   one), code, `print()` output and cells tagged `reviewer-only` stay in this notebook.
# * **Where the numbers come from:** every number is read from the stats JSON
#   (`docs/stats-json.md` documents each key and the `samen_sterker.stats` function that
#   made it); this notebook only chooses, rounds and formats. The `reviewer-only` cells list
#   the unrounded JSON values behind page 1.
# * **Sentences:** all text comes from `samen_sterker/reports/translations.yaml` (nl, en).
#   Everything before the appendix is written for a municipal reader at B1: short sentences,
#   no statistical terms ("marge" for a 95% CI), checked by `tests/test_report_readability.py`
#   and measured by `make benchmark-readability`. Figures and tables are numbered in the
#   order these cells build them, so run the cells in order.
# * **Privacy:** the section builders in `samen_sterker/reports/municipal/` obey the JSON's
#   `publication` objects; a suppressed group shows no numbers at all.
#
# To rerun by hand: open this notebook anywhere inside the repository and run all cells; the
# paths below are relative to the repository root.

# %% tags=["parameters"]
stats_path = "results/stats/2024/nergenshuizen.json"
overview_path = "results/stats/2024/overview.json"
provenance_path = "results/provenance/2024.json"
data_quality_path = "results/clean/2024/data_quality.csv"
exclusions_path = "results/clean/2024/exclusions.csv"
language = "nl"
# Individual measurements, for the reviewer-only slope plot; "" leaves it out.
measurements_path = "results/clean/2024/measurements.csv"

# %%
# Run from the repository root wherever the notebook is opened, so relative paths resolve.
import os
import sys
from pathlib import Path

root = Path.cwd()
while not (root / "config" / "config.yaml").exists() and root != root.parent:
    root = root.parent
os.chdir(root)
if str(root / "workflow") not in sys.path:
    sys.path.insert(0, str(root / "workflow"))

from IPython.display import HTML, display

from samen_sterker.reports import municipal, reviewer_tables
from samen_sterker.reports.context import load_context

ctx = load_context(
    stats_path,
    lang=language,
    overview_path=overview_path,
    provenance_path=provenance_path,
    data_quality_path=data_quality_path,
    exclusions_path=exclusions_path,
)
suppressed = municipal.is_suppressed(ctx.stats)


def show(html: str) -> None:
    """Display a report block (HTML) as this cell's output."""
    display(HTML(html))


# %% [markdown]
# ## Page 1: title, key figures, what it means

# %%
show(municipal.title_block(ctx))
if suppressed:
    show(municipal.suppressed_notice(ctx))
else:
    show(municipal.key_figures(ctx))
    show(municipal.meaning(ctx))
    show(municipal.privacy_note(ctx))

# %% tags=["reviewer-only"]
# Unrounded values behind page 1, with their JSON path and the function that computed them.
reviewer_tables.trace_table(ctx)

# %% [markdown]
# ## Who took part, scores before and after

# %%
if not suppressed:
    show(municipal.participation_section(ctx))
    show(municipal.ratings_section(ctx))

# %% tags=["reviewer-only"]
# Paired slope plot: one line per participant (partners same colour, partner B dashed), with
# a little seeded jitter. Individual data: reviewer only, never in the PDF, no codes shown.
from samen_sterker.reports import figures, reviewer

if measurements_path and Path(measurements_path).exists() and not suppressed:
    roles = ctx.stats["timepoints"]
    primary = ctx.stats["primary_outcome"]
    pairs = reviewer.paired_values(
        measurements_path,
        year=ctx.stats["year"],
        municipality_code=ctx.stats["municipality_code"],
        outcome=primary,
        start=roles["baseline"],
        end=roles["course_end"],
    )
    fig = reviewer.slope_chart(
        pairs,
        start_label=ctx.timepoint_label(roles["baseline"]),
        end_label=ctx.timepoint_label(roles["course_end"]),
        axis_label=ctx.outcome_label(primary),
        lang=ctx.lang,
    )
    show(
        figures.figure_html(
            fig,
            f"Reviewer only: {len(pairs)} participants with both measurements.",
            "Slope plot of individual participants before and after the course.",
        )
    )

# %% [markdown]
# ## How sure we are, reliable change
#
# The plain-words change and its margin; the checks behind it (paired t-test, couple means,
# Hedges' g, the mixed model's table with p-values) are in the appendix's technical details.

# %%
if not suppressed:
    show(municipal.certainty_section(ctx))
    show(municipal.reliable_change_section(ctx))

# %% tags=["reviewer-only"]
# Mixed-model diagnostics in full (warnings, rule applied, variance components).
reviewer_tables.model_diagnostics_table(ctx)

# %% [markdown]
# ## Other municipalities and earlier years (from overview.json)

# %%
if not suppressed:
    show(municipal.comparison_section(ctx))

# %% [markdown]
# ## Appendix: methods, technical details, data quality, provenance
#
# The statistical terms live here: the technical details per outcome, with the method that
# made page 1's change (`headline_change`), its p-value and the benchmarks.

# %%
show(municipal.methods_appendix(ctx))
show(municipal.data_quality_appendix(ctx, show_counts=not suppressed))
show(municipal.provenance_appendix(ctx, files=municipal.report_files(ctx)))

# %% tags=["reviewer-only"]
# Every number printed above (text as printed, raw value) with the stats JSON paths that hold
# exactly that value; "(derived in the report)" marks a number the report computed itself.
reviewer.printed_numbers(ctx)
