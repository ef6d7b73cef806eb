"""Report sections against the stats JSON: numbers, formatting, privacy, both languages.

The stats come from the statistics stage (samen_sterker.stats.analyse) run on a seeded
simulated cohort: two years, three municipalities, one of them below the threshold. Expected
texts are derived here by hand from the JSON values (rounding and Dutch/English notation),
never from the report code's own earlier output.
"""

from __future__ import annotations

import copy
import html as html_module
import re

import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.reports import blocks, figures, municipal, overview, published
from samen_sterker.reports.context import ReportContext, source_date
from samen_sterker.stats import analyse, pooled
from samen_sterker.stats import change as analyse_change

BIG, OTHER, SMALL = "GM9999", "GM9998", "GM9997"


@pytest.fixture(scope="module")
def cohort():
    config = load_config("config/config.yaml")
    params = simulate.SimulationParameters(
        municipalities=(
            simulate.MunicipalitySpec(
                BIG,
                "Nergenshuizen",
                couples=11,
                single_partner_couples=1,
                timepoints=("pre", "post", "followup"),
            ),
            simulate.MunicipalitySpec(
                OTHER, "Súdwest-Nergensdorp", couples=9, timepoints=("intake", "pre", "post")
            ),
            simulate.MunicipalitySpec(SMALL, "Kleindorp", couples=3),
        ),
        years=(2023, 2024),
    )
    measurements = simulate.simulate_measurements(params, 3)
    return {
        "measurements": measurements,
        BIG: analyse.analyse_group(measurements, config, 2024, BIG),
        OTHER: analyse.analyse_group(measurements, config, 2024, OTHER),
        SMALL: analyse.analyse_group(measurements, config, 2024, SMALL),
        "overview": pooled.analyse_year(measurements, config, 2024),
    }


def _ctx(cohort, code=BIG, lang="nl", stats=None) -> ReportContext:
    return ReportContext(stats=stats or cohort[code], lang=lang, overview=cohort["overview"])


