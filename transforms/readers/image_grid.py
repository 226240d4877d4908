"""Ruled tables in a page image: the page levelled, its ruling lines found with OpenCV, and each
table's grid of cells rebuilt from them, merged cells included.

Pixels are the image's, from the top-left corner. A table is a set of ruling lines that touch one
another; its row and column boundaries are the heights of its horizontal lines and the places of
its vertical ones; two neighbouring slots of that grid belong to one cell when no line separates
them, so a merged cell is the rectangle of the slots it joins. A cell one row high that joins
slots the rows beside it keep apart says where (``Cell.doubts``): a rule may be lost there, and
the reader of its text decides from the ink (``pdf_ocr``).
"""

import bisect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

# one thread: a reading worker has a core of its own, and OpenCV's pool of threads costs CPU waiting
# for work (connected components with their statistics take twice the CPU on two threads)
cv2.setNumThreads(1)

MAX_SKEW = 3.0  # degrees: a page turned further than this is not levelled


@dataclass(frozen=True)
class Cell:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the cell's inside edge of its lines
    row: int  # top-left slot of the grid
    col: int
    rowspan: int
    colspan: int
    doubts: tuple[int, ...] = ()  # column boundaries inside a one-row cell that a row beside it has




@dataclass(frozen=True)
class Grid:
    box: tuple[int, int, int, int]
    rows: list[int]  # heights of the row boundaries, top to bottom
    cols: list[int]  # places of the column boundaries, left to right
    cells: list[Cell]

    def slots(self) -> list[list[Cell]]:
        """The cell at each (row, column) slot; a merged cell repeated over the slots it covers."""
        table = [[None] * (len(self.cols) - 1) for _ in range(len(self.rows) - 1)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    table[r][c] = cell
        return table


CONTRAST = 20  # grey levels darker than its neighbourhood that make a pixel a mark
FAINT = 7  # the same for the ruling lines of a table printed faint, when looking again
RULE_CONTRAST = 10  # grey levels darker than the paper that make a pixel part of a faint rule
THIN = 0.5  # share of a slot's side that a thin line must cover to be a rule found again


def ink(gray: np.ndarray, contrast: int = CONTRAST) -> np.ndarray:
    """Dark marks (255) on the page whatever the shade of its paper: pixels darker than their
    neighbourhood by ``contrast``."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 35, contrast)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The 8-connected components of a mask: their count (background included), labels and stats,
    as ``cv2.connectedComponentsWithStats`` gives them. Grana's algorithm labels them alike (in the
    same order) and, in this OpenCV build, runs three times faster than the default (Spaghetti)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    return count, labels, stats


def paper_ink(gray: np.ndarray, dpi: float, contrast: int = RULE_CONTRAST) -> np.ndarray:
    """Pixels darker than the paper around them by ``contrast`` (True), the paper's shade being the
    median of a neighbourhood a third of an inch across (taken at a quarter of the size): unlike
    ``ink``, a pale rule beside dark letters stays a mark, the letters not darkening the measure."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    size = max(3, int(dpi / 12)) | 1
    paper = cv2.resize(cv2.medianBlur(small, size), gray.shape[::-1], interpolation=cv2.INTER_LINEAR)
    return cv2.subtract(paper, gray) > contrast


def skew(marks: np.ndarray, dpi: float) -> float:
    """The page's turn in degrees (counter-clockwise positive) from its long straight lines: a
    straight line fitted to the pixels of each near-horizontal line longer than an inch and a half,
    and the median of their angles weighted by length; 0 when there are none. Only runs an eighth
    of an inch long are kept (a line turned by a degree or two still makes such runs; letters
    mostly do not). Fitting the pixels reads a turn of a tenth of a degree, which a line detector
    on the pixel grid rounds away, and costs a fraction of it."""
    pieces = cv2.morphologyEx(marks, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(dpi / 8), 1)))
    steepest = math.tan(math.radians(MAX_SKEW))
    outlines = _outlines(pieces)
    long = [w >= dpi * 1.5 and h <= w * steepest + dpi / 20 for _, (_, _, w, h) in outlines]
    angles, weights = [], []
    for (_, _, w, _), pixels in _pixels(pieces, outlines, long):
        ys, xs = np.nonzero(pixels)
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(-math.degrees(math.atan(slope)))  # image rows grow downwards
        weights.append(float(w))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def median(gray: np.ndarray) -> int:
    """``int(np.median(gray))`` of a grey-level image, counted from its histogram instead of sorted
    (OpenCV's histogram counts in single precision: exact below 2**24 pixels)."""
    if gray.size < 1 << 24:
        counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        counts = np.bincount(gray.ravel(), minlength=256)
    below = np.cumsum(counts)
    low, high = np.searchsorted(below, [(gray.size - 1) // 2, gray.size // 2], side="right")
    return (int(low) + int(high)) // 2


def rotation(shape: tuple[int, int], angle: float) -> np.ndarray:
    """The 2×3 matrix that turns an image of ``shape`` by ``-angle`` about its middle (levelling it)."""
    h, w = shape
    return cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)


def level(gray: np.ndarray, angle: float) -> np.ndarray:
    if angle == 0.0:
        return gray
    paper = median(gray)
    return cv2.warpAffine(gray, rotation(gray.shape, angle), gray.shape[::-1], flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=paper)


def line_masks(marks: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and vertical ruling lines among the marks of a levelled page: runs longer
    than a third of an inch across (a character is shorter) and a tenth of an inch down (a row
    of a table can be that low; letters standing in for lines are removed later)."""
    bridge = max(3, int(dpi / 50))
    across = cv2.morphologyEx(marks, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    horizontal = cv2.morphologyEx(across, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(dpi / 3), 1)))
    down = cv2.morphologyEx(marks, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2)))
    vertical = cv2.morphologyEx(down, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(dpi / 10))))
    return horizontal, vertical


Box = tuple[int, int, int, int]  # x, y, width, height
Outline = tuple[tuple[int, int], Box]  # a pixel (x, y) of a component of a mask and the component's box


def _segments(mask: np.ndarray, axis: int) -> list[tuple[float, int, int]]:
    """(position across, start, end) of each straight line in a mask: y, x0, x1 for horizontal
    lines (axis 0), x, y0, y1 for vertical ones: a line is a component of the mask (``_outlines``)."""
    return _spans([box for _, box in _outlines(mask)], axis)


def _outlines(mask: np.ndarray) -> list[Outline]:
    """The components of a mask as a pixel of each (x, y) and its box (x, y, width, height), from
    the outer borders OpenCV traces around them: a fraction of the time their labelling takes."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [((int(c[0, 0, 0]), int(c[0, 0, 1])), cv2.boundingRect(c))
            for c, (*_, parent) in zip(contours, hierarchy[0], strict=True) if parent < 0]


def _pixels(mask: np.ndarray, outlines: list[Outline], wanted: list[bool]) -> Iterator[tuple[Box, np.ndarray]]:
    """The box and pixels (255, within the box) of each wanted component of a mask (``_outlines``):
    the box's marks when no other component's box meets it, else the marks joined to its pixel."""
    if not outlines:
        return
    boxes = np.array([box for _, box in outlines])
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]
    alone = ((x0[:, None] < x1) & (x0 < x1[:, None]) & (y0[:, None] < y1) & (y0 < y1[:, None])).sum(axis=1) == 1
    for ((px, py), (x, y, w, h)), single, want in zip(outlines, alone, wanted, strict=True):
        if want:
            part = mask[y:y + h, x:x + w]
            if not single:
                _, labels, _ = components(part)
                part = np.where(labels == labels[py - y, px - x], np.uint8(255), np.uint8(0))
            yield (x, y, w, h), part


