"""Privacy of a year's publications: which groups are published, pooled totals over them,
and, with the audit, that no withheld count follows from everything the year publishes.

Stats are built with the package (samen_sterker.stats.analyse) from seeded simulated cohorts;
expected outcomes follow from the publication rule by hand (which municipality is too small,
which split has a part of 1-4), never from the report code's earlier output. The audit used
on the written JSON is samen_sterker.disclosure.audit, itself checked against brute-force
enumeration in tests/test_disclosure_audit.py; the problem is built here from the JSON the
stats stage writes, not from the decisions, so a report or stats file that shows more than
decided is caught.
"""

from __future__ import annotations

import html as html_module
import re

import pandas as pd
import pytest

from samen_sterker import simulate
from samen_sterker.config import load_config
from samen_sterker.disclosure.audit import Problem, Published, Relation, audit
from samen_sterker.reports import municipal, overview, published
from samen_sterker.reports.context import ReportContext
from samen_sterker.stats import analyse, pooled
from samen_sterker.stats.outcome import analyse_outcome, timepoint_roles

Spec = simulate.MunicipalitySpec
PRIMARY, OTHER_OUTCOME = "relationship_rating", "couple_satisfaction"


@pytest.fixture(scope="module")
def config():
    return load_config("config/config.yaml")


def _build(config, specs, seed, **params):
    measurements = simulate.simulate_measurements(
        simulate.SimulationParameters(municipalities=tuple(specs), **params), seed
    )
    return _year(config, measurements, 2024)


def _year(config, measurements, year):
    decisions = analyse.year_decisions(measurements, config, year)
    groups = {
        code: analyse.analyse_group(measurements, config, year, code, decisions)
        for code in sorted(measurements["municipality_code"].unique())
    }
    return {
        "groups": groups,
        "overview": pooled.analyse_year(measurements, config, year, decisions),
        "decisions": decisions,
        "measurements": measurements,
    }


@pytest.fixture(scope="module")
def one_tiny(config):
    """Klein (3 couples) is too small and alone: in no published group."""
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
def several_tiny(config):
    """Klein and Mini (4 couples each) are too small alone, together 16 participants in 8
    couples: published together as "other municipalities"."""
    specs = [Spec("GM0001", "Klein", 4), Spec("GM0002", "Mini", 4), Spec("GM0003", "Groot", 12)]
    return _build(config, specs, 11, attrition={"intake": 0.0, "post": 0.0, "followup": 0.25})


@pytest.fixture(scope="module")
def cohort_2025(config):
    """Like the 2025 cohort of issue 10: Zeist 19 participants in 10 couples, Vlieland 4."""
    specs = [Spec("GM0355", "Zeist", 10, single_partner_couples=1),
             Spec("GM0096", "Vlieland", 2)]
    return _build(config, specs, 2025, attrition={"intake": 0.0, "post": 0.05, "followup": 0.25})


@pytest.fixture(scope="module")
def demo(config):
    """The demo cohort: Súdwest-Nergensdorp's CSI-4 has 3 of its 18 completers starting
    functional, so the 15 starting dysfunctional are withheld too (13 to 17), beside an exact
    count of recovered."""
    measurements = simulate.demo_truth()
    return _year(config, measurements, int(measurements["year"].max()))


@pytest.fixture(scope="module")
def small_parts(config):
    """Low attrition and one single-partner couple: splits with parts of 1-4 everywhere."""
    specs = [Spec("GM0001", "Aa", 12, single_partner_couples=1,
                  timepoints=("pre", "post", "followup")), Spec("GM0002", "Bb", 10)]
    # Few answer the follow-up: a withheld timepoint with a handful of ratings.
    attrition = {"intake": 0.0, "post": 0.05, "followup": 0.75}
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



def _all_text(ctx: ReportContext, sections) -> str:
    return " ".join(_text(html) for html in sections(ctx).values())


# --- the audit over everything a year writes -------------------------------------------------

CATEGORIES = ("improved", "unchanged", "deteriorated")
CLINICAL = ("recovered", "improved", "unchanged", "deteriorated")


def _publish(published: dict, cell: str, shown: Published) -> None:
    """Combine what two publications say of one cell (exact wins; ranges intersect)."""
    old = published.get(cell)
    if old is None or old.how == "withheld" or shown.how == "exact":
        published[cell] = shown
    elif shown.how == "range" and old.how == "range":
        published[cell] = Published.range(max(old.low, shown.low), min(old.high, shown.high))