def _text(html: str) -> str:
    """Visible text of an HTML fragment (tags and embedded images removed)."""
    html = re.sub(r'src="data:[^"]*"', "", html)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _nl(value: float, decimals: int = 1) -> str:
    """Hand-written Dutch notation for the expectations: decimal comma."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _all_municipal_html(ctx: ReportContext) -> str:
    return "".join(
        [
            municipal.title_block(ctx),
            municipal.key_figures(ctx),
            municipal.meaning(ctx),
            municipal.privacy_note(ctx),
            municipal.participation_section(ctx),
            municipal.ratings_section(ctx),
            municipal.certainty_section(ctx),
            municipal.reliable_change_section(ctx),
            municipal.comparison_section(ctx),
            municipal.methods_appendix(ctx),
            municipal.data_quality_appendix(ctx),
            municipal.provenance_appendix(ctx),
        ]
    )


def test_key_figures_show_the_json_numbers_the_dutch_way(cohort):
    # No split with a part of 1-4 here (those are in test_report_privacy.py): 6 drop-outs,
    # 12 improved / 7 unchanged / 0 deteriorated.
    stats = copy.deepcopy(cohort[BIG])
    rating = stats["outcomes"]["relationship_rating"]
    course = rating["paired"]["course"]
    part = rating["participation"]
    part.update(
        participants_at_baseline=part["complete_pairs"] + 6,
        post_response_rate=part["complete_pairs"] / (part["complete_pairs"] + 6),
    )
    reliable = stats["outcomes"]["couple_satisfaction"]["reliable_change"]
    n = reliable["n"]
    exact = {"disclosure": {"how": "exact", "reason": None}}
    reliable["improved"].update(count=12, share=12 / n, ci_low=0.3, ci_high=0.8, **exact)
    reliable["unchanged"].update(count=n - 12, share=(n - 12) / n, **exact)
    reliable["deteriorated"].update(count=0, share=0.0, **exact)
    text = _text(municipal.key_figures(_ctx(cohort, stats=stats)))
    # The big figure is the change itself: two means of the completers beside a model change
    # of all measurements would not add up (issue 13).
    assert f"{_nl(course['mean_from'])} → {_nl(course['mean_to'])}" not in text
    # The change and its CI are the headline change (primary mixed model), not the paired t.
    headline = rating["headline_change"]
    assert headline["source"] == "mixed_model"
    change = headline["estimate"]
    assert f"+{_nl(change)}" in text if change > 0 else _nl(change) in text
    assert f"waarschijnlijk tussen {_nl(headline['ci_low'])} en {_nl(headline['ci_high'])}" in text
    assert "BI" not in text
    assert f"{round(100 * part['post_response_rate'])}%" in text
    assert f"{part['complete_pairs']} van de {part['participants_at_baseline']} deelnemers" in text
    improved = stats["outcomes"]["couple_satisfaction"]["reliable_change"]["improved"]
    assert f"{round(100 * improved['share'])}%" in text
    assert f"{improved['count']} van de {improved['n']} deelnemers" in text


def test_key_figures_in_english_use_decimal_points_and_ci(cohort):
    rating = cohort[BIG]["outcomes"]["relationship_rating"]
    course, headline = rating["paired"]["course"], rating["headline_change"]
    text = _text(municipal.key_figures(_ctx(cohort, lang="en")))
    assert f"{headline['estimate']:+.1f}" in text
    assert f"probably between {headline['ci_low']:.1f} and {headline['ci_high']:.1f}" in text
    assert course["mean_from"] is not None
    assert "BI" not in text and "CI" not in text


def test_whole_report_renders_in_both_languages_without_missing_sentences(cohort):
    for lang in ("nl", "en"):
        html = _all_municipal_html(_ctx(cohort, lang=lang))
        assert "Nergenshuizen" in html
        assert "{" not in _text(html)  # no unfilled placeholder


@pytest.mark.parametrize(
    ("low", "high", "nl", "en"),
    [
        (0.7, 1.5, "waarschijnlijk groter dan 0,5 punt", "probably larger than 0.5 points"),
        (0.2, 1.5, "weten we niet zeker", "is not certain"),
        (0.1, 0.4, "waarschijnlijk kleiner dan 0,5 punt", "probably smaller than 0.5 points"),
        (-0.2, 0.3, "misschien, maar dan waarschijnlijk kleiner", "probably smaller than 0.5"),
        (-0.2, 1.0, "te klein om te weten", "too small to know"),
        (-1.5, -0.7, "achteruitgang is waarschijnlijk groter", "decline is probably larger"),
    ],
)
def test_meaning_sentence_follows_where_the_interval_lies(cohort, low, high, nl, en):
    # The reading is the statistics stage's; the report maps it to a sentence. The expected
    # reading is derived here from the interval and the SESOI of 0.5, by hand.
    stats = copy.deepcopy(cohort[BIG])
    change = stats["outcomes"]["relationship_rating"]["headline_change"]
    reading = analyse_change.interval_reading(low, high, 0.5)
    change.update(estimate=(low + high) / 2, ci_low=low, ci_high=high, interval_reading=reading)
    assert nl in _text(municipal.meaning(_ctx(cohort, stats=stats)))
    assert en in _text(municipal.meaning(_ctx(cohort, lang="en", stats=stats)))
    # The same interval always gets the same sentence, whatever the p-value says.
    change["p"] = 0.001 if change["p"] > 0.5 else 0.9
    assert nl in _text(municipal.meaning(_ctx(cohort, stats=stats)))


def test_suppressed_municipality_report_has_no_numbers(cohort):
    stats = cohort[SMALL]
    assert municipal.is_suppressed(stats)
    ctx = _ctx(cohort, code=SMALL)
    html = municipal.title_block(ctx) + municipal.suppressed_notice(ctx)
    html += municipal.data_quality_appendix(ctx, show_counts=False)
    text = _text(html)
    assert "te weinig mensen" in text.lower()
    # Only the year and the thresholds may appear as numbers.
    numbers = set(re.findall(r"\d+(?:[.,]\d+)?", text))
    assert numbers <= {"2024", "10", "5"}


def test_participation_counts_are_published_exactly(cohort):
    """Participation counts are not protected (every mean with its CI gives its n away):
    one count, written the same way wherever it appears (docs/privacy.md)."""
    part = cohort[BIG]["outcomes"]["relationship_rating"]["participation"]
    assert 0 < part["couples_one_partner"] < 5  # the simulated cohort has one such couple
    text = _text(municipal.participation_section(_ctx(cohort)))
    assert f"Bij {part['couples_both_partners']} stellen vulden beide partners" in text
    assert f"Bij {part['couples_one_partner']} stel" in text
    assert "<5" not in text


def test_no_participant_or_couple_code_appears_anywhere(cohort):
    codes = set(cohort["measurements"]["participant_id"]) | set(cohort["measurements"]["couple_id"])
    for code in (BIG, OTHER, SMALL):
        for lang in ("nl", "en"):
            ctx = _ctx(cohort, code=code, lang=lang)
            html = (
                _all_municipal_html(ctx)
                if not municipal.is_suppressed(ctx.stats)
                else municipal.suppressed_notice(ctx)
            )
            leaked = [c for c in codes if c in html]
            assert not leaked, f"{code}/{lang}: participant or couple codes in report"
    octx = ReportContext(stats=cohort["overview"], lang="nl")
    html = _all_overview_html(octx)
    assert not [c for c in codes if c in html]


def test_suppressed_timepoint_and_outcome_are_left_out(cohort):
    stats = copy.deepcopy(cohort[BIG])
    rating = stats["outcomes"]["relationship_rating"]
    rating["descriptives"]["followup"] = {
        "n": rating["descriptives"]["followup"]["n"], "withheld": True
    }
    text = _text(municipal.ratings_section(_ctx(cohort, stats=stats)))
    assert "Niet getoond omdat te weinig mensen invulden: Enkele maanden later" in text
    satisfaction = stats["outcomes"]["couple_satisfaction"]
    satisfaction["publication"]["suppressed"] = True
    text = _text(municipal.reliable_change_section(_ctx(cohort, stats=stats)))
    assert "Relatietevredenheid" not in text


def test_reliable_change_category_of_one_to_four_shows_no_share(cohort):
    stats = copy.deepcopy(cohort[BIG])
    reliable = stats["outcomes"]["couple_satisfaction"]["reliable_change"]
    # As the stats stage writes a count of 1-4 (samen_sterker.disclosure.apply).
    reliable["deteriorated"].update(
        count=None, share=None, ci_low=None, ci_high=None,
        disclosure={"how": "range", "low": 0, "high": 4, "reason": "count_below_protection_width"},
    )
    html = municipal.reliable_change_section(_ctx(cohort, stats=stats))
    # Table: the published bound, no share, no CI; the one legend below it.
    assert "Duidelijk achteruit hoogstens 4 – –" in _text(html)
    assert "Kleine aantallen:" in _text(html)
    alt = html_module.unescape(re.search(r'alt="(Staafdiagram[^"]*)"', html).group(1))
    assert f"Duidelijk achteruit: hoogstens 4 van de {reliable['n']}" in alt


def test_attrition_comparison_needs_enough_non_completers(cohort):
    stats = copy.deepcopy(cohort[BIG])
    part = stats["outcomes"]["relationship_rating"]["participation"]
    comparison = part["completers_vs_noncompleters"]
    # The stats stage withholds it (samen_sterker.disclosure); the report only renders that.
    part["completers_vs_noncompleters"] = {
        "available": False, "withheld": True, "n_completers": 20, "n_noncompleters": 4,
        "reason": "withheld: n_noncompleters:fewer_respondents_than_min",
    }
    text = _text(municipal.participation_section(_ctx(cohort, stats=stats)))
    assert "Maar weinig deelnemers sloegen de vragenlijst na de cursus over" in text
    part["completers_vs_noncompleters"] = comparison
    comparison.update(available=True, n_noncompleters=12, difference=-2.0, ci_low=-3.0,
                      ci_high=-1.0)
    text = _text(municipal.participation_section(_ctx(cohort, stats=stats)))
    # How much lower, as a range of positive numbers beside "lower".
    assert "begon gemiddeld 2,0 punten lager" in text
    assert "Het verschil ligt waarschijnlijk tussen 1,0 en 3,0 punten" in text


def test_comparison_highlights_this_municipality_and_hides_suppressed_ones(cohort):
    ov = cohort["overview"]
    shown = [r for r in ov["outcomes"]["relationship_rating"]["comparison"] if not r["suppressed"]]
    html = municipal.comparison_section(_ctx(cohort))
    text = _text(html)
    if len(shown) >= 2 and any(r["municipality_code"] == BIG for r in shown):
        assert "<img" in html and 'alt="' in html
    else:
        assert "te weinig andere gemeenten" in text
    assert "Kleindorp" not in html
    suppressed = sum(r["suppressed"] for r in ov["outcomes"]["relationship_rating"]["comparison"])
    if len(shown) >= 2:
        assert f"{suppressed} gemeente(n) niet apart getoond" in text


def test_comparison_prints_each_municipalitys_own_page_one_change(cohort, monkeypatch):
    """The overview's table and the municipal chart print each municipality's headline change
    (its page 1), not the participant-level paired t; the chart's band is the pooled headline
    change, as on the overview's page 1."""
    ov = cohort["overview"]
    bands = []
    chart = figures.interval_chart

    def recording_chart(rows, **kwargs):
        bands.append(kwargs["band"])
        return chart(rows, **kwargs)

    monkeypatch.setattr(figures, "interval_chart", recording_chart)
    html = municipal.comparison_section(_ctx(cohort))
    alt = re.search(r'alt="(Grafiek met per gemeente[^"]*)"', html).group(1)
    table = _text(overview.municipalities_section(ReportContext(stats=ov, lang="nl")))
    for code, name in ((BIG, "Nergenshuizen"), (OTHER, "Súdwest-Nergensdorp")):
        own = cohort[code]["outcomes"]["relationship_rating"]
        change, paired = own["headline_change"], own["paired"]["course"]
        assert change["source"] == "mixed_model"
        assert f"{name}: +{_nl(change['estimate'])}" in alt
        assert (f"+{_nl(change['estimate'])} ({_nl(change['ci_low'])} tot "
                f"{_nl(change['ci_high'])})") in table
        assert (f"+{_nl(paired['mean_change'])} ({_nl(paired['ci_low'])} tot "
                f"{_nl(paired['ci_high'])})") not in table
    pooled = ov["outcomes"]["relationship_rating"]["headline_change"]
    assert bands == [(pooled["ci_low"], pooled["ci_high"])]


