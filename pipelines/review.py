"""``gongkai review`` and ``gongkai decide``: the stewards' commands."""

import sys
from datetime import datetime
from pathlib import Path

from pipelines import stewardship
from pipelines.resources import printable
from pipelines.warehouse import NotAWarehouse, WarehouseBusy, connect
from transforms import catalog
from transforms.values import parse_value, to_unit


class Refused(Exception):
    """A decision that cannot be recorded; the message says why."""


def run(args) -> int:
    try:
        with connect(args.warehouse, wait_seconds=30) as con:
            if args.command == "review":
                print(review(con, args))
                return 0
            print(decide(con, args))
            return 0
    except Refused as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 2
    except WarehouseBusy as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 1
    except NotAWarehouse as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 2


def review(con, args) -> str:
    where, params = ["true"], []
    if args.state != "all":
        where.append("f.state = ?")
        params.append(args.state)
    if args.agency:
        where.append("r.agency like ?")
        params.append(f"%{args.agency}%")
    if args.year:
        where.append("r.year = ?")
        params.append(args.year)
    if args.expectation:
        where.append("f.expectation = ?")
        params.append(args.expectation)
    rows = con.execute(f"""
        select f.finding_id, r.agency, r.year, r.source_path, f.expectation, f.scope, f.observed, f.expected,
               f.difference, f.state, f.first_seen, f.state_reason
        from findings f join (select distinct on (report_id) report_id, agency, year, source_path from reports
                              order by report_id, source_path) r using (report_id)
        where {' and '.join(where)} order by f.first_seen desc, r.agency, f.expectation, f.scope
    """, params).fetchall()
    if not rows:
        return f"no {args.state if args.state != 'all' else ''} findings".replace("  ", " ")
    out = [f"{len(rows)} {args.state} findings, newest first"]
    for fid, agency, year, path, exp, scope, obs, expd, diff, state, seen, reason in rows:
        line = (f"{fid}  {agency} {year}  {exp} [{scope}]  observed {_num(obs)} expected {_num(expd)} "
                f"(difference {_num(diff, sign=True)})  {state} since {seen:%Y-%m-%d}  {Path(path).name}")
        out.append(line + (f"  — {reason}" if reason and state != "open" else ""))
        if args.cells:
            for c in con.execute(f"select * from ({stewardship.evidence_sql(stewardship.BY_FINDING)}) "
                                 "order by table_code, item_code, column_code", [fid]).fetchall():
                out.append("    " + _cell_line(c))
    return "\n".join(printable(line) for line in out)  # names and notes come from the reports


def _num(v, sign: bool = False) -> str:
    if v is None:
        return "?"
    return f"{v:+g}" if sign else f"{v:g}"


def _cell_line(c) -> str:
    (_, _, _, _, report, table, item, column, value, raw, corrected, corrected_value,
     page, bbox, line, table_no, row_no, col_no, path) = c
    where = (f"page {page}" if page is not None else f"line {line}" if line is not None
             else f"table {table_no} row {row_no} col {col_no}" if table_no is not None else "not read")
    shown = "not read" if raw is None else f"{raw!r}"
    fix = f" → corrected {corrected_value:g}" if corrected else ""
    return f"{item}/{column} = {shown}{fix}  ({Path(path).name if path else report[:8]}, {where})"


def decide(con, args) -> str:
    found = con.execute(
        "select finding_id, report_id, expectation, scope from findings where finding_id = ?", [args.finding]
    ).fetchall()
    if not found:
        raise Refused(f"no finding '{args.finding}'; `gongkai review --state all` lists them")
    finding_id, report_id, expectation, scope = found[0]
    cell = (None, None, None, report_id)
    value = None
    if args.decision == "correction":
        if not args.cell or args.value is None:
            raise Refused("a correction needs --cell ITEM/COLUMN and --value")
        cell = _pick_cell(con, finding_id, args.cell)
        parsed = parse_value(args.value)
        if parsed is None or parsed.number is None:
            raise Refused(f"'{args.value}' is not a number")
        unit = catalog.cell_units(_template(con, cell[3]))[(cell[0], cell[1], cell[2])]
        value = to_unit(parsed, unit)
    elif args.cell or args.value is not None:
        raise Refused("--cell and --value go with --as correction only")
    path = con.execute("select min(source_path) from reports where report_id = ?", [cell[3]]).fetchall()[0][0]
    now = datetime.now()
    con.execute(
        f"insert into decisions ({', '.join(stewardship.CSV_COLUMNS)}) values ({', '.join('?' * len(stewardship.CSV_COLUMNS))})",
        [finding_id, cell[3], path, expectation, scope, args.decision, cell[0], cell[1], cell[2], value,
         args.note, args.by, now, stewardship.fingerprint(con, finding_id)],
    )
    if args.decision != "correction":
        con.execute("update findings set state = 'closed', state_reason = ? where finding_id = ?",
                    [f"{args.decision} by {args.by}: {args.note}", finding_id])
    csv_path = args.decisions or args.warehouse.parent / "decisions.csv"
    stewardship.export_decisions(con, csv_path)
    what = f"{args.decision}" + (f" of {cell[1]}/{cell[2]} to {value:g}" if value is not None else "")
    return f"recorded {what} on {finding_id} ({expectation} [{scope}]); decisions written to {csv_path}; " \
           "the next ingest applies it"


def _template(con, report_id: str) -> str:
    return con.execute("select min(template) from reports where report_id = ?", [report_id]).fetchall()[0][0]


def _pick_cell(con, finding_id: str, spec: str) -> tuple[str, str, str, str]:
    report_prefix, _, name = spec.rpartition(":")
    if "/" not in name:
        raise Refused(f"--cell takes ITEM/COLUMN, e.g. carried_forward/total, not '{spec}'")
    item, column = name.split("/", 1)
    cells = con.execute(
        f"select distinct table_code, item_code, column_code, cell_report_id, raw_text is not null "
        f"from ({stewardship.evidence_sql(stewardship.BY_FINDING)})", [finding_id]
    ).fetchall()
    hits = [c for c in cells if (c[1], c[2]) == (item, column) and c[3].startswith(report_prefix)]
    listed = ", ".join(sorted(f"{c[3][:8]}:{c[1]}/{c[2]}" for c in cells))
    if not hits:
        raise Refused(f"cell {spec} is not among the cells of finding {finding_id}: {listed}")
    if len(hits) > 1:
        raise Refused(f"cell {spec} is in two reports; name one as REPORT:ITEM/COLUMN among: {listed}")
    table, item, column, report, was_read = hits[0]
    if not was_read:
        raise Refused(f"cell {item}/{column} was not read from the report; only a cell the reader found can be corrected")
    return table, item, column, report