def _as_published(share: dict) -> Published:
    if share.get("count") is not None:
        return Published.exact(share["count"])
    if share.get("share") is not None and share.get("n"):
        # A percentage beside its n gives the count.
        return Published.exact(round(share["share"] * share["n"]))
    decision = share.get("disclosure") or {}
    if decision.get("how") == "range":
        return Published.range(decision["low"], decision["high"])
    return Published.withheld()


def _total_from_shares(parts: dict) -> int | None:
    """A percentage beside its exact count gives the total it is a share of."""
    for share in parts.values():
        if share.get("count") and share.get("share"):
            return round(share["count"] / share["share"])
    return None


def _add_split(problem, protected, total_cell, total, parts, truth=None):
    """A published total (exact) and its parts as the JSON shows them."""
    problem.values.setdefault(total_cell, total if total is not None else 0)
    if total is not None:
        _publish(problem.published, total_cell, Published.exact(total))
        problem.frame.add(total_cell)
    elif (derived := _total_from_shares(parts)) is not None:
        _publish(problem.published, total_cell, Published.exact(derived))  # not the frame's
    cells = []
    for name, share in parts.items():
        cell = f"{total_cell}:{name}"
        cells.append(cell)
        problem.values.setdefault(cell, (truth or {}).get(name, 0))
        _publish(problem.published, cell, _as_published(share))
        protected.add(cell)
    problem.relations.append(Relation.total(total_cell, cells))


def _add_funnel(problem, protected, year: dict) -> None:
    """The overview's funnel: each point's n and improved count at the common threshold
    (cells fn:*). The pooled group's threshold is the common one, so its reliable-change
    classes are the sums of the shown groups' common-threshold classes (the members of
    "other municipalities" included, whose counts are never shown)."""
    overview = year["overview"]
    if overview["publication"]["suppressed"]:
        return
    for name, block in overview["outcomes"].items():
        funnel = block.get("funnel") or {}
        if not funnel.get("available") or "threshold" not in funnel:
            continue
        groups = {}
        for point in funnel["points"]:
            assert point["improved"] is not None
            groups[point["municipality_code"]] = (point["n"], {"improved": {"count": point[
                "improved"]}, "unchanged": {}, "deteriorated": {}})
        for point in funnel.get("points_not_shown", []):
            decision = point["disclosure"]
            groups[point["municipality_code"]] = (point["n"], {
                "improved": {"disclosure": decision}, "unchanged": {}, "deteriorated": {}})
        other = next((row for row in block.get("comparison", [])
                      if row["municipality_code"] == "other" and not row["suppressed"]), None)
        if other is not None:
            n_other = year["groups"].get("other", {}).get("outcomes", {}).get(name, {}).get(
                "reliable_change", {}).get("n")
            groups["other"] = (n_other, {key: {} for key in CATEGORIES})
        for code, (n, parts) in groups.items():
            _add_split(problem, protected, f"{code}/{name}/fn", n, parts)
        pooled = block.get("reliable_change") or {}
        if pooled.get("available"):
            for category in CATEGORIES:
                problem.relations.append(Relation.total(
                    f"pooled/{name}/rc:{category}",
                    [f"{code}/{name}/fn:{category}" for code in groups]))