def test_nearest_rows_keep_the_own_row_and_the_closest_estimates_in_order():
    rows = [figures.IntervalRow(f"G{i}", estimate, estimate - 1, estimate + 1, i == 4)
            for i, estimate in enumerate([0.0, 9.0, 2.9, 3.3, 3.0, 1.0, 5.0, 3.05])]
    # Own estimate 3.0; distances 3.0, 6.0, 0.1, 0.3, -, 2.0, 2.0, 0.05 (by hand).
    assert [row.label for row in figures.nearest_rows(rows, limit=4)] == ["G2", "G3", "G4", "G7"]
    # A tie in distance (G5 and G6, both 2.0) goes to the earlier row.
    assert [row.label for row in figures.nearest_rows(rows, limit=5)] == [
        "G2", "G3", "G4", "G5", "G7"]
    assert figures.nearest_rows(rows, limit=8) == rows


def test_comparison_at_national_size_shows_the_own_row_and_24_others(cohort):
    """342 municipalities: the chart has 25 rows, this municipality's among them (also when
    its change is the largest), and a note says how many of how many are shown."""
    ov = copy.deepcopy(cohort["overview"])
    rows = ov["outcomes"]["relationship_rating"]["comparison"]
    template = next(r for r in rows if r["municipality_code"] == BIG)
    others = [dict(template, municipality=f"Gemeente {i}", municipality_code=f"GM{i:04d}",
                   mean_change=1.0 + i / 100, ci_low=i / 100, ci_high=2.0 + i / 100,
                   suppressed=False) for i in range(341)]
    own = dict(template, mean_change=99.0, ci_low=98.0, ci_high=100.0)
    ov["outcomes"]["relationship_rating"]["comparison"] = [*others, own]
    ctx = ReportContext(stats=cohort[BIG], lang="nl", overview=ov)
    html = municipal.comparison_section(ctx)
    alt = re.search(r'alt="(Grafiek met per gemeente[^"]*)"', html).group(1)
    assert len(alt.split("; ")) == 25
    assert "Nergenshuizen" in alt
    # The largest estimates are nearest to 99: Gemeente 340 down to 317.
    assert "Gemeente 340" in alt and "Gemeente 317" in alt and "Gemeente 316" not in alt
    assert "Er zijn 342 gemeenten met genoeg deelnemers. De grafiek toont uw gemeente en de 24" in (
        _text(html))


