"""Stewards' decisions and findings: the CSV they live in, the correction overlay, the history of
every failure (new, persisting, closed by a decision, resolved), and the queries that show them."""

import csv
from datetime import datetime
from pathlib import Path

import duckdb

from transforms import catalog
from transforms.readers.settings import DEFAULT
from transforms.values import parse_value, to_unit
from warehouse import schema
from warehouse.schema import LOADED_SQL
from warehouse.store import mark_pending, records, template_of, transaction

DECISIONS = ("source_error", "correction", "dismissed", "reopened",  # reopened: undoes the decision before it
             "source_incomplete", "reader_error")  # of a file read in part or not at all
READING_DECISIONS = ("source_incomplete", "reader_error", "dismissed", "reopened")
# decisions that close a finding at once (a correction waits for the next run)
CLOSING = ("source_error", "dismissed", "source_incomplete", "reader_error")
CLOSING_SQL = "(" + ", ".join(f"'{d}'" for d in CLOSING) + ")"
# a file read in part (its cells missing as evidence) or rejected (its reason): a finding of the
# reading, one per file; its fingerprint is what the reader said of the file
READING_FAILURES = """
select left(md5(r.report_id || '|incomplete_read|report'), 12) as finding_id, r.report_id,
       'incomplete_read' as expectation, 'report' as scope, r.cells_found::double as observed,
       (select count(*) from cells c where c.template = r.template)::double as expected,
       r.cells_found - (select count(*) from cells c where c.template = r.template) as difference,
       md5(r.status || coalesce(r.status_reason, '')) as fingerprint
from (select distinct on (report_id) * from reports where status = 'partial' order by report_id, source_path) r
union all
select left(md5(r.report_id || '|unreadable_file|' || r.source_path), 12), r.report_id, 'unreadable_file',
       r.source_path, null, null, null, md5(r.status || coalesce(r.status_reason, ''))
from reports r where r.status = 'rejected' and r.present
"""
CSV_COLUMNS = list(schema.DECISIONS.schema)  # the CSV holds the decisions table, column for column
ERRORS = tuple(e.id for e in catalog.EXPECTATIONS.values() if e.severity == "error")
# what a failure makes a finding of: the errors, and the text that disagrees with its table (a warning of its own kind)
FOUND = (*ERRORS, "narrative_matches_table")
IDENTITY_IDS = [*catalog.IDENTITIES, *catalog.CROSS_YEAR]
FINDING_ID = "left(md5(e.report_id || '|' || e.expectation || '|' || e.scope), 12)"
FAILING = "e.success = false and list_contains(?, e.expectation)"  # failures of FOUND: findings
BY_FINDING = f"{FINDING_ID} = ?"
AMONG = f"list_contains(?, {FINDING_ID})"  # the results of some findings
# one row per loaded report_id (a report landed twice is shown under its first path)
LOADED_REPORTS = f"""(select distinct on (report_id) report_id, agency, year, source_path from reports
                      where status in {LOADED_SQL} order by report_id, source_path)"""


def evidence_sql(where: str) -> str:
    """One row per result that meets ``where`` (a condition on ``e``, the expectation_results row)
    and per cell it involves, with the cell as printed, where it was printed, and how it was read
    (``low_confidence`` for a cell that OCR recognised with a score below the readers' threshold:
    a steward checks it first), and the term it was judged as (``side``, ``sign``, ``judged_value``;
    NULL for a result without terms)."""
    return f"""
select {FINDING_ID} as finding_id, e.report_id, e.expectation, e.scope,
       c.cell.report_id as cell_report_id, c.cell.table_code, c.cell.item_code, c.cell.column_code,
       f.value, f.raw_text, f.corrected, f.corrected_value, f.page, f.bbox, f.line, f.table_no, f.row_no, f.col_no,
       r.source_path as cell_source_path, f.method, f.confidence,
       f.confidence < {DEFAULT.low_confidence} as low_confidence, c.term.side, c.term.sign,
       c.term.value as judged_value
from (select * from expectation_results e where {where}) e
cross join (select cell, list_filter(coalesce(e.terms, []), lambda t: t.report_id = cell.report_id
                    and t.table_code = cell.table_code and t.item_code = cell.item_code
                    and t.column_code = cell.column_code)[1] as term
            from unnest(e.cells) as u(cell)) c
left join facts f on f.report_id = c.cell.report_id and f.table_code = c.cell.table_code
     and f.item_code = c.cell.item_code and f.column_code = c.cell.column_code
left join {LOADED_REPORTS} r on r.report_id = c.cell.report_id
"""