def audit_written_year(year: dict, width: int = 5) -> list:
    """Audit the reliable- and clinical-change counts of every JSON of a year as written.

    Municipal JSONs and the overview's pooled block and comparison rows all publish counts;
    the same group's cells from different files are one cell.
    """
    problem = Problem(values={})
    protected: set[str] = set()
    blocks_by_group = [(code, stats["outcomes"]) for code, stats in year["groups"].items()
                       if not stats["publication"]["suppressed"]]
    if not year["overview"]["publication"]["suppressed"]:
        blocks_by_group.append(("pooled", year["overview"]["outcomes"]))
    for group, outcomes in blocks_by_group:
        for name, block in outcomes.items():
            reliable = block.get("reliable_change") or {}
            if reliable.get("available"):
                _add_split(problem, protected, f"{group}/{name}/rc", reliable["n"],
                           {c: reliable[c] for c in CATEGORIES})
                for row in reliable["sensitivity"]:
                    _add_split(problem, protected, f"{group}/{name}/rc@{row['reliability']}",
                               reliable["n"], {c: row[c] for c in CATEGORIES})
            clinical = block.get("clinical_change") or {}
            if clinical.get("available"):
                _add_split(problem, protected, f"{group}/{name}/cl",
                           clinical["n_started_dysfunctional"], {c: clinical[c] for c in CLINICAL})
                # Those starting dysfunctional or functional are the completers: one of the
                # two withheld is the other's complement.
                starters = {side: {"count": clinical[f"n_started_{side}"],
                                   "disclosure": clinical.get(f"n_started_{side}_disclosure")}
                            for side in ("dysfunctional", "functional")}
                _add_split(problem, protected, f"{group}/{name}/cl-start", reliable.get("n"),
                           starters)
                problem.relations.append(Relation.total(
                    f"{group}/{name}/cl", [f"{group}/{name}/cl-start:dysfunctional"]))
    # Those starting on either side of the clinical cut-off (a fixed score) add up over the
    # groups the pooled block is computed over.
    groups = year["decisions"]["groups"]
    overview_shown = not year["overview"]["publication"]["suppressed"]
    if overview_shown and not groups["other"]["published"]:
        for name in year["overview"]["outcomes"]:
            for side in ("dysfunctional", "functional"):
                parts = [f"{code}/{name}/cl-start:{side}" for code in groups["shown_groups"]]
                whole = f"pooled/{name}/cl-start:{side}"
                if whole in problem.values and all(p in problem.values for p in parts):
                    problem.relations.append(Relation.total(whole, parts))
    # The overview's comparison rows publish each group's improved count again.
    for name, block in year["overview"]["outcomes"].items():
        for row in block.get("comparison", []):
            share = row.get("reliably_improved")
            if share and not row["suppressed"]:
                cell = f"{row['municipality_code']}/{name}/rc:improved"
                problem.values.setdefault(cell, 0)
                _publish(problem.published, cell, _as_published(share))
    _add_funnel(problem, protected, year)
    # True values are not needed for intervals; the solver only needs a consistent start.
    problem.values = dict.fromkeys(problem.values, 0)
    return audit(problem, protected, width)


@pytest.mark.parametrize("name", ["one_tiny", "several_tiny", "no_suppression", "small_parts",
                                  "cohort_2025", "only_tiny", "demo"])
def test_no_withheld_count_can_be_narrowed_from_the_written_year(name, request):
    year = request.getfixturevalue(name)
    # The decisions' own audit (what results/disclosure/{year}.csv holds) ...
    assert all(row["verdict"] == "safe" for row in year["decisions"]["audit"])
    # ... and an audit of what the JSON files actually show.
    findings = audit_written_year(year)
    bad = [(f.cell, f.derived, f.verdict) for f in findings if f.verdict != "safe"]
    assert bad == []


@pytest.mark.parametrize("name", ["one_tiny", "several_tiny", "no_suppression", "small_parts",
                                  "cohort_2025", "only_tiny"])
def test_no_published_rank_test_narrows_a_change_class(name, request):
    """The audit has no cell for a Wilcoxon test; rule 7 keeps one only beside exact counts."""
    from tests.test_disclosure_rank_test import rank_test_narrowings

    year = request.getfixturevalue(name)
    written = [stats for stats in year["groups"].values()] + [year["overview"]]
    for stats in written:
        for block in stats["outcomes"].values():
            if not block.get("withheld"):
                assert rank_test_narrowings(block) == []


def _written_shares(year: dict):
    """(where, share) of every class share the year's JSON files hold."""
    written = [(code, stats) for code, stats in year["groups"].items()]
    written.append(("overview", year["overview"]))
    for where, stats in written:
        for name, block in stats.get("outcomes", {}).items():
            reliable = block.get("reliable_change") or {}
            if reliable.get("available"):
                for category in CATEGORIES:
                    yield f"{where}/{name}/rc:{category}", reliable[category]
                for row in reliable["sensitivity"]:
                    for category in CATEGORIES:
                        yield f"{where}/{name}/rc@{row['reliability']}:{category}", row[category]
            clinical = block.get("clinical_change") or {}
            if clinical.get("available"):
                for category in CLINICAL:
                    yield f"{where}/{name}/cl:{category}", clinical[category]
            for row in block.get("comparison", []):
                if row.get("reliably_improved"):
                    yield f"{where}/{name}/{row['municipality_code']}", row["reliably_improved"]


@pytest.mark.parametrize("name", ["one_tiny", "several_tiny", "no_suppression", "small_parts",
                                  "cohort_2025", "only_tiny"])