def test_trend_shows_earlier_year(cohort):
    stats = cohort[BIG]
    assert stats["trend"]["available"]
    html = municipal.comparison_section(_ctx(cohort))
    alt = re.search(r'alt="(Grafiek van het gemiddelde verschil per jaar[^"]*)"', html)
    assert alt is not None
    for row in stats["trend"]["by_outcome"]["relationship_rating"]:
        assert str(row["year"]) in alt.group(1)


# --- overview -------------------------------------------------------------------------------


def _all_overview_html(ctx: ReportContext) -> str:
    return "".join(
        [
            overview.title_block(ctx),
            overview.key_figures(ctx),
            overview.privacy_note(ctx),
            overview.flow_section(ctx),
            overview.municipalities_section(ctx),
            overview.completers_section(ctx),
            overview.funnel_section(ctx),
            overview.trend_section(ctx),
            overview.cost_section(ctx),
            overview.appendix(ctx),
        ]
    )


def test_overview_pools_the_published_municipalities_and_counts_the_others(cohort):
    """Kleindorp (3 couples) is in no published group; Súdwest-Nergensdorp meets the
    thresholds and keeps its row; the totals are those two published ones only."""
    ov = cohort["overview"]
    assert published.primarily_suppressed(ov) == [SMALL]
    assert not [e for e in ov["municipalities"] if e["suppression"] == "secondary"]
    ctx = ReportContext(stats=ov, lang="nl")
    text = _text(_all_overview_html(ctx))
    part = ov["outcomes"]["relationship_rating"]["participation"]
    rows = {r["municipality_code"]: r for r in ov["outcomes"]["relationship_rating"]["comparison"]}
    assert part["participants"] == rows[BIG]["participants"] + rows[OTHER]["participants"]
    assert f"samen {part['participants']} deelnemers" in text
    assert "Kleindorp te weinig deelnemers" in text
    assert f"Súdwest-Nergensdorp {rows[OTHER]['participants']} " in text
    # From how many municipalities participants are not shown, but not how many: that
    # would be Kleindorp's count.
    year = cohort["measurements"][cohort["measurements"]["year"] == 2024]
    small = year.loc[year["municipality_code"] == SMALL, "participant_id"].nunique()
    assert "De deelnemers uit 1 gemeente(n) staan in geen enkele groep" in text
    assert f"{small} deelnemers uit" not in text


def test_overview_shows_pooled_figures_and_costs(cohort):
    ov = cohort["overview"]
    ctx = ReportContext(stats=ov, lang="nl")
    text = _text(_all_overview_html(ctx))
    part = ov["outcomes"]["relationship_rating"]["participation"]
    assert f"met samen {part['participants']} deelnemers" in text
    cost = ov["cost"]
    assert "€ " + f"{cost['course_cost_per_participant']:,.0f}".replace(",", ".") in text
    assert "€ " + f"{cost['total_cost']:,.0f}".replace(",", ".") in text
    assert "2 tot 2,3 miljard euro per jaar" in text
    assert "Voor dat bedrag vonden we geen bron" in text
    english = _text(_all_overview_html(ReportContext(stats=ov, lang="en")))
    assert "2 to 2.3 billion euros a year" in english


