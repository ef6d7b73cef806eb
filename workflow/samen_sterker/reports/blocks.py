"""Small HTML building blocks of the reports; all text is escaped, nothing is styled inline."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def esc(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def heading(text: str, level: int = 2, *, new_page: bool = False) -> str:
    """A heading (h1-h4); new_page starts it on a fresh page in the PDF."""
    if level not in (1, 2, 3, 4):
        raise ValueError(f"heading level must be 1-4, got {level}")
    cls = ' class="new-page"' if new_page else ""
    return f"<h{level}{cls}>{esc(text)}</h{level}>"


def paragraph(text: str, css_class: str | None = None) -> str:
    """A paragraph of plain text."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<p{cls}>{esc(text)}</p>"


def paragraphs(texts: Iterable[str], css_class: str | None = None) -> str:
    """Several paragraphs."""
    return "".join(paragraph(text, css_class) for text in texts)


def bullets(items: Iterable[str], css_class: str | None = None) -> str:
    """An unordered list of plain-text items."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<ul{cls}>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"


def box(text: str, css_class: str, *, role: str | None = None) -> str:
    """A framed block (banner, notice); role='note' marks it for assistive technology."""
    role_attr = f' role="{esc(role)}"' if role else ""
    return f'<div class="{esc(css_class)}"{role_attr}><p>{esc(text)}</p></div>'


@dataclass(frozen=True)
class KeyFigure:
    """One box on page 1: a label, a big value and a line of detail."""

    label: str
    value: str
    detail: str = ""


def key_figures(figures: Sequence[KeyFigure]) -> str:
    """The grid of key figures on page 1."""
    cells = []
    for figure in figures:
        detail = f'<p class="detail">{esc(figure.detail)}</p>' if figure.detail else ""
        cells.append(
            '<div class="key-figure">'
            f'<p class="label">{esc(figure.label)}</p>'
            f'<p class="value">{esc(figure.value)}</p>'
            f"{detail}</div>"
        )
    return '<div class="key-figures">' + "".join(cells) + "</div>"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str,
    numeric_columns: Iterable[int] = (),
    css_class: str | None = None,
    row_headers: bool = True,
) -> str:
    """An accessible table: caption, header cells with scope, numbers right-aligned."""
    numeric = set(numeric_columns)
    cls = f' class="{esc(css_class)}"' if css_class else ""

    def cell_class(index: int) -> str:
        return ' class="num"' if index in numeric else ""

    head = "".join(
        f'<th scope="col"{cell_class(i)}>{esc(text)}</th>' for i, text in enumerate(header)
    )
    body = []
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"table row has {len(row)} cells, header has {len(header)}")
        cells = []
        for i, text in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{esc(text)}</th>')
            else:
                cells.append(f"<td{cell_class(i)}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    # The wrapper keeps caption and rows together: WeasyPrint may otherwise leave the caption
    # alone at the bottom of a page.
    return (
        f'<div class="table-block {esc(css_class or "")}"><table{cls}><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