def test_a_share_interval_only_beside_its_exact_count(name, request):
    """The couple-aware interval is a function of the count (with n and the couples), so it
    is inverted to the count like Wilson's was: it is written only where the count is."""
    year = request.getfixturevalue(name)
    seen = {"exact": 0, "not exact": 0, "n not exact": 0}
    for where, share in _written_shares(year):
        exact = share["disclosure"]["how"] == "exact"
        seen["exact" if exact else "not exact"] += 1
        if exact and share["n"] is None:
            # A clinical class whose n (started dysfunctional) is not shown exactly: a share
            # or interval beside the exact count would give that n back.
            assert share["count"] is not None, where
            assert share["share"] is None and share["ci_low"] is None, where
            assert share["ci_high"] is None, where
            seen["n not exact"] += 1
        elif exact:
            assert share["count"] is not None and share["n"], where
            assert 0 <= share["ci_low"] <= share["share"] <= share["ci_high"] <= 1, where
        else:
            assert share["count"] is None and share["share"] is None, where
            assert share["ci_low"] is None and share["ci_high"] is None, where
    if name == "small_parts":
        assert seen["exact"] and seen["not exact"], seen
    if name == "cohort_2025":
        # Zeist: recovered 10 exactly of 14 to 18 who started dysfunctional; its share 62.5%
        # gave 16 back (and so the functional starters' 0-4).
        assert seen["n not exact"], seen


def test_a_clinical_class_beside_a_range_of_starters_prints_no_percentage(cohort_2025):
    stats = cohort_2025["groups"]["GM0355"]
    clinical = stats["outcomes"][OTHER_OUTCOME]["clinical_change"]
    decision = clinical["n_started_dysfunctional_disclosure"]
    assert decision["how"] == "range" and clinical["recovered"]["count"] == 10
    for lang, words in (("nl", "10 van de 14 tot 18"), ("en", "10 of the 14 to 18")):
        text = _text(municipal.reliable_change_section(
            ReportContext(stats=stats, lang=lang, overview=cohort_2025["overview"])))
        sentence = next(s for s in text.split(". ") if words in s)
        assert "%" not in sentence, sentence


@pytest.mark.parametrize("name", ["one_tiny", "several_tiny", "no_suppression", "small_parts",
                                  "cohort_2025", "only_tiny", "demo"])
def test_no_published_quantile_narrows_a_clinical_count(name, request):
    """The audit has no cell for a quartile; rule 8 keeps one only beside exact counts."""
    from tests.test_disclosure_quantiles import quantile_narrowings

    year = request.getfixturevalue(name)
    written = [stats for stats in year["groups"].values()] + [year["overview"]]
    for stats in written:
        for block in stats["outcomes"].values():
            if not block.get("withheld"):
                assert quantile_narrowings(block) == []


def test_the_written_year_audit_catches_an_overview_share_beside_a_withheld_count(small_parts):
    """Leak 1 of issue 10 put back: the overview row prints the improved count (as a share
    with its n) that the municipal report withholds; the audit must flag the others."""
    import copy

    config = load_config("config/config.yaml")
    year = copy.deepcopy(small_parts)
    code = "GM0001"
    reliable = year["groups"][code]["outcomes"][OTHER_OUTCOME]["reliable_change"]
    assert reliable["improved"]["count"] is None  # withheld in the report (by hand: 1 single
    # partner, 0-4 unchanged and deteriorated, so improved is withheld to protect them)
    truth = analyse_outcome(
        year["measurements"].query("municipality_code == @code"), OTHER_OUTCOME,
        config["outcomes"][OTHER_OUTCOME], timepoint_roles(config),
        {"min_respondents": 10, "min_couples": 5}, fit_mixed=False,
    )["reliable_change"]
    for row in year["overview"]["outcomes"][OTHER_OUTCOME]["comparison"]:
        if row["municipality_code"] == code:
            row["reliably_improved"] = dict(truth["improved"])
    flagged = {f.cell for f in audit_written_year(year) if f.verdict != "safe"}
    assert f"{code}/{OTHER_OUTCOME}/rc:unchanged" in flagged