# --- building blocks ------------------------------------------------------------------------


def test_blocks_escape_text_and_tables_check_row_length():
    assert blocks.paragraph("<script>") == "<p>&lt;script&gt;</p>"
    with pytest.raises(ValueError, match="cells"):
        blocks.table(["a", "b"], [["1"]], caption="c")
    html = blocks.table(["a", "b"], [["x", "1"]], caption="Cap", numeric_columns=[1])
    assert '<th scope="row">x</th>' in html and '<td class="num">1</td>' in html


def test_a_note_fills_the_rest_of_its_row_and_a_long_table_may_run_over_pages():
    header = ["name", "n", "share", "change"]
    html = blocks.table(header, [["Klein", blocks.RestOfRow("too few")], ["Groot", "12", "5%", "+1"]],
                        caption="c", numeric_columns=[1, 2])
    # Not in a numeric cell: those never wrap, so a note there widened the table off the page.
    assert '<th scope="row">Klein</th><td colspan="3">too few</td></tr>' in html
    assert '<td class="num">12</td><td class="num">5%</td><td>+1</td>' in html
    with pytest.raises(ValueError, match="last cell"):
        blocks.table(header, [[blocks.RestOfRow("x"), "1"]], caption="c")
    with pytest.raises(ValueError, match="cells"):
        blocks.table(header, [["a", "1", "2", "3", blocks.RestOfRow("x")]], caption="c")
    rows = [["x", "1", "2", "3"]]
    short = blocks.table(header, rows * blocks.ROWS_KEPT_ON_ONE_PAGE, caption="c", css_class="wide")
    long = blocks.table(header, rows * (blocks.ROWS_KEPT_ON_ONE_PAGE + 1), caption="c",
                        css_class="wide")
    assert 'class="wide"' in short and 'class="wide long"' in long


def test_figures_need_alt_text_and_are_deterministic():
    def make():
        return figures.share_chart(
            ["a", "b", "c"],
            [0.5, 0.3, 0.0],
            [0.3, 0.1, 1e-17],
            [0.7, 0.5, 0.2],
            ["5", "3", "0"],
            axis_label="x",
        )

    assert figures.svg_bytes(make()) == figures.svg_bytes(make())
    with pytest.raises(ValueError, match="alt text"):
        figures.figure_html(make(), "caption", " ")


def test_svg_bytes_are_savefigs_own_and_leave_the_figure_as_it_was():
    """svg_bytes runs the layout itself instead of savefig's blind draw: the same bytes."""
    import io

    def make():
        return figures.interval_chart(
            [figures.IntervalRow(f"Gemeente {i}", i / 10, i / 10 - 1, i / 10 + 1, i == 3)
             for i in range(8)],
            axis_label="verandering",
            reference_label="geen verandering",
            band=(0.1, 0.4),
            band_label="alle gemeenten",
        )

    fig = make()
    engine, canvas, dpi = fig.get_layout_engine(), fig.canvas, fig.dpi
    svg = figures.svg_bytes(fig)
    assert (fig.get_layout_engine(), fig.canvas, fig.dpi) == (engine, canvas, dpi)
    plain, fig = io.BytesIO(), make()
    with figures.report_style():
        fig.savefig(plain, format="svg", metadata={"Date": None, "Creator": None})
    assert svg == plain.getvalue()


def test_source_date_prefers_provenance_and_never_the_clock():
    assert source_date({"data_date": "2025-01-31"}, 2024) == "2025-01-31"
    assert source_date({}, 2024) == "2024-12-31T00:00:00+00:00"


def test_source_date_is_the_cohort_years_own_date_of_the_data():
    provenance = {"data_date": "2025-05-02",
                  "data_date_by_year": {"2024": "2024-07-10", "2025": "2025-05-02"}}
    assert source_date(provenance, 2024) == "2024-07-10"
    assert source_date(provenance, 2025) == "2025-05-02"


def test_appendix_states_the_date_of_the_data(cohort):
    ctx = ReportContext(stats=cohort[BIG], lang="en", overview=cohort["overview"],
                        provenance={"data_date": "2025-05-02",
                                    "data_date_by_year": {"2024": "2024-07-10"}})
    text = _text(municipal.provenance_appendix(ctx))
    assert "Date of the data (latest completed questionnaire) 10 July 2024" in text
    unknown = ReportContext(stats=cohort[BIG], lang="nl", overview=cohort["overview"])
    assert "Datum van de gegevens (laatst ingevulde vragenlijst) onbekend" in _text(
        municipal.provenance_appendix(unknown))


