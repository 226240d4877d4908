"""The DuckDB warehouse: its tables, and the transactions that replace a report's rows."""

import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from pipelines import views
from transforms.facts import FACTS_SCHEMA
from transforms import catalog

DDL = """
create table if not exists reports (
    report_id varchar not null,          -- sha256 of the file's bytes
    source_path varchar primary key,
    format varchar,
    agency varchar,
    year integer,
    template varchar,
    status varchar not null,             -- parsed, partial, rejected, duplicate
    status_reason varchar,
    published_date varchar,
    agency_level varchar,                -- from the gazetteer: province, prefecture, county, township, street (+ department)
    province varchar,
    prefecture varchar,
    county varchar,
    cells_found integer,
    notes varchar[],
    duplicate_of varchar,
    size_bytes bigint,
    mtime double,
    parser_version varchar,
    present boolean default true,        -- false once the file is gone from the landing folder
    loaded_at timestamp default current_timestamp,
    transient boolean                    -- rejected for a passing cause (a limit, the machine): read again next run
);
alter table reports add column if not exists transient boolean;
create table if not exists facts (
    report_id varchar not null,
    agency varchar,
    year integer,
    table_code varchar not null,
    item_code varchar not null,
    column_code varchar not null,
    value double,                        -- NULL for a blank cell; money in yuan
    unit varchar,
    raw_text varchar,                    -- the cell as printed
    page integer,                        -- provenance: page and box (PDF),
    line integer,                        -- line (text),
    bbox double[],
    table_no integer,                    -- or table, row and column index (DOCX, HTML)
    row_no integer,
    col_no integer,
    corrected boolean default false,     -- a steward's correction overlays the printed value
    corrected_value double,
    corrected_by varchar,
    corrected_at timestamp,
    correction_note varchar
);
create table if not exists expectation_results (
    report_id varchar not null,
    expectation varchar not null,
    scope varchar not null,
    observed double,
    expected double,
    difference double,
    success boolean,                     -- NULL when not assessable
    blank_cells varchar[],
    missing_cells varchar[],
    cells struct(report_id varchar, table_code varchar, item_code varchar, column_code varchar)[],
    evaluated_at timestamp default current_timestamp
);
create table if not exists findings (
    finding_id varchar primary key,      -- md5 of report_id, expectation and scope, first 12
    report_id varchar, expectation varchar, scope varchar,
    observed double, expected double, difference double,
    state varchar,                       -- open, closed (a decision holds), resolved (no longer fails)
    state_reason varchar,
    fingerprint varchar,                 -- the printed values of the cells involved
    first_seen timestamp, last_seen timestamp,
    first_run varchar, last_run varchar, resolved_run varchar
);
create table if not exists decisions (
    finding_id varchar not null, report_id varchar, source_path varchar, expectation varchar, scope varchar,
    decision varchar not null,           -- source_error, correction, dismissed
    table_code varchar, item_code varchar, column_code varchar, value double,  -- the corrected cell
    note varchar, decided_by varchar not null, decided_at timestamp not null,
    fingerprint varchar
);
create table if not exists pending (
    work varchar primary key             -- work that a change left to do: 'cross_year' (judge the cross-year identities)
);
create table if not exists runs (
    run_id varchar primary key, finished_at timestamp, reports_loaded integer, results integer
);
create table if not exists items (
    table_code varchar, block varchar, item_code varchar, label_zh varchar, label_en varchar, templates varchar[]
);
create table if not exists columns (
    table_code varchar, block varchar, column_code varchar, label_zh varchar, label_en varchar, unit varchar,
    templates varchar[]
);
create table if not exists agencies (
    agency varchar primary key, level varchar, province varchar, prefecture varchar, county varchar,
    reports integer, first_year integer, last_year integer
);
create table if not exists cells (
    template varchar, table_code varchar, item_code varchar, column_code varchar, unit varchar
);
"""

