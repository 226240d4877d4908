"""``gongkai search``: the sentences of the reports' words that hold a term, with where each is printed."""

import sys

from cli.errors import STORE_ERRORS, store_error
from transforms.terminal import printable
from warehouse.search import search
from warehouse.store import connect


def add_search_command(sub, default_warehouse) -> None:
    s = sub.add_parser("search", help="find a phrase in the reports' words: agency, year, section, sentence, source")
    s.add_argument("term", help='the phrase, e.g. "信息处理费" (spaces are ignored)')
    s.add_argument("--year", type=int, help="reports of this year only")
    s.add_argument("--region", help="province, prefecture, county or agency name holding this text")
    s.add_argument("--section", type=int, choices=range(0, 7), metavar="N",
                   help="in section N only (1 总体情况 … 6 其他需要报告的事项; 0 before the first heading)")
    s.add_argument("--warehouse", type=type(default_warehouse), default=default_warehouse, metavar="PATH")


def run(args) -> int:
    """Print each sentence found under its report and section, and where it is printed."""
    if not args.term.strip():
        print("gongkai: search: the term is empty", file=sys.stderr)
        return 2
    try:
        con = connect(args.warehouse, read_only=True)
    except STORE_ERRORS as e:
        return store_error(e)
    with con:
        hits = search(con, args.term, year=args.year, region=args.region, section=args.section)
    for h in hits:
        heading = h.heading or h.title or "before the first heading"
        print(f"{printable(h.agency or '(agency not found)')}  {h.year or '?'}  section {h.section} "
              f"{printable(heading)}")
        print(f"    {printable(h.sentence)}")
        print(f"    {printable(h.source_path)}, {h.where}")
    print(f"({len(hits)} sentences)")
    return 0
