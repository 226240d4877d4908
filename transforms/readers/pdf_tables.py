"""Reading a PDF: ruled tables rebuilt from their lines, the rest as text lines.

pdfium (``pdf_objects``) gives each page's characters and ruling lines; pdfplumber's table
geometry turns the lines into cells. Each page gives its tables (merged cells repeated over the
positions they cover, so every position of the grid is known) and its text lines outside the
tables, in reading order. Running headers and footers (text repeated in the page margins) and page
numbers are dropped.
"""

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber import table as geometry
from pdfplumber.utils import filter_edges

from transforms.labels import normalize, starts_with_marker
from transforms.model import NoTextLayer, ReadError, Row, SourceCell
from transforms.readers.pdf_objects import Char, PdfPasswordError, open_pdf, page_chars, page_edges
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.readers.text_layout import merge_tokens
from transforms.tables import split_row

_PAGE_NUMBER = re.compile(r"^[-—–_·\s]*(?:第)?\d{1,3}(?:页)?(?:[/／共]\d{1,3}页?)?[-—–_·\s]*$")


def readable_pdf(data: bytes) -> pdfium.PdfDocument:
    """The open document; ReadError, in a steward's words, when it needs a password or is broken."""
    try:
        return open_pdf(data)
    except PdfPasswordError:
        raise ReadError("password-protected PDF") from None
    except pdfium.PdfiumError as e:
        raise ReadError(f"not a readable PDF (corrupt or truncated: {e})") from None


def pdf_document(data: bytes, *, settings: ReaderSettings = DEFAULT,
                 image_page: Callable[[pdfium.PdfPage, int], tuple] | None = None) -> tuple[list[str], list[Row]]:
    """The document's text lines (for metadata) and its rows (for the tables). A page with no
    text but an image (a scanned page in a text PDF) is read by ``image_page(page, number)``
    (OCR, in the shape of ``_page``) when one is given; a PDF with no text at all raises NoTextLayer."""
    pdf = readable_pdf(data)
    try:
        pages = [_page(pdf[i], i + 1, settings) for i in range(len(pdf))]
        if not any(chars for _, _, chars in pages):
            raise NoTextLayer("scanned PDF with no text layer")
        if image_page is not None:
            for i, (_, _, chars) in enumerate(pages):
                if not chars and _has_image(pdf[i]):
                    pages[i] = image_page(pdf[i], i + 1)
    finally:
        pdf.close()
    return assemble(pages)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))


def assemble(pages) -> tuple[list[str], list[Row]]:
    """The document's lines and rows from its pages' items, in reading order: running headers,
    footers and page numbers dropped, a table row split over two pages joined."""
    running = _running_texts(pages)
    lines: list[str] = []
    rows: list[Row] = []
    for items, _, _ in pages:
        for _, kind, payload in sorted(items, key=lambda x: x[0]):
            if kind == "line":
                cells, in_margin = payload
                text = " ".join(c.text for c in cells)
                if _PAGE_NUMBER.match(text) or (in_margin and (margin_key(text) in running or "://" in text)):
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
    for i, (top, rest) in enumerate(zip(prev.cells, row.cells, strict=True)):
        if i < first_value and rest.text and rest is not top:
            top = merged.setdefault(id(top), replace(top, text=top.text + rest.text))
        cells.append(top)
    return Row(cells, grid=True)


def margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", normalize(text))


def _running_texts(pages) -> set[str]:
    """Margin texts printed on two or more pages (digits ignored): running headers and footers."""
    counts = Counter()
    for _, margin_keys, _ in pages:
        counts.update(set(margin_keys))
    return {k for k, n in counts.items() if n >= 2}


def _page(page, no: int, settings: ReaderSettings):
    """(top, kind, payload) items of one page, the keys of its margin lines, and its char count."""
    height = page.get_height()
    chars = page_chars(page, height)
    tables = _tables(page_edges(page, height, settings=settings), settings.tolerance)
    boxes = [t.bbox for t in tables]
    items = []
    for table in tables:
        items.extend((top, "row", row) for top, row in _grid_rows(table, chars, no, settings.cell_gap))
    outside = [c for c in chars if not c.text.isspace() and not any(_inside(c, b) for b in boxes)]
    margin_keys = []
    for line in _lines(outside):
        cells = [SourceCell("".join(c.text for c in word), page=no, bbox=_box(word))
                 for word in _words(line, settings.word_gap)]
        top, bottom = min(c.top for c in line), max(c.bottom for c in line)
        in_margin = top < height * settings.margin or bottom > height * (1 - settings.margin)
        if in_margin:
            margin_keys.append(margin_key(" ".join(c.text for c in cells)))
        items.append((top, "line", (cells, in_margin)))
    return items, margin_keys, len(chars)


def _tables(edges: list[dict], tolerance: float) -> list[geometry.Table]:
    """The page's ruled tables, found from its lines the way pdfplumber's ``find_tables`` does."""
    edges = filter_edges(edges, min_length=1)
    edges = geometry.merge_edges(edges, tolerance, tolerance, tolerance, tolerance)
    edges = filter_edges(edges, min_length=tolerance)
    cells = _cells(geometry.edges_to_intersections(edges, tolerance, tolerance))
    return [geometry.Table(None, group) for group in geometry.cells_to_tables(cells)]


