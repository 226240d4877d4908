"""The source beside a number: a PDF page cropped to the table with each cell's box drawn, or the
lines and table rows of a DOCX, HTML or text file as the readers read them, with their numbers.

Files are opened only when they lie inside the landing folder and still hold the bytes the
warehouse read (their sha256 is the report_id); otherwise the reason is shown instead.
"""

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from transforms import readers

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the page's top-left corner
SCALE = 2.0  # pixels per point of a rendered page
PAD = 12.0  # points of page kept below the table's values
HEADER = 60.0  # points kept above them: the column headings
CONTEXT_LINES = 2  # lines shown before and after a table read from text lines


class Unavailable(Exception):
    """The source file cannot be shown; the message says why."""


def source_bytes(source_path: str, report_id: str, landing: Path) -> bytes:
    """The bytes of a report's file, when it is inside ``landing`` and unchanged since it was read."""
    path = Path(source_path).resolve()
    if not path.is_relative_to(landing.resolve()):
        raise Unavailable(f"{source_path} is outside the landing folder {landing}; start serve with --landing")
    if not path.is_file():
        raise Unavailable(f"{source_path} is no longer in the landing folder")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != report_id:
        raise Unavailable(f"{source_path} changed since it was read; run gongkai ingest again")
    return data


def _union(boxes: list[Box]) -> Box:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def page_crop(data: bytes, page_no: int, table_boxes: list[Box], marked: list[Box]) -> bytes:
    """PNG of page ``page_no`` (1-based) rendered by pdfium, cropped to the rows of the table (the
    boxes of its cells, its headings above, the full width for its labels), each ``marked`` box outlined."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(data)
    try:
        if not 1 <= page_no <= len(pdf):
            raise Unavailable(f"the PDF has no page {page_no}")
        page = pdf[page_no - 1]
        width, height = page.get_size()
        image = page.render(scale=SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    _, top, _, bottom = _union(table_boxes + marked) if table_boxes or marked else (0, 0, width, height)
    region = (0.0, max(0.0, top - HEADER), width, min(height, bottom + PAD))
    draw = ImageDraw.Draw(image, "RGBA")
    for b in marked:
        draw.rectangle([v * SCALE for v in (b[0] - 1, b[1] - 1, b[2] + 1, b[3] + 1)],
                       outline=(200, 0, 0, 255), fill=(255, 200, 0, 70), width=3)
    crop = image.crop(tuple(round(v * SCALE) for v in region))
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=False)
    return out.getvalue()


@dataclass
class Lines:
    """Numbered lines of a document as its reader split them, with the marked ones."""

    numbered: list[tuple[int, str]]
    marked: set[int] = field(default_factory=set)


@dataclass
class Grid:
    """Rows of one table of a DOCX or HTML file as read (merged cells repeated), with the marked
    positions as (row_no, col_no)."""

    table_no: int
    rows: list[tuple[int, list[str]]]
    marked: set[tuple[int, int]] = field(default_factory=set)


def lines_and_grids(
    fmt: str, data: bytes, table_facts: list[dict], marked: list[dict]
) -> tuple[Lines | None, list[Grid]]:
    """The part of a non-PDF document that holds a table: the lines its facts came from (with a
    little context) and the grids of its tables, as the format's reader reads them (the same
    reading as the ingest); ``marked`` facts are highlighted."""
    document = readers.read(data, fmt)
    lines, rows = document.lines, document.rows
    numbers = [f["line"] for f in table_facts if f["line"] is not None]
    shown = None
    if numbers:
        first, last = max(1, min(numbers) - CONTEXT_LINES), min(len(lines), max(numbers) + CONTEXT_LINES)
        shown = Lines([(n, lines[n - 1]) for n in range(first, last + 1)],
                      {f["line"] for f in marked if f["line"] is not None})
    grids = []
    for table_no in sorted({f["table_no"] for f in table_facts if f["table_no"] is not None}):
        grid = Grid(table_no, [], {(f["row_no"], f["col_no"]) for f in marked if f["table_no"] == table_no})
        for row in rows:
            if row.grid and row.cells and row.cells[0].table_no == table_no:
                grid.rows.append((len(grid.rows) + 1, [c.text for c in row.cells]))
        grids.append(grid)
    return shown, grids
