"""Column widths of a long report table, worked out once instead of on every page.

WeasyPrint's automatic table layout measures the text of every cell again for each page a
table runs over: 44% of the CPU of a national overview's PDF, whose tables list 342
municipalities and 753 input files (issue 14). A long table is therefore printed with
`table-layout: fixed` (report.css, `table.long`) and these widths: the automatic layout of
CSS 2.1 (17.5.2.2), on text measured once with the report font's own metrics (DejaVu Sans,
the copy matplotlib ships, so that the widths, and with them the HTML, are the same on every
machine; report.css names the same family, and tests/test_table_widths.py checks the widths
against WeasyPrint's own layout).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

# What report.css gives a table: the A4 text width (210 mm minus 18 mm margins each side),
# the cells' font size and their padding left plus right.
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
FONT_SIZE_PT = 8.5
PADDING_PT = 2 * 2 / 25.4 * 72


@cache
def _font(bold: bool):
    from matplotlib import font_manager
    from PIL import ImageFont

    properties = font_manager.FontProperties(family="DejaVu Sans",
                                             weight="bold" if bold else "normal")
    # Measured at 100 units to the em, scaled to the table's font size.
    return ImageFont.truetype(font_manager.findfont(properties, fallback_to_default=False), 100)


@cache
def text_width(text: str, bold: bool = False) -> float:
    """Width of a line of text in points at the table's font size."""
    return _font(bold).getlength(text) * FONT_SIZE_PT / 100


# Where a line may break, as WeasyPrint (Pango) breaks a table cell's text: between words,
# and after a hyphen ("Hardinxveld-|Giessendam").
_UNBREAKABLE = re.compile(r"[^\s-]*-|[^\s-]+")


def _min_max(text: str, *, bold: bool, wraps: bool) -> tuple[float, float]:
    """A cell's min-content width (its widest unbreakable piece, where it may wrap) and
    max-content width (all of it on one line), padding included."""
    whole = text_width(text, bold)
    pieces = _UNBREAKABLE.findall(text) if wraps else [text]
    least = max((text_width(piece, bold) for piece in pieces), default=0.0)
    return least + PADDING_PT, whole + PADDING_PT


def column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    *,
    nowrap_columns: set[int],
    bold_first_column: bool,
) -> list[float]:
    """Each column's share of the table's width, in percent. rows: the text of each cell,
    None for a cell that spans columns (it does not size any). Header cells are bold; cells of
    nowrap_columns never wrap (report.css: numbers)."""
    columns = len(header)
    least, most = [0.0] * columns, [0.0] * columns
    cells = [(column, text, True) for column, text in enumerate(header)]
    cells += [(column, text, bold_first_column and column == 0)
              for row in rows for column, text in enumerate(row) if text is not None]
    for column, text, bold in cells:
        low, high = _min_max(str(text), bold=bold, wraps=column not in nowrap_columns)
        least[column], most[column] = max(least[column], low), max(most[column], high)
    room = TEXT_WIDTH_PT
    if sum(most) <= room:  # everything fits on one line: widen in proportion
        widths = [width * room / sum(most) for width in most]
    elif sum(least) >= room:  # too wide even wrapped: shrink in proportion (cells wrap harder)
        widths = [width * room / sum(least) for width in least]
    else:  # the room beyond the minimum, shared in proportion to what each column could use
        share = (room - sum(least)) / (sum(most) - sum(least))
        widths = [low + (high - low) * share for low, high in zip(least, most, strict=True)]
    return [round(100 * width / room, 2) for width in widths]
