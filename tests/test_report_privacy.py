"""Privacy of the rendered report sections: pooled totals vs suppression, and subtraction.

Stats are built with the package (samen_sterker.stats.analyse) from seeded simulated cohorts;
expected outcomes follow from the publication rule by hand (which municipality is too small,
which split has a part of 1-4), never from the report code's earlier output.
"""

from __future__ import annotations

import html as html_module
import re

import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.reports import municipal, overview
from samen_sterker.reports.context import ReportContext
from samen_sterker.stats import analyse

Spec = simulate.MunicipalitySpec
PRIMARY, OTHER_OUTCOME = "relationship_rating", "couple_satisfaction"


@pytest.fixture(scope="module")
def config():
    return load_config("config/config.yaml")


def _build(config, specs, seed, **params):
    measurements = simulate.simulate_measurements(
        simulate.SimulationParameters(municipalities=tuple(specs), **params), seed
    )
    groups = {
        spec.code: analyse.analyse_group(measurements, config, 2024, spec.code) for spec in specs
    }
    return {"groups": groups, "overview": analyse.analyse_year(measurements, config, 2024)}


@pytest.fixture(scope="module")
def one_tiny(config):
    """Klein (3 couples) is too small; the smallest other one must be withheld with it."""
    specs = [
        Spec("GM0001", "Klein", 3),
        Spec("GM0002", "Middel", 8),
        Spec("GM0003", "Groot", 15),
        Spec("GM0004", "Ruim", 10),
    ]
    return _build(config, specs, 5)


@pytest.fixture(scope="module")
def only_tiny(config):
    """Two municipalities of 2 couples: together 8 participants, 4 couples (below 10 / 5)."""
    return _build(config, [Spec("GM0001", "Klein", 2), Spec("GM0002", "Mini", 2)], 5)


@pytest.fixture(scope="module")
def no_suppression(config):
    specs = [Spec("GM0001", "Een", 8), Spec("GM0002", "Twee", 9), Spec("GM0003", "Drie", 10)]
    return _build(config, specs, 5)


@pytest.fixture(scope="module")
def small_parts(config):
    """Low attrition and one single-partner couple: splits with parts of 1-4 everywhere."""
    specs = [Spec("GM0001", "Aa", 12, single_partner_couples=1), Spec("GM0002", "Bb", 10)]
    attrition = {"intake": 0.0, "post": 0.05, "followup": 0.25}
    return _build(config, specs, 0, attrition=attrition)


def _text(html: str) -> str:
    """Visible text plus alt texts (a screen reader reads them, so they count as printed)."""
    alts = " ".join(re.findall(r'alt="([^"]*)"', html))
    html = re.sub(r'src="data:[^"]*"', "", html)
    text = re.sub(r"<[^>]+>", " ", html) + " " + alts
    return html_module.unescape(re.sub(r"\s+", " ", text))


def _numbers(text: str) -> set[str]:
    """Every whole number printed (decimals like 7,8 are one token and never match a count).

    Journal volume(issue), pages of a citation ("21(4), 572-583") are not counts.
    """
    text = re.sub(r"\d+\(\d+\), \d+-\d+", "", text)
    return set(re.findall(r"(?<![\d.,])\d+(?:[.,]\d+)*(?![\d])", text))


def _overview_sections(ctx: ReportContext) -> dict[str, str]:
    return {
        "key_figures": overview.key_figures(ctx),
        "meaning": overview.meaning(ctx),
        "flow": overview.flow_section(ctx),
        "municipalities": overview.municipalities_section(ctx),
        "completers": overview.completers_section(ctx),
        "funnel": overview.funnel_section(ctx),
        "trend": overview.trend_section(ctx),
        "cost": overview.cost_section(ctx),
    }


def _municipal_sections(ctx: ReportContext) -> dict[str, str]:
    return {
        "key_figures": municipal.key_figures(ctx),
        "participation": municipal.participation_section(ctx),
        "ratings": municipal.ratings_section(ctx),
        "certainty": municipal.certainty_section(ctx),
        "reliable_change": municipal.reliable_change_section(ctx),
        "comparison": municipal.comparison_section(ctx),
    }


