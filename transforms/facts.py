"""Long-format frames of the warehouse: one row per report file, one row per table cell."""

import polars as pl

from transforms.model import ParsedReport

REPORTS_SCHEMA = pl.Schema(
    {
        "report_id": pl.String,
        "source_path": pl.String,
        "format": pl.String,
        "agency": pl.String,
        "year": pl.Int32,
        "template": pl.String,
        "status": pl.String,
        "status_reason": pl.String,
        "published_date": pl.String,
        "agency_level": pl.String,
        "province": pl.String,
        "prefecture": pl.String,
        "county": pl.String,
        "cells_found": pl.Int32,
        "notes": pl.List(pl.String),
        "duplicate_of": pl.String,
        "size_bytes": pl.Int64,
        "mtime": pl.Float64,
        "parser_version": pl.String,
        "transient": pl.Boolean,
    }
)

FACTS_SCHEMA = pl.Schema(
    {
        "report_id": pl.String,
        "agency": pl.String,
        "year": pl.Int32,
        "table_code": pl.String,
        "item_code": pl.String,
        "column_code": pl.String,
        "value": pl.Float64,
        "unit": pl.String,
        "raw_text": pl.String,
        "page": pl.Int32,
        "line": pl.Int32,
        "bbox": pl.List(pl.Float64),
        "table_no": pl.Int32,
        "row_no": pl.Int32,
        "col_no": pl.Int32,
    }
)


def report_row(report_id: str, source_path: str, report: ParsedReport | None, **file: object) -> dict:
    """One ``reports`` row; ``file`` carries status, status_reason, size_bytes, mtime and the like."""
    row: dict = {name: None for name in REPORTS_SCHEMA}
    row.update(report_id=report_id, source_path=source_path, notes=[])
    if report is not None:
        row.update(
            format=report.format,
            agency=report.agency,
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


def columns_frame(columns: dict[str, list]) -> pl.DataFrame:
    """Facts from ``fact_columns`` (or several of them appended column by column)."""
    return pl.DataFrame(columns, schema=FACTS_SCHEMA)


def frame(rows: list[dict], schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