def test_the_written_year_audit_catches_a_funnel_point_beside_its_withheld_count(small_parts):
    """The common-threshold funnel's counts go through the disclosure pass: a point that the
    decisions withhold, put back with its true count, lets a reader narrow the classes it
    protects; both the decisions and the audit of the written year must see it."""
    import copy

    year = copy.deepcopy(small_parts)
    funnel = year["overview"]["outcomes"][OTHER_OUTCOME]["funnel"]
    # Here no point's count is published exactly: the funnel lists them without counts.
    assert funnel["available"] is False and funnel["points_not_shown"]
    funnel.update(available=True, threshold={}, points=[])
    hidden = funnel["points_not_shown"][0]
    code = hidden["municipality_code"]
    cells = year["decisions"]["cells"]
    assert cells[f"{code}/{OTHER_OUTCOME}/fn:improved"]["how"] != "exact"
    # The true count, as the decisions saw it.
    from samen_sterker.disclosure.year import funnel_counts, group_frame, outcome_results

    config = load_config("config/config.yaml")
    frame = year["measurements"]
    groups = year["decisions"]["groups"]
    pooled = outcome_results(group_frame(frame, groups, "pooled"), config)
    truth = funnel_counts(frame, config, groups, pooled)[code][OTHER_OUTCOME]
    assert sum(truth[c] for c in CATEGORIES) == hidden["n"]
    assert not flagged_cells(year)
    funnel["points"].append({"municipality_code": code, "n": hidden["n"],
                             "improved": truth["improved"], "suppressed": False})
    funnel["points_not_shown"] = funnel["points_not_shown"][1:]
    flagged = flagged_cells(year)
    assert flagged & {f"{code}/{OTHER_OUTCOME}/fn:{c}" for c in ("unchanged", "deteriorated")}


def flagged_cells(year: dict) -> set[str]:
    return {f.cell for f in audit_written_year(year) if f.verdict != "safe"}


# --- the three leaks of issue 10 by name -----------------------------------------------------


def test_leak_1_overview_share_equals_the_municipal_decision(small_parts):
    """The overview prints for a municipality exactly what its own report prints of the
    improved count: a percentage only when the count is shown exactly, else the same bound."""
    ov = small_parts["overview"]
    for lang in ("nl", "en"):
        table = _text(overview.municipalities_section(ReportContext(stats=ov, lang=lang)))
        for code, stats in small_parts["groups"].items():
            reliable = stats["outcomes"][OTHER_OUTCOME]["reliable_change"]
            ctx = ReportContext(stats=stats, lang=lang, overview=ov)
            expected = published.share_text(ctx, reliable["improved"])
            assert expected in table, (code, lang)
            assert expected in _text(municipal.reliable_change_section(ctx))
    # The fixture really has a municipality whose improved count is not shown exactly.
    assert any(
        stats["outcomes"][OTHER_OUTCOME]["reliable_change"]["improved"]["count"] is None
        or stats["outcomes"][OTHER_OUTCOME]["reliable_change"]["unchanged"]["count"] is None
        for stats in small_parts["groups"].values()
    )


def test_leak_2_one_n_per_outcome_everywhere_in_a_report(small_parts):
    """CSI-4's n of complete pairs was '17 tot 20' on one page and 17 on the next: now a
    participation count is one exact number wherever it is printed, never a range."""
    for stats in small_parts["groups"].values():
        ctx = ReportContext(stats=stats, lang="nl", overview=small_parts["overview"])
        text = _all_text(ctx, _municipal_sections)
        assert "5 of meer" not in text and "<5" not in text and "op <5 na" not in text
        assert "Bijna iedereen" not in text
        for outcome in stats["outcomes"].values():
            course = outcome["paired"]["course"]
            if not course.get("available"):
                continue
            n = course["n_pairs"]
            assert n == outcome["participation"]["complete_pairs"]
            assert str(n) in _numbers(text)
        # Page 1 and the participation section print the same starters and completers.
        part = stats["outcomes"][PRIMARY]["participation"]
        completion = f"{part['complete_pairs']} van de {part['participants_at_baseline']}"
        assert completion in _text(municipal.key_figures(ctx))


def test_leak_3_no_statistic_of_a_withheld_cell_in_results_stats(small_parts, config, tmp_path):
    """Quartiles and medians of a withheld timepoint gave its three ratings back, and a
    4-participant municipality's JSON had follow-up descriptives with n = 1."""
    from samen_sterker.stats.output import write_stats
    from samen_sterker.targets import MUNICIPAL_TABLES

    for code, stats in small_parts["groups"].items():
        assert not stats["publication"]["suppressed"]
        paths = [tmp_path / code / f"{name}.csv" for name in MUNICIPAL_TABLES]
        write_stats(stats, tmp_path / f"{code}.json", paths)
        for name, block in stats["outcomes"].items():
            for tp, row in block.get("descriptives", {}).items():
                cell = block["publication"]["by_timepoint"][tp]
                if cell["suppressed"]:
                    assert row == {"n": row["n"], "withheld": True}, (code, name, tp)
        frame = pd.read_csv(tmp_path / code / "descriptives.csv")
        if "withheld" in frame:
            withheld = frame[frame["withheld"].fillna(False).astype(bool)]
            statistics = ["mean", "median", "q1", "q3", "sd", "ci_low", "ci_high"]
            assert withheld[statistics].isna().all().all()
    # The fixture has a withheld follow-up in Aa (75% of 23 do not answer it).
    followup = small_parts["groups"]["GM0001"]["outcomes"][PRIMARY]["descriptives"]["followup"]
    assert followup["withheld"] is True and 0 < followup["n"] < 10


