"""Plain data passed between the readers, the table interpreter and the loader."""

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """What became of a file: read whole (``parsed``), with a table, row or column missing
    (``partial``), not read as a report (``rejected``), or the same bytes as another file (``duplicate``)."""

    PARSED = "parsed"
    PARTIAL = "partial"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


LOADED = (Status.PARSED, Status.PARTIAL)  # the statuses whose facts are in the warehouse


@dataclass(frozen=True)
class SourceCell:
    """One cell as the source shows it, with where it is: a line, a page and box, or a grid index;
    ``method`` 'ocr' for text recognised in a page image, with the recogniser's ``confidence``
    (None when nothing was recognised: a blank)."""

    text: str
    line: int | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    table_no: int | None = None
    row_no: int | None = None
    col_no: int | None = None
    method: str = "text"
    confidence: float | None = None

    def where(self) -> str:
        """Where the cell is, in words (without its box): page 3, line 56, table 1 row 4 column 2."""
        return where_printed(page=self.page, line=self.line,
                             table_no=self.table_no, row_no=self.row_no, col_no=self.col_no)


def where_printed(
    *, page: int | None = None, bbox=None, line: int | None = None,
    table_no: int | None = None, row_no: int | None = None, col_no: int | None = None,
) -> str:
    """Where a cell was printed, in words: page 3 box (72, 500, 110, 512), line 56, or table 1
    row 4 column 2; "not read" for a cell that no reader found."""
    if page is not None:
        return f"page {page}" + (f" box ({', '.join(f'{v:.0f}' for v in bbox)})" if bbox else "")
    if line is not None:
        return f"line {line}"
    if table_no is not None:
        return f"table {table_no} row {row_no} column {col_no}"
    return "not read"


@dataclass
class Row:
    """Cells in reading order. ``grid`` rows come from a real table (PDF, DOCX, HTML): every
    position is a cell, so an empty one is a blank; a merged cell repeats the same SourceCell."""

    cells: list[SourceCell]
    grid: bool = False


@dataclass(frozen=True)
class Document:
    """What a reader gives (``transforms.readers.read``): the document's text lines in reading
    order, for the metadata, and its rows of cells, for the tables; ``ocr`` when the text was
    recognised in page images (a scan); ``ocr_pages``, the pages of a text PDF recognised so
    (image-only pages, as a scanned page inserted into a Word PDF)."""

    lines: list[str]
    rows: list[Row]
    ocr: bool = False
    ocr_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class FoundCell:
    """A template cell read from a report: the value in warehouse units and the cell it came from."""

    table_code: str
    item_code: str
    column_code: str
    value: float | None
    unit: str
    source: SourceCell


@dataclass
class ParsedReport:
    """What one file says: metadata, the template cells found, and notes for a steward."""

    format: str
    agency: str | None = None  # as printed
    agency_id: str | None = None  # the same body under all its names (gazetteer.agency_id)
    year: int | None = None
    template: str | None = None
    published: str | None = None
    agency_level: str | None = None
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    cells: list[FoundCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list = field(default_factory=list)  # transforms.sections.Section, 0 to 6
    statements: list = field(default_factory=list)  # transforms.statements.Statement
    status: Status = Status.PARSED
    status_reason: str | None = None


class ReadError(Exception):
    """A file that cannot be read as a report; the message is shown to stewards as the reason."""

