"""The trend chart and the trend sentence come from one computation per cohort year.

Each chart's plotted values (captured where the report hands them to `trend_chart`, from the
stats JSON as written) must be the points the sentence's slope is fitted to, and both must
equal a couple-level course change worked out here by hand with pandas and scipy, over only
the groups each year published (docs/methods.md, "Trend across years"; docs/privacy.md: the
trend repeats a year's published change, never a withheld one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from samen_sterker.config import load_config
from samen_sterker.reports import municipal, overview
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.municipal import comparison as municipal_comparison
from samen_sterker.reports.overview import trend as overview_trend
from samen_sterker.simulate import DEMO_PARAMETERS, SimulationParameters, simulate_measurements
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.pooled import analyse_year

ROOT = Path(__file__).resolve().parents[1]
PRIMARY = "relationship_rating"


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="module")
def two_years():
    """The demo municipalities over 2023 and 2024 (seed 7, as tests/test_analyse.py)."""
    params = SimulationParameters(municipalities=DEMO_PARAMETERS.municipalities, years=(2023, 2024))
    return simulate_measurements(params, 7)


def as_written(result: dict) -> dict:
    """The stats JSON as the report reads it back from disk."""
    return json.loads(json.dumps(result, allow_nan=False))


def couple_mean_change(data: pd.DataFrame, year: int, codes: set[str]) -> tuple[float, float,
                                                                                  float, float]:
    """By hand: course change of the primary outcome on couple means of complete pairs, over
    `codes` in `year`: mean, SE, t-based 95% CI."""
    rows = data[(data["year"] == year) & (data["outcome"] == PRIMARY)
                & data["municipality_code"].isin(codes)]
    wide = rows.pivot_table(index=["couple_id", "participant_id"], columns="timepoint",
                            values="value").dropna(subset=["pre", "post"])
    means = wide.groupby(level="couple_id")[["pre", "post"]].mean()
    change = (means["post"] - means["pre"]).to_numpy()
    mean, se = change.mean(), change.std(ddof=1) / np.sqrt(len(change))
    half = scipy.stats.t.ppf(0.975, len(change) - 1) * se
    return mean, se, mean - half, mean + half


def plotted(monkeypatch, module, render) -> dict:
    """The values a report section hands to its trend chart."""
    seen = {}
    original = module.figures.trend_chart

    def capture(years, estimates, lows, highs, **kwargs):
        seen.update(years=list(years), estimates=list(estimates), lows=list(lows),
                    highs=list(highs))
        return original(years, estimates, lows, highs, **kwargs)

    monkeypatch.setattr(module.figures, "trend_chart", capture)
    html = render()
    assert seen, "no trend chart was drawn"
    return seen | {"html": html}


def slope_by_hand(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Two years: the difference of the changes, with SE √(se1² + se2²)."""
    (first, se_first), (last, se_last) = points
    return last - first, float(np.hypot(se_first, se_last))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overview_chart_plots_the_inputs_of_its_trend_sentence(two_years, config, monkeypatch):
    stats = as_written(analyse_year(two_years, config, 2024))
    ctx = ReportContext(stats=stats, lang="en")
    chart = plotted(monkeypatch, overview_trend, lambda: overview.trend_section(ctx))
    both = {"GM9998", "GM9999"}
    expected = [couple_mean_change(two_years, year, both) for year in (2023, 2024)]
    assert chart["years"] == [2023, 2024]
    # 2.775 and 2.725 by hand; the per-participant paired t gave 2.750 and 2.686.
    assert chart["estimates"] == pytest.approx([e[0] for e in expected], rel=1e-12)
    assert chart["lows"] == pytest.approx([e[2] for e in expected], rel=1e-12)
    assert chart["highs"] == pytest.approx([e[3] for e in expected], rel=1e-12)
    # The sentence's slope is fitted to exactly these points.
    fit = stats["outcomes"][PRIMARY]["change_trend"]["pooled"]
    assert fit["years"] == chart["years"]
    change, se = slope_by_hand([(e[0], e[1]) for e in expected])
    assert fit["change_per_year"] == pytest.approx(change, rel=1e-9)
    assert fit["se"] == pytest.approx(se, rel=1e-9)
    assert "changed by \u22120.05 points per year" in _text(chart["html"])


def test_municipal_chart_plots_its_couple_mean_change(two_years, config, monkeypatch):
    ov = as_written(analyse_year(two_years, config, 2024))
    stats = as_written(analyse_group(two_years, config, 2024, "GM9999"))
    ctx = ReportContext(stats=stats, lang="en", overview=ov)
    chart = plotted(monkeypatch, municipal_comparison, lambda: municipal.comparison_section(ctx))
    expected = [couple_mean_change(two_years, year, {"GM9999"}) for year in (2023, 2024)]
    assert chart["years"] == [2023, 2024]
    assert chart["estimates"] == pytest.approx([e[0] for e in expected], rel=1e-12)
    assert chart["lows"] == pytest.approx([e[2] for e in expected], rel=1e-12)
    # The overview's slope of this municipality is fitted to the same points.
    fit = next(row for row in ov["outcomes"][PRIMARY]["change_trend"]["municipalities"]
               if row["municipality_code"] == "GM9999")
    change, se = slope_by_hand([(e[0], e[1]) for e in expected])
    assert fit["change_per_year"] == pytest.approx(change, rel=1e-9)
    assert fit["se"] == pytest.approx(se, rel=1e-9)
    assert ov["trend"]["by_municipality"]["GM9999"] == stats["trend"]["by_outcome"]


def _withhold(data: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    """Keep 4 couples of `code` in `year`: below min_couples (5), so withheld that year."""
    chosen = (data["year"] == year) & (data["municipality_code"] == code)
    keep = sorted(data.loc[chosen, "couple_id"].unique())[:4]
    return data[~chosen | data["couple_id"].isin(keep)]


@pytest.mark.parametrize(
    ("withheld_year", "published_by_year"),
    [
        # Published this year, withheld in 2023: its 2023 couples are in no 2023 point.
        (2023, {2023: {"GM9998"}, 2024: {"GM9998", "GM9999"}}),
        # Withheld this year, published in 2023: 2023's point is over 2023's groups.
        (2024, {2023: {"GM9998", "GM9999"}, 2024: {"GM9998"}}),
    ],
)
def test_each_years_point_is_over_that_years_published_groups(
    two_years, config, withheld_year, published_by_year
):
    data = _withhold(two_years, withheld_year, "GM9999")
    stats = as_written(analyse_year(data, config, 2024))
    rows = stats["trend"]["pooled"][PRIMARY]
    expected = {year: couple_mean_change(data, year, codes)
                for year, codes in published_by_year.items()}
    fit = stats["outcomes"][PRIMARY]["change_trend"]["pooled"]
    change, se = slope_by_hand([expected[2023][:2], expected[2024][:2]])
    assert fit["change_per_year"] == pytest.approx(change, rel=1e-9)
    assert fit["se"] == pytest.approx(se, rel=1e-9)
    assert [r["year"] for r in rows] == [2023, 2024]
    for row in rows:
        assert row["mean_change"] == pytest.approx(expected[row["year"]][0], rel=1e-12)
        assert row["se"] == pytest.approx(expected[row["year"]][1], rel=1e-12)
    # No per-municipality slope of a municipality withheld this year.
    codes = {row["municipality_code"]
             for row in stats["outcomes"][PRIMARY]["change_trend"]["municipalities"]}
    assert codes == set(stats["trend"]["by_municipality"]) == published_by_year[2024]
