"""``gongkai serve``: the stewards' workbench, a local web app over the warehouse.

Findings with counts per filter; one finding beside the spot it was printed (the page crop, or the
lines and rows as read) with a form that records a decision through ``gongkai decide``'s own code;
every report with its status, cells and findings.

Safe by default: bound to 127.0.0.1 and answering only to local host names; a decision is a POST
carrying the session's token; templates escape every text (report text is untrusted); the only
files opened are the warehouse and a report's file inside the landing folder, found by its id.
DuckDB lets one process write at a time, so pages read through short-lived read-only connections
and a decision opens the warehouse for writing only while it is recorded.
"""

import hashlib
import hmac
import re
import secrets
import sys
import threading
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

import duckdb
import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from cli import review
from transforms import readers
from warehouse import stewardship
from warehouse.store import WarehouseBusy, connect, records
from web import analysis, evidence, queries

COOKIE = "gongkai_session"
DECIDE_WAIT_SECONDS = 10.0  # how long a decision waits for a run that holds the warehouse
FINDING_ID = re.compile(r"^[0-9a-f]{12}$")
REPORT_ID = re.compile(r"^[0-9a-f]{64}$")
CELL = re.compile(r"^([a-z_]+)/([a-z_]+)/([a-z_]+)$")
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("web", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)
TEMPLATES.filters["num"] = lambda v, fmt="g": "—" if v is None else format(v, fmt)
TEMPLATES.filters["name"] = lambda p: Path(p).name if p else ""


class Busy(Exception):
    """The warehouse is held by a run."""


class Workbench:
    """The app's state: where the warehouse, decisions and landing folder are, and the secret that
    signs each session's form token."""

    def __init__(self, warehouse: Path, landing: Path, decisions: Path | None = None):
        self.warehouse, self.landing = Path(warehouse), Path(landing)
        self.decisions = decisions or self.warehouse.parent / "decisions.csv"
        self.secret = secrets.token_bytes(32)
        self.lock = threading.Lock()  # one connection at a time: DuckDB refuses mixed read-only and writing ones

    @contextmanager
    def reading(self):
        with self.lock:
            try:
                con = duckdb.connect(str(self.warehouse), read_only=True)
            except duckdb.IOException as e:
                if "lock" not in str(e).lower():
                    raise
                raise Busy(str(e)) from None
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def writing(self):
        with self.lock:
            try:
                con = connect(self.warehouse, wait_seconds=DECIDE_WAIT_SECONDS)
            except WarehouseBusy as e:
                raise Busy(str(e)) from None
            try:
                yield con
            finally:
                con.close()

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()


def _render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    session = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    bench: Workbench = request.app.state.bench
    html = TEMPLATES.get_template(name).render(csrf=bench.token(session), banner=request.app.state.banner, **context)
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(COOKIE) != session:
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _problem(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "problem.html", status=status, message=message)


def findings_page(request: Request) -> Response:
    chosen = {k: request.query_params.get(k, "") for k in queries.FILTERS}
    offset = _offset(request)
    with request.app.state.bench.reading() as con:
        total, rows, counts = queries.findings(con, chosen, offset)
    return _render(request, "findings.html", total=total, offset=offset, page_rows=queries.PAGE_ROWS, rows=rows,
                   counts=counts, chosen=chosen, filters=queries.FILTERS,
                   link=lambda **change: "/findings?" + urlencode({k: v for k, v in {**chosen, **change}.items() if v}))


def _offset(request: Request) -> int:
    value = request.query_params.get("offset", "0")
    return int(value) if value.isdigit() else 0


def _finding_context(bench: Workbench, con, finding_id: str) -> dict | None:
    f = queries.finding(con, finding_id)
    if f is None:
        return None
    sources = []  # per report involved: its printed table(s) and the source beside it
    for rid, rep in f["reports"].items():
        marked = [c for c in f["cells"] if c["cell_report_id"] == rid and c["raw_text"] is not None]
        highlight = {(c["item_code"], c["column_code"]) for c in f["cells"] if c["cell_report_id"] == rid}
        tables = sorted({c["table_code"] for c in f["cells"] if c["cell_report_id"] == rid})
        facts = queries.facts_of(con, rid)
        sources.append({"report": rep,
                        "tables": [queries.printed_table(rep["template"], t, facts, highlight) for t in tables],
                        "source": _source(bench, rep, [x for x in facts if x["table_code"] in tables], marked)})
    return {"f": f, "sources": sources, "decisions": stewardship.DECISIONS,
            "choices": [c for c in f["cells"] if c["raw_text"] is not None]}