def _spans(boxes: list[Box], axis: int) -> list[tuple[float, int, int]]:
    """``_segments`` from the boxes (x, y, width, height) of the lines, in their order."""
    if axis == 0:
        return [(y + h / 2, x, x + w) for x, y, w, h in boxes]
    return [(x + w / 2, y, y + h) for x, y, w, h in boxes]


def _joined(lines: list[tuple[float, int, int]], gap: int,
            crossed: Callable[[float, int, int], bool]) -> list[tuple[float, int, int]]:
    """Vertical runs in line with one another (within two pixels across) and less than ``gap``
    apart joined into one, unless a horizontal line crosses between them (``crossed(x, y0, y1)``):
    a faint rule broken by a pale spot is one line, and only the whole of it meets the lines at
    both its ends; a letter's stroke above a row's line does not go on into the rule below it.
    Runs are taken from the top (from the left at one height); a run joins the first line (in the
    order they were begun) that it can."""
    out: list[list[float]] = []
    begun: dict[int, list[int]] = {}  # the lines begun at each whole pixel across, by their place in out
    for x, y0, y1 in sorted(lines, key=lambda s: (s[1], s[0])):
        at = math.floor(x)
        nearby = sorted(i for k in range(at - 2, at + 3) for i in begun.get(k, ()))
        near = next((o for o in map(out.__getitem__, nearby)
                     if abs(o[0] - x) <= 2 and y0 - o[2] <= gap and not crossed(x, o[2], y0)), None)
        if near is None:
            begun.setdefault(at, []).append(len(out))
            out.append([x, y0, y1])
        else:
            near[2] = max(near[2], y1)
    return [(x, int(y0), int(y1)) for x, y0, y1 in out]


