"""The warehouse's tables, each declared once: its columns and their types. The DuckDB DDL and the
polars schemas of the frames loaded into a table are both derived from these declarations.

``transforms/`` hands over plain rows and columns keyed by these names (``transforms.facts``); a
frame gets its types here, at the border, when a run builds it to load (see docs/architecture.md).
"""

from dataclasses import dataclass

import polars as pl

from transforms.model import LOADED

TIMESTAMP = pl.Datetime("us")
SQL_TYPES = {
    pl.String: "varchar", pl.Int32: "integer", pl.Int64: "bigint", pl.Float64: "double",
    pl.Boolean: "boolean", TIMESTAMP: "timestamp",
}


def sql_type(dtype: pl.DataType) -> str:
    """The DuckDB type of a polars type: String → varchar, List(Float64) → double[], Struct → struct(…)."""
    if isinstance(dtype, pl.List):
        return sql_type(dtype.inner) + "[]"
    if isinstance(dtype, pl.Struct):
        return "struct(" + ", ".join(f"{f.name} {sql_type(f.dtype)}" for f in dtype.fields) + ")"
    return SQL_TYPES[dtype]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    constraint: str = ""  # DuckDB's: "not null", "primary key", "default true"
    loaded: bool = True  # False: the warehouse fills it (a default, a steward's correction), no frame brings it
    note: str = ""


class Table:
    """A table's name and columns, in order."""

    def __init__(self, name: str, *columns: Column):
        self.name, self.columns = name, columns

    def ddl(self) -> str:
        cols = ",\n    ".join(f"{c.name} {sql_type(c.dtype)} {c.constraint}".rstrip() for c in self.columns)
        return f"create table if not exists {self.name} (\n    {cols}\n);"

    @property
    def schema(self) -> pl.Schema:
        """The polars schema of a frame loaded into the table: its ``loaded`` columns."""
        return pl.Schema({c.name: c.dtype for c in self.columns if c.loaded})

    def frame(self, data: list[dict] | dict[str, list]) -> pl.DataFrame:
        """A frame to load from rows (a key missing from a row is NULL) or from columns; a name
        the table does not declare is an error."""
        unknown = set().union(*data) - set(self.schema) if isinstance(data, list) else set()
        if unknown:
            raise ValueError(f"table {self.name} has no column {', '.join(sorted(unknown))}")
        return pl.DataFrame(data or None, schema=self.schema)


C, S, I32, I64, F64, B = Column, pl.String, pl.Int32, pl.Int64, pl.Float64, pl.Boolean
STRINGS, BOX = pl.List(pl.String), pl.List(pl.Float64)
CELL = pl.Struct({"report_id": S, "table_code": S, "item_code": S, "column_code": S})
TERM = pl.Struct({**CELL.to_schema(), "side": S, "sign": I32, "value": F64})

