"""``gongkai review`` and ``gongkai decide``: the stewards' commands."""

import sys
from pathlib import Path

from cli.errors import STORE_ERRORS, store_error
from transforms import catalog
from transforms.model import where_printed
from transforms.terminal import printable
from transforms.values import parse_value, to_unit
from warehouse import stewardship, store
from warehouse.store import connect


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
    except STORE_ERRORS as e:
        return store_error(e)


def review(con, args) -> str:
    rows = stewardship.list_findings(con, state=args.state, agency=args.agency, year=args.year,
                                     expectation=args.expectation)
    if not rows:
        return f"no {args.state if args.state != 'all' else ''} findings".replace("  ", " ")
    out = [f"{len(rows)} {args.state} findings, newest first"]
    for fid, agency, year, path, exp, scope, obs, expd, diff, state, seen, reason in rows:
        line = (f"{fid}  {agency} {year}  {exp} [{scope}]  observed {_num(obs)} expected {_num(expd)} "
                f"(difference {_num(diff, sign=True)})  {state} since {seen:%Y-%m-%d}  {Path(path).name}")
        out.append(line + (f"  — {reason}" if reason and state != "open" else ""))
        if args.cells:
            for c in stewardship.evidence(con, [fid]):
                out.append("    " + _cell_line(c))
    return "\n".join(printable(line) for line in out)  # names and notes come from the reports


def _num(v, sign: bool = False) -> str:
    if v is None:
        return "?"
    return f"{v:+g}" if sign else f"{v:g}"


def _cell_line(c: dict) -> str:
    (_, _, _, _, report, table, item, column, value, raw, corrected, corrected_value,
     page, bbox, line, table_no, row_no, col_no, path, method, confidence, low) = c.values()
    where = where_printed(page=page, bbox=bbox, line=line, table_no=table_no, row_no=row_no, col_no=col_no)
    shown = "not read" if raw is None else f"{raw!r}"
    fix = f" → corrected {corrected_value:g}" if corrected else ""
    ocr = (f", OCR {confidence:.2f}{' LOW CONFIDENCE: check first' if low else ''}"
           if method == "ocr" and confidence is not None else "")
    return f"{item}/{column} = {shown}{fix}  ({Path(path).name if path else report[:8]}, {where}{ocr})"


def decide(con, args) -> str:
    found = stewardship.find(con, args.finding)
    if not found:
        raise Refused(f"no finding '{args.finding}'; `gongkai review --state all` lists them")
    finding_id, report_id, expectation, scope = found
    cell = (None, None, None, report_id)
    value = None
    if args.decision == "correction":
        if not args.cell or args.value is None:
            raise Refused("a correction needs --cell ITEM/COLUMN and --value")
        cell = _pick_cell(con, finding_id, args.cell)
        parsed = parse_value(args.value)
        if parsed is None or parsed.number is None:
            raise Refused(f"'{args.value}' is not a number")
        unit = catalog.cell_units(store.template_of(con, cell[3]))[(cell[0], cell[1], cell[2])]
        value = to_unit(parsed, unit)
    elif args.cell or args.value is not None:
        raise Refused("--cell and --value go with --as correction only")
    stewardship.decide(con, finding_id, decision=args.decision, by=args.by, note=args.note, cell=cell, value=value)
    csv_path = args.decisions or args.warehouse.parent / "decisions.csv"
    stewardship.export_decisions(con, csv_path)
    what = f"{args.decision}" + (f" of {cell[1]}/{cell[2]} to {value:g}" if value is not None else "")
    return f"recorded {what} on {finding_id} ({expectation} [{scope}]); decisions written to {csv_path}; " \
           "the next ingest applies it"


def _pick_cell(con, finding_id: str, spec: str) -> tuple[str, str, str, str]:
    report_prefix, _, name = spec.rpartition(":")
    if "/" not in name:
        raise Refused(f"--cell takes ITEM/COLUMN, e.g. carried_forward/total, not '{spec}'")
    item, column = name.split("/", 1)
    cells = stewardship.finding_cells(con, finding_id)
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
