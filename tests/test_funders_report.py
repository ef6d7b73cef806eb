"""The funder's view in the overview report: what it shows, what it leaves out."""

from __future__ import annotations

import base64
import html as html_module
import re
from pathlib import Path

import pytest

from samen_sterker.config import load_config
from samen_sterker.reports import funders_view, overview
from samen_sterker.reports.context import ReportContext
from samen_sterker.simulate import (
    DEMO_PARAMETERS,
    MunicipalitySpec,
    SimulationParameters,
    simulate_measurements,
)
from samen_sterker.stats.analyse import analyse_group
from samen_sterker.stats.pooled import analyse_year

ROOT = Path(__file__).resolve().parents[1]


def _text(html: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="module")
def seven_data():
    # Six municipalities of 8 couples and one of 2 couples (suppressed), two cohort years.
    specs = [MunicipalitySpec(f"GM{9100 + i}", f"Gemeente {chr(72 - i)}", 8) for i in range(6)]
    specs.append(MunicipalitySpec("GM9199", "Kleindorp", 2))
    params = SimulationParameters(municipalities=tuple(specs), years=(2023, 2024))
    return simulate_measurements(params, 9)


@pytest.fixture(scope="module")
def seven(config, seven_data):
    return analyse_year(seven_data, config, 2024)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_model_block_lists_published_municipalities_alphabetically(seven, lang):
    ctx = ReportContext(stats=seven, lang=lang)
    text = _text(funders_view.model_block(ctx))
    model = seven["outcomes"]["relationship_rating"]["year_model"]
    # The model is fitted on the published groups only (docs/privacy.md): Kleindorp, below
    # the thresholds and in no published group, is neither in the model nor in the table.
    assert model["n_municipalities"] == 6
    published = sorted(e["municipality"] for e in seven["municipalities"] if not e["suppressed"])
    assert "Kleindorp" not in text and len(published) == 6
    names = re.findall(r"Gemeente [A-H](?= [+−-]\d)", text)
    assert names == published
    # Each published row shows its own and its pooled estimate and its rank interval.
    word = "tot" if lang == "nl" else "to"
    assert len(re.findall(rf"\d+ {word} \d+ (van|of) 6", text)) == 6


def test_sections_carry_the_funders_view(config):
    params = SimulationParameters.scaled(6, 8, years=(2023, 2024))
    stats = analyse_year(simulate_measurements(params, 9), config, 2024)
    ctx = ReportContext(stats=stats, lang="en")
    assert "All municipalities in one model" in _text(overview.municipalities_section(ctx))
    funnel = stats["outcomes"]["couple_satisfaction"]["funnel"]
    text = _text(overview.funnel_section(ctx))
    # The simulator's large effect leaves 0-4 unchanged and deteriorated per municipality:
    # no improved count may be published exactly, so there is no point and no verdict.
    assert funnel["available"] is False and funnel["points_not_shown"]
    assert "the same threshold for 'clearly improved'" not in text
    assert "points per year" in _text(overview.trend_section(ctx))


@pytest.fixture(scope="module")
def balanced(config):
    # A smaller change: improved, unchanged and deteriorated are all common, so the decisions
    # publish most municipalities' common-threshold counts (4 of 6 with this seed).
    params = SimulationParameters.scaled(6, 25, years=(2024,), course_effect=1.5)
    return analyse_year(simulate_measurements(params, 9), config, 2024)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_overview_shows_the_funnel_verdict_and_its_test(balanced, lang):
    funnel = balanced["outcomes"]["couple_satisfaction"]["funnel"]
    dispersion = funnel["overdispersion"]
    assert funnel["available"] and dispersion["available"]
    # Every point is a published count; the withheld ones are only named.
    cells = balanced_cells(balanced)
    for point in funnel["points"]:
        assert cells[point["municipality_code"]]["how"] == "exact"
    assert len(funnel["points"]) == 4 and len(funnel["points_not_shown"]) == 2
    ctx = ReportContext(stats=balanced, lang=lang)
    text = _text(overview.funnel_section(ctx))
    verdict = {"nl": "De gemeenten verschillen niet meer dan te verwachten",
               "en": "The municipalities differ no more than expected"}[lang]
    assert (verdict in text) is (not dispersion["overdispersed"])
    assert ("2 gemeente(n) staan niet in de grafiek" if lang == "nl"
            else "2 municipality(ies) are not in the chart") in text
    # The points stand at their effective n (partners are alike), and the axis says so.
    assert all(p["n_effective"] < p["n"] for p in funnel["points"])
    html = overview.funnel_section(ctx)
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^\"]+)", html)[1])
    axis = "gewogen voor stellen" if lang == "nl" else "weighted for couples"
    assert axis in svg.decode("utf-8")
    appendix = _text(overview.appendix(ctx))
    assert f"χ²({dispersion['df']})" in appendix and dispersion["df"] == 3
    assert ("niet verbreed" if lang == "nl" else "not widened") in appendix