REPORTS = Table(
    "reports",
    C("report_id", S, "not null", note="sha256 of the bytes read ('' when not read)"),
    C("source_path", S, "primary key"),
    C("format", S), C("agency", S, note="as printed"),
    C("agency_id", S, note="the body under all its names: division code and name, or name:<agency>"),
    C("year", I32), C("template", S),
    C("status", S, "not null", note="transforms.model.Status"),
    C("status_reason", S), C("published_date", S),
    C("agency_level", S, note="from the gazetteer: province, prefecture, county, township, street (+ department)"),
    C("province", S), C("prefecture", S), C("county", S),
    C("cells_found", I32), C("notes", STRINGS), C("duplicate_of", S),
    C("size_bytes", I64), C("mtime", F64), C("parser_version", S),
    C("present", B, "default true", loaded=False, note="false once the file is gone from the landing folder"),
    C("loaded_at", TIMESTAMP, "default current_timestamp", loaded=False),
    C("transient", B, note="rejected for a passing cause (a limit, the machine): read again next run"),
    C("source_url", S, note="where gongkai fetch found the file (its provenance record); NULL if landed by hand"),
    C("fetched_at", TIMESTAMP, note="when gongkai fetch received those bytes (UTC)"),
)
FACTS = Table(
    "facts",
    C("report_id", S, "not null"), C("agency", S), C("agency_id", S), C("year", I32),
    C("table_code", S, "not null"), C("item_code", S, "not null"), C("column_code", S, "not null"),
    C("value", F64, note="NULL for a blank cell; money in yuan"),
    C("unit", S),
    C("raw_text", S, note="the cell as printed"),
    C("page", I32, note="provenance: page and box (PDF),"),
    C("line", I32, note="line (text),"),
    C("bbox", BOX),
    C("table_no", I32, note="or table, row and column index (DOCX, HTML)"),
    C("row_no", I32), C("col_no", I32),
    C("method", S, note="how the cell was read: 'text' or 'ocr' (a scanned page)"),
    C("confidence", F64, note="the recogniser's score of an OCR cell; NULL for text"),
    C("corrected", B, "default false", loaded=False, note="a steward's correction overlays the printed value"),
    C("corrected_value", F64, loaded=False), C("corrected_by", S, loaded=False),
    C("corrected_at", TIMESTAMP, loaded=False), C("correction_note", S, loaded=False),
)
EXPECTATION_RESULTS = Table(
    "expectation_results",
    C("report_id", S, "not null"), C("expectation", S, "not null"), C("scope", S, "not null"),
    C("observed", F64), C("expected", F64), C("difference", F64),
    C("success", B, note="NULL when not assessable"),
    C("blank_cells", STRINGS), C("missing_cells", STRINGS), C("cells", pl.List(CELL)),
    C("terms", pl.List(TERM), note="each term as judged: the cell, its side, sign and the value summed"),
    C("evaluated_at", TIMESTAMP, "default current_timestamp", loaded=False),
)
FINDINGS = Table(
    "findings",
    C("finding_id", S, "primary key", note="md5 of report_id, expectation and scope, first 12"),
    C("report_id", S), C("expectation", S), C("scope", S),
    C("observed", F64), C("expected", F64), C("difference", F64),
    C("state", S, note="open, closed (a decision holds), resolved (no longer fails)"),
    C("state_reason", S),
    C("fingerprint", S, note="the printed values of the cells involved"),
    C("first_seen", TIMESTAMP), C("last_seen", TIMESTAMP),
    C("first_run", S), C("last_run", S), C("resolved_run", S),
)
DECISIONS = Table(
    "decisions",
    C("finding_id", S, "not null"), C("report_id", S), C("source_path", S), C("expectation", S), C("scope", S),
    C("decision", S, "not null", note="warehouse.stewardship.DECISIONS"),
    C("table_code", S, note="the corrected cell"), C("item_code", S), C("column_code", S), C("value", F64),
    C("note", S), C("decided_by", S, "not null"), C("decided_at", TIMESTAMP, "not null"),
    C("fingerprint", S),
)
PENDING = Table(
    "pending",
    C("work", S, "primary key", note="work a change left to do: 'cross_year' (judge the cross-year identities)"),
)
RUNS = Table(
    "runs",
    C("run_id", S, "primary key"), C("finished_at", TIMESTAMP), C("reports_loaded", I32), C("results", I32),
)
ITEMS = Table(
    "items",
    C("table_code", S), C("block", S), C("item_code", S), C("label_zh", S), C("label_en", S), C("templates", STRINGS),
)
COLUMNS = Table(
    "columns",
    C("table_code", S), C("block", S), C("column_code", S), C("label_zh", S), C("label_en", S), C("unit", S),
    C("templates", STRINGS),
)
AGENCIES = Table(
    "agencies",
    C("agency_id", S, "primary key"), C("agency", S), C("names", STRINGS), C("division_code", S), C("linked", B),
    C("level", S), C("province", S), C("prefecture", S), C("county", S),
    C("reports", I32), C("first_year", I32), C("last_year", I32),
)
SECTIONS = Table(
    "sections",
    C("report_id", S, "not null"),
    C("section", I32, "not null", note="1 to 6 as the template numbers them; 0 the words before the first heading"),
    C("title", S, note="the template's title of the section (transforms/template/sections.csv)"),
    C("heading", S, note="the heading as printed; NULL when not found"),
    C("heading_form", S, note="chinese (一、), parenthesised (（一）), arabic (1.) or unnumbered (the title alone)"),
    C("state", S, "not null", note="text; empty (the heading alone, or only its table); missing (no heading found)"),
    C("text", S, note="the section's paragraphs, one a line, the tables' rows left out; NULL when none"),
    C("page", I32, note="the heading's provenance: page and box (PDF),"),
    C("bbox", BOX), C("line", I32, note="line (text) or block index (DOCX, HTML)"),
    C("paragraph_pages", pl.List(I32), note="each paragraph's page,"),
    C("paragraph_lines", pl.List(I32), note="line or block index,"),
    C("paragraph_boxes", pl.List(BOX), note="and box"),
)
STATEMENTS = Table(
    "statements",
    C("report_id", S, "not null"), C("section", I32, note="the section whose words state it"),
    C("statement", S, "not null", note="what is stated (transforms/template/statements.csv: code)"),
    C("value", F64, note="the number stated, in the unit; 0 for a statement of none (未收取)"),
    C("unit", S, note="件, 条, 元"),
    C("approximate", B, note="stated about (近百件, 100余件): never compared"),
    C("number_text", S, note="the number as printed"),
    C("sentence", S, note="the sentence as printed"),
    C("table_code", S, note="the table cell it corresponds to (NULL: none);"),
    C("item_codes", STRINGS, note="its items, summed;"),
    C("column_code", S),
    C("comparison", S, note="equal, no_fee (a statement of none against a non-zero cell), none"),
    C("page", I32, note="the paragraph's page and box (PDF),"),
    C("bbox", BOX), C("line", I32, note="line (text) or block index (DOCX, HTML)"),
)
CELLS = Table(
    "cells",
    C("template", S), C("table_code", S), C("item_code", S), C("column_code", S), C("unit", S),
)

LOADED_SQL = "(" + ", ".join(f"'{s}'" for s in LOADED) + ")"  # `status in {LOADED_SQL}`: reports whose facts are loaded

TABLES = (REPORTS, FACTS, SECTIONS, STATEMENTS, EXPECTATION_RESULTS, FINDINGS, DECISIONS, PENDING, RUNS, ITEMS, COLUMNS,
          AGENCIES, CELLS)
# columns added since the first warehouses: added to those on opening
ADDED = ((REPORTS, "transient"), (REPORTS, "source_url"), (REPORTS, "fetched_at"), (EXPECTATION_RESULTS, "terms"))


def ddl() -> str:
    """Every table's ``create table if not exists``, and the columns a warehouse made before them lacks."""
    added = [f"alter table {t.name} add column if not exists {c.name} {sql_type(c.dtype)};"
             for t, name in ADDED for c in t.columns if c.name == name]
    return "\n".join([t.ddl() for t in TABLES] + added)
