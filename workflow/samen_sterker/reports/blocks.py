"""Small HTML building blocks of the reports, from Jinja2 templates in `templates/`.

Every value is escaped by the templates (autoescape); nothing is styled inline but the column
widths of a long table (`table_widths`): report.css styles the classes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jinja2

from samen_sterker.reports import table_widths


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates of the report blocks (package data, so they travel with the code)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("samen_sterker.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing value is an error, never an empty cell
        keep_trailing_newline=False,
    )


def render(template: str, **values: object) -> str:
    """Render one block template (`templates/{template}.html.j2`)."""
    return environment().get_template(f"{template}.html.j2").render(**values)


def esc(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def heading(
    text: str,
    level: int = 2,
    *,
    new_page: bool = False,
    needs_room: bool = False,
    id: str | None = None,
) -> str:
    """A heading (h1-h4). In the PDF, new_page always starts it on a fresh page; needs_room
    only when little of the page is left (report.css, `.room-check`), so a part that starts
    a new topic gets a good start without leaving most of a page empty."""
    if level not in (1, 2, 3, 4):
        raise ValueError(f"heading level must be 1-4, got {level}")
    return render(
        "heading", text=text, level=level, new_page=new_page, needs_room=needs_room, id=id
    )


def paragraph(text: str, css_class: str | None = None) -> str:
    """A paragraph of plain text."""
    return render("paragraph", texts=[text], css_class=css_class)


def paragraphs(texts: Iterable[str], css_class: str | None = None) -> str:
    """Several paragraphs."""
    return render("paragraph", texts=list(texts), css_class=css_class)


def bullets(items: Iterable[str], css_class: str | None = None) -> str:
    """An unordered list of plain-text items."""
    return render("bullets", items=list(items), css_class=css_class)


def box(text: str | Sequence[str], css_class: str, *, role: str | None = None) -> str:
    """A framed block of one or more paragraphs; role='note' marks it for assistive technology."""
    texts = [text] if isinstance(text, str) else list(text)
    return render("box", texts=texts, css_class=css_class, role=role)


@dataclass(frozen=True)
class KeyFigure:
    """One box on page 1: a label, a big value and a line of detail."""

    label: str
    value: str
    detail: str = ""


def key_figures(figures: Sequence[KeyFigure]) -> str:
    """The grid of key figures on page 1."""
    return render("key_figures", figures=list(figures))


# A table of more rows than this may run over pages (report.css, `.long`); a shorter one is
# kept on one page with its caption. About half a page of one-line rows.
ROWS_KEPT_ON_ONE_PAGE = 25


@dataclass(frozen=True)
class RestOfRow:
    """A table cell that fills the rest of its row: a note in place of a row's figures (in
    a numeric column, which never wraps, it would widen the table past the page)."""

    text: str


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str | RestOfRow]],
    *,
    caption: str,
    numeric_columns: Iterable[int] = (),
    css_class: str | None = None,
    row_headers: bool = True,
) -> str:
    """An accessible table: caption, header cells with scope, numbers right-aligned. A row
    may end in a RestOfRow cell.

    A long table (more than ROWS_KEPT_ON_ONE_PAGE rows) runs over pages, with column widths
    worked out once (`table_widths`) rather than by WeasyPrint on every page.
    """
    numeric = set(numeric_columns)
    widths = None
    if len(rows) > ROWS_KEPT_ON_ONE_PAGE:
        css_class = f"{css_class} long" if css_class else "long"
        widths = table_widths.column_widths(
            header,
            [[None if isinstance(cell, RestOfRow) else cell for cell in row] for row in rows],
            nowrap_columns=numeric,
            bold_first_column=row_headers,
        )
    return render(
        "table",
        header=list(header),
        rows=[_cells(row, len(header), numeric) for row in rows],
        caption=caption,
        numeric=numeric,
        css_class=css_class,
        row_headers=row_headers,
        widths=widths,
    )


def _cells(row: Sequence[str | RestOfRow], columns: int, numeric: set[int]) -> list[dict]:
    """A row's cells for the table template: text, numeric or not, columns spanned."""
    cells = []
    for column, cell in enumerate(row):
        if not isinstance(cell, RestOfRow):
            cells.append({"text": cell, "numeric": column in numeric, "span": 1})
        elif column != len(row) - 1:
            raise ValueError("only the last cell of a table row can be a RestOfRow")
        else:
            cells.append({"text": cell.text, "numeric": False, "span": columns - column})
    spans = bool(row) and isinstance(row[-1], RestOfRow)
    if len(row) > columns or (not spans and len(row) != columns):
        raise ValueError(f"table row has {len(row)} cells, header has {columns}")
    return cells