def _paged(fmt: str | None) -> bool:
    """Whether a format's cells lie on pages (shown as page crops) rather than in lines and grids."""
    return fmt in readers.BY_NAME and readers.BY_NAME[fmt].paged


def _source(bench: Workbench, rep: dict, table_facts: list[dict], marked: list[dict]) -> dict:
    """The evidence of one report: page-crop URLs for a PDF, else the lines and grids as read."""
    shown = {"crops": [], "lines": None, "grids": [], "unavailable": ""}
    if _paged(rep["format"]):
        pages = sorted({c["page"] for c in marked if c["page"] is not None})
        shown["crops"] = [{"page": p, "url": f"/reports/{rep['report_id']}/pages/{p}.png?" + urlencode(
            [("cell", f"{c['table_code']}/{c['item_code']}/{c['column_code']}") for c in marked if c["page"] == p])}
            for p in pages]
        return shown
    try:
        data = evidence.source_bytes(rep["source_path"], rep["report_id"], bench.landing)
        shown["lines"], shown["grids"] = evidence.lines_and_grids(rep["format"], data, table_facts, marked)
    except evidence.Unavailable as e:
        shown["unavailable"] = str(e)
    return shown


def finding_page(request: Request) -> Response:
    finding_id = request.path_params["finding_id"]
    if not FINDING_ID.match(finding_id):
        return _problem(request, 404, "no such finding")
    bench = request.app.state.bench
    with bench.reading() as con:
        context = _finding_context(bench, con, finding_id)
    if context is None:
        return _problem(request, 404, f"no finding {finding_id}")
    return _render(request, "finding.html", recorded=request.query_params.get("recorded") == "1", error="",
                   form=defaultdict(str), decisions_csv=bench.decisions, **context)