def test_reviewer_slope_plot_data_are_complete_pairs_without_codes(tmp_path):
    from samen_sterker.reports import reviewer

    rows = [
        # couple A: both partners before and after
        ("GM0001-A", "GM0001-A-1", "pre", 4.0),
        ("GM0001-A", "GM0001-A-1", "post", 7.0),
        ("GM0001-A", "GM0001-A-2", "pre", 5.0),
        ("GM0001-A", "GM0001-A-2", "post", 6.0),
        # couple B: one partner without a post measurement, one complete
        ("GM0001-B", "GM0001-B-1", "pre", 3.0),
        ("GM0001-B", "GM0001-B-2", "pre", 6.0),
        ("GM0001-B", "GM0001-B-2", "post", 8.0),
    ]
    table = [
        {
            "municipality": "X",
            "municipality_code": "GM0001",
            "year": 2024,
            "couple_id": couple,
            "participant_id": person,
            "timepoint": timepoint,
            "outcome": "relationship_rating",
            "value": value,
        }
        for couple, person, timepoint, value in rows
    ]
    path = tmp_path / "m.csv"
    import pandas as pd

    pd.DataFrame(table).to_csv(path, index=False)
    pairs = reviewer.paired_values(
        path,
        year=2024,
        municipality_code="GM0001",
        outcome="relationship_rating",
        start="pre",
        end="post",
    )
    assert pairs.to_dict("records") == [
        {"couple": 0, "partner": 0, "start": 4.0, "end": 7.0},
        {"couple": 0, "partner": 1, "start": 5.0, "end": 6.0},
        {"couple": 1, "partner": 0, "start": 6.0, "end": 8.0},
    ]
    fig = reviewer.slope_chart(pairs, start_label="voor", end_label="na", axis_label="cijfer")
    svg = figures.svg_bytes(fig)
    assert b"GM0001" not in svg
    assert svg == figures.svg_bytes(
        reviewer.slope_chart(pairs, start_label="voor", end_label="na", axis_label="cijfer")
    )


def test_slope_plot_pairs_of_each_municipality_from_one_read_and_a_changed_file_reread(
    tmp_path,
):
    """A batch's kernel reads the measurements once for every municipality (issue 14): each
    still gets its own rows only, and a rewritten file is read again."""
    import pandas as pd

    from samen_sterker.reports import reviewer

    def write(values):
        pd.DataFrame([
            {"municipality": name, "municipality_code": code, "year": year,
             "couple_id": f"{code}-K1", "participant_id": f"{code}-K1-A", "timepoint": time,
             "outcome": "relationship_rating", "value": value}
            for (name, code, year), (before, after) in values.items()
            for time, value in (("pre", before), ("post", after))
        ]).to_csv(path, index=False)

    def pairs(code, year=2024):
        return reviewer.paired_values(path, year=year, municipality_code=code,
                                      outcome="relationship_rating", start="pre", end="post"
                                      ).to_dict("records")

    path = tmp_path / "measurements.csv"
    write({("A", "0363", 2024): (4.0, 7.0), ("B", "0014", 2024): (5.0, 6.0),
           ("A", "0363", 2023): (1.0, 2.0)})
    assert pairs("0363") == [{"couple": 0, "partner": 0, "start": 4.0, "end": 7.0}]
    assert pairs("0014") == [{"couple": 0, "partner": 0, "start": 5.0, "end": 6.0}]
    assert pairs("0363", 2023) == [{"couple": 0, "partner": 0, "start": 1.0, "end": 2.0}]
    write({("A", "0363", 2024): (3.5, 9.25), ("B", "0014", 2024): (5.0, 6.0)})
    assert pairs("0363") == [{"couple": 0, "partner": 0, "start": 3.5, "end": 9.25}]


def test_chart_tick_labels_follow_the_report_language():
    dutch, english = figures.LocaleFormatter("nl"), figures.LocaleFormatter("en")
    assert dutch.format_ticks([0.0, 0.5, 1.0, 1.5]) == ["0,0", "0,5", "1,0", "1,5"]
    assert english.format_ticks([0.0, 2.5, 5.0]) == ["0.0", "2.5", "5.0"]
    assert dutch.format_ticks([0.0, 20.0, 40.0]) == ["0", "20", "40"]
    assert dutch.format_ticks([-0.25, 0.0, 0.25]) == ["\u22120,25", "0,00", "0,25"]


def test_comparison_shows_the_published_municipalities_and_the_pooled_band(cohort):
    ov = cohort["overview"]
    ctx = ReportContext(stats=cohort[BIG], lang="nl", overview=ov)
    html = municipal.comparison_section(ctx)
    text = _text(html)
    assert "Uw gemeente is oranje" in text
    assert "grijze band" in text  # pooled over the published groups: always safe to draw
    assert "Súdwest-Nergensdorp" in html and "Kleindorp" not in html
    assert "1 gemeente(n) niet apart getoond" in text


def test_share_chart_draws_a_withheld_category_as_its_range():
    fig = figures.share_chart(["improved", "unchanged", "worse"], [0.0, 0.0, 0.0],
                              [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], ["13 to 16 of 17", "<5", "0"],
                              axis_label="share", lang="en",
                              ranges=[(13 / 17, 16 / 17), None, None])
    bars = [patch for patch in fig.axes[0].patches if patch.get_width() > 0]
    assert len(bars) == 1
    assert bars[0].get_x() == pytest.approx(100 * 13 / 17)
    assert bars[0].get_width() == pytest.approx(100 * 3 / 17)