def _entry(ov, name):
    return next(e for e in ov["municipalities"] if e["municipality"] == name)


# --- 1. pooled totals against primary and secondary suppression -----------------------------


def test_one_tiny_municipality_totals_shown_tiny_and_its_partner_hidden(one_tiny):
    ov = one_tiny["overview"]
    # By hand: Klein has 6 participants (< 10); the smallest other (Middel, 8 couples) is
    # withheld with it; together 22 participants in 11 couples meet 10 / 5.
    assert _entry(ov, "Klein")["suppression"] == "primary"
    assert _entry(ov, "Middel")["suppression"] == "secondary"
    assert municipal.pooled_totals_publishable(ov)
    for lang in ("nl", "en"):
        sections = _overview_sections(ReportContext(stats=ov, lang=lang))
        part = ov["outcomes"][PRIMARY]["participation"]
        assert str(part["participants"]) in _numbers(_text(sections["key_figures"]))
        table = _text(sections["municipalities"])
        for name in ("Klein", "Middel"):
            row = re.search(rf"{name} ([^A-Z]*)", table).group(1)
            assert not re.search(r"\d", row), f"{lang}: figures in the row of {name}"
        assert "Klein" not in sections["funnel"] and "Middel" not in sections["funnel"]
    text = _text(overview.municipalities_section(ReportContext(stats=ov, lang="nl")))
    assert "Middel weggelaten om een kleine gemeente te beschermen" in text
    assert "Klein te weinig deelnemers" in text


def test_secondarily_suppressed_municipality_report_says_it_cannot_be_reported(one_tiny):
    stats = one_tiny["groups"]["GM0002"]
    assert stats["publication"]["suppression"] == "secondary"
    assert municipal.is_suppressed(stats)  # from its own JSON, not from the overview
    for lang, phrase in (("nl", "geen uitkomsten"), ("en", "no results")):
        ctx = ReportContext(stats=stats, lang=lang, overview=one_tiny["overview"])
        text = _text(municipal.title_block(ctx) + municipal.suppressed_notice(ctx))
        assert phrase in text
        assert _numbers(text) <= {"2024", "10", "5"}
    tiny = ReportContext(stats=one_tiny["groups"]["GM0001"], lang="nl")
    assert "te weinig mensen" in _text(municipal.suppressed_notice(tiny))


def test_comparison_plot_shows_no_figures_of_suppressed_municipalities(one_tiny):
    ov = one_tiny["overview"]
    ctx = ReportContext(stats=one_tiny["groups"]["GM0003"], lang="nl", overview=ov)
    html = municipal.comparison_section(ctx)
    assert "Klein" not in html and "Middel" not in html
    assert "Groot" in html and "Ruim" in html
    assert "grijze band" in _text(html)  # the suppressed set meets the thresholds
    assert "2 gemeente(n) staan er niet in" in _text(html)


def test_only_tiny_municipalities_nothing_pooled(only_tiny):
    ov = only_tiny["overview"]
    assert ov["publication"]["suppressed"]
    assert not municipal.pooled_totals_publishable(ov)
    ctx = ReportContext(stats=ov, lang="nl")
    sections = _overview_sections(ctx)
    assert "geen totalen" in _text(sections["key_figures"])
    part = ov["outcomes"][PRIMARY]["participation"]
    # "CSI-4" names the questionnaire; it is not a count.
    texts = [_text(html).replace("CSI-4", "") for html in sections.values()]
    printed = set().union(*(_numbers(text) for text in texts))
    # Only the year and 450 euro of the cost context may be numbers, never a count of people.
    for count in (part["participants"], part["couples"], part["complete_pairs"]):
        assert str(count) not in printed
    for name in ("Klein", "Mini"):
        assert f"{name} te weinig deelnemers" in _text(sections["municipalities"])


