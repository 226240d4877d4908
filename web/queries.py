"""What the stewards' workbench shows, read from the warehouse: findings with counts per filter,
one finding with its identity, cells and history, the reports with their cells.

Every function takes an open DuckDB connection (the web app's are read-only) and returns plain
data for the templates; the printed labels come from the template catalog.
"""

from dataclasses import dataclass, field

import duckdb

from transforms import catalog
from warehouse.stewardship import BY_FINDING, evidence_sql
from warehouse.store import records

FILTERS = ("agency", "region", "year", "expectation", "state")
PAGE_ROWS = 500  # findings or reports listed on one page
STATES = ("open", "closed", "resolved")
# one row per report_id (a file landed twice is shown under its first path), whatever its status
REPORT_OF = """(select distinct on (report_id) report_id, agency, year, template, format, source_path, province,
                       prefecture, county, status, source_url, fetched_at
                from reports order by report_id, source_path)"""
BASE = f"""
select f.*, r.agency, r.year, coalesce(r.province, '') as region, r.source_path, r.template, r.format,
       r.source_url, r.fetched_at, cast(r.year as varchar) as year_text
from findings f left join {REPORT_OF} r using (report_id)
"""
_COLUMN = {"agency": "agency", "region": "region", "year": "year_text", "expectation": "expectation", "state": "state"}


def _where(chosen: dict[str, str], leave_out: str | None = None) -> tuple[str, list]:
    parts, params = ["true"], []
    for name in FILTERS:
        if name != leave_out and chosen.get(name):
            parts.append(f"{_COLUMN[name]} = ?")
            params.append(chosen[name])
    return " and ".join(parts), params


def findings(
    con: duckdb.DuckDBPyConnection, chosen: dict[str, str], offset: int = 0
) -> tuple[int, list[dict], dict[str, list[tuple]]]:
    """How many findings meet the chosen filters, a page of them from ``offset`` (open first, then
    newest), and for every filter the count of findings per value among those that meet the others."""
    where, params = _where(chosen)
    total = con.execute(f"select count(*) from ({BASE}) where {where}", params).fetchall()[0][0]
    rows = records(con, f"""
        select * from ({BASE}) where {where}
        order by case state when 'open' then 0 when 'closed' then 1 else 2 end, first_seen desc,
                 agency, year, expectation, scope, finding_id
        limit {PAGE_ROWS} offset ?
    """, [*params, offset])
    counts = {}
    for name in FILTERS:
        where, params = _where(chosen, leave_out=name)
        counts[name] = con.execute(
            f"select {_COLUMN[name]}, count(*) from ({BASE}) where {where} group by 1 order by 1 nulls last", params
        ).fetchall()
    return total, rows, counts


@dataclass
class Side:
    """One side of an identity: its cells (label and value) and their sum."""

    cells: list[dict] = field(default_factory=list)
    total: float | None = None


def item_label(table: str, item: str) -> str:
    return next((i.label_zh for i in catalog.items() if (i.table_code, i.item_code) == (table, item)), item)


def column_label(table: str, column: str) -> str:
    return next((c.label_zh for c in catalog.columns() if (c.table_code, c.column_code) == (table, column)), column)


def finding(con: duckdb.DuckDBPyConnection, finding_id: str) -> dict | None:
    """One finding with its report, its cells as printed and where, the identity's two sides, its
    decisions and its history; None when there is no such finding."""
    rows = records(con, f"select * from ({BASE}) where finding_id = ?", [finding_id])
    if not rows:
        return None
    f = rows[0]
    cells = records(con, f"select * from ({evidence_sql(BY_FINDING)}) "
                         "order by cell_report_id, table_code, item_code, column_code", [finding_id])
    for c in cells:
        c["item_label"] = item_label(c["table_code"], c["item_code"])
        c["column_label"] = column_label(c["table_code"], c["column_code"])
        c["used"] = c["corrected_value"] if c["corrected"] else c["value"]
    f["cells"] = cells
    f["statement"] = (catalog.EXPECTATIONS[f["expectation"]].statement
                      if f["expectation"] in catalog.EXPECTATIONS else "")
    f["sides"] = _sides(f, cells)
    f["decisions"] = records(con, "select * from decisions where finding_id = ? order by decided_at", [finding_id])
    f["history"] = history(con, f)
    f["reports"] = {r["report_id"]: r for r in records(
        con, f"select * from {REPORT_OF} where list_contains(?, report_id)",
        [sorted({c["cell_report_id"] for c in cells})])}
    return f


