"""The DuckDB warehouse: opening it, the transactions that replace a report's rows, the staged
facts, and the queries that the pipeline and the commands need (tables in ``schema.py``)."""

import contextlib
import shutil
import time
from pathlib import Path

import duckdb
import polars as pl

from transforms import catalog
from transforms.model import Status
from warehouse import schema, views
from warehouse.schema import LOADED_SQL

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"
LOCK_WAIT_SECONDS = 600.0  # how long a run waits for another that holds the warehouse
UPGRADE = """
alter table facts add column if not exists method varchar default 'text';  -- warehouses made before OCR
alter table facts add column if not exists confidence double;
"""


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
    made = _columns(con, "expectation_results")  # before the DDL adds what an older warehouse lacks
    con.execute(schema.ddl())
    _migrate(con, results_without_terms=bool(made) and "terms" not in made)
    if con.execute("select count(*) from cells").fetchall()[0][0] == 0:
        _load_catalog(con)
    con.execute(views.ddl())
    return con


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of ``table`` (none when the warehouse has no such table yet)."""
    rows = con.execute("select column_name from information_schema.columns where table_name = ?", [table]).fetchall()
    return {r[0] for r in rows}


def _migrate(con: duckdb.DuckDBPyConnection, *, results_without_terms: bool) -> None:
    """Bring a warehouse made by an older version to these tables (agency_id, agencies by id, the
    facts' method and confidence, the results' terms). ``results_without_terms``: the warehouse's
    results were judged before their terms were kept (the column was added on this opening)."""
    for table in ("reports", "facts"):
        con.execute(f"alter table {table} add column if not exists agency_id varchar")
    con.execute(UPGRADE)
    if "agency_id" not in _columns(con, "agencies"):  # a dimension rebuilt from reports on every run: drop the old one
        con.execute("drop table agencies")
        con.execute(schema.AGENCIES.ddl())
    # judged again by the next run (their reports count as unchecked); a result may hold no terms
    # (narrative_matches_table): a NULL there is not a sign of an older warehouse
    if results_without_terms:
        con.execute("delete from expectation_results")
        mark_pending(con, "cross_year")


def refresh_agencies(con: duckdb.DuckDBPyConnection) -> None:
    """The agencies dimension from the loaded reports: one row per agency_id with the name of its
    latest report, every name printed, and the most common reading of each other field."""
    con.execute(f"""
        delete from agencies;
        insert into agencies
        select agency_id, arg_max(agency, coalesce(year, 0)), list(distinct agency order by agency),
               nullif(split_part(agency_id, ':', 1), 'name'), not starts_with(agency_id, 'name:'),
               mode(agency_level), mode(province), mode(prefecture), mode(county),
               count(distinct report_id), min(year), max(year)
        from reports where status in {LOADED_SQL} and agency_id is not null group by agency_id
    """)


def unlinked_agencies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The agencies known by their name alone (no division resolved), for a steward to link."""
    return [a for (a,) in con.execute("select agency from agencies where not linked order by agency").fetchall()]


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
        [(c.template, c.table_code, c.item_code, c.column_code, c.unit)
         for t in catalog.TEMPLATES for c in catalog.cells(t)],
    )


def known_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("select source_path, report_id, status, status_reason, duplicate_of, size_bytes, mtime, "
                   "parser_version, coalesce(transient, false) as transient from reports").pl()


@contextlib.contextmanager
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


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame, *, view: str) -> None:
    cols = ", ".join(df.columns)
    con.execute(f"insert into {table} ({cols}) select {cols} from {view}")


class Batch:
    """Facts, sections and statements gathered column by column, each with the path of its file,
    and written to the staging folder as Parquet (one file per table) every ``rows`` facts, so
    that memory holds one batch, not the whole run. (The load takes the rows of the files that
    are not duplicates, by path.)"""

    def __init__(self, staging: Path, rows: int = 50_000):
        self.staging, self.rows, self.staged = staging, rows, []
        self.columns = _empty()

    def add(self, source_path: str, tables: dict[str, dict[str, list]] | None) -> None:
        if tables:
            for table, columns in tables.items():
                for name, values in columns.items():
                    self.columns[table][name].extend(values)
                self.columns[table]["source_path"].extend([source_path] * len(columns["report_id"]))
            if len(self.columns["facts"]["report_id"]) >= self.rows:
                self._write()

    def close(self) -> list[str]:
        """The Parquet files written, after the last partial batch."""
        if any(columns["report_id"] for columns in self.columns.values()):
            self._write()
        return self.staged

    def _write(self) -> None:
        self.staging.mkdir(parents=True, exist_ok=True)
        number = len(self.staged) // len(STAGED)
        for table, schema_ in STAGED.items():
            path = self.staging / f"{table}-{number:05d}.parquet"
            pl.DataFrame(self.columns[table], schema=schema_).write_parquet(path)
            self.staged.append(str(path))
        self.columns = _empty()


STAGED = {t.name: pl.Schema({**t.schema, "source_path": pl.String})  # a staged row and the file it is from
          for t in (schema.FACTS, schema.SECTIONS, schema.STATEMENTS)}


def _empty() -> dict[str, dict[str, list]]:
    return {table: {name: [] for name in columns} for table, columns in STAGED.items()}


def staged_table(path: str) -> str:
    """The table a staged Parquet file holds rows of (its name: facts-00000.parquet)."""
    return Path(path).name.split("-")[0]