def _cluster(values: list[float], gap: float) -> list[int]:
    """Values closer than ``gap`` merged into their mean: the boundaries of a grid."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= gap:
            out[-1].append(v)
        else:
            out.append([v])
    return [round(sum(g) / len(g)) for g in out]


def page_grids(gray: np.ndarray, dpi: float) -> tuple[list[Grid], np.ndarray]:
    """``grids`` of a levelled page, looked for again among fainter marks: a table printed with
    pale or broken rules loses lines at the usual contrast, and its rows and columns merge. The
    second look is kept when it finds clearly more cells (a twentieth more), or a table where the
    first found none (a table printed all faint)."""
    paper = paper_ink(gray, dpi)
    found, lines = grids(gray, dpi, paper=paper)
    again, faint_lines = grids(gray, dpi, FAINT, paper=paper)
    if (cells := sum(len(g.cells) for g in again)) and cells >= 1.05 * sum(len(g.cells) for g in found):
        return again, faint_lines
    return found, lines


def grids(gray: np.ndarray, dpi: float, contrast: int = CONTRAST,
          paper: np.ndarray | None = None) -> tuple[list[Grid], np.ndarray]:
    """The ruled tables of a levelled page, top to bottom, and the mask of their lines; ``paper``:
    the page's ``paper_ink`` when already measured."""
    marks = ink(gray, contrast)
    paper = paper_ink(gray, dpi) if paper is None else paper
    horizontal, vertical = line_masks(marks, dpi)
    tolerance = max(3, int(dpi / 25))
    h_outlines = _outlines(horizontal)
    h_lines = _spans([box for _, box in h_outlines], 0)
    by_height = sorted(h_lines)
    heights = [hy for hy, _, _ in by_height]

    def between(lo: float, hi: float) -> list[tuple[float, int, int]]:
        """The horizontal lines from height ``lo`` to ``hi``."""
        return by_height[bisect.bisect_left(heights, lo):bisect.bisect_right(heights, hi)]

    def meets(x: float, y: int, down: bool) -> bool:
        """A horizontal line lies at this end of a vertical run, or beyond it joined by ink (a
        letter's stroke stops short of the lines around its cell)."""
        for hy, x0, x1 in between(y - tolerance, y + tolerance):
            if x0 - tolerance <= x <= x1 + tolerance:
                lo, hi = (y, round(hy)) if down else (round(hy), y)
                if lo >= hi or marks[lo:hi + 1, max(0, round(x) - 2):round(x) + 3].any(axis=1).all():
                    return True
        return False

    # a vertical run is a ruling line when both its ends meet a horizontal line, or one end does
    # and it is longer than any letter (a table going on over the page break without a line below)
    def crossed(x: float, y0: int, y1: int) -> bool:
        return any(x0 - tolerance <= x <= x1 + tolerance for _, x0, x1 in between(y0 - tolerance, y1 + tolerance))

    v_lines = [v for v in _joined(_segments(vertical, 1), tolerance, crossed)
               if (top := meets(v[0], v[1], False)) + (bottom := meets(v[0], v[2] - 1, True)) == 2
               or ((top or bottom) and v[2] - v[1] > dpi / 4)]
    # and a horizontal run is one when it meets a vertical line (a run of letters' strokes does not)
    ruled = np.zeros(len(h_lines), bool)
    if h_lines and v_lines:
        hs, vs = np.array(h_lines), np.array(v_lines)
        ruled = ((hs[:, 1:2] - tolerance <= vs[:, 0]) & (vs[:, 0] <= hs[:, 2:3] + tolerance)
                 & (vs[:, 1] - tolerance <= hs[:, 0:1]) & (hs[:, 0:1] <= vs[:, 2] + tolerance)).any(axis=1)
    rules = np.zeros_like(horizontal)
    for (x, y, w, h), pixels in _pixels(horizontal, h_outlines, ruled.tolist()):
        rules[y:y + h, x:x + w] |= pixels
    horizontal = rules
    kept = np.zeros_like(vertical)
    for x, y0, y1 in v_lines:
        cv2.line(kept, (round(x), y0), (round(x), y1 - 1), 255, max(1, int(dpi / 100)))
    vertical = cv2.bitwise_and(vertical, cv2.dilate(kept, np.ones((1, 5), np.uint8)))
    lines = cv2.bitwise_or(horizontal, vertical)
    joined = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    outlines = _outlines(joined)
    tables = [w >= dpi and h >= dpi / 6 for _, (_, _, w, h) in outlines]  # not an underline or a rule
    found = []
    for (x, y, w, h), region in _pixels(joined, outlines, tables):
        grid = _grid(horizontal[y:y + h, x:x + w] & region, vertical[y:y + h, x:x + w] & region, paper, (x, y),
                     tolerance, 0.6 if contrast == CONTRAST else 0.3)
        if grid is not None:
            found.append(grid)
    return sorted(found, key=lambda g: (g.box[1], g.box[0])), lines


