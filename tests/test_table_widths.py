"""A long table's column widths (reports/table_widths.py) against WeasyPrint's own automatic
table layout, the independent reference: the same table, short enough to be laid out
automatically, gets the same columns from both (within half a percent of the table's width:
font versions and rounding). Also that a long table really is printed with those widths."""

from __future__ import annotations

import pytest

from samen_sterker.reports import blocks, render, table_widths

HEADER = ["Gemeente", "Deelnemers", "Vragenlijst na", "Gemiddeld voor → na",
          "Verandering (marge)", "Duidelijk vooruit: Relatietevredenheid (CSI-4)"]
NUMERIC = [1, 2]
MUNICIPALITIES = [
    ["Súdwest-Fryslân", "85", "87%", "5,4 → 8,3", "+3,0 (2,7 tot 3,3)", "95% (70 van 74)"],
    ["Hardinxveld-Giessendam", blocks.RestOfRow("te weinig deelnemers; telt mee in 'overige "
                                                "gemeenten'")],
    ["Alphen aan den Rijn", "146", "100%", "4,9 → 7,8", "+2,9 (2,7 tot 3,2)",
     "minstens 53 van de 61"],
    ["Overige gemeenten", "338", "88%", "5,1 → 8,0", "+2,9 (2,7 tot 3,0)", "91% (270 van 297)"],
]
FILES = [["gm9028_2024_pre", "csv", "120", "118", "2"],
         ["gm9030_2024_followup", "xlsx", "96", "96", "0"]]
REASONS = [["samen-sterker_GM9187_2024_nameting",
            "Eén vraag van de schaal open; score aangevuld uit de andere vragen", "1"],
           ["gm9030_2024_followup", "Proefinvulling van de vragenlijst (voorbeeldweergave)", "12"]]


def weasyprint_columns(table_html: str) -> list[float]:
    """The column widths WeasyPrint lays the table out with, in percent of the table."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    document = render.html_document(table_html, title="t", lang="nl", epoch=0)
    page = weasyprint.HTML(string=document).render().pages[0]._page_box  # no public API

    def find(box):
        if isinstance(box, boxes.TableBox):
            return box
        for child in getattr(box, "children", []):
            if (found := find(child)) is not None:
                return found
        return None

    table = find(page)
    return [100 * width / table.width for width in table.column_widths]


def computed(header, rows, numeric) -> list[float]:
    texts = [[None if isinstance(c, blocks.RestOfRow) else c for c in row] for row in rows]
    return table_widths.column_widths(header, texts, nowrap_columns=set(numeric),
                                      bold_first_column=True)


@pytest.mark.parametrize(("header", "rows", "numeric"), [
    (HEADER, MUNICIPALITIES, NUMERIC),  # wider than the page on one line: columns wrap
    (["Bestand", "Soort", "Gelezen", "Gebruikt", "Niet gebruikt"], FILES, [2, 3, 4]),  # fits
    (["Bestand", "Reden", "Aantal"], REASONS, [2]),  # a long reason wraps
])
def test_the_widths_are_those_of_weasyprints_automatic_layout(header, rows, numeric):
    automatic = weasyprint_columns(blocks.table(header, rows, caption="c",
                                                numeric_columns=numeric, css_class="wide"))
    assert computed(header, rows, numeric) == pytest.approx(automatic, abs=0.5)


def test_a_long_table_is_printed_with_the_computed_widths():
    rows = MUNICIPALITIES * (blocks.ROWS_KEPT_ON_ONE_PAGE // len(MUNICIPALITIES) + 1)
    html = blocks.table(HEADER, rows, caption="c", numeric_columns=NUMERIC, css_class="wide")
    assert "long" in html and html.count("<col ") == len(HEADER)
    assert weasyprint_columns(html) == pytest.approx(computed(HEADER, rows, NUMERIC), abs=0.01)
