"""The pages of a scanned PDF (page images, no text layer) read with OCR, as the same items as
``pdf_tables`` gives for a PDF with text; also a text PDF's image-only pages (``image_page``).

Each page is rendered with pdfium at the settings' ``dpi`` and levelled; its ruled tables are
rebuilt from the lines in the image (``image_grid``, looking again at a lower contrast when the
rules are faint) and each cell's text lines are recognised on their own, so a cell never borrows
text from its neighbour. Outside the tables, text is detected only in the bands of the page that
hold marks, stacked into one image, for the metadata and section headings. Only the pages that
hold a table, and the first and last page (title, signature and date), are read. The recogniser
is the settings' (``recognizer``). Every cell says it was read by OCR and with what confidence
(the lowest score of its text lines). Nothing recognised is altered, with two exceptions: a number
followed by a lone point (a speck taken for a full stop; no cell of the template prints one)
loses the point and is flagged with confidence ``DOUBTFUL``; a cell whose only mark is a short
thin bar, which the recogniser reads as 一 (one) or a hyphen, reads as the dash it prints. A
merged cell holding numbers where the rows beside it have a column boundary is read as the slots
the image shows there (see ``_grid_rows``), flagged ``DOUBTFUL`` when its ink cannot tell.
"""

import re
from dataclasses import replace

import cv2
import numpy as np
import pypdfium2 as pdfium

from transforms.model import ReadError, Row, SourceCell
from transforms.readers import image_grid
from transforms.readers.pages import Page, TableRow, TextLine
from transforms.readers.pdf_objects import open_pdf
from transforms.readers.recognizer import Recognizer, recognizer
from transforms.readers.settings import ReaderSettings
from transforms.values import parse_value


def pages(pdf: pdfium.PdfDocument, settings: ReaderSettings) -> list[Page]:
    """The items of each page, read from its image; ReadError when the pages show no text or no
    ruled table."""
    engine = recognizer(settings.recognizer)
    count = len(pdf)
    read = [_page(pdf[i], i + 1, i in (0, count - 1), settings, engine) for i in range(count)]
    if not any(page.items for page in read):
        raise ReadError("scanned PDF whose pages are too poor to read: no text recognised by OCR")
    if not any(isinstance(item, TableRow) for page in read for item in page.items):
        raise ReadError("scanned PDF whose pages are too poor to read: no ruled table found in the page images")
    return read


def image_page(page: pdfium.PdfPage, no: int, settings: ReaderSettings) -> Page:
    """A page of a text PDF that is only an image (a scanned page inserted), read whole by OCR."""
    return _page(page, no, True, settings, recognizer(settings.recognizer))


def scanned_pages(data: bytes) -> int:
    """How many pages a scanned PDF has (for the benchmark's pages per second)."""
    pdf = open_pdf(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _render(page: pdfium.PdfPage, dpi: int, crop=(0, 0, 0, 0)) -> np.ndarray:
    """The page (less ``crop``: points cut off left, bottom, right, top) in grey levels at ``dpi``."""
    bitmap = page.render(scale=dpi / 72, grayscale=True, crop=crop)
    return np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width, -1)[:, :, 0])


class _Page:
    """One rendered page: the levelled image, the matrix back to the page's points, its tables,
    and the page cleaned of its ruling lines and speckle with the marks of its text."""

    def __init__(self, page: pdfium.PdfPage, dpi: int):
        self.width, self.height = page.get_size()
        self.dpi, self.scale = dpi, dpi / 72
        gray = _render(page, dpi)
        angle = image_grid.skew(image_grid.ink(gray), dpi)
        self.back = cv2.invertAffineTransform(image_grid.rotation(gray.shape, angle)) if angle else None
        level = image_grid.level(gray, angle)
        self.grids, lines = image_grid.page_grids(level, dpi)
        self.paper = image_grid.median(level)
        self.clean = level
        self.clean[cv2.dilate(lines, np.ones((5, 5), np.uint8)) > 0] = self.paper
        marks = image_grid.ink(self.clean)
        self.text = _text_marks(marks, dpi)
        self.clean[(marks > 0) & (self.text == 0)] = self.paper

    def points(self, box) -> tuple[float, float, float, float]:
        """A box of the levelled image in the page's points (top-left origin), turned back."""
        x0, y0, x1, y1 = box
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], dtype=np.float64)
        if self.back is not None:
            corners = corners @ self.back[:, :2].T + self.back[:, 2]
        xs, ys = corners[:, 0] / self.scale, corners[:, 1] / self.scale
        return (round(float(xs.min()), 2), round(float(ys.min()), 2),
                round(float(xs.max()), 2), round(float(ys.max()), 2))


