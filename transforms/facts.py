"""A report as the warehouse stores it: its ``reports`` row, its facts (one per table cell) in
long format, its sections and its statements, column by column. Plain dicts and lists keyed by the column names that
``warehouse/schema.py`` declares with their types."""

from transforms import catalog
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
        "method": [s.method for s in sources],
        "confidence": [s.confidence for s in sources],
    }


def section_columns(report_id: str, report: ParsedReport) -> dict[str, list]:
    """A report's sections (transforms.sections), 0 to 6, column by column."""
    secs = report.sections
    titles = {t.number: t.title for t in catalog.section_titles()}
    return {
        "report_id": [report_id] * len(secs),
        "section": [s.number for s in secs],
        "title": [titles.get(s.number) for s in secs],
        "heading": [s.heading for s in secs],
        "heading_form": [s.form for s in secs],
        "state": [s.state for s in secs],
        "text": [s.text for s in secs],
        "page": [s.page for s in secs],
        "bbox": [list(s.bbox) if s.bbox else None for s in secs],
        "line": [s.line for s in secs],
        "paragraph_pages": [[p.page for p in s.paragraphs] for s in secs],
        "paragraph_lines": [[p.line for p in s.paragraphs] for s in secs],
        "paragraph_boxes": [[list(p.bbox) if p.bbox else None for p in s.paragraphs] for s in secs],
    }


def statement_columns(report_id: str, report: ParsedReport) -> dict[str, list]:
    """A report's statements (transforms.statements), column by column."""
    sts = report.statements
    return {
        "report_id": [report_id] * len(sts),
        "section": [s.section for s in sts],
        "statement": [s.code for s in sts],
        "value": [s.value for s in sts],
        "unit": [s.unit for s in sts],
        "approximate": [s.approximate for s in sts],
        "number_text": [s.number_text for s in sts],
        "sentence": [s.sentence for s in sts],
        "table_code": [s.table_code or None for s in sts],
        "item_codes": [list(s.item_codes) or None for s in sts],
        "column_code": [s.column_code or None for s in sts],
        "comparison": [s.comparison for s in sts],
        "page": [s.page for s in sts],
        "bbox": [list(s.bbox) if s.bbox else None for s in sts],
        "line": [s.line for s in sts],
    }


def staged_tables(report_id: str, report: ParsedReport) -> dict[str, dict[str, list]]:
    """Everything a report loads, by table: facts, sections and statements."""
    return {"facts": fact_columns(report_id, report), "sections": section_columns(report_id, report),
            "statements": statement_columns(report_id, report)}