LOADED = ("parsed", "partial")


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse."""


class NotAWarehouse(RuntimeError):
    """The path is a folder, or a file DuckDB cannot open."""


MEMORY_LIMIT = "128MB"  # DuckDB's own buffers; past it, large joins and sorts spill to disk


def connect(path: str | Path, wait_seconds: float = 0.0, on_wait=None, *, read_only: bool = False,
            external_access: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse with its tables and the catalog's dimensions; or,
    ``read_only``, open it as it is (no DDL: works on a full or read-only disk), with
    ``external_access=False`` refusing every file but the warehouse (``gongkai sql``).

    DuckDB lets one process write a file at a time; while another holds it, retry for up to
    ``wait_seconds`` (telling ``on_wait`` once), then raise WarehouseBusy. A path that is a
    folder or not a DuckDB file raises NotAWarehouse.
    """
    if Path(path).is_dir():
        raise NotAWarehouse(f"{path} is a folder, not a DuckDB warehouse file")
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": MEMORY_LIMIT}
    if not external_access:
        config["enable_external_access"] = False
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise NotAWarehouse(f"{path} cannot be opened as a DuckDB warehouse: {e}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"the warehouse {path} is in use by another process: {e}") from None
            if on_wait and not told:
                on_wait(f"waiting for the warehouse {path}, in use by another run")
                told = True
            time.sleep(0.5)
        except duckdb.Error as e:
            raise NotAWarehouse(f"{path} cannot be opened as a DuckDB warehouse: {e}") from None
    if read_only:
        return con
    con.execute(DDL)
    if con.execute("select count(*) from cells").fetchall()[0][0] == 0:
        _load_catalog(con)
    con.execute(views.ddl())
    return con


def refresh_agencies(con: duckdb.DuckDBPyConnection) -> None:
    """The agencies dimension from the loaded reports (the most common reading of each field)."""
    con.execute(f"""
        delete from agencies;
        insert into agencies
        select agency, mode(agency_level), mode(province), mode(prefecture), mode(county),
               count(distinct report_id), min(year), max(year)
        from reports where status in {LOADED} and agency is not null group by agency
    """)


def _load_catalog(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "insert into items values (?, ?, ?, ?, ?, ?)",
        [(i.table_code, i.block, i.item_code, i.label_zh, i.label_en, list(i.templates)) for i in catalog.items()],
    )
    con.executemany(
        "insert into columns values (?, ?, ?, ?, ?, ?, ?)",
        [
            (c.table_code, c.block, c.column_code, c.label_zh, c.label_en, c.unit, list(c.templates))
            for c in catalog.columns()
        ],
    )
    con.executemany(
        "insert into cells values (?, ?, ?, ?, ?)",
        [(c.template, c.table_code, c.item_code, c.column_code, c.unit) for t in catalog.TEMPLATES for c in catalog.cells(t)],
    )


def known_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("select source_path, report_id, status, status_reason, duplicate_of, size_bytes, mtime, "
                   "parser_version, coalesce(transient, false) as transient from reports").pl()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame):
    """Begin; yield with ``frames`` registered as views; commit, or roll back on any error."""
    con.execute("begin transaction")
    try:
        for name, df in frames.items():
            con.register(name, df.to_arrow())
        yield con
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in frames:
            con.unregister(name)


def _insert(con: duckdb.DuckDBPyConnection, table: str, view: str, df: pl.DataFrame) -> None:
    cols = ", ".join(df.columns)
    con.execute(f"insert into {table} ({cols}) select {cols} from {view}")


