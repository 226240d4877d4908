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
BASE = """
select f.*, r.agency, r.year, coalesce(r.province, '') as region, r.source_path, r.template, r.format,
       r.source_url, r.fetched_at, cast(r.year as varchar) as year_text
from findings f left join reports r
  on r.source_path = case when f.expectation = 'unreadable_file' then f.scope  -- a rejected file: its own path
                          else (select min(source_path) from reports x where x.report_id = f.report_id) end
"""
_COLUMN = {"agency": "agency", "region": "region", "year": "year_text", "expectation": "expectation", "state": "state"}


def _where(chosen: dict[str, str], leave_out: str | None = None) -> tuple[str, list]:
    parts, params = ["true"], []
    for name in FILTERS:
        if name != leave_out and chosen.get(name):
            parts.append(f"{_COLUMN[name]} = ?")
            params.append(chosen[name])
    return " and ".join(parts), params


def findings(con: duckdb.DuckDBPyConnection, chosen: dict[str, str],
             offset: int = 0) -> tuple[int, list[dict], dict[str, list[tuple]]]:
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


def next_open(con: duckdb.DuckDBPyConnection, chosen: dict[str, str], current: str) -> str | None:
    """The first open finding other than ``current`` among those that meet the chosen filters, in
    the list's order; None when there is none left."""
    where, params = _where({**chosen, "state": "open"})
    rows = con.execute(f"""
        select finding_id from ({BASE}) where {where} and finding_id != ?
        order by first_seen desc, agency, year, expectation, scope, finding_id limit 1
    """, [*params, current]).fetchall()
    return rows[0][0] if rows else None


@dataclass
class Side:
    """One side of an identity as judged: its terms (each a cell with its sign and the value summed)
    and their sum; ``corrected`` is the sum with the corrections that wait for the next run."""

    cells: list[dict] = field(default_factory=list)
    total: float | None = None
    corrected: float | None = None


def finding(con: duckdb.DuckDBPyConnection, finding_id: str) -> dict | None:
    """One finding with its report, its cells as printed and where, the identity's two sides as
    judged (``expectation_results.terms``), its decisions and its history; None when there is no
    such finding."""
    rows = records(con, f"select * from ({BASE}) where finding_id = ?", [finding_id])
    if not rows:
        return None
    f = rows[0]
    cells = records(con, f"select * from ({evidence_sql(BY_FINDING)}) "
                         "order by cell_report_id, table_code, item_code, column_code",
                    [finding_id])
    for c in cells:
        c["item_label"] = catalog.item_label(c["table_code"], c["item_code"])
        c["column_label"] = catalog.column_label(c["table_code"], c["column_code"])
        c["used"] = c["corrected_value"] if c["corrected"] else c["value"]
    f["cells"] = cells
    known = (catalog.EXPECTATIONS | catalog.READING).get(f["expectation"])
    f["name_zh"] = known.name_zh if known else f["expectation"]
    f["scope_zh"] = catalog.scope_label(f["expectation"], f["scope"])
    f["statement"] = known.statement if known else ""
    f["decisions"] = records(con, "select * from decisions where finding_id = ? order by decided_at", [finding_id])
    f["reading"] = _reading(con, f) if f["expectation"] in catalog.READING else None
    f["pending"], f["sides"] = {}, _sides(con, f, cells)
    f["history"] = history(con, f)
    f["reports"] = {r["report_id"]: r for r in records(
        con, f"select * from {REPORT_OF} where list_contains(?, report_id)",
        [sorted({c["cell_report_id"] for c in cells})])}
    return f


def _reading(con: duckdb.DuckDBPyConnection, f: dict) -> dict:
    """The evidence of a file read in part or not at all: what the reader said of it and, for a
    partial report, the cells of its template it did not find, table by table."""
    file = records(con, "select status, status_reason, notes from reports where source_path = ?", [f["source_path"]])
    missing = records(con, "select scope as table_code, missing_cells from expectation_results "
                           "where report_id = ? and expectation = 'completeness' and len(missing_cells) > 0 "
                           "order by scope", [f["report_id"]]) if f["expectation"] == "incomplete_read" else []
    for m in missing:
        m["cells"] = [(name, catalog.item_label(m["table_code"], name.split("/")[0]) + " · "
                       + catalog.column_label(m["table_code"], name.split("/")[1])) for name in m["missing_cells"]]
    return {**(file[0] if file else {"status": "", "status_reason": "", "notes": []}), "missing": missing}


