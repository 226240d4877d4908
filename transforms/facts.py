"""A report as the warehouse stores it: its ``reports`` row, and its facts (one per table cell) in
long format, column by column. Plain dicts and lists keyed by the column names that
``warehouse/schema.py`` declares with their types."""

from transforms.model import ParsedReport


def report_row(report_id: str, source_path: str, report: ParsedReport | None, **file: object) -> dict:
    """One ``reports`` row (a column it does not name is NULL); ``file`` carries status,
    status_reason, size_bytes, mtime and the like."""
    row: dict = {"report_id": report_id, "source_path": source_path, "notes": []}
    if report is not None:
        row.update(
            format=report.format,
            agency=report.agency,
            agency_id=report.agency_id,
            year=report.year,
            template=report.template,
            status=report.status,
            status_reason=report.status_reason,
            published_date=report.published,
            agency_level=report.agency_level,
            province=report.province,
            prefecture=report.prefecture,
            county=report.county,
            cells_found=len(report.cells),
            notes=report.notes,
        )
    row.update(file)
    return row


def fact_columns(report_id: str, report: ParsedReport) -> dict[str, list]:
    """A report's facts column by column (cheap to send between processes and to load)."""
    cells = report.cells
    sources = [c.source for c in cells]
    n = len(cells)
    return {
        "report_id": [report_id] * n,
        "agency": [report.agency] * n,
        "agency_id": [report.agency_id] * n,
        "year": [report.year] * n,
        "table_code": [c.table_code for c in cells],
        "item_code": [c.item_code for c in cells],
        "column_code": [c.column_code for c in cells],
        "value": [c.value for c in cells],
        "unit": [c.unit for c in cells],
        "raw_text": [s.text for s in sources],
        "page": [s.page for s in sources],
        "line": [s.line for s in sources],
        "bbox": [list(s.bbox) if s.bbox else None for s in sources],
        "table_no": [s.table_no for s in sources],
        "row_no": [s.row_no for s in sources],
        "col_no": [s.col_no for s in sources],
    }
