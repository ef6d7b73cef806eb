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
# # Samen Sterker: overview of a cohort year (reviewer's notebook)
#
# Executed by papermill once per cohort year (`workflow/rules/reports.smk`), then printed to
# `results/reports/{year}/overview.pdf`.
#
# * **What reaches the PDF:** only the outputs of code cells; markdown, code, `print()` and
#   cells tagged `reviewer-only` stay here.
# * **Numbers** come from `results/stats/{year}/overview.json` (`docs/stats-json.md`); the
#   section builders in `samen_sterker/reports/overview.py` only choose and format them.
# * **Privacy:** municipalities suppressed in the JSON (for their own small numbers, or
#   secondarily to protect one) appear without numbers. Pooled totals are shown only when the
#   suppressed municipalities together meet the thresholds, so that totals minus the public
#   reports reveal no single one (`published.pooled_totals_publishable`).
# * **Sentences** come from `samen_sterker/reports/translations.yaml`, at B1 before the
#   appendix (`tests/test_report_readability.py`); the test whether the change differs
#   between municipalities (a p-value) is in the appendix. Figures and tables are numbered in
#   the order these cells build them.

# %% tags=["parameters"]
stats_path = "results/stats/2024/overview.json"
overview_path = ""
provenance_path = "results/provenance/2024.json"
data_quality_path = "results/clean/2024/data_quality.csv"
exclusions_path = "results/clean/2024/exclusions.csv"
language = "nl"

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

from samen_sterker.reports import overview
from samen_sterker.reports.context import load_context

ctx = load_context(
    stats_path,
    lang=language,
    provenance_path=provenance_path,
    data_quality_path=data_quality_path,
    exclusions_path=exclusions_path,
)


def show(html: str) -> None:
    """Display a report block (HTML) as this cell's output."""
    display(HTML(html))


# %% [markdown]
# ## Page 1 and participant flow

# %%
show(overview.title_block(ctx))
show(overview.key_figures(ctx))
show(overview.meaning(ctx))
show(overview.privacy_note(ctx))
show(overview.flow_section(ctx))

# %% tags=["reviewer-only"]
# Which municipalities are suppressed, and why (primary: own numbers; secondary: protection).
import pandas as pd

pd.DataFrame(ctx.stats["municipalities"])

# %% [markdown]
# ## Municipalities, funnel plot, completers vs all data

# %%
show(overview.municipalities_section(ctx))
show(overview.completers_section(ctx))
show(overview.funnel_section(ctx))

# %% [markdown]
# ## Trend over years and costs

# %%
show(overview.trend_section(ctx))
show(overview.cost_section(ctx))

# %% [markdown]
# ## Appendix: methods, data quality, provenance

# %%
show(overview.appendix(ctx))

# %% tags=["reviewer-only"]
# Every number printed above (text as printed, raw value) with the stats JSON paths that hold
# exactly that value; "(derived in the report)" marks a number the report computed itself.
from samen_sterker.reports import reviewer

reviewer.printed_numbers(ctx)
