"""A PDF's pages put together, whichever reader read them (the text layer or OCR): each page's
items (text lines and table rows, with their height on the page) in reading order, running
headers, footers and page numbers dropped.
"""

import re
from collections import Counter
from dataclasses import dataclass, replace

from transforms.labels import normalize, starts_with_marker
from transforms.model import Document, Row, SourceCell
from transforms.readers.text_layout import merge_tokens
from transforms.tables import split_row

_PAGE_NUMBER = re.compile(r"^[-—–_·\s]*(?:第)?\d{1,3}(?:页)?(?:[/／共]\d{1,3}页?)?[-—–_·\s]*$")


@dataclass(frozen=True, slots=True)
class TextLine:
    """A line of text outside the page's tables, from ``top`` to ``bottom`` (points from the
    page's top), and its words."""

    top: float
    bottom: float
    words: list[SourceCell]

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.words)


@dataclass(frozen=True, slots=True)
class TableRow:
    """A row of a ruled table, every position of its grid a cell."""

    top: float
    row: Row


@dataclass(frozen=True, slots=True)
class Page:
    """One page's items, text lines and table rows, in any order; its height in points."""

    height: float
    items: list[TextLine | TableRow]

    def in_margin(self, line: TextLine, margin: float) -> bool:
        """Whether the line reaches into the top or bottom ``margin`` share of the page, where
        running headers and footers sit."""
        return line.top < self.height * margin or line.bottom > self.height * (1 - margin)


def assemble(pages: list[Page], margin: float, *, ocr: bool = False, ocr_pages: tuple[int, ...] = ()) -> Document:
    """The document's lines and rows from its pages' items, in reading order: running headers,
    footers (text repeated in the ``margin`` of two or more pages) and page numbers dropped, a
    table row split over two pages joined."""
    running = _running_texts(pages, margin)
    lines: list[str] = []
    rows: list[Row] = []
    for page in pages:
        for item in sorted(page.items, key=lambda x: x.top):
            if isinstance(item, TextLine):
                text = item.text
                running_text = page.in_margin(item, margin) and (margin_key(text) in running or "://" in text)
                if _PAGE_NUMBER.match(text) or running_text:
                    continue
                lines.append(text)
                rows.append(Row(merge_tokens(item.words)))
            elif rows and _continues(rows[-1], item.row):
                rows[-1] = _joined(rows[-1], item.row)
            else:
                rows.append(item.row)
    return Document(lines, rows, ocr=ocr, ocr_pages=ocr_pages)


def _continues(prev: Row, row: Row) -> bool:
    """A table row split over two pages: the first row of a page holding only the rest of the
    labels of the last row of the page before, its value cells empty."""
    if not (prev.grid and row.grid and len(prev.cells) == len(row.cells)):
        return False
    if prev.cells[0].page == row.cells[0].page:
        return False
    before, after = split_row(prev), split_row(row)
    return bool(before.values and after.label and not after.values
                and len(after.blank_tail) == len(before.values) and not starts_with_marker(after.label))


def _joined(prev: Row, row: Row) -> Row:
    first_value = len(prev.cells) - len(split_row(prev).values)
    merged: dict[int, SourceCell] = {}
    cells = []
    for i, (top, rest) in enumerate(zip(prev.cells, row.cells, strict=True)):
        if i < first_value and rest.text and rest is not top:
            top = merged.setdefault(id(top), replace(top, text=top.text + rest.text))
        cells.append(top)
    return Row(cells, grid=True)


def margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", normalize(text))


def _running_texts(pages: list[Page], margin: float) -> set[str]:
    """Margin texts printed on two or more pages (digits ignored): running headers and footers."""
    counts = Counter()
    for page in pages:
        counts.update({margin_key(i.text) for i in page.items if isinstance(i, TextLine) and page.in_margin(i, margin)})
    return {k for k, n in counts.items() if n >= 2}