def import_decisions(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Add the CSV's decisions that the warehouse does not hold yet; returns how many."""
    if not path.exists():
        return 0
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f)]
    added = 0
    for r in rows:
        exists = con.execute(
            "select count(*) from decisions where finding_id = ? and decided_at = ?", [r["finding_id"], r["decided_at"]]
        ).fetchall()[0][0]
        if not exists:
            add_decision(con, {c: r[c] if r[c] != "" else None for c in CSV_COLUMNS})
            added += 1
    return added


def add_decision(con: duckdb.DuckDBPyConnection, decision: dict) -> None:
    """Insert one ``decisions`` row (a dict by column name)."""
    con.execute(
        f"insert into decisions ({', '.join(CSV_COLUMNS)}) values ({', '.join('?' * len(CSV_COLUMNS))})",
        [decision[c] for c in CSV_COLUMNS],
    )


def decide(
    con: duckdb.DuckDBPyConnection, finding_id: str, *, decision: str, by: str, note: str,
    cell: tuple[str | None, str | None, str | None, str], value: float | None = None,
) -> None:
    """Record a steward's decision on a finding. ``cell`` is (table, item, column, report_id): for a
    correction the cell corrected to ``value`` (the next run applies it), else (None, None, None,
    the finding's report). Any decision but a correction closes the finding at once."""
    expectation, scope = con.execute(
        "select expectation, scope from findings where finding_id = ?", [finding_id]
    ).fetchall()[0]
    table, item, column, report_id = cell
    path = con.execute("select min(source_path) from reports where report_id = ?", [report_id]).fetchall()[0][0]
    add_decision(con, dict(
        finding_id=finding_id, report_id=report_id, source_path=path, expectation=expectation, scope=scope,
        decision=decision, table_code=table, item_code=item, column_code=column, value=value, note=note,
        decided_by=by, decided_at=datetime.now(), fingerprint=fingerprint(con, finding_id) or _stored(con, finding_id),
    ))
    if decision in CLOSING:
        con.execute("update findings set state = 'closed', state_reason = ? where finding_id = ?",
                    [f"{decision} by {by}: {note}", finding_id])
    elif decision == "reopened":
        con.execute("update findings set state = 'open', state_reason = ? where finding_id = ?",
                    [f"reopened by {by}: {note}", finding_id])


class Refused(Exception):
    """A decision that cannot be recorded; the message says why."""


def record(con: duckdb.DuckDBPyConnection, finding_id: str, *, decision: str, by: str, note: str,
           cell: str | None = None, value: str | None = None) -> str:
    """Check and record a steward's decision (``gongkai decide``, the workbench) and say what was
    recorded; the caller writes the CSV (``export_decisions``) once its transaction holds. ``cell``
    (``[REPORT:]ITEM/COLUMN``) and ``value`` (as printed) go with a correction only; Refused says
    why a decision cannot be."""
    found = find(con, finding_id)
    if not found:
        raise Refused(f"no finding '{finding_id}'; `gongkai review --state all` lists them")
    finding_id, report_id, expectation, scope = found
    reading = expectation in catalog.READING
    allowed = READING_DECISIONS if reading else [d for d in DECISIONS if d not in READING_DECISIONS[:2]]
    if decision not in allowed:
        raise Refused("choose a decision: " + ", ".join(allowed))
    if not by:
        raise Refused("a decision needs the name of who decides")
    target = (None, None, None, report_id)
    number = None
    if decision == "correction":
        if not cell or value is None:
            raise Refused("a correction needs the cell (ITEM/COLUMN) and the right value as printed")
        target = _pick_cell(con, finding_id, cell)
        parsed = parse_value(value)
        if parsed is None or parsed.number is None:
            raise Refused(f"'{value}' is not a number")
        number = to_unit(parsed, catalog.cell_units(template_of(con, target[3]))[target[:3]])
    elif cell or value is not None:
        raise Refused("a cell and a value go with a correction only")
    decide(con, finding_id, decision=decision, by=by, note=note, cell=target, value=number)
    what = decision + (f" of {target[1]}/{target[2]} to {number:g}" if number is not None else "")
    return f"recorded {what} on {finding_id} ({expectation} [{scope}])"


