"""The pages of a PDF with a text layer: ruled tables rebuilt from their lines, the rest as text lines.

pdfium (``pdf_objects``) gives each page's characters and ruling lines; pdfplumber's table
geometry turns the lines into cells. Each page gives its tables (merged cells repeated over the
positions they cover, so every position of the grid is known) and its text lines outside the
tables, as the items that ``pages.assemble`` puts together.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict

from pdfplumber import table as geometry
from pdfplumber.utils import filter_edges

from transforms.model import Row, SourceCell
from transforms.readers.pages import Page, TableRow, TextLine
from transforms.readers.pdf_objects import Char, Drawing
from transforms.readers.settings import ReaderSettings


def pages(drawings: list[Drawing], settings: ReaderSettings) -> list[Page]:
    """The items of each page: its ruled tables' rows and its text lines outside them."""
    return [_page(d, settings) for d in drawings]


def _page(drawing: Drawing, settings: ReaderSettings) -> Page:
    no, chars = drawing.no, drawing.chars
    tables = _tables(drawing.edges, settings.tolerance)
    boxes = [t.bbox for t in tables]
    items: list[TextLine | TableRow] = []
    for table in tables:
        items.extend(TableRow(top, row) for top, row in _grid_rows(table, chars, no, settings.cell_gap))
    outside = [c for c in chars if not c.text.isspace() and not any(_inside(c, b) for b in boxes)]
    for line in _lines(outside):
        cells = [SourceCell("".join(c.text for c in word), page=no, bbox=_box(word))
                 for word in _words(line, settings.word_gap)]
        items.append(TextLine(min(c.top for c in line), max(c.bottom for c in line), cells))
    return Page(drawing.height, items)


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


def _grid_rows(table: geometry.Table, chars: list[Char], page_no: int, cell_gap: float) -> list[tuple[float, Row]]:
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