def _many_exports_year(cohort, tmp_path):
    """A year of 30 exports (more than a page lists): 20 Qualtrics exports of GM0001 (10
    rows read, 9 kept, 1 not a number), 8 LimeSurvey exports of GM0002 (20 read, 18 kept,
    2 out of range), 2 exports of GM0003, which is withheld (1 not a number each)."""
    import pandas as pd

    exports = (
        [(f"q{i:02d}", "qualtrics_csv", "GM0001", 10, 9, 1, "not_a_number") for i in range(20)]
        + [(f"l{i:02d}", "limesurvey_csv", "GM0002", 20, 18, 2, "out_of_range") for i in range(8)]
        + [(f"x{i:02d}", "excel_nl", "GM0003", 5, 4, 1, "not_a_number") for i in range(2)]
    )
    quality = pd.DataFrame(
        [
            {"export_id": e, "file": f"data/raw/2024/{e}.csv", "format": kind,
             "municipality_codes": code, "rows_read": str(read), "rows_kept": str(kept),
             "rows_excluded": str(excluded)}
            for e, kind, code, read, kept, excluded, _ in exports
        ]
    )
    exclusions = pd.DataFrame(
        [
            {"export_id": e, "file": f"data/raw/2024/{e}.csv", "row": str(row), "reason": reason}
            for e, _, _, _, _, excluded, reason in exports
            for row in range(excluded)
        ]
    )
    provenance_file = tmp_path / "2024.json"
    provenance_file.write_text(
        '{"inputs": {' + ", ".join(f'"data/raw/2024/{e[0]}.csv": "{"0" * 64}"' for e in exports)
        + "}}",
        encoding="utf-8",
    )
    return quality, exclusions, provenance_file


def test_a_year_of_many_exports_is_summarised_per_kind_and_reason(cohort, tmp_path):
    """At national size the per-file lists ran to 75 of the overview's 107 pages; past a page
    of files the appendix sums them up per kind of export and per reason instead, without
    the withheld municipality's counts, and names where the per-file figures are."""
    import hashlib
    import json

    quality, exclusions, provenance_file = _many_exports_year(cohort, tmp_path)
    assert len(quality) > 25  # more than blocks.ROWS_KEPT_ON_ONE_PAGE
    ctx = ReportContext(
        stats=cohort["overview"], lang="nl", data_quality=quality, exclusions=exclusions,
        provenance=json.loads(provenance_file.read_text(encoding="utf-8")),
        provenance_sha256=hashlib.sha256(provenance_file.read_bytes()).hexdigest(),
    )
    text = _text(
        municipal.data_quality_appendix(ctx, hide_municipalities={"GM0003"})
        + municipal.provenance_appendix(ctx)
    )
    # Sums by hand: 20 x (10, 9, 1) and 8 x (20, 18, 2); GM0003's two exports not counted.
    assert "limesurvey_csv 8 160 144 16" in text
    assert "qualtrics_csv 20 200 180 20" in text
    assert "Totaal 28 360 324 36" in text
    assert "Er zijn 30 bestanden ingelezen" in text
    assert "2 bestanden tellen niet mee" in text
    # Reasons over all counted exports, the most frequent first: 20 x 1 and 8 x 2.
    assert "Antwoord is geen getal 20 Antwoord buiten de schaal 16" in text
    assert "q00" not in text and "x01" not in text
    # The inputs' SHA-256s are in the provenance file, whose own SHA-256 the report states.
    assert "0" * 64 not in text
    assert hashlib.sha256(provenance_file.read_bytes()).hexdigest() in text


def test_a_year_of_few_exports_lists_them_one_by_one(cohort, tmp_path):
    quality, exclusions, _ = _many_exports_year(cohort, tmp_path)
    few = quality[quality["export_id"].isin(["q00", "l00", "x00"])]
    ctx = ReportContext(stats=cohort["overview"], lang="en", data_quality=few,
                        exclusions=exclusions[exclusions["export_id"].isin(few["export_id"])])
    text = _text(municipal.data_quality_appendix(ctx, hide_municipalities={"GM0003"}))
    assert "l00 limesurvey_csv 20 18 2" in text
    assert "q00 qualtrics_csv 10 9 1" in text
    assert "x00 excel_nl – – –" in text
    assert "l00 Answer outside the scale 2" in text


def test_load_context_takes_the_provenance_files_sha256(cohort, tmp_path):
    import hashlib
    import json

    from samen_sterker.reports.context import load_context

    stats_file = tmp_path / "overview.json"
    stats_file.write_text(json.dumps(cohort["overview"]), encoding="utf-8")
    _, _, provenance_file = _many_exports_year(cohort, tmp_path)
    ctx = load_context(stats_file, provenance_path=provenance_file)
    assert ctx.provenance_sha256 == hashlib.sha256(provenance_file.read_bytes()).hexdigest()