def _pick_cell(con: duckdb.DuckDBPyConnection, finding_id: str, spec: str) -> tuple[str, str, str, str]:
    report_prefix, _, name = spec.rpartition(":")
    if "/" not in name:
        raise Refused(f"the cell is ITEM/COLUMN, e.g. carried_forward/total, not '{spec}'")
    item, column = name.split("/", 1)
    cells = finding_cells(con, finding_id)
    hits = [c for c in cells if (c[1], c[2]) == (item, column) and c[3].startswith(report_prefix)]
    listed = ", ".join(sorted(f"{c[3][:8]}:{c[1]}/{c[2]}" for c in cells))
    if not hits:
        raise Refused(f"cell {spec} is not among the cells of finding {finding_id}: {listed}")
    if len(hits) > 1:
        raise Refused(f"cell {spec} is in two reports; name one as REPORT:ITEM/COLUMN among: {listed}")
    table, item, column, report, was_read = hits[0]
    if not was_read:
        raise Refused(f"cell {item}/{column} was not read from the report; "
                      "only a cell the reader found can be corrected")
    return table, item, column, report


def _stored(con: duckdb.DuckDBPyConnection, finding_id: str) -> str | None:
    """The fingerprint the last run gave a finding (a reading finding has no cells to fingerprint)."""
    rows = con.execute("select fingerprint from findings where finding_id = ?", [finding_id]).fetchall()
    return rows[0][0] if rows else None


def find(con: duckdb.DuckDBPyConnection, finding_id: str) -> tuple[str, str, str, str] | None:
    """(finding_id, report_id, expectation, scope) of a finding, or None."""
    rows = con.execute(
        "select finding_id, report_id, expectation, scope from findings where finding_id = ?", [finding_id]
    ).fetchall()
    return rows[0] if rows else None


def list_findings(
    con: duckdb.DuckDBPyConnection, *, state: str, agency: str | None = None, year: int | None = None,
    expectation: str | None = None,
) -> list[tuple]:
    """Findings in ``state`` ("all" for any), newest first: (finding_id, agency, year, source_path,
    expectation, scope, observed, expected, difference, state, first_seen, state_reason)."""
    where, params = ["true"], []
    if state != "all":
        where.append("f.state = ?")
        params.append(state)
    if agency:
        where.append("r.agency like ?")
        params.append(f"%{agency}%")
    if year:
        where.append("r.year = ?")
        params.append(year)
    if expectation:
        where.append("f.expectation = ?")
        params.append(expectation)
    return con.execute(f"""
        select f.finding_id, r.agency, r.year, r.source_path, f.expectation, f.scope, f.observed, f.expected,
               f.difference, f.state, f.first_seen, f.state_reason
        from findings f join (select distinct on (report_id) report_id, agency, year, source_path from reports
                              order by report_id, source_path) r using (report_id)
        where {' and '.join(where)} order by f.first_seen desc, r.agency, f.expectation, f.scope
    """, params).fetchall()