def test_tiny_municipality_json_has_no_statistic_at_all(cohort_2025, tmp_path):
    from samen_sterker.stats.output import write_stats
    from samen_sterker.targets import MUNICIPAL_TABLES, OVERVIEW_TABLES

    ov_paths = [tmp_path / "overview" / f"{name}.csv" for name in OVERVIEW_TABLES]
    write_stats(cohort_2025["overview"], tmp_path / "overview.json", ov_paths)
    comparison = pd.read_csv(tmp_path / "overview" / "comparison.csv")
    vlieland_rows = comparison[comparison["municipality_code"] == "GM0096"]
    assert vlieland_rows.drop(columns=["outcome", "municipality", "municipality_code", "slug",
                                       "suppressed", "group"]).isna().all().all()

    vlieland = cohort_2025["groups"]["GM0096"]
    paths = [tmp_path / f"{name}.csv" for name in MUNICIPAL_TABLES]
    write_stats(vlieland, tmp_path / "vlieland.json", paths)
    assert all(path.read_text() == "" for path in paths)
    text = (tmp_path / "vlieland.json").read_text()
    for key in ("descriptives", "participation", "paired", "median", "mean", "n_pairs"):
        assert f'"{key}"' not in text


# --- the 2025-like cohort ---------------------------------------------------------------------


def test_2025_like_cohort_zeist_keeps_its_report_vlieland_has_none(cohort_2025):
    zeist, vlieland = cohort_2025["groups"]["GM0355"], cohort_2025["groups"]["GM0096"]
    part = zeist["outcomes"][PRIMARY]["participation"]
    assert (part["participants"], part["couples"]) == (19, 10)
    assert zeist["publication"]["suppressed"] is False
    assert vlieland["publication"]["suppressed"] is True
    ov = cohort_2025["overview"]
    for lang, unshown in (("nl", "De deelnemers uit 1 gemeente(n) staan in geen enkele groep"),
                          ("en", "The participants from 1 municipality(ies) are in no group")):
        ctx = ReportContext(stats=zeist, lang=lang, overview=ov)
        text = _all_text(ctx, _municipal_sections)
        assert "19" in _numbers(text)  # its participants, on page 1
        change = zeist["outcomes"][PRIMARY]["headline_change"]["estimate"]
        assert f"{abs(change):.1f}".replace(".", "," if lang == "nl" else ".") in text
        # Its own row in the overview, and the overview says how many are not shown.
        ov_text = _all_text(ReportContext(stats=ov, lang=lang), _overview_sections)
        assert "Zeist 19 " in ov_text
        # ... from how many municipalities, never how many participants: Vlieland's 4.
        note = _text(overview.unshown_note(ReportContext(stats=ov, lang=lang)))
        assert unshown in note and _numbers(note) == {"1"}
        # No figure of Vlieland anywhere: its row carries words only.
        row = re.search(r"Vlieland ([^A-Z]*)", _text(
            overview.municipalities_section(ReportContext(stats=ov, lang=lang)))).group(1)
        assert not re.search(r"\d", row)
    # The notice report of Vlieland has no numbers beyond the year and the thresholds.
    ctx = ReportContext(stats=vlieland, lang="nl", overview=ov)
    text = _text(municipal.title_block(ctx) + municipal.suppressed_notice(ctx))
    assert _numbers(text) <= {"2024", "10", "5"}


# --- groups and pooled totals -----------------------------------------------------------------


def test_one_tiny_municipality_is_in_no_group_and_nobody_else_is_withheld(one_tiny):
    ov = one_tiny["overview"]
    assert _entry(ov, "Klein")["suppression"] == "primary"
    assert _entry(ov, "Klein")["group"] is None
    for name in ("Middel", "Groot", "Ruim"):
        assert _entry(ov, name)["suppressed"] is False
    rows = [r for r in ov["outcomes"][PRIMARY]["comparison"] if not r["suppressed"]]
    part = ov["outcomes"][PRIMARY]["participation"]
    assert part["participants"] == sum(r["participants"] for r in rows)
    assert ov["publication"]["unshown_municipalities"] == 1
    assert "unshown_participants" not in ov["publication"]
    for lang in ("nl", "en"):
        sections = _overview_sections(ReportContext(stats=ov, lang=lang))
        assert str(part["participants"]) in _numbers(_text(sections["key_figures"]))
        table = _text(sections["municipalities"])
        row = re.search(r"Klein ([^A-Z]*)", table).group(1)
        assert not re.search(r"\d", row), f"{lang}: figures in the row of Klein"
        assert "Klein:" not in _text(sections["funnel"])  # no point of it
    text = _text(overview.municipalities_section(ReportContext(stats=ov, lang="nl")))
    assert "Klein te weinig deelnemers" in text