def test_the_margin_of_each_mean_is_the_couple_aware_one_and_the_appendix_says_so(cohort):
    """Table 2's margin is the JSON's interval, which counts couples (docs/methods.md,
    "Descriptives"); the municipal appendix names the method, the overview (which shows no
    margin around a timepoint's mean) does not."""
    before = cohort[BIG]["outcomes"]["relationship_rating"]["descriptives"]["pre"]
    assert before["n_couples"] < before["n"] and "CR2" in before["ci_method"]
    text = _text(municipal.ratings_section(_ctx(cohort)))
    assert f"{_nl(before['ci_low'])} tot {_nl(before['ci_high'])}" in text
    appendix = _text(municipal.methods_appendix(_ctx(cohort)))
    assert "partners van één stel op elkaar lijken" in appendix
    assert "Bell, R. M., & McCaffrey, D. F. (2002)" in appendix
    english = _text(municipal.methods_appendix(_ctx(cohort, lang="en")))
    assert "Bell and McCaffrey (2002) degrees of freedom" in english
    overview_text = _text(_all_overview_html(ReportContext(stats=cohort["overview"], lang="nl")))
    assert "partners van één stel op elkaar lijken" not in overview_text


def _participant_t_interval(cohort, codes):
    """The course change's t-interval over participants on n - 1 df, by hand from the
    measurements of the municipalities `codes`: what Table 3 showed before its margin counted
    couples."""
    from scipy import stats as scipy_stats

    data = cohort["measurements"]
    data = data[(data["year"] == 2024) & (data["outcome"] == "relationship_rating")]
    data = data[data["municipality_code"].isin(codes)]
    wide = data.pivot(index="participant_id", columns="timepoint", values="value")
    change = (wide["post"] - wide["pre"]).dropna()
    half = scipy_stats.t.ppf(0.975, len(change) - 1) * change.std(ddof=1) / len(change) ** 0.5
    return len(change), change.mean() - half, change.mean() + half


def test_the_margin_of_the_change_counts_couples_and_the_appendix_says_so(cohort):
    """Table 3 (change among those who filled in at both moments) and the overview's
    completers row show the couple-aware interval of the JSON, wider here than the interval
    over participants; both reports' methods say how it is computed, in both languages."""
    course = cohort[BIG]["outcomes"]["relationship_rating"]["paired"]["course"]
    n, low, high = _participant_t_interval(cohort, [BIG])
    assert course["n_pairs"] == n and course["n_couples"] < n
    assert "CR2" in course["ci_method"] and course["ci_df"] < n - 1
    assert course["ci_low"] < low and course["ci_high"] > high
    text = _text(municipal.ratings_section(_ctx(cohort)))
    assert f"{_nl(course['ci_low'])} tot {_nl(course['ci_high'])}" in text
    assert f"{_nl(low)} tot {_nl(high)}" not in text
    technical = _text(municipal.methods_appendix(_ctx(cohort)))
    assert f"95%-BI {_nl(course['ci_low'])} tot {_nl(course['ci_high'])}" in technical
    assert f"bij {n} deelnemers uit {course['n_couples']} stellen" in technical
    assert "Het interval telt het stel als eenheid (CR2" in technical
    for ctx in (_ctx(cohort), ReportContext(stats=cohort["overview"], lang="nl")):
        methods = _text(municipal.methods_appendix(ctx))
        assert ("De 95%-marge daarvan houdt er rekening mee dat partners samen veranderen: "
                "cluster-robuuste standaardfout met het stel als eenheid (CR2)") in methods
        assert "Bell, R. M., & McCaffrey, D. F. (2002)" in methods
    for ctx in (_ctx(cohort, lang="en"), ReportContext(stats=cohort["overview"], lang="en")):
        assert "Its 95% margin allows for partners changing together" in _text(
            municipal.methods_appendix(ctx))
    pooled_course = cohort["overview"]["outcomes"]["relationship_rating"]["paired"]["course"]
    # The overview pools the published groups; Kleindorp (3 couples) is in none.
    assert sorted(m["municipality_code"] for m in cohort["overview"]["municipalities"]
                  if not m["suppressed"]) == [OTHER, BIG]
    n, low, high = _participant_t_interval(cohort, [BIG, OTHER])
    assert pooled_course["n_pairs"] == n and pooled_course["ci_low"] < low
    overview_text = _text(_all_overview_html(ReportContext(stats=cohort["overview"], lang="nl")))
    assert (f"{_nl(pooled_course['mean_change'])} ({_nl(pooled_course['ci_low'])} tot "
            f"{_nl(pooled_course['ci_high'])})") in overview_text


def test_a_report_with_earlier_years_names_where_their_inputs_are(cohort):
    """The trend over years reads earlier years' measurements: the appendix says their inputs'
    checksums are in provenance.json too, and gives that file's SHA-256."""
    provenance = {"inputs": {}, "earlier_years": {"2023": {"inputs": {"a.csv": "1" * 64}}}}
    ctx = ReportContext(stats=cohort[BIG], lang="nl", provenance=provenance,
                        provenance_sha256="f" * 64)
    text = _text(municipal.provenance_appendix(ctx))
    assert "De vergelijking met eerdere jaren (2023)" in text and "f" * 64 in text
    ctx = ReportContext(stats=cohort[BIG], lang="en", provenance={"inputs": {}})
    assert "earlier years" not in _text(municipal.provenance_appendix(ctx))