def _text_marks(marks: np.ndarray, dpi: int) -> np.ndarray:
    """The marks that belong to text, speckle removed: a speck (too small for a stroke) stays only
    when it is long like a dash, or lies between two strokes like a decimal point, a comma or the
    dot of a character."""
    count, labels, stats = image_grid.components(marks)
    small = stats[:, cv2.CC_STAT_AREA] < (dpi / 200) ** 2 * 20
    small[0] = False
    strokes = ~small
    strokes[0] = False  # the paper
    big = np.take(strokes, labels)
    near = max(2, int(dpi / 40))
    keep = big.copy()
    for i in np.flatnonzero(small):
        x, y, w, h = stats[i, :4]
        long = w >= 1.5 * h and w >= near
        left = big[y:y + h, max(0, x - near):x].any()
        right = big[max(0, y - h):y + 2 * h, x + w:x + w + 2 * near].any()
        above = big[max(0, y - near):y, x:x + w].any()
        below = big[y + h:y + h + near, x:x + w].any()
        if (long and right) or (left and right) or (above and below):  # a minus sign comes before its number
            keep[y:y + h, x:x + w] |= labels[y:y + h, x:x + w] == i
    return keep.astype(np.uint8) * 255


def _page(page: pdfium.PdfPage, no: int, full: bool, settings: ReaderSettings, engine: Recognizer) -> Page:
    """The items of one page; a page with no table outside the first and last is skipped (no items)."""
    p = _Page(page, settings.dpi)
    if not p.grids and not full:
        return Page(p.height, [])
    items: list[TextLine | TableRow] = []
    for grid in p.grids:
        items.extend(TableRow(top, row) for top, row in _grid_rows(p, grid, no, engine, settings.low_confidence))
    outside = p.text.copy()
    for grid in p.grids:
        x0, y0, x1, y1 = grid.box
        outside[max(0, y0 - 4):y1 + 5, max(0, x0 - 4):x1 + 5] = 0
    for line in _text_lines(p.clean, outside, p.dpi, engine):
        cells = [SourceCell(text, page=no, bbox=p.points(box), method="ocr", confidence=score)
                 for box, text, score in line]
        box = p.points((min(b[0] for b, _, _ in line), min(b[1] for b, _, _ in line),
                        max(b[2] for b, _, _ in line), max(b[3] for b, _, _ in line)))
        items.append(TextLine(box[1], box[3], cells))
    return Page(p.height, items)