def pending_corrections(decisions: list[dict], judged_at) -> dict[tuple[str, str, str, str], float]:
    """(report, table, item, column) → value of the corrections recorded since the finding was
    judged at ``judged_at``: shown at once, applied by the next run. A later decision ends them."""
    pending = {}
    for d in decisions:
        if d["decided_at"] <= judged_at:
            continue
        if d["decision"] == "correction":
            pending[(d["report_id"], d["table_code"], d["item_code"], d["column_code"])] = d["value"]
        else:
            pending = {}
    return pending


def _sides(con: duckdb.DuckDBPyConnection, f: dict, cells: list[dict]) -> tuple[Side, Side] | None:
    """The identity's observed and expected sides as they were judged: the terms kept in the
    finding's ``expectation_results`` row, each beside its cell as printed; None for a result
    without terms (a value outside its domain, a finding whose report is gone)."""
    found = con.execute(f"select e.terms, e.evaluated_at from expectation_results e where {BY_FINDING}",
                        [f["finding_id"]]).fetchall()
    if not found or not found[0][0]:
        return None
    terms, judged_at = found[0]
    f["pending"] = pending_corrections(f["decisions"], judged_at)
    by_key = {(c["cell_report_id"], c["table_code"], c["item_code"], c["column_code"]): c for c in cells}
    sides = {"observed": Side(), "expected": Side()}
    for t in terms:
        key = (t["report_id"], t["table_code"], t["item_code"], t["column_code"])
        shown = dict(by_key.get(key) or {"raw_text": None, "cell_report_id": key[0]})
        shown |= {"table_code": key[1], "item_code": key[2], "column_code": key[3], "sign": t["sign"],
                  "used": t["value"], "item_label": catalog.item_label(key[1], key[2]),
                  "column_label": catalog.column_label(key[1], key[3]),
                  "year_offset": 0 if t["report_id"] == f["report_id"] else -1, "pending": f["pending"].get(key)}
        sides[t["side"]].cells.append(shown)
    for name, side in sides.items():
        side.total = f[name]
        if f["pending"]:
            side.corrected = sum(c["sign"] * ((c["pending"] if c["pending"] is not None else c["used"]) or 0)
                                 for c in side.cells)
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
        what = ("new" if r["run_id"] == f["first_run"] else "resolved" if r["run_id"] == f["resolved_run"]
                else "persisting")
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


def printed_table(template: str, table_code: str, facts: list[dict],
                  highlight: set[tuple[str, str]] = frozenset()) -> PrintedTable:
    """One template table laid out as printed: rows and columns in the catalog's order with their
    Chinese labels, each position holding the report's fact (or None where nothing was read)."""
    by_key = {(f["item_code"], f["column_code"]): f for f in facts if f["table_code"] == table_code}
    # a row printed the other template's way (a 2021 report's one-row （六）其他处理) stands where its parts would
    mixed = catalog.mixed_rows(template, {item for item, _ in by_key}) if table_code == "applications" else {}
    in_place_of = {parts[0]: item for item, parts in mixed.items()}
    left_out = {part for parts in mixed.values() for part in parts}
    blocks: list[Block] = []
    own = (i.block for i in catalog.items() if i.table_code == table_code and template in i.templates)
    for block in dict.fromkeys(own):
        codes = catalog.block_columns(template, table_code, block)
        labels = {c.column_code: c.label_zh for c in catalog.columns()
                  if (c.table_code, c.block) == (table_code, block)}
        columns = [(code, labels[code]) for code in codes]
        if not blocks or blocks[-1].columns != columns:
            blocks.append(Block(columns))
        for item in catalog.item_codes(template, table_code, block):
            item = in_place_of.get(item, item)
            if item in left_out:
                continue
            row = []
            for code, _ in columns:
                fact = by_key.get((item, code))
                row.append(dict(fact, highlight=(item, code) in highlight) if fact else None)
            blocks[-1].rows.append((item, catalog.item_label(table_code, item), row))
    return PrintedTable(table_code, blocks)
