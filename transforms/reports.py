"""Reading one report file into a ParsedReport: format, metadata, table cells and status."""

from collections.abc import Callable
from dataclasses import replace

from transforms import catalog, metadata, readers
from transforms.gazetteer import agency_id, region_of
from transforms.labels import detect_template, normalize
from transforms.model import Document, FoundCell, ParsedReport, ReadError, Status
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.sections import split_sections, text_lines
from transforms.statements import report_statements
from transforms.tables import read_tables

PARSER_VERSION = "8"  # raised whenever a reader changes what it reads: older rows are read again


def read_report(name: str, data: bytes, ocr_started: Callable[[], None] | None = None,
                settings: ReaderSettings = DEFAULT) -> ParsedReport:
    """Read a report from its bytes; ``name`` (and the bytes' start) give the format. Raises
    ReadError with a reason. A PDF with no text layer is read with OCR, after telling
    ``ocr_started`` (which may give it more time)."""
    fmt = readers.format_of(name, data).name
    if not data.strip():
        raise ReadError("empty file")
    document = readers.read(data, fmt, settings, ocr_started=ocr_started)
    if document.ocr:
        return read_scanned(fmt, document, settings)
    if document.ocr_pages:
        return read_mixed(fmt, document, settings)
    return interpret(fmt, document)


def read_scanned(fmt: str, document: Document, settings: ReaderSettings) -> ParsedReport:
    """A scanned PDF read with OCR, through the same interpreter; its low-confidence cells are
    kept as recognised and counted in the notes, and a cell missing makes it partial."""
    try:
        report = interpret(fmt, document)
    except ReadError as e:
        raise ReadError(f"scanned PDF read by OCR: {e}") from None
    return _ocr_checked(report, "scanned PDF read by OCR", settings)


def read_mixed(fmt: str, document: Document, settings: ReaderSettings) -> ParsedReport:
    """A text PDF with pages that are only images: those pages were read by OCR, the others by
    their text layer; the report is checked as a scan's is."""
    pages = ", ".join(map(str, document.ocr_pages))
    try:
        report = interpret(fmt, document)
    except ReadError as e:
        raise ReadError(f"PDF with page(s) {pages} read by OCR: {e}") from None
    return _ocr_checked(report, f"PDF with a text layer, its image-only page(s) {pages} read by OCR", settings)


def _ocr_checked(report: ParsedReport, what: str, settings: ReaderSettings) -> ParsedReport:
    """A cell missing makes a report read (partly) by OCR partial; an implausible OCR number is
    flagged (``flag_implausible``); a note counts the cells recognised with low confidence."""
    # cells missing: a scan cannot say they were not printed
    if report.status == Status.PARSED and report.status_reason:
        report.status = Status.PARTIAL
        report.status_reason = ("read by OCR, which cannot tell an unprinted cell from an unread one: "
                                f"{report.status_reason}")
    report.cells, doubtful = flag_implausible(report.cells)
    report.notes.extend(doubtful)
    threshold = settings.low_confidence
    low = [c for c in report.cells if c.source.confidence is not None and c.source.confidence < threshold]
    report.notes.insert(0, f"{what}: {len(low)} of {len(report.cells)} cells recognised with "
                           f"low confidence (below {threshold:g})"
                        + "".join(f"; {c.table_code}/{c.item_code}/{c.column_code} '{c.source.text}' "
                                  f"({c.source.confidence:.2f}, page {c.source.page})" for c in low))
    return report


ALIKE_ROWS = ("applications", "review_litigation")  # tables whose rows count one thing (with its total)


