"""``gongkai review`` and ``gongkai decide``: the stewards' commands."""

import sys
from pathlib import Path

from cli.errors import STORE_ERRORS, store_error
from transforms import catalog
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
        known = (catalog.EXPECTATIONS | catalog.READING).get(exp)
        name = f"{known.name_zh} · {catalog.scope_label(exp, scope)}" if known else exp
        line = (f"{fid}  {agency} {year}  {name} ({exp} [{scope}])  observed {_num(obs)} expected {_num(expd)} "
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
    where = where_printed(page=c["page"], bbox=c["bbox"], line=c["line"], table_no=c["table_no"], row_no=c["row_no"],
                          col_no=c["col_no"])
    shown = "not read" if c["raw_text"] is None else f"{c['raw_text']!r}"
    fix = f" → corrected {c['corrected_value']:g}" if c["corrected"] else ""
    ocr = ""
    if c["method"] == "ocr" and c["confidence"] is not None:
        ocr = f", OCR {c['confidence']:.2f}{' LOW CONFIDENCE: check first' if c['low_confidence'] else ''}"
    judged = ""
    if c["side"]:  # the term as judged: its side, sign and the value summed
        judged = f"  [{c['side']} {'−' if c['sign'] < 0 else '+'}{_num(c['judged_value'])}]"
    path = c["cell_source_path"]
    table = c["table_code"]
    label = f"{catalog.item_label(table, c['item_code'])} · {catalog.column_label(table, c['column_code'])}"
    return (f"{label} ({c['item_code']}/{c['column_code']}) = {shown}{fix}{judged}  "
            f"({Path(path).name if path else c['cell_report_id'][:8]}, {where}{ocr})")


def decide(con, args) -> str:
    """Record the decision of ``gongkai decide`` (``stewardship.record``) and write the CSV."""
    said = stewardship.record(con, args.finding, decision=args.decision, by=args.by, note=args.note,
                              cell=args.cell, value=args.value)
    csv_path = args.decisions or args.warehouse.parent / "decisions.csv"
    stewardship.export_decisions(con, csv_path)
    return f"{said}; decisions written to {csv_path}; the next ingest applies it"