def balanced_cells(stats):
    """The decisions of each point's fn:improved cell, recomputed by the disclosure pass."""
    from samen_sterker.disclosure.apply import cell_decision
    from samen_sterker.disclosure.year import disclose

    config = load_config(ROOT / "config" / "config.yaml")
    params = SimulationParameters.scaled(6, 25, years=(2024,), course_effect=1.5)
    decisions = disclose(simulate_measurements(params, 9), config)
    return {
        code: cell_decision(decisions, code, "couple_satisfaction", "fn:improved")
        for code in decisions["groups"]["municipalities"]
    }


def test_fewer_than_five_municipalities_say_so(config):
    stats = analyse_year(simulate_measurements(DEMO_PARAMETERS, 1), config, 2024)
    text = _text(funders_view.model_block(ReportContext(stats=stats, lang="en")))
    assert "too few to estimate differences between municipalities" in text
    assert stats["outcomes"]["relationship_rating"]["pooled_model"]["available"] is True


def test_year_model_table_has_published_municipalities_only(seven, tmp_path):
    from samen_sterker.stats.output import write_stats
    from samen_sterker.targets import OVERVIEW_TABLES

    paths = [tmp_path / "overview" / f"{name}.csv" for name in OVERVIEW_TABLES]
    write_stats(seven, tmp_path / "overview.json", paths)
    import pandas as pd

    table = pd.read_csv(tmp_path / "overview" / "year_model.csv")
    published = {e["municipality_code"] for e in seven["municipalities"] if not e["suppressed"]}
    for _, rows in table.groupby("outcome"):
        assert set(rows["municipality_code"]) == published
    assert "GM9199" not in set(table["municipality_code"])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_municipal_report_shows_own_and_pooled_estimate(config, seven_data, seven, lang):
    from samen_sterker.reports.municipal.comparison import comparison_section

    code = "GM9102"
    stats = analyse_group(seven_data, config, 2024, code)
    ctx = ReportContext(stats=stats, lang=lang, overview=seven)
    text = _text(comparison_section(ctx))
    row = next(r for r in seven["outcomes"]["relationship_rating"]["year_model"]["municipalities"]
               if r["municipality_code"] == code)
    for estimate in (row["raw_change"], row["pooled_change"]):
        for key in ("estimate", "ci_low", "ci_high"):
            assert ctx.num(estimate[key], signed=True) in text, (key, text)
    shrink = {"nl": "schuift wat naar het gemiddelde", "en": "moves a little toward the average"}
    assert shrink[lang] in text
    # The grey band is every published municipality together, this one included: said so.
    included = {"nl": "Uw gemeente telt daarin mee.", "en": "Your municipality is part of it."}
    assert included[lang] in text


def test_municipal_report_without_pooled_estimate_says_why(config):
    from samen_sterker.reports.municipal.comparison import comparison_section

    data = simulate_measurements(DEMO_PARAMETERS, 1)
    overview_stats = analyse_year(data, config, 2024)
    stats = analyse_group(data, config, 2024, "GM9999")
    text = _text(comparison_section(ReportContext(stats=stats, lang="en", overview=overview_stats)))
    assert "There are only 2 municipalities. That is too few to estimate yours" in text
    assert "Estimated together with all municipalities" not in text