def flag_implausible(cells: list[FoundCell]) -> tuple[list[FoundCell], list[str]]:
    """OCR numbers that cannot be right for their cell, flagged instead of stored as read: a count
    with a decimal point, or, in a table whose rows count one thing (ALIKE_ROWS; table 二's
    columns differ in kind), a count three digits longer than any other number of its row, total
    included (a ``3`` read as ``3000003`` beside cells of one digit). Such a cell keeps the text
    recognised, its value becomes NULL and its confidence 0 (below the low-confidence mark: a
    steward checks it first); a note says why."""
    def digits(v: float) -> int:
        return len(str(int(abs(v))))

    rows: dict[tuple[str, str], list[FoundCell]] = {}
    for c in cells:
        rows.setdefault((c.table_code, c.item_code), []).append(c)
    out, notes = [], []
    for c in cells:
        reason = None
        if c.source.method == "ocr" and c.value is not None:
            others = [digits(o.value) for o in rows[(c.table_code, c.item_code)] if o is not c and o.value is not None]
            if c.unit != "yuan" and "." in c.source.text:
                reason = "a count with a decimal point"
            elif c.table_code in ALIKE_ROWS and len(others) >= 2 and digits(c.value) >= max(others) + 3:
                reason = f"{digits(c.value)} digits where the row's other numbers have at most {max(others)}"
        if reason is None:
            out.append(c)
            continue
        out.append(replace(c, value=None, source=replace(c.source, confidence=0.0)))
        notes.append(f"{c.source.where()}: {c.table_code}/{c.item_code}/{c.column_code} recognised as "
                     f"'{c.source.text}', {reason}: not stored as read (NULL), flagged for checking")
    return out, notes


def interpret(fmt: str, document: Document) -> ParsedReport:
    """Metadata from the document's lines, cells from its rows, and the status they earn."""
    lines, rows = document.lines, document.rows
    report = ParsedReport(format=fmt)
    report.agency = metadata.agency_from(lines)
    report.year = metadata.year_from(lines)
    report.published = metadata.published_from(lines)
    region = region_of(report.agency, "\n".join(lines))
    report.agency_level, report.province, report.prefecture, report.county = (
        region.level, region.province, region.prefecture, region.county)
    report.agency_id = agency_id(report.agency, region)
    everything = "".join(lines) + "".join(c.text for row in rows for c in row.cells)
    report.template = detect_template(normalize(everything))
    if report.template is None:
        report.template = catalog.template_of_year(report.year)
        report.notes.append(f"template not recognised from the labels; {report.template} assumed from the year")
    reader = read_tables(rows, report.template)
    report.cells = list(reader.cells.values())
    report.notes.extend(reader.notes)
    report.status, report.status_reason = assess(report)
    report.sections = split_sections(text_lines(fmt, lines, rows), wrapped=fmt in ("pdf", "text"))
    report.statements = report_statements(report.sections)
    return report


def assess(report: ParsedReport) -> tuple[Status, str | None]:
    """Parsed, partial (a whole table, row or column not read), or a ReadError (no table)."""
    if not report.cells:
        raise ReadError("no statistical table of the annual report template found")
    found = {(c.table_code, c.item_code, c.column_code) for c in report.cells}
    expected = catalog.expected_cells(report.template, {item for _, item, _ in found})
    missing = [key for key in expected if key not in found]
    lost: list[str] = []
    for table in catalog.TABLES:
        keys = [k for k in expected if k[0] == table]
        if not any(k in found for k in keys):
            lost.append(f"table {table} not read")
            continue
        columns_whole = all(any(k in found for k in keys if k[2] == code) for code in {k[2] for k in keys})
        for axis, name in ((1, "row"), (2, "column")):
            for code in dict.fromkeys(k[axis] for k in keys):
                if not any(k in found for k in keys if k[axis] == code):
                    if axis == 1 and columns_whole:  # the table's grid read whole, this row absent from it
                        lost.append(f"row {catalog.item_label(table, code)} ({code}) not printed in the report")
                    else:
                        lost.append(f"{table} {name} {code} not read")
    problems = []
    if report.agency is None:
        problems.append("agency not found in the title")
    if report.year is None:
        problems.append("reporting year not found")
    if lost or problems:
        detail = "; ".join(problems + lost)
        return Status.PARTIAL, f"{len(missing)} of {len(expected)} cells missing: {detail}"
    if missing:
        cells = ", ".join("/".join(k[1:]) for k in missing)
        return Status.PARSED, f"{len(missing)} of {len(expected)} cells not printed: {cells}"
    return Status.PARSED, None
