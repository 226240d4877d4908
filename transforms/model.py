"""Plain data passed between the readers, the table interpreter and the loader."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceCell:
    """One cell as the source shows it, with where it is: a line, a page and box, or a grid index."""

    text: str
    line: int | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    table_no: int | None = None
    row_no: int | None = None
    col_no: int | None = None


@dataclass
class Row:
    """Cells in reading order. ``grid`` rows come from a real table (PDF, DOCX, HTML): every
    position is a cell, so an empty one is a blank; a merged cell repeats the same SourceCell."""

    cells: list[SourceCell]
    grid: bool = False


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
    status: str = "parsed"
    status_reason: str | None = None


class ReadError(Exception):
    """A file that cannot be read as a report; the message is shown to stewards as the reason."""