def test_several_tiny_municipalities_are_published_together(several_tiny):
    ov = several_tiny["overview"]
    assert ov["publication"]["other"] == {"published": True, "members": 2}
    assert ov["publication"]["unshown_municipalities"] == 0
    other = next(r for r in ov["outcomes"][PRIMARY]["comparison"]
                 if r["municipality_code"] == "other")
    assert other["members"] == ["Klein", "Mini"] and other["participants"] == 16
    text = _text(overview.municipalities_section(ReportContext(stats=ov, lang="nl")))
    assert "Overige gemeenten 16 " in text
    assert "Klein te weinig deelnemers; telt mee in 'overige gemeenten'" in text
    for code in ("GM0001", "GM0002"):
        assert several_tiny["groups"][code]["publication"]["group"] == "other"
    # Groot's report compares itself with "other municipalities" by that name.
    ctx = ReportContext(stats=several_tiny["groups"]["GM0003"], lang="nl", overview=ov)
    comparison = municipal.comparison_section(ctx)
    assert "Overige gemeenten" in comparison and "Klein" not in comparison
    # The pooled model's per-municipality changes name published municipalities only.
    changes = ov["outcomes"][PRIMARY]["pooled_model"].get("changes", [])
    assert {c["municipality_code"] for c in changes} <= {"GM0003"}


def test_only_tiny_municipalities_nothing_pooled(only_tiny):
    ov = only_tiny["overview"]
    assert ov["publication"]["suppressed"]
    assert not published.pooled_totals_publishable(ov)
    ctx = ReportContext(stats=ov, lang="nl")
    sections = _overview_sections(ctx)
    assert "Geen enkele gemeente had genoeg deelnemers" in _text(sections["key_figures"])
    assert "De deelnemers uit 2 gemeente(n)" in _text(sections["key_figures"])
    texts = [_text(html).replace("CSI-4", "") for html in sections.values()]
    printed = set().union(*(_numbers(text) for text in texts))
    # The year, the cost context ('minstens 3', '2 tot 2,3 miljard'), '95%' and from how
    # many municipalities participants are not shown; nothing per municipality, not even
    # their participants together (each would give the other's count away).
    # ... and figure and table numbers ('Figuur 1').
    assert printed <= {"2024", "95", "3", "2,3", "2", "1"}
    for name in ("Klein", "Mini"):
        assert f"{name} te weinig deelnemers" in _text(sections["municipalities"])


def test_no_suppression_shows_totals_and_every_municipality(no_suppression):
    ov = no_suppression["overview"]
    assert not any(e["suppressed"] for e in ov["municipalities"])
    assert published.pooled_totals_publishable(ov)
    sections = _overview_sections(ReportContext(stats=ov, lang="nl"))
    part = ov["outcomes"][PRIMARY]["participation"]
    assert f"met samen {part['participants']} deelnemers" in _text(sections["key_figures"])
    assert "Alle deelnemers van dit jaar staan in een groep" in _text(sections["key_figures"])
    table = _text(sections["municipalities"])
    for row in ov["outcomes"][PRIMARY]["comparison"]:
        assert f"{row['municipality']} {row['participants']} " in table
    assert "te weinig deelnemers" not in table


# --- words that stay true ---------------------------------------------------------------------