async def decide(request: Request) -> Response:
    """Record a decision through ``gongkai decide``'s function; a refused form says why and writes nothing."""
    form = {k: v[-1].strip() for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    return await run_in_threadpool(_decide, request, form)


def _decide(request: Request, form: dict[str, str]) -> Response:
    finding_id = request.path_params["finding_id"]
    if not FINDING_ID.match(finding_id):
        return _problem(request, 404, "no such finding")
    bench: Workbench = request.app.state.bench
    session = request.cookies.get(COOKIE, "")
    if not session or not hmac.compare_digest(form.get("csrf", ""), bench.token(session)):
        return _problem(request, 403, "this form is not from this session (or the server was restarted): "
                                      "reload the page and try again")
    args = SimpleNamespace(finding=finding_id, decision=form.get("decision", ""), by=form.get("by", ""),
                           note=form.get("note", ""), cell=form.get("cell") or None, value=form.get("value") or None,
                           warehouse=bench.warehouse, decisions=bench.decisions)
    if args.decision != "correction":
        args.cell = args.value = None  # the form's correction fields go with a correction only
    error = _refusal(args)
    if not error:
        try:
            with bench.writing() as con:
                review.decide(con, args)
        except review.Refused as e:
            error = str(e)
        else:
            return RedirectResponse(f"/findings/{finding_id}?recorded=1", status_code=303)
    with bench.reading() as con:
        context = _finding_context(bench, con, finding_id)
    if context is None:
        return _problem(request, 404, f"no finding {finding_id}")
    return _render(request, "finding.html", status=400, recorded=False, error=error, form=defaultdict(str, form),
                   decisions_csv=bench.decisions, **context)


def _refusal(args) -> str:
    """What the command line's parser would refuse: a decision outside the choices, no name."""
    if args.decision not in stewardship.DECISIONS:
        return "choose a decision: " + ", ".join(stewardship.DECISIONS)
    if not args.by:
        return "a decision needs the name of who decides"
    if args.decision == "correction" and not (args.cell and args.value):
        return "a correction needs the cell and the right value as printed"
    return ""


def reports_page(request: Request) -> Response:
    offset = _offset(request)
    with request.app.state.bench.reading() as con:
        total, rows = queries.reports(con, offset)
    return _render(request, "reports.html", total=total, offset=offset, page_rows=queries.PAGE_ROWS, rows=rows)


def report_page(request: Request) -> Response:
    report_id = request.path_params["report_id"]
    if not REPORT_ID.match(report_id):
        return _problem(request, 404, "no such report")
    with request.app.state.bench.reading() as con:
        rep = queries.report(con, report_id)
    if rep is None:
        return _problem(request, 404, f"no report {report_id}")
    return _render(request, "report.html", r=rep)


def cell_page(request: Request) -> Response:
    """One cell of a report beside its source."""
    report_id, table, item, column = (request.path_params[k] for k in ("report_id", "table", "item", "column"))
    if not REPORT_ID.match(report_id):
        return _problem(request, 404, "no such report")
    bench = request.app.state.bench
    with bench.reading() as con:
        facts = queries.facts_of(con, report_id)
        reps = records(con, f"select * from {queries.REPORT_OF} where report_id = ?", [report_id])
    key = (table, item, column)
    fact = next((f for f in facts if (f["table_code"], f["item_code"], f["column_code"]) == key), None)
    if fact is None or not reps:
        return _problem(request, 404, f"no cell {table}/{item}/{column} in report {report_id}")
    rep = reps[0]
    fact |= {"item_label": queries.item_label(table, item), "column_label": queries.column_label(table, column)}
    printed = queries.printed_table(rep["template"], table, facts, {(item, column)})
    source = _source(bench, rep, [f for f in facts if f["table_code"] == table], [fact])
    return _render(request, "cell.html", rep=rep, c=fact, table=printed, source=source)


def page_image(request: Request) -> Response:
    """A page of a report's PDF cropped to the table of the cells named by ``cell`` parameters,
    their boxes drawn. The cells are looked up in the warehouse; no coordinates come from the URL."""
    report_id, page = request.path_params["report_id"], request.path_params["page"]
    wanted = [CELL.match(c) for c in request.query_params.getlist("cell")]
    if not REPORT_ID.match(report_id) or not all(wanted):
        return Response("not found", status_code=404, media_type="text/plain")
    keys = {m.groups() for m in wanted}
    bench = request.app.state.bench
    with bench.reading() as con:
        facts = queries.facts_of(con, report_id)
        reps = records(con, f"select * from {queries.REPORT_OF} where report_id = ?", [report_id])
    if not reps or not _paged(reps[0]["format"]):
        return Response("not found", status_code=404, media_type="text/plain")
    on_page = [f for f in facts if f["page"] == page and f["bbox"]]
    marked = [f for f in on_page if (f["table_code"], f["item_code"], f["column_code"]) in keys]
    tables = {f["table_code"] for f in marked}
    try:
        data = evidence.source_bytes(reps[0]["source_path"], report_id, bench.landing)
        png = evidence.page_crop(data, page, [tuple(f["bbox"]) for f in on_page if f["table_code"] in tables],
                                 [tuple(f["bbox"]) for f in marked])
    except evidence.Unavailable as e:
        return Response(str(e), status_code=404, media_type="text/plain")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


def _busy(request: Request, exc: Exception) -> Response:
    return _problem(request, 503, f"the warehouse is in use by a run; reload in a moment ({exc})")


def create_app(
    warehouse: Path, landing: Path, decisions: Path | None = None, hosts: list[str] | None = None, banner: str = ""
) -> Starlette:
    """The workbench over ``warehouse``, opening report files inside ``landing`` only; ``banner`` is
    shown in every page's header (the demo says its reports are generated)."""
    routes = [
        Route("/", lambda request: RedirectResponse("/findings")),
        Route("/findings", findings_page),
        Route("/findings/{finding_id}", finding_page),
        Route("/findings/{finding_id}/decide", decide, methods=["POST"]),
        Route("/reports", reports_page),
        Route("/reports/{report_id}", report_page),
        Route("/reports/{report_id}/cells/{table}/{item}/{column}", cell_page),
        Route("/reports/{report_id}/pages/{page:int}.png", page_image),
        *analysis.ROUTES,
    ]
    app = Starlette(routes=routes, exception_handlers={Busy: _busy},
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts or ["127.0.0.1", "localhost"])])
    app.state.bench = Workbench(warehouse, landing, decisions)
    app.state.banner = banner
    return app


def run(args) -> int:
    """Serve until interrupted, printing the URL first."""
    import uvicorn

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"gongkai: serving on {args.host}: anyone who can reach it can record decisions", file=sys.stderr)
    app = create_app(args.warehouse, args.landing, hosts=["127.0.0.1", "localhost", args.host], banner=args.banner)
    print(f"gongkai workbench on http://{args.host}:{args.port}/ (warehouse {args.warehouse}, landing {args.landing}); "
          "Ctrl-C stops it", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0