def test_no_suppression_shows_totals_and_every_municipality(no_suppression):
    ov = no_suppression["overview"]
    assert not any(e["suppressed"] for e in ov["municipalities"])
    assert municipal.pooled_totals_publishable(ov)
    sections = _overview_sections(ReportContext(stats=ov, lang="nl"))
    part = ov["outcomes"][PRIMARY]["participation"]
    assert f"met samen {part['participants']} deelnemers" in _text(sections["key_figures"])
    table = _text(sections["municipalities"])
    for row in ov["outcomes"][PRIMARY]["comparison"]:
        assert f"{row['municipality']} {row['participants']} " in table
    assert "te weinig deelnemers" not in table


def test_totals_withheld_when_the_suppressed_counts_do_not_reach_the_thresholds(one_tiny):
    # A JSON that names Klein suppressed but not its secondary partner: the counts check
    # (not the JSON's own verdict) must catch that Klein alone could be derived.
    import copy

    ov = copy.deepcopy(one_tiny["overview"])
    _entry(ov, "Middel").update(suppressed=False, suppression=None)
    assert not ov["publication"]["suppressed"]
    assert not municipal.pooled_totals_publishable(ov)
    assert "geen totalen" in _text(overview.key_figures(ReportContext(stats=ov, lang="nl")))
    # Without the counts (an older JSON) totals are not shown either.
    ov = copy.deepcopy(one_tiny["overview"])
    for row in ov["outcomes"][PRIMARY]["comparison"]:
        row.pop("cells")
    assert not municipal.pooled_totals_publishable(ov)


# --- 2. no hidden count by subtraction within one section -----------------------------------


def test_exact_parts_withholds_until_no_small_part_follows():
    # Worked by hand: the reader knows the total, the exact parts, that '<5' is 1-4 and that
    # a part shown as '5 or more' is at least 5.
    assert municipal.exact_parts({"both": 10, "one": 1}) == set()  # 11 − 10 = 1
    assert municipal.exact_parts({"both": 10, "one": 0}) == {"both", "one"}
    assert municipal.exact_parts({"both": 10, "one": 6}) == {"both", "one"}
    # 15 + (4 + 1): the two withheld add up to 5, each could be 1-4.
    assert municipal.exact_parts({"a": 15, "b": 4, "c": 1}) == {"a"}
    # 10 + (8 + 2): '<5' in 1-4 and '5 or more' in 6-9 sum to 10 in four ways.
    assert municipal.exact_parts({"a": 10, "b": 8, "c": 2}) == {"a"}
    # 18 + (1 + 0): the zero stays exact, so 18 would give the 1 back.
    assert municipal.exact_parts({"a": 18, "b": 1, "c": 0}) == {"c"}
    # 17 + (2 + 2): the withheld sum 4 would itself be a count of 1-4.
    assert municipal.exact_parts({"a": 17, "b": 2, "c": 2}) == set()
    # 20 + (1 + 5): '<5' + '5 or more' = 6 only as 1 + 5: determined, so 20 is withheld too.
    assert municipal.exact_parts({"a": 20, "b": 5, "c": 1}) == set()


def _splits(stats) -> list[tuple[str, int, dict[str, int]]]:
    """(name, total, parts) of every split a report of these stats can print."""
    splits = []
    for name, outcome in stats["outcomes"].items():
        part = outcome["participation"]
        splits.append(
            (
                f"{name}: couples",
                part["couples"],
                {"both": part["couples_both_partners"], "one": part["couples_one_partner"]},
            )
        )
        splits.append(
            (
                f"{name}: completion",
                part["participants_at_baseline"],
                {
                    "complete": part["complete_pairs"],
                    "lost": part["participants_at_baseline"] - part["complete_pairs"],
                },
            )
        )
        reliable = outcome.get("reliable_change") or {}
        if reliable.get("available"):
            splits.append(
                (
                    f"{name}: reliable change",
                    reliable["n"],
                    {k: reliable[k]["count"] for k in ("improved", "unchanged", "deteriorated")},
                )
            )
    return splits