def _cells(intersections: dict) -> list[tuple]:
    """For each intersection, the smallest rectangle it opens whose four corners are intersections
    joined by ruling lines: pdfplumber's rule, with each corner's lines gathered once and the
    corners below and to the right looked up instead of searched for."""
    side = lambda edges: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges}  # noqa: E731
    v = {p: side(hit["v"]) for p, hit in intersections.items()}
    h = {p: side(hit["h"]) for p, hit in intersections.items()}
    column, row = defaultdict(list), defaultdict(list)
    points = sorted(intersections)
    for p in points:
        column[p[0]].append(p)
        row[p[1]].append(p)
    cells = []
    for x, y in points:
        corner = v[x, y], h[x, y]
        below = [q for q in column[x] if q[1] > y and not corner[0].isdisjoint(v[q])]
        right = [q for q in row[y] if q[0] > x and not corner[1].isdisjoint(h[q])]
        cell = next(((x, y, r[0], b[1]) for b in below for r in right
                     if (r[0], b[1]) in v and not v[r[0], b[1]].isdisjoint(v[r])
                     and not h[r[0], b[1]].isdisjoint(h[b])), None)
        if cell:
            cells.append(cell)
    return cells


def _inside(char: Char, box) -> bool:
    """The character's middle lies in the box (right and bottom sides excluded, as pdfplumber)."""
    cx, cy = (char.x0 + char.x1) / 2, (char.top + char.bottom) / 2
    return box[0] <= cx < box[2] and box[1] <= cy < box[3]


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines, each from left to right: a character joins the line whose
    vertical span holds its middle (digits set in another font sit a little higher or lower than
    the Chinese around them)."""
    lines: list[list[Char]] = []
    spans: list[list[float]] = []
    for c in sorted(chars, key=lambda c: (c.top, c.x0)):
        middle = (c.top + c.bottom) / 2
        for line, span in zip(reversed(lines[-3:]), reversed(spans[-3:]), strict=True):
            if span[0] <= middle <= span[1]:
                line.append(c)
                span[0], span[1] = min(span[0], c.top), max(span[1], c.bottom)
                break
        else:
            lines.append([c])
            spans.append([c.top, c.bottom])
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _words(line: list[Char], gap: float) -> list[list[Char]]:
    """A line's characters cut into words at spaces and at gaps wider than ``gap``."""
    words: list[list[Char]] = []
    for c in line:
        if c.text.isspace():
            words.append([])
        elif words and words[-1] and c.x0 - words[-1][-1].x1 <= gap:
            words[-1].append(c)
        else:
            words.append([c])
    return [w for w in words if w]


def _box(chars: list[Char]) -> tuple[float, float, float, float]:
    return (min(c.x0 for c in chars), min(c.top for c in chars), max(c.x1 for c in chars), max(c.bottom for c in chars))


def _cell_text(chars: list[Char], gap: float) -> str:
    """A table cell's text: its lines top to bottom, words in a line separated by a space."""
    return "\n".join(" ".join("".join(c.text for c in w) for w in _words(line, gap)) for line in _lines(chars))


def _grid_rows(table: geometry.Table, chars: list[Char], page_no: int, cell_gap: float):
    """(top, Row) per table row; a merged cell's SourceCell is repeated over the positions it covers."""
    rows, columns = table.rows, [col.bbox for col in table.columns]
    inside = _chars_by_cell(table.cells, chars)
    origins = {bbox: SourceCell(_cell_text(inside.get(bbox, []), cell_gap).strip(), page=page_no, bbox=bbox)
               for bbox in map(tuple, table.cells)}
    out = []
    for row in rows:
        cells = []
        for c, bbox in enumerate(row.cells):
            if bbox is None:  # covered by a merged cell: the one holding this position's top-left corner
                x, y = columns[c][0] + 1, row.bbox[1] + 1
                bbox = next((b for b in origins if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
            cells.append(origins[tuple(bbox)] if bbox else SourceCell("", page=page_no))
        out.append((row.bbox[1], Row(cells, grid=True)))
    return out


def _chars_by_cell(cells, chars: list[Char]) -> dict[tuple, list[Char]]:
    """Each cell's characters: those whose middle lies in it (cells of a table never overlap, so
    the slot of the grid of cell sides that holds the middle names the cell)."""
    xs = sorted({v for b in cells for v in (b[0], b[2])})
    ys = sorted({v for b in cells for v in (b[1], b[3])})
    slots = {}
    for b in map(tuple, cells):
        for i in range(bisect_left(xs, b[0]), bisect_left(xs, b[2])):
            for j in range(bisect_left(ys, b[1]), bisect_left(ys, b[3])):
                slots[i, j] = b
    found: dict[tuple, list[Char]] = {}
    for c in chars:
        i = bisect_right(xs, (c.x0 + c.x1) / 2) - 1
        j = bisect_right(ys, (c.top + c.bottom) / 2) - 1
        if (i, j) in slots:
            found.setdefault(slots[i, j], []).append(c)
    return found
