"""The reviewer's trace covers every number a report prints, with the JSON path behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.reports import municipal, reviewer
from samen_sterker.reports.context import ReportContext
from samen_sterker.stats import analyse, pooled

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ctx():
    config = load_config(ROOT / "config" / "config.yaml")
    measurements = simulate.demo_truth()
    code = min(measurements["municipality_code"].unique())
    stats = analyse.analyse_group(measurements, config, 2024, code)
    return ReportContext(stats=stats, lang="nl", overview=pooled.analyse_year(measurements, config, 2024))


def test_every_printed_number_is_traced_with_its_text_and_json_path(ctx):
    html = municipal.key_figures(ctx) + municipal.certainty_section(ctx)
    trace = reviewer.printed_numbers(ctx)
    change = ctx.stats["outcomes"][ctx.stats["primary_outcome"]]["headline_change"]
    row = trace[trace["value"] == change["estimate"]].iloc[0]
    assert row["printed"] == f"{change['estimate']:+.1f}".replace(".", ",")
    assert "headline_change.estimate" in row["json_path"]
    # Every text in the trace is in the report, and every value printed is in the trace.
    for text in trace["printed"]:
        assert text in html
    assert len(trace) == len(set(ctx.printed))


def test_a_number_the_report_derives_says_so():
    context = ReportContext(stats={"a": {"b": 2.5}}, lang="en")
    context.num(2.5)
    context.num(-2.5)  # e.g. "2.5 points lower": not a value of the JSON
    trace = reviewer.printed_numbers(context)
    assert list(trace["json_path"]) == ["a.b", "(derived in the report)"]
    assert list(trace["printed"]) == ["2.5", "\u22122.5"]