def derivable_small_parts(text: str, splits) -> list[str]:
    """Splits whose part of 1-4 follows from the exact total minus the other parts printed."""
    printed = _numbers(text)
    leaks = []
    for name, total, parts in splits:
        for small, value in parts.items():
            if not 0 < value < 5:
                continue
            others = [v for k, v in parts.items() if k != small and v != 0]  # 0s are printed
            if str(total) in printed and all(str(v) in printed for v in others):
                leaks.append(f"{name}: {small}")
    return leaks


def test_the_scanner_finds_the_old_sentence():
    splits = [("couples", 11, {"both": 10, "one": 1})]
    old = "Er deden 21 mensen mee, in 11 stellen. Bij 10 stellen vulden beide partners …"
    assert derivable_small_parts(old, splits) == ["couples: one"]
    assert derivable_small_parts("in 11 stellen; in de meeste stellen beide", splits) == []


def _check_sections(sections: dict[str, str], splits) -> list[str]:
    problems = []
    for section, html in sections.items():
        problems += [f"{section}: {leak}" for leak in derivable_small_parts(_text(html), splits)]
    return problems


def test_no_small_part_derivable_in_any_municipal_section(small_parts):
    smalls = set()
    for code, stats in small_parts["groups"].items():
        splits = _splits(stats)
        smalls |= {name for name, _, parts in splits if any(0 < v < 5 for v in parts.values())}
        for lang in ("nl", "en"):
            ctx = ReportContext(stats=stats, lang=lang, overview=small_parts["overview"])
            assert _check_sections(_municipal_sections(ctx), splits) == [], (code, lang)
    # The fixture really has each kind of split with a part of 1-4 (Aa: one single-partner
    # couple, 21 / 2 / 0 reliable change; Bb: 2 of 20 without a measurement after).
    assert {f"{PRIMARY}: couples", f"{PRIMARY}: completion"} <= smalls
    assert f"{OTHER_OUTCOME}: reliable change" in smalls


def test_no_small_part_derivable_in_any_overview_section(small_parts):
    ov = small_parts["overview"]
    splits = _splits(ov)
    smalls = {name for name, _, parts in splits if any(0 < v < 5 for v in parts.values())}
    assert {f"{PRIMARY}: couples", f"{PRIMARY}: completion"} <= smalls
    assert f"{OTHER_OUTCOME}: reliable change" in smalls
    # Each municipality's row and funnel point must not give its own splits away either.
    for code, stats in small_parts["groups"].items():
        splits += [(f"{code} {name}", total, parts) for name, total, parts in _splits(stats)]
    for lang in ("nl", "en"):
        sections = _overview_sections(ReportContext(stats=ov, lang=lang))
        assert _check_sections(sections, splits) == [], lang
        flow = _text(sections["flow"])
        assert ("Uitval" in flow or "Dropout" in flow) and "<5" in flow


def test_withheld_count_shows_only_what_the_published_numbers_imply():
    """A withheld part reads as the range a reader can derive anyway, the same for every true
    split that looks alike in print (started 39, drop-outs '<5')."""
    withheld_count = municipal.withheld_count
    nl = ReportContext(stats={}, lang="nl")
    printed = {withheld_count(nl, {"complete": 39 - lost, "lost": lost}, "complete")
               for lost in (1, 2, 3, 4)}
    assert printed == {"35 tot 38"}
    assert withheld_count(nl, {"complete": 36, "lost": 3}, "lost") == "<5"
    # 12 improved, 2 unchanged ('<5'), 0 deteriorated (exact): improved is 14 minus 1-4.
    en = ReportContext(stats={}, lang="en")
    reliable = {"improved": 12, "unchanged": 2, "deteriorated": 0}
    assert withheld_count(en, reliable, "improved") == "10 to 13"
    assert withheld_count(en, reliable, "deteriorated") == "0"  # zero parts stay exact