def test_small_classes_read_as_bounds_that_hold(small_parts):
    """'minstens 13 van de 17' / 'hoogstens 4 van de 17' instead of 'Bijna iedereen' and
    'op <5 na': each printed bound holds for the true count."""
    config = load_config("config/config.yaml")
    seen = set()
    measurements = small_parts["measurements"]
    for code, stats in small_parts["groups"].items():
        truth = analyse_outcome(
            measurements[measurements["municipality_code"] == code],
            OTHER_OUTCOME, config["outcomes"][OTHER_OUTCOME], timepoint_roles(config),
            {"min_respondents": 10, "min_couples": 5}, fit_mixed=False,
        )["reliable_change"]
        reliable = stats["outcomes"][OTHER_OUTCOME]["reliable_change"]
        for category in CATEGORIES:
            decision = reliable[category]["disclosure"]
            if decision["how"] == "range":
                assert decision["low"] <= truth[category]["count"] <= decision["high"]
                seen.add("range")
        text = _text(municipal.reliable_change_section(
            ReportContext(stats=stats, lang="nl", overview=small_parts["overview"])))
        assert "<5" not in text and "Bijna iedereen" not in text
        if any(reliable[c]["count"] is None for c in CATEGORIES):
            assert "hoogstens 4" in text or "minstens" in text
            assert "Kleine aantallen:" in text  # the one legend
    assert seen == {"range"}


def test_every_report_has_the_one_legend(one_tiny):
    for stats in one_tiny["groups"].values():
        if stats["publication"]["suppressed"]:
            continue
        ctx = ReportContext(stats=stats, lang="nl", overview=one_tiny["overview"])
        assert "Kleine aantallen:" in _text(municipal.privacy_note(ctx))
    ctx = ReportContext(stats=one_tiny["overview"], lang="en")
    assert "Small numbers:" in _text(overview.privacy_note(ctx))


def test_a_share_is_withheld_with_the_total_it_is_a_share_of(demo):
    """Súdwest-Nergensdorp's CSI-4: 15 of its 17 completers started dysfunctional, withheld as
    13 to 17 because the other 2 are protected; '73% (11 of them)' gave the 15 back (11/15),
    and with it the 2. The count stays, its percentage and interval go."""
    from samen_sterker.reports.municipal.reliable_change import _clinical_text

    stats = demo["groups"]["GM9998"]
    clinical = stats["outcomes"][OTHER_OUTCOME]["clinical_change"]
    assert clinical["n_started_dysfunctional"] is None
    assert clinical["n_started_dysfunctional_disclosure"]["how"] == "range"
    recovered = clinical["recovered"]
    assert recovered["count"] is not None
    for category in ("recovered", "improved", "unchanged", "deteriorated"):
        assert clinical[category]["share"] is None and clinical[category]["ci_low"] is None
    low = clinical["n_started_dysfunctional_disclosure"]["low"]
    high = clinical["n_started_dysfunctional_disclosure"]["high"]
    text = _clinical_text(ReportContext(stats=stats, lang="nl"), stats["outcomes"][OTHER_OUTCOME])
    assert f"gingen {recovered['count']} van de {low} tot {high} duidelijk vooruit" in text
    assert "%" not in text


def test_a_range_up_to_its_withheld_totals_bound_reads_at_least(demo):
    """Nergenshuizen's recovered are 2 to 18 of the 14 to 18 starting dysfunctional: at most
    all of them, so 'at least 2 of the 14 to 18'."""
    from samen_sterker.reports.municipal.reliable_change import _clinical_text

    stats = demo["groups"]["GM9999"]
    clinical = stats["outcomes"][OTHER_OUTCOME]["clinical_change"]
    starters = clinical["n_started_dysfunctional_disclosure"]
    recovered = clinical["recovered"]["disclosure"]
    assert recovered["how"] == "range" and recovered["high"] == starters["high"]
    text = _clinical_text(ReportContext(stats=stats, lang="nl"), stats["outcomes"][OTHER_OUTCOME])
    assert (f"gingen minstens {recovered['low']} van de {starters['low']} tot {starters['high']} "
            "duidelijk vooruit") in text


def test_the_pooled_clinical_classes_are_not_published(demo):
    """No report shows them; their starters would add up over the municipalities (5 starting
    functional in the demo's overview beside 'hoogstens 4' in each of its two municipalities
    gave each 1 to 4)."""
    from samen_sterker.disclosure.decide import POOLED_CLINICAL_NOT_PUBLISHED

    for name, block in demo["overview"]["outcomes"].items():
        clinical = block["clinical_change"]
        if name != OTHER_OUTCOME:  # the rating has no clinical cut-off
            assert not clinical["available"] and "withheld" not in clinical
            continue
        assert clinical.get("withheld") and "n_started_functional" not in clinical
        assert POOLED_CLINICAL_NOT_PUBLISHED in clinical["reason"]
    assert not [cell for cell in demo["decisions"]["cells"] if cell.startswith("pooled/")
                and "/cl:" in cell]
    municipal = demo["groups"]["GM9998"]["outcomes"][OTHER_OUTCOME]["clinical_change"]
    assert municipal["n_started_functional_disclosure"]["how"] == "range"