def finding_cells(con: duckdb.DuckDBPyConnection, finding_id: str) -> list[tuple[str, str, str, str, bool]]:
    """(table_code, item_code, column_code, report_id, whether it was read) of each cell of a finding."""
    return con.execute(
        f"select distinct table_code, item_code, column_code, cell_report_id, raw_text is not null "
        f"from ({evidence_sql(BY_FINDING)})", [finding_id]
    ).fetchall()


def evidence(con: duckdb.DuckDBPyConnection, finding_ids: list[str]) -> list[dict]:
    """The cells of some findings, with what was printed and where (``evidence_sql``)."""
    return records(con, f"select * from ({evidence_sql(AMONG)}) "
                        "order by finding_id, table_code, item_code, column_code", [finding_ids])


def identity_counts(results: dict[str, tuple[int, int, int]]) -> tuple[int, int, int]:
    """Results of every identity that passed, failed and were not assessable (``results`` from
    ``store.result_counts``): the run's summary and the expectation_results asset's metadata."""
    return tuple(sum(results.get(e, (0, 0, 0))[i] for e in IDENTITY_IDS) for i in range(3))


def finding_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Open and closed findings, and those new or resolved in the latest run."""
    latest = con.execute("select run_id from runs order by finished_at desc limit 1").fetchall()
    run = latest[0][0] if latest else None
    return records(con, """
        select count(*) filter (state = 'open') as open, count(*) filter (state = 'closed') as closed,
               count(*) filter (state != 'resolved' and first_run = ?) as new,
               count(*) filter (resolved_run = ?) as resolved
        from findings
    """, [run, run])[0]


def export_decisions(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Write every decision to the CSV (sorted, so that version control shows what changed)."""
    rows = con.execute(f"select {', '.join(CSV_COLUMNS)} from decisions order by decided_at, finding_id").fetchall()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for row in rows:
            w.writerow(["" if v is None else (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for v in row])


def apply_corrections(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Overlay the latest correction of every cell on ``facts``; the results of reports whose
    values changed are dropped so that they are judged again, and the cross-year identities
    marked for judging (in one transaction). Returns those report_ids."""
    con.execute("""
        create or replace temp table wanted as
        select report_id, table_code, item_code, column_code, value, decided_by, decided_at, note
        from decisions where decision = 'correction'
        qualify row_number() over (
            partition by report_id, table_code, item_code, column_code order by decided_at desc
        ) = 1
    """)
    changed = [r[0] for r in con.execute("""
        select distinct f.report_id from facts f
        left join wanted w using (report_id, table_code, item_code, column_code)
        where f.corrected is distinct from (w.report_id is not null)
           or (w.report_id is not null and f.corrected_value is distinct from w.value)
    """).fetchall()]
    if changed:
        with transaction(con):
            con.execute("""
                update facts set corrected = false, corrected_value = null, corrected_by = null,
                       corrected_at = null, correction_note = null
                where corrected and list_contains(?, report_id)
            """, [changed])
            con.execute("""
                update facts set corrected = true, corrected_value = w.value, corrected_by = w.decided_by,
                       corrected_at = w.decided_at, correction_note = w.note
                from wanted w
                where facts.report_id = w.report_id and facts.table_code = w.table_code
                  and facts.item_code = w.item_code and facts.column_code = w.column_code
            """)
            con.execute("delete from expectation_results where list_contains(?, report_id)", [changed])
            mark_pending(con, "cross_year")
    return changed


def _fingerprints_sql(where: str) -> str:
    return f"""
        select finding_id, md5(string_agg(coalesce(raw_text, '∅') || '=' || coalesce(cast(value as varchar), '∅'), '|'
               order by cell_report_id, table_code, item_code, column_code)) as fingerprint
        from ({evidence_sql(where)}) group by finding_id
    """


def fingerprint(con: duckdb.DuckDBPyConnection, finding_id: str) -> str | None:
    rows = con.execute(f"select fingerprint from ({_fingerprints_sql(BY_FINDING)})", [finding_id]).fetchall()
    return rows[0][0] if rows else None


def record_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    con.execute(
        "insert or replace into runs select ?, current_timestamp, "
        "(select count(*) from reports), (select count(*) from expectation_results)",
        [run_id],
    )


def carry_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The same findings persist into this run (nothing new was judged or decided)."""
    con.execute("update findings set last_seen = current_timestamp, last_run = ? where state != 'resolved'", [run_id])
    record_run(con, run_id)


def changed_since_last_run(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any result was judged or any decision recorded since the last run's findings."""
    last = con.execute("select max(finished_at) from runs").fetchall()[0][0]
    if last is None:
        return True
    newest = con.execute(
        "select greatest((select max(evaluated_at) from expectation_results), (select max(decided_at) from decisions), "
        "(select max(loaded_at) from reports))"
    ).fetchall()[0][0]
    return newest is not None and newest >= last


def update_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Bring ``findings`` up to date with the failing error-level results; returns the counts of
    new, persisting, closed and resolved findings in this run."""
    now = datetime.now()
    con.execute(f"""
        create or replace temp table failing as
        select {FINDING_ID} as finding_id, e.report_id, e.expectation, e.scope, e.observed, e.expected,
               e.difference, fp.fingerprint
        from expectation_results e join ({_fingerprints_sql(FAILING)}) fp on fp.finding_id = {FINDING_ID}
        where {FAILING}
        union all {READING_FAILURES}
    """, [list(FOUND), list(FOUND)])
    con.execute(f"""
        create or replace temp table judged as
        select x.*, case when d.decision in {CLOSING_SQL} and d.fingerprint = x.fingerprint
                    then 'closed' else 'open' end as state,
               case when d.decision in {CLOSING_SQL} and d.fingerprint = x.fingerprint
                    then d.decision || ' by ' || d.decided_by || ': ' || coalesce(d.note, '')
                    when d.decision = 'reopened' then 'reopened by ' || d.decided_by || ': ' || coalesce(d.note, '')
                    when d.decision is not null then 'decided before its cells changed; open again'
                    end as state_reason
        from failing x left join (select * from decisions
                                  qualify row_number() over (partition by finding_id order by decided_at desc) = 1) d
          using (finding_id)
    """)
    new = con.execute(
        "select count(*) from judged where finding_id not in (select finding_id from findings)"
    ).fetchall()[0][0]
    persisting = con.execute(
        "select count(*) from judged where finding_id in (select finding_id from findings)"
    ).fetchall()[0][0]
    con.execute("""
        insert into findings
        select finding_id, report_id, expectation, scope, observed, expected, difference, state, state_reason,
               fingerprint, ?, ?, ?, ?, null
        from judged where finding_id not in (select finding_id from findings)
    """, [now, now, run_id, run_id])
    con.execute("""
        update findings set observed = j.observed, expected = j.expected, difference = j.difference,
               state = j.state, state_reason = j.state_reason, fingerprint = j.fingerprint,
               last_seen = ?, last_run = ?, resolved_run = null
        from judged j where findings.finding_id = j.finding_id
    """, [now, run_id])
    gone = con.execute(f"""
        select f.finding_id,
               case when f.expectation in ('incomplete_read', 'unreadable_file')
                    then 'the file was read again, or is gone'
                    when f.report_id not in (select report_id from reports where status in {LOADED_SQL})
                    then 'the report was replaced or removed'
                    when exists (select 1 from decisions d
                                 where d.report_id = f.report_id and d.decision = 'correction')
                    then 'no longer fails once corrected by a steward'
                    else 'no longer fails' end
        from findings f where f.state != 'resolved' and f.finding_id not in (select finding_id from judged)
    """).fetchall()
    for finding_id, reason in gone:
        con.execute("update findings set state = 'resolved', state_reason = ?, resolved_run = ? where finding_id = ?",
                    [reason, run_id, finding_id])
    closed = con.execute("select count(*) from judged where state = 'closed'").fetchall()[0][0]
    return {"new": new, "persisting": persisting, "closed": closed, "resolved": len(gone)}
