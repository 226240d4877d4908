"""``gongkai review`` and ``gongkai decide``: the stewards' commands."""

import sys
from pathlib import Path

from cli.errors import STORE_ERRORS, store_error
from transforms.model import where_printed
from transforms.terminal import printable
from warehouse import stewardship
from warehouse.store import connect


def run(args) -> int:
    try:
        with connect(args.warehouse, wait_seconds=30) as con:
            if args.command == "review":
                print(review(con, args))
                return 0
            print(decide(con, args))
            return 0
    except stewardship.Refused as e:
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
    ocr = f", OCR {confidence:.2f}{' LOW CONFIDENCE: check first' if low else ''}" if method == "ocr" and confidence is not None else ""
    return f"{item}/{column} = {shown}{fix}  ({Path(path).name if path else report[:8]}, {where}{ocr})"


def decide(con, args) -> str:
    """Record the decision of ``gongkai decide`` (``stewardship.record``) and write the CSV."""
    said = stewardship.record(con, args.finding, decision=args.decision, by=args.by, note=args.note,
                              cell=args.cell, value=args.value)
    csv_path = args.decisions or args.warehouse.parent / "decisions.csv"
    stewardship.export_decisions(con, csv_path)
    return f"{said}; decisions written to {csv_path}; the next ingest applies it"