def _bands(marks: np.ndarray, dpi: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the horizontal bands of a page that hold text marks, with a
    margin: the only places where text is looked for. A band is at most ``TALL`` inches high: a
    taller one (a paragraph) is cut in the middle of its widest blank gap between lines, and its
    margin there stops at the middle of the gap, so no band holds part of its neighbour's line."""
    rows = np.flatnonzero(marks.any(axis=1))
    if not rows.size:
        return []
    gap, margin, tall = int(dpi / 8), int(dpi / 20), int(TALL * dpi)
    runs, start = [], rows[0]
    for a, b in zip(rows, rows[1:], strict=False):
        if b - a > gap:
            runs.append((start, a + 1))
            start = b
    runs.append((start, rows[-1] + 1))
    h, w = marks.shape
    boxes = []
    for top, bottom in runs:
        for (y0, m0), (y1, m1) in _cut(rows[(rows >= top) & (rows < bottom)], tall, margin):
            cols = np.flatnonzero(marks[y0:y1].any(axis=0))
            boxes.append((max(0, cols[0] - margin), max(0, y0 - m0), min(w, cols[-1] + 1 + margin), min(h, y1 + m1)))
    return boxes


def _cut(rows: np.ndarray, tall: int, margin: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A run of marked ``rows`` cut into pieces at most ``tall`` high where it can be: each piece
    as ((top, margin above), (bottom, margin below)); a cut lies in the widest blank gap of the
    lower half of the piece, and the margins on either side of it are half that gap at most."""
    pieces, top, above = [], int(rows[0]), margin
    while rows[-1] + 1 - top > tall:
        inside = rows[(rows >= top) & (rows < top + tall)]
        gaps = np.diff(inside)
        lower = np.flatnonzero((gaps > 1) & (inside[:-1] >= top + tall // 2))
        if not lower.size:
            break  # no blank row in the lower half: the run is kept whole
        i = lower[np.argmax(gaps[lower])]
        half = int(gaps[i] - 1) // 2
        pieces.append(((top, above), (int(inside[i]) + 1, min(margin, half))))
        top, above = int(inside[i + 1]), min(margin, half)
    pieces.append(((top, above), (int(rows[-1]) + 1, margin)))
    return pieces


def _text_lines(image: np.ndarray, marks: np.ndarray, dpi: int,
                engine: Recognizer) -> list[list[tuple[tuple[int, int, int, int], str, float]]]:
    """Text outside the tables (where ``marks`` has text): its bands stacked into images of at
    most ``TALL`` inches (the rest of the page is never searched, and the detector's working memory
    stays bounded), text boxes detected and recognised there, and grouped into lines, left to right."""
    bands = _bands(marks, dpi)
    if not bands:
        return []
    space = int(dpi / 6)  # paper between two stacked bands
    paper = image_grid.median(image)
    stacks: list[list[tuple[int, int, int, int]]] = [[]]
    for band in bands:
        if stacks[-1] and sum(y1 - y0 + space for _, y0, _, y1 in stacks[-1]) + band[3] - band[1] > TALL * dpi:
            stacks.append([])
        stacks[-1].append(band)
    boxes = []
    for stacked in stacks:
        width = max(x1 - x0 for x0, _, x1, _ in stacked)
        stack = np.full((sum(y1 - y0 + space for _, y0, _, y1 in stacked), width), paper, np.uint8)
        offsets, at = [], 0
        for x0, y0, x1, y1 in stacked:
            stack[at:at + y1 - y0, :x1 - x0] = image[y0:y1, x0:x1]
            offsets.append((at, x0, y0 - at))
            at += y1 - y0 + space
        for (bx0, by0, bx1, by1), text, score in engine.detect(stack):
            if not text.strip() or score < TEXT_SCORE:
                continue
            _, dx, dy = max((o for o in offsets if o[0] <= (by0 + by1) / 2), key=lambda o: o[0])
            boxes.append(((bx0 + dx, by0 + dy, bx1 + dx, by1 + dy), text.strip(), round(float(score), 4)))
    lines: list[list] = []
    for box in sorted(boxes, key=lambda b: (b[0][1], b[0][0])):
        middle = (box[0][1] + box[0][3]) / 2
        line = next((ln for ln in lines[-3:] if ln[0][0][1] <= middle <= ln[0][0][3]), None)
        if line is None:
            lines.append([box])
        else:
            line.append(box)
    return [sorted(line, key=lambda b: b[0][0]) for line in lines]


TALL = 3.0  # inches: the most text stacked into one image for the detector (about a third of a page)
DOUBTFUL = 0.5  # the confidence given to a reading the reader had to doubt (below the low-confidence mark)
TEXT_SCORE = 0.5  # a text box outside the tables recognised with a lower score is noise (RapidOCR's default)
DASH = "—"  # what a cell whose only mark is a short horizontal bar prints
_HAN = re.compile(r"[\u4e00-\u9fff]")  # a cell read with Chinese characters is a label, not numbers
_TRAILING_POINT = re.compile(r"^\d+[.。·]$")  # no cell of the template prints a number so; a row number is not alone


def _grid_rows(p: _Page, grid: image_grid.Grid, no: int, engine: Recognizer, low: float) -> list[tuple[float, Row]]:
    """(top, Row) per grid row; a merged cell's SourceCell is repeated over the slots it covers. A
    cell one row high that joins slots the rows beside it keep apart (``Cell.doubts``), read with
    no Chinese (not a label) and no text across that boundary, is read again in parts, split there;
    when every part reads as a value or a blank, the parts are its slots' cells (a rule lost between
    two numbers), and when only one part holds a mark they are all flagged ``DOUBTFUL``: the image
    cannot tell a lost rule from a merged cell."""
    pad = max(2, int(p.dpi / 50))
    sources = dict(zip(grid.cells, _read(p, [c.box for c in grid.cells], engine, low, pad, no), strict=True))
    splits = {cell: parts for cell in grid.cells if cell.doubts and sources[cell].text
              and not _HAN.search(sources[cell].text) and len(parts := _parts(p, grid, cell, pad)) > 1}
    read = iter(_read(p, [box for parts in splits.values() for _, box in parts], engine, low, pad, no))
    by_slot: dict[tuple[int, int], SourceCell] = {}
    for cell, parts in splits.items():
        cells = [next(read) for _ in parts]
        if any(c.text for c in cells) and all(parse_value(c.text) is not None for c in cells if c.text):
            if sum(bool(c.text) for c in cells) < 2:
                cells = [replace(c, confidence=min(c.confidence or 1.0, DOUBTFUL)) for c in cells]
            for (cols, _), source in zip(parts, cells, strict=True):
                by_slot.update({(cell.row, c): source for c in cols})
    rows = []
    for r, slots in enumerate(grid.slots()):
        top = p.points((grid.cols[0], grid.rows[r], grid.cols[-1], grid.rows[r + 1]))[1]
        rows.append((top, Row([(by_slot.get((r, c)) or sources[cell]) if cell else SourceCell("", page=no, method="ocr")
                               for c, cell in enumerate(slots)], grid=True)))
    return rows


def _read(p: _Page, boxes: list[tuple[int, int, int, int]], engine: Recognizer, low: float, pad: int,
          no: int) -> list[SourceCell]:
    """The SourceCell of each box of the page (a cell or part of one), its text lines recognised
    in one batch."""
    crops, owners = [], []
    for i, box in enumerate(boxes):
        for crop in _cell_lines(p, box, pad):
            crops.append(crop)
            owners.append(i)
    texts: list[list[tuple[str, float]]] = [[] for _ in boxes]
    for owner, (text, score) in zip(owners, _recognise(crops, engine, low), strict=True):
        texts[owner].append((text, score))
    return [_source(p, box, lines, pad, no) for box, lines in zip(boxes, texts, strict=True)]


def _source(p: _Page, box: tuple[int, int, int, int], lines: list[tuple[str, float]], pad: int,
            no: int) -> SourceCell:
    """The SourceCell of a cell (or part of one) from the readings of its text lines."""
    text = "\n".join(t for t, _ in lines if t)
    confidence = round(min(s for _, s in lines), 4) if lines else None
    if _TRAILING_POINT.match(text):  # a speck of the scan read as a full stop after a number
        text, confidence = text[:-1], min(confidence, DOUBTFUL)
    elif len(lines) == 1 and len(text) == 1 and text != DASH and _bar(p, box, pad):
        text = DASH  # the recogniser reads a lone dash as 一 (one) or as a hyphen
    return SourceCell(text, page=no, bbox=p.points(box), method="ocr", confidence=confidence)


def _parts(p: _Page, grid: image_grid.Grid, cell: image_grid.Cell,
           pad: int) -> list[tuple[range, tuple[int, int, int, int]]]:
    """A cell split at its ``doubts`` that no text mark crosses (a text across a boundary shows
    there is no rule there; a mark narrower than that, a piece of the lost rule, does not cross it):
    (its columns, box) per part."""
    x0, y0, x1, y1 = cell.box
    count, _, stats = image_grid.components(p.text[y0 + pad:y1 - pad, x0:x1])
    spans = [(x0 + x, x0 + x + w) for x, _, w, _, _ in stats[1:count]]
    clear = [k for k in cell.doubts if not any(a < grid.cols[k] - pad and b > grid.cols[k] + pad for a, b in spans)]
    edges = [cell.col, *clear, cell.col + cell.colspan]
    return [(range(a, b), (grid.cols[a], y0, grid.cols[b], y1)) for a, b in zip(edges, edges[1:], strict=False)]


def _bar(p: _Page, box: tuple[int, int, int, int], pad: int) -> bool:
    """Whether a cell's only mark is a short, thin horizontal bar clear of its edges: a dash."""
    x0, y0, x1, y1 = box
    inner = p.text[y0 + pad:y1 - pad, x0 + pad:x1 - pad]
    count, _, stats = image_grid.components(inner)
    if count != 2:
        return False
    x, y, w, h, _ = stats[1]
    clear = x > 0 and y > 0 and x + w < inner.shape[1] and y + h < inner.shape[0]
    return clear and w >= 3 * h and h <= p.dpi / 25 and p.dpi / 30 <= w <= inner.shape[1] / 2


ANCHOR = "1"  # a digit drawn beside a lone character so that the recogniser reads it among numbers


def _recognise(crops: list[np.ndarray], engine: Recognizer, low: float) -> list[tuple[str, float]]:
    """(text, score) of each line image. A lone glyph is ambiguous on its own (0, o and 。 look
    alike), so a short line read with a score below ``low`` is read again after ``ANCHOR``, drawn
    in OpenCV's own font a quarter of the line's height away, and, when that does not help, again
    before it; a reading is kept when it holds the anchor where it was drawn and its own characters
    score better (their score counted as if the anchor's scored 1, a lower bound). One narrow digit
    close by costs half the model's columns that two digits half a height away did, and leaves fewer
    cells below ``low`` (measured on the scanned corpus and unseen scans)."""
    if not crops:
        return []
    results = [(t.strip(), float(s)) for t, s in engine.recognise(crops)]
    again = [i for i, (t, s) in enumerate(results) if len(t) <= 2 and s < low]
    for after in (False, True):
        if not again:
            break
        anchored = engine.recognise([_anchored(crops[i], after) for i in again])
        unhelped = []
        for i, (text, score) in zip(again, anchored, strict=True):
            text, n = text.strip(), len(text.strip())
            own = (score * n - len(ANCHOR)) / (n - len(ANCHOR)) if n > len(ANCHOR) else 0.0
            held = text.endswith(ANCHOR) if after else text.startswith(ANCHOR)
            if held and own > results[i][1]:
                results[i] = ((text[:-len(ANCHOR)] if after else text[len(ANCHOR):]).strip(), own)
            else:
                unhelped.append(i)
        again = unhelped
    return [(t, round(s, 4)) for t, s in results]


def _anchored(crop: np.ndarray, after: bool = False) -> np.ndarray:
    """The line image with ``ANCHOR`` drawn before it (``after``: right after it) in its ink on its paper."""
    h = crop.shape[0]
    paper, ink = image_grid.median(crop), int(crop.min())
    scale = h * 0.45 / 22  # Hershey glyphs are 22 units tall at scale 1
    thickness = max(1, int(scale * 2))
    (width, height), _ = cv2.getTextSize(ANCHOR, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    gap = h // 4
    anchor = np.full((h, width + gap), paper, np.uint8)
    cv2.putText(anchor, ANCHOR, (gap if after else 0, (h + height) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, ink,
                thickness, cv2.LINE_AA)
    return np.hstack([crop, anchor] if after else [anchor, crop])


def _cell_lines(p: _Page, box: tuple[int, int, int, int], pad: int) -> list[np.ndarray]:
    """Images of the text lines inside a cell, top to bottom (none for an empty cell)."""
    x0, y0, x1, y1 = box
    inner = p.text[y0 + pad:y1 - pad, x0 + pad:x1 - pad]
    if inner.size == 0 or not inner.any():
        return []
    rows = np.flatnonzero(inner.any(axis=1))
    bands, start = [], rows[0]
    for a, b in zip(rows, rows[1:], strict=False):
        if b - a > max(2, p.dpi / 50):  # a white gap between two lines (a thin stroke may leave a smaller one)
            bands.append([start, a + 1])
            start = b
    bands.append([start, rows[-1] + 1])
    tallest = max(b - a for a, b in bands)
    merged: list[list[int]] = []
    for band in bands:  # a band much lower than a line is part of its neighbour (a character cut by a gap)
        if merged and (band[1] - band[0] < tallest / 2 or merged[-1][1] - merged[-1][0] < tallest / 2):
            merged[-1][1] = band[1]
        else:
            merged.append(band)
    bands = merged
    crops = []
    margin = int(p.dpi / 40)
    for top, bottom in bands:
        if bottom - top < p.dpi / 60:
            continue  # a sliver of a line left by the lines' removal, not text
        cols = np.flatnonzero(inner[top:bottom].any(axis=0))
        ya, yb = y0 + pad + top, y0 + pad + bottom
        xa, xb = x0 + pad + cols[0], x0 + pad + cols[-1] + 1
        crop = p.clean[max(0, ya - margin):yb + margin, max(0, xa - margin):xb + margin]
        crops.append(np.ascontiguousarray(crop))
    return crops