def remove_staging(staging: Path) -> None:
    """Remove a run's staged facts once loaded (and the staging folder when no other run stages)."""
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()


def replace_reports(con: duckdb.DuckDBPyConnection, reports: pl.DataFrame, fact_files: list[str]) -> int:
    """In one transaction: the files' ``reports`` rows replaced; the facts, sections and statements
    of the reports loaded from them replaced (read by DuckDB from the staged Parquet files, a file
    at a time, within its memory limit; the staged rows of a file that turned out a duplicate are
    left out); the rows and results of report_ids no longer loaded under any path removed; and, when the loaded
    reports changed, the cross-year identities marked for judging. Returns the facts written."""
    if reports.is_empty():
        return 0
    with transaction(con, new_reports=reports):
        changes_loaded = con.execute(
            f"select exists (select 1 from new_reports where status in {LOADED_SQL}) or exists "
            f"(select 1 from reports where status in {LOADED_SQL} "
            "and source_path in (select source_path from new_reports))"
        ).fetchall()[0][0]
        con.execute("delete from reports where source_path in (select source_path from new_reports)")
        _insert(con, "reports", reports, view="new_reports")
        loaded = f"(select report_id from new_reports where status in {LOADED_SQL})"
        con.execute(f"delete from facts where report_id in {loaded}")
        con.execute(f"delete from expectation_results where report_id in {loaded}")
        for table in ("sections", "statements"):
            con.execute(f"delete from {table} where report_id in {loaded}")
        written = 0
        for path in fact_files:
            table = staged_table(path)
            cols = ", ".join(STAGED[table].names()[:-1])
            inserted = con.execute(
                f"insert into {table} ({cols}) select {cols} from read_parquet(?) "
                f"where source_path in (select source_path from new_reports where status in {LOADED_SQL})", [path]
            ).fetchall()[0][0]
            written += inserted if table == "facts" else 0
        for table in ("facts", "sections", "statements", "expectation_results"):
            con.execute(
                f"delete from {table} where report_id not in "
                f"(select report_id from reports where status in {LOADED_SQL})"
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
        _insert(con, "expectation_results", results, view="new_results")


def replace_all_results(con: duckdb.DuckDBPyConnection, results: pl.DataFrame, expectations: list[str],
                        done: str) -> None:
    """In one transaction, replace every row of ``expectations`` (the cross-year ones) and clear
    the pending work ``done``."""
    with transaction(con, new_results=results):
        con.execute("delete from expectation_results where list_contains(?, expectation)", [expectations])
        if not results.is_empty():
            _insert(con, "expectation_results", results, view="new_results")
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


def statements_of(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> pl.DataFrame:
    """The statements of some reports, in the order they are printed (narrative_matches_table's scopes
    follow it: transforms.statements.compared_statements)."""
    return con.sql(
        "select report_id, section, statement, value, approximate, table_code, item_codes, column_code, comparison, "
        "sentence from statements where list_contains(?, report_id) "
        "order by report_id, section, page nulls first, line nulls first, bbox[2] nulls first, sentence, statement",
        params=[report_ids],
    ).pl()


def unchecked_reports(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """report_id → template of every loaded report not yet judged (new, reloaded, corrected, or
    loaded by a run that died before judging it): those without completeness results."""
    rows = con.execute(
        f"select distinct report_id, template from reports where status in {LOADED_SQL} and report_id not in "
        "(select report_id from expectation_results where expectation = 'completeness')"
    ).fetchall()
    return dict(rows)


def template_of(con: duckdb.DuckDBPyConnection, report_id: str) -> str | None:
    return con.execute("select min(template) from reports where report_id = ?", [report_id]).fetchall()[0][0]


def loaded_reports(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        f"select distinct report_id, agency_id, year, template from reports where status in {LOADED_SQL}"
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


def count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    return con.execute(f"select count(*) from {table} where {where}").fetchall()[0][0]


def status_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(status, files) of the reports, by status."""
    return con.execute("select status, count(*) from reports group by status order by status").fetchall()


def rejected_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(path, reason) of every rejected file still in its landing folder."""
    return con.execute(
        "select source_path, status_reason from reports where status = ? and present order by source_path",
        [Status.REJECTED],
    ).fetchall()


def result_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int]]:
    """expectation → how many of its results passed, failed and were not assessable."""
    return {
        e: (p, f, n)
        for e, p, f, n in con.execute(
            "select expectation, count(*) filter (success), count(*) filter (not success), "
            "count(*) filter (success is null) from expectation_results group by expectation"
        ).fetchall()
    }


def records(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    """The rows of a query as dicts by column name."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# Exported per year (hive layout: NAME/year=2019/…parquet); the dimensions are exported whole.
BY_YEAR = ["facts", "reports", "v_proactive", "v_applications", "v_review_litigation",
           "v_applications_harmonised", "v_agency_year"]
WHOLE = ["agencies", "items", "columns", "cells", "expectation_results", "findings", "decisions"]


def export(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Write the tables and views to Parquet under ``directory`` (the path is passed to DuckDB as
    a value, never spliced into SQL)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in BY_YEAR:
        con.sql(f"select * from {name} where year is not null").write_parquet(
            str(directory / name), partition_by=["year"], overwrite=True)
    for name in WHOLE:
        con.sql(f"select * from {name}").write_parquet(str(directory / f"{name}.parquet"))