def _sides(f: dict, cells: list[dict]) -> tuple[Side, Side] | None:
    """The identity's observed and expected sides with the finding's cells, from the catalog's
    terms (each with its sign; a cross-year term reads the report of the year before)."""
    if not f["template"]:
        return None
    terms = [t for t in catalog.identity_terms(f["template"])
             if (t.expectation, t.scope) == (f["expectation"], f["scope"])]
    if not terms:
        return None
    sides = {"observed": Side(), "expected": Side()}
    for t in terms:
        key = (t.table_code, t.item_code, t.column_code)
        cell = next((c for c in cells if (c["table_code"], c["item_code"], c["column_code"]) == key
                     and (c["cell_report_id"] == f["report_id"]) == (t.year_offset == 0)), None)
        shown = dict(cell or {"table_code": key[0], "item_code": key[1], "column_code": key[2],
                              "used": None, "raw_text": None,
                              "item_label": item_label(key[0], key[1]), "column_label": column_label(key[0], key[2])})
        sides[t.side].cells.append(shown | {"sign": t.sign, "year_offset": t.year_offset})
    for side in sides.values():
        side.total = sum(c["sign"] * (c["used"] or 0) for c in side.cells)
    return sides["observed"], sides["expected"]


def history(con: duckdb.DuckDBPyConnection, f: dict) -> list[dict]:
    """The runs that saw the finding (new, persisting, resolved) and its decisions, oldest first."""
    last = f["resolved_run"] or f["last_run"]
    runs = records(con, """
        select run_id, finished_at from runs
        where finished_at >= ? and finished_at <= coalesce((select finished_at from runs where run_id = ?), 'infinity')
        order by finished_at
    """, [f["first_seen"], last])
    events = []
    for r in runs:
        what = ("new" if r["run_id"] == f["first_run"]
                else "resolved" if r["run_id"] == f["resolved_run"] else "persisting")
        events.append({"at": r["finished_at"], "what": what, "run_id": r["run_id"],
                       "detail": f["state_reason"] if what == "resolved" else ""})
    for d in f["decisions"]:
        cell = f" of {d['item_code']}/{d['column_code']} to {d['value']:g}" if d["decision"] == "correction" else ""
        events.append({"at": d["decided_at"], "what": "decided", "run_id": "",
                       "detail": f"{d['decision']}{cell} by {d['decided_by']}: {d['note'] or ''}"})
    return sorted(events, key=lambda e: e["at"])


def reports(con: duckdb.DuckDBPyConnection, offset: int = 0) -> tuple[int, list[dict]]:
    """How many files there are, and a page of them from ``offset`` with status and reason:
    rejected and partial first."""
    total = con.execute("select count(*) from reports").fetchall()[0][0]
    return total, records(con, f"""
        select report_id, source_path, format, agency, year, template, status, status_reason, cells_found, present,
               duplicate_of
        from reports
        order by case status when 'rejected' then 0 when 'partial' then 1 else 2 end, source_path
        limit {PAGE_ROWS} offset ?
    """, [offset])


def report(con: duckdb.DuckDBPyConnection, report_id: str) -> dict | None:
    """One report: its files (a report landed twice has two), its cells by table and its findings."""
    files = records(con, "select * from reports where report_id = ? order by source_path", [report_id])
    if not files:
        return None
    facts = facts_of(con, report_id)
    found = records(con, f"select * from ({BASE}) where report_id = ? "
                         "order by case state when 'open' then 0 when 'closed' then 1 else 2 end, expectation, scope",
                    [report_id])
    template = next((f["template"] for f in files if f["template"]), None)
    tables = [printed_table(template, t, facts) for t in catalog.TABLES] if template and facts else []
    return {"report_id": report_id, "file": files[0], "files": files, "facts": facts, "findings": found,
            "tables": tables}


def facts_of(con: duckdb.DuckDBPyConnection, report_id: str) -> list[dict]:
    return records(con, "select *, case when corrected then corrected_value else value end as used "
                        "from facts where report_id = ?", [report_id])


@dataclass
class Block:
    """Rows of a printed table that share their columns (table 三's three blocks share theirs)."""

    columns: list[tuple[str, str]]  # (column_code, printed label)
    rows: list[tuple[str, str, list[dict | None]]] = field(default_factory=list)  # (item_code, label, cells)


@dataclass
class PrintedTable:
    table_code: str
    blocks: list[Block]


def printed_table(
    template: str, table_code: str, facts: list[dict], highlight: set[tuple[str, str]] = frozenset()
) -> PrintedTable:
    """One template table laid out as printed: rows and columns in the catalog's order with their
    Chinese labels, each position holding the report's fact (or None where nothing was read)."""
    by_key = {(f["item_code"], f["column_code"]): f for f in facts if f["table_code"] == table_code}
    blocks: list[Block] = []
    for block in dict.fromkeys(i.block for i in catalog.items()
                               if i.table_code == table_code and template in i.templates):
        codes = catalog.block_columns(template, table_code, block)
        labels = {c.column_code: c.label_zh for c in catalog.columns()
                  if (c.table_code, c.block) == (table_code, block)}
        columns = [(code, labels[code]) for code in codes]
        if not blocks or blocks[-1].columns != columns:
            blocks.append(Block(columns))
        for item in catalog.item_codes(template, table_code, block):
            row = []
            for code, _ in columns:
                fact = by_key.get((item, code))
                row.append(dict(fact, highlight=(item, code) in highlight) if fact else None)
            blocks[-1].rows.append((item, item_label(table_code, item), row))
    return PrintedTable(table_code, blocks)