def _thin_share(paper: np.ndarray, y: int, x0: int, x1: int, gap: int) -> float:
    """The share of the columns x0..x1 that a thin horizontal line crosses at ``y`` (give or take
    two rows): marks (``paper_ink``) within a row of it, paper ``gap`` rows above and below. Letters
    crossing that height are taller than that and mostly fail the test; a rule, even a broken or
    pale one, or one that letters touch here and there, mostly passes it."""
    best = 0.0
    for at in range(max(gap + 1, y - 2), min(paper.shape[0] - gap - 1, y + 3)):
        line = paper[at - 1:at + 2, x0:x1].any(axis=0)
        above = paper[at - gap - 1:at - gap + 2, x0:x1].any(axis=0)
        below = paper[at + gap - 1:at + gap + 2, x0:x1].any(axis=0)
        if line.size:
            best = max(best, float((line & ~above & ~below).mean()))
    return best


def _grid(horizontal: np.ndarray, vertical: np.ndarray, paper: np.ndarray, origin: tuple[int, int],
          tolerance: int, coverage: float) -> Grid | None:
    """The grid of one table; two slots are one cell unless a line covers more than ``coverage``
    of the side between them (less for faint rules, which break up). A row boundary that the
    line masks miss there is looked for again as a thin line in ``paper`` (``_thin_share``): a pale
    rule loses pieces beside letters and its runs grow too short for the masks. Sides between
    columns are not looked for so (a letter's upright stroke is such a line, as long as a row)."""
    ys = _cluster([s[0] for s in _segments(horizontal, 0)], tolerance)
    columns = _segments(vertical, 1)
    xs = _cluster([s[0] for s in columns], tolerance)
    if not ys or len(xs) < 2:
        return None
    # a table cut by the page break has no line above its first row (or below its last): its
    # vertical lines go on past the last horizontal one, and where they end is the row's edge
    top, bottom = min(s[1] for s in columns), max(s[2] for s in columns)
    if top < ys[0] - 2 * tolerance:
        ys.insert(0, top)
    if bottom > ys[-1] + 2 * tolerance:
        ys.append(bottom)
    if len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    ox, oy = origin
    gap = max(3, round(tolerance / 2))
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def ruled(mask: np.ndarray, at: int, start: int, end: int, axis: int) -> bool:
        """Whether a line runs along most of a slot's side (a stretch of ``mask`` near ``at``)."""
        lo, hi = start + (end - start) // 5, end - (end - start) // 5
        if axis == 0:
            band = mask[max(0, at - tolerance):at + tolerance + 1, lo:hi]
            return (hi <= lo or band.any(axis=0).mean() > coverage
                    or _thin_share(paper, at + oy, lo + ox, hi + ox, gap) >= THIN)
        band = mask[lo:hi, max(0, at - tolerance):at + tolerance + 1]
        return hi <= lo or band.any(axis=1).mean() > coverage

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not ruled(vertical, xs[c + 1], ys[r], ys[r + 1], 1):
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not ruled(horizontal, ys[r + 1], xs[c], xs[c + 1], 0):
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    parts = [part for group in groups.values() for part in _rectangles(group)]
    owner = {slot: i for i, part in enumerate(parts) for slot in part}
    cells = []
    for slots in parts:
        r0, r1 = min(s[0] for s in slots), max(s[0] for s in slots) + 1
        c0, c1 = min(s[1] for s in slots), max(s[1] for s in slots) + 1
        box = (xs[c0] + ox, ys[r0] + oy, xs[c1] + ox, ys[r1] + oy)
        # the boundaries inside a cell one row high that a row beside it has: a rule may be lost there
        doubts = tuple(k for k in range(c0 + 1, c1) if r1 - r0 == 1 and any(
            (r, k - 1) in owner and owner[(r, k - 1)] != owner[(r, k)] for r in (r0 - 1, r1)))
        cells.append(Cell(box, r0, c0, r1 - r0, c1 - c0, doubts))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid((xs[0] + ox, ys[0] + oy, xs[-1] + ox, ys[-1] + oy), [y + oy for y in ys], [x + ox for x in xs], cells)


def _rectangles(slots: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Slots joined into one cell, as rectangles. A cell is a rectangle; slots joined in another
    shape (an L, where a lost rule joins a cell to a merged one beside it) are split into the runs
    of each row, or of each column, whichever makes fewer cells: a cell never takes in a slot,
    and its text, that is not its own."""
    rows, cols = {r for r, _ in slots}, {c for _, c in slots}
    if len(slots) == len(rows) * len(cols):
        return [slots]

    def runs(axis: int) -> list[list[tuple[int, int]]]:
        out: list[list[tuple[int, int]]] = []
        for slot in sorted(slots, key=lambda s: (s[axis], s[1 - axis])):
            last = out[-1][-1] if out else None
            if last and last[axis] == slot[axis] and slot[1 - axis] == last[1 - axis] + 1:
                out[-1].append(slot)
            else:
                out.append([slot])
        return out

    return min(runs(0), runs(1), key=len)