def replace_reports(con: duckdb.DuckDBPyConnection, reports: pl.DataFrame, fact_files: list[str]) -> int:
    """In one transaction: the files' ``reports`` rows replaced; the facts of the reports loaded
    from them replaced (read by DuckDB from the staged Parquet files, a file at a time, within its
    memory limit; the staged facts of a file that turned out a duplicate are left out); the facts
    and results of report_ids no longer loaded under any path removed; and, when the loaded
    reports changed, the cross-year identities marked for judging. Returns the facts written."""
    if reports.is_empty():
        return 0
    with transaction(con, new_reports=reports):
        changes_loaded = con.execute(
            f"select exists (select 1 from new_reports where status in {LOADED}) or exists "
            f"(select 1 from reports where status in {LOADED} and source_path in (select source_path from new_reports))"
        ).fetchall()[0][0]
        con.execute("delete from reports where source_path in (select source_path from new_reports)")
        _insert(con, "reports", "new_reports", reports)
        loaded = f"(select report_id from new_reports where status in {LOADED})"
        con.execute(f"delete from facts where report_id in {loaded}")
        con.execute(f"delete from expectation_results where report_id in {loaded}")
        written = 0
        cols = ", ".join(FACTS_SCHEMA)
        for path in fact_files:
            written += con.execute(
                f"insert into facts ({cols}) select {cols} from read_parquet(?) "
                f"where source_path in (select source_path from new_reports where status in {LOADED})", [path]
            ).fetchall()[0][0]
        for table in ("facts", "expectation_results"):
            con.execute(
                f"delete from {table} where report_id not in "
                f"(select report_id from reports where status in {LOADED})"
            )
        if changes_loaded:
            mark_pending(con, "cross_year")
    return written


def mark_pending(con: duckdb.DuckDBPyConnection, work: str) -> None:
    """Record work left to do (inside the transaction of the change that leaves it)."""
    con.execute("insert or ignore into pending values (?)", [work])


def is_pending(con: duckdb.DuckDBPyConnection, work: str) -> bool:
    return con.execute("select count(*) from pending where work = ?", [work]).fetchall()[0][0] > 0


def replace_results(con: duckdb.DuckDBPyConnection, results: pl.DataFrame, expectations: list[str]) -> None:
    """In one transaction, replace the rows of ``expectations`` for the reports in ``results``."""
    if results.is_empty():
        return
    with transaction(con, new_results=results):
        con.execute(
            "delete from expectation_results where list_contains(?, expectation) "
            "and report_id in (select distinct report_id from new_results)",
            [expectations],
        )
        _insert(con, "expectation_results", "new_results", results)


def replace_all_results(con: duckdb.DuckDBPyConnection, results: pl.DataFrame, expectations: list[str],
                        done: str) -> None:
    """In one transaction, replace every row of ``expectations`` (the cross-year ones) and clear
    the pending work ``done``."""
    with transaction(con, new_results=results):
        con.execute("delete from expectation_results where list_contains(?, expectation)", [expectations])
        if not results.is_empty():
            _insert(con, "expectation_results", "new_results", results)
        con.execute("delete from pending where work = ?", [done])


def facts_of(con: duckdb.DuckDBPyConnection, report_ids: list[str] | None = None,
             items: list[tuple[str, str]] | None = None) -> pl.DataFrame:
    """Facts to judge (of some reports, of some (table_code, item_code) pairs, or all), with
    ``value`` the corrected value where a steward corrected the cell."""
    where, params = [], []
    if report_ids is not None:
        where.append("list_contains(?, report_id)")
        params.append(report_ids)
    if items is not None:
        where.append("list_contains(?, table_code || '/' || item_code)")
        params.append([f"{t}/{i}" for t, i in items])
    return con.sql(
        "select report_id, table_code, item_code, column_code, unit, "
        "case when corrected then corrected_value else value end as value "
        f"from facts {'where ' + ' and '.join(where) if where else ''}",
        params=params or None,
    ).pl()


def unchecked_reports(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """report_id → template of every loaded report not yet judged (new, reloaded, corrected, or
    loaded by a run that died before judging it): those without completeness results."""
    rows = con.execute(
        f"select distinct report_id, template from reports where status in {LOADED} and report_id not in "
        "(select report_id from expectation_results where expectation = 'completeness')"
    ).fetchall()
    return dict(rows)


def loaded_reports(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        f"select distinct report_id, agency, year, template from reports where status in {LOADED}"
    ).pl()


def mark_presence(con: duckdb.DuckDBPyConnection, root: str, present: list[str]) -> int:
    """Flag the files under ``root`` as present or not; returns how many are gone."""
    prefix = root.rstrip("/") + "/"
    con.execute(
        "update reports set present = list_contains(?, source_path) where starts_with(source_path, ?)",
        [present, prefix],
    )
    return con.execute(
        "select count(*) from reports where starts_with(source_path, ?) and not present", [prefix]
    ).fetchall()[0][0]
