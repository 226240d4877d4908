"""Reading a PDF with pdfplumber: ruled tables rebuilt from their lines, the rest as text lines.

Each page gives its tables (merged cells repeated over the positions they cover, so every
position of the grid is known) and its text lines outside the tables, in reading order. Running
headers and footers (text repeated in the page margins) and page numbers are dropped.
"""

import io
import logging
import re
from collections import Counter
from dataclasses import replace

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from transforms.labels import normalize, starts_with_marker
from transforms.model import ReadError, Row, SourceCell
from transforms.tables import split_row
from transforms.text_layout import merge_tokens

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings that say nothing about the tables

MARGIN = 0.07  # top and bottom share of the page where running headers and footers sit
_PAGE_NUMBER = re.compile(r"^[-—–_·\s]*(?:第)?\d{1,3}(?:页)?(?:[/／共]\d{1,3}页?)?[-—–_·\s]*$")


def pdf_document(data: bytes) -> tuple[list[str], list[Row]]:
    """The document's text lines (for metadata) and its rows (for the tables)."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page(page, no) for no, page in enumerate(pdf.pages, start=1)]
    except (PdfminerException, PDFPasswordIncorrect, PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as e:
        cause = e.args[0] if isinstance(e, PdfminerException) and e.args else e
        if isinstance(cause, PDFPasswordIncorrect):
            raise ReadError("password-protected PDF") from None
        raise ReadError(f"not a readable PDF (corrupt or truncated: {type(cause).__name__} {cause})") from None
    if not any(chars for _, _, chars in pages):
        raise ReadError("scanned PDF with no text layer (OCR is not available)")
    running = _running_texts(pages)
    lines: list[str] = []
    rows: list[Row] = []
    for items, _, _ in pages:
        for _, kind, payload in sorted(items, key=lambda x: x[0]):
            if kind == "line":
                cells, in_margin = payload
                text = " ".join(c.text for c in cells)
                if _PAGE_NUMBER.match(text) or (in_margin and (_key(text) in running or "://" in text)):
                    continue
                lines.append(text)
                rows.append(Row(merge_tokens(cells)))
            elif rows and _continues(rows[-1], payload):
                rows[-1] = _joined(rows[-1], payload)
            else:
                rows.append(payload)
    return lines, rows


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
    for i, (top, rest) in enumerate(zip(prev.cells, row.cells)):
        if i < first_value and rest.text and rest is not top:
            top = merged.setdefault(id(top), replace(top, text=top.text + rest.text))
        cells.append(top)
    return Row(cells, grid=True)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", normalize(text))


def _running_texts(pages) -> set[str]:
    """Margin texts printed on two or more pages (digits ignored): running headers and footers."""
    counts = Counter()
    for _, margin_keys, _ in pages:
        counts.update(set(margin_keys))
    return {k for k, n in counts.items() if n >= 2}


def _page(page, no: int):
    """(top, kind, payload) items of one page, the keys of its margin lines, and its char count."""
    height = page.height
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    items = []
    for table in tables:
        items.extend((top, "row", row) for top, row in _grid_rows(table, no))
    words = page.extract_words(keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
    outside = [w for w in words if not any(_inside(w, b) for b in boxes)]
    margin_keys = []
    for line in _group_lines(outside):
        cells = [SourceCell(w["text"], page=no, bbox=(w["x0"], w["top"], w["x1"], w["bottom"])) for w in line]
        top, bottom = line[0]["top"], max(w["bottom"] for w in line)
        in_margin = top < height * MARGIN or bottom > height * (1 - MARGIN)
        if in_margin:
            margin_keys.append(_key(" ".join(c.text for c in cells)))
        items.append((top, "line", (cells, in_margin)))
    return items, margin_keys, len(page.chars)


def _inside(word, box) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _group_lines(words):
    """Words grouped into lines: a word joins the line whose vertical span holds its middle
    (digits set in another font sit a little higher or lower than the Chinese around them)."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        middle = (w["top"] + w["bottom"]) / 2
        for line in reversed(lines[-3:]):
            if min(x["top"] for x in line) <= middle <= max(x["bottom"] for x in line):
                line.append(w)
                break
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _grid_rows(table, page_no: int):
    """(top, Row) per table row; a merged cell's SourceCell is repeated over the positions it covers."""
    texts = table.extract()
    origins: dict[tuple, SourceCell] = {}
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                origins[tuple(bbox)] = SourceCell((texts[r][c] or "").strip(), page=page_no, bbox=tuple(bbox))
    columns = [col.bbox for col in table.columns]
    out = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, bbox in enumerate(row.cells):
            if bbox is None:  # covered by a merged cell: the one holding this position's top-left corner
                x, y = columns[c][0] + 1, row.bbox[1] + 1
                bbox = next((b for b in origins if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
            cells.append(origins[tuple(bbox)] if bbox else SourceCell("", page=page_no))
        out.append((row.bbox[1], Row(cells, grid=True)))
    return out
