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
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
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

from transforms import catalog, readers
from warehouse import stewardship
from warehouse.store import WarehouseBusy, connect, records, transaction
from web import analysis, evidence, queries, words

COOKIE = "gongkai_session"
DECIDE_WAIT_SECONDS = 2.0  # how long a decision waits for a run that holds the warehouse before it is kept for later
RETRY_SECONDS = 1.0  # between attempts to write the decisions kept while a run holds the warehouse
FINDING_ID = re.compile(r"^[0-9a-f]{12}$")
REPORT_ID = re.compile(r"^[0-9a-f]{64}$")
CELL = re.compile(r"^([a-z_]+)/([a-z_]+)/([a-z_]+)$")
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("web", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)
TEMPLATES.filters["num"] = lambda v, fmt="g": "—" if v is None else format(v, fmt)
TEMPLATES.filters["name"] = lambda p: Path(p).name if p else ""
TEMPLATES.globals.update(
    expectation_zh=lambda code: (catalog.EXPECTATIONS | catalog.READING)[code].name_zh
    if code in catalog.EXPECTATIONS or code in catalog.READING else code,
    scope_zh=catalog.scope_label, table_zh=lambda code: catalog.TABLE_LABELS.get(code, code),
)


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
        self.names: dict[str, str] = {}  # session → the name it last decided under
        self.kept: dict[str, Kept] = {}  # ticket → a decision posted while a run held the warehouse
        self.writer: threading.Thread | None = None
        self.kept_lock = threading.Lock()

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
    def writing(self, wait_seconds: float = DECIDE_WAIT_SECONDS):
        with self.lock:
            try:
                con = connect(self.warehouse, wait_seconds=wait_seconds)
            except WarehouseBusy as e:
                raise Busy(str(e)) from None
            try:
                yield con
            finally:
                con.close()

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def keep(self, decision: "Decision") -> str:
        """Keep a decision that found the warehouse held by a run; a writer thread records it as
        soon as the run ends. Returns its ticket."""
        ticket = secrets.token_hex(8)
        with self.kept_lock:
            self.kept[ticket] = Kept(decision)
            if self.writer is None or not self.writer.is_alive():
                self.writer = threading.Thread(target=self._write_kept, daemon=True)
                self.writer.start()
        return ticket

    def _write_kept(self) -> None:
        while True:
            with self.kept_lock:
                waiting = [k for k in self.kept.values() if k.outcome is None]
                if not waiting:
                    self.writer = None
                    return
            try:
                with self.writing(wait_seconds=0) as con:
                    for k in waiting:  # each written once: its outcome is set in the same turn
                        k.outcome = record(con, k.decision, self.decisions)
            except Busy:
                time.sleep(RETRY_SECONDS)


@dataclass
class Decision:
    """A decision posted from a form: on ``findings`` (one, or several of one report), by whom,
    with the cell and value of a correction, and where to go once it is recorded."""

    findings: list[str]
    decision: str
    by: str
    note: str
    cell: str = ""
    value: str = ""
    then: str = ""  # the page to show once recorded: the report's, or (worked out when recorded) a finding's
    form: dict = field(default_factory=dict)
    within: dict = field(default_factory=dict)  # the findings list's filters the steward works in
    go_next: bool = False  # then show the next open finding of those filters


@dataclass
class Kept:
    decision: Decision
    outcome: tuple[str, str] | None = None  # ("ok", message) or ("refused", reason), once written


def record(con, d: Decision, decisions_csv: Path) -> tuple[str, str]:
    """Record ``d`` on each of its findings in one transaction (``stewardship.record``); a
    correction is recorded on those of them whose cells hold the corrected cell."""
    cell_name = d.cell.rpartition(":")[2]
    findings = d.findings
    if d.decision == "correction" and len(findings) > 1:
        findings = [f for f in findings
                    if any(f"{c[1]}/{c[2]}" == cell_name for c in stewardship.finding_cells(con, f))]
    if not findings:
        return "refused", f"none of the chosen findings involves the cell {cell_name}"
    said = []
    try:
        with transaction(con):
            for finding_id in findings:
                said.append(stewardship.record(con, finding_id, decision=d.decision, by=d.by, note=d.note,
                                               cell=d.cell or None, value=d.value or None))
    except stewardship.Refused as e:
        return "refused", str(e)
    stewardship.export_decisions(con, decisions_csv)
    if not d.then:
        following = queries.next_open(con, d.within, d.findings[0]) if d.go_next else None
        d.then = f"/findings/{following or d.findings[0]}?" + urlencode(d.within)
    more = f" and on {len(said) - 1} more findings of the report" if len(said) > 1 else ""
    return "ok", f"{said[0]}{more}; decisions written to {decisions_csv}; the next ingest applies it"


def _render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    session = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    bench: Workbench = request.app.state.bench
    context.setdefault("name", bench.names.get(session, ""))
    html = TEMPLATES.get_template(name).render(csrf=bench.token(session), banner=request.app.state.banner, **context)
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(COOKIE) != session:
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'")
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
                   counts=counts, chosen=chosen, filters=queries.FILTERS, within=_within(chosen),
                   link=lambda **change: "/findings?" + urlencode({k: v for k, v in {**chosen, **change}.items() if v}))


def _within(chosen: dict[str, str]) -> str:
    """The query string of the chosen filters, carried from the list to a finding and its next one."""
    return urlencode({k: v for k, v in chosen.items() if v})


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
        for p in pages:
            cells = [c for c in marked if c["page"] == p]
            names = [("cell", f"{c['table_code']}/{c['item_code']}/{c['column_code']}") for c in cells]
            shown["crops"].append({"page": p, "cells": cells,
                                   "url": f"/reports/{rep['report_id']}/pages/{p}.png?" + urlencode(names)})
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
    return _finding_response(request, finding_id, recorded=_recorded(request))


def _recorded(request: Request) -> str:
    """The message of a decision just recorded, named by its ticket (a URL cannot bring its own words)."""
    kept = request.app.state.bench.kept.get(request.query_params.get("recorded", ""))
    return kept.outcome[1] if kept and kept.outcome and kept.outcome[0] == "ok" else ""


def _finding_response(request: Request, finding_id: str, *, status: int = 200, recorded: str = "", error: str = "",
                      form: dict | None = None) -> Response:
    bench: Workbench = request.app.state.bench
    chosen = {k: request.query_params.get(k, "") for k in queries.FILTERS}
    if form is not None:
        chosen = {k: v for k, v in parse_qs(form.get("within", "")).items() for v in v[-1:]}
    with bench.reading() as con:
        context = _finding_context(bench, con, finding_id)
        if context is None:
            return _problem(request, 404, f"no finding {finding_id}")
        following = queries.next_open(con, chosen, finding_id)
    return _render(request, "finding.html", status=status, recorded=recorded, error=error,
                   form=defaultdict(str, form or {}), within=_within(chosen), following=following,
                   decisions_csv=bench.decisions, **context)


async def _form(request: Request) -> dict[str, list[str]]:
    return {k: [x.strip() for x in v] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}


async def decide(request: Request) -> Response:
    """Record a decision on one finding; a refused form comes back filled in and says why."""
    form = await _form(request)
    return await run_in_threadpool(_decide, request, form, [request.path_params["finding_id"]])


async def decide_report(request: Request) -> Response:
    """Record one decision on several findings of a report (the report page's form)."""
    form = await _form(request)
    return await run_in_threadpool(_decide, request, form, form.get("finding", []))


def _decide(request: Request, lists: dict[str, list[str]], findings: list[str]) -> Response:
    bench: Workbench = request.app.state.bench
    form = {k: v[-1] for k, v in lists.items()}
    report_id = request.path_params.get("report_id")
    if not findings or not all(FINDING_ID.match(f) for f in findings) or (report_id and not REPORT_ID.match(report_id)):
        if report_id:
            return _problem(request, 400, "choose the findings to decide")
        return _problem(request, 404, "no such finding")
    session = request.cookies.get(COOKIE, "")
    if not session or not hmac.compare_digest(form.get("csrf", ""), bench.token(session)):
        return _problem(request, 403, "this form is not from this session (or the server was restarted): "
                                      "reload the page and try again")
    decision = Decision(findings, form.get("decision", ""), form.get("by", ""), form.get("note", ""), form=form)
    if decision.decision == "correction":  # the form's correction fields go with a correction only
        decision.cell, decision.value = form.get("cell", ""), form.get("value", "")
    if decision.by:
        bench.names[session] = decision.by
    if report_id:
        decision.then = f"/reports/{report_id}"
    else:
        decision.within = {k: v for k, v in parse_qs(form.get("within", "")).items()
                           for v in v[-1:] if k in queries.FILTERS}
        decision.go_next = bool(form.get("next"))
    error = _refusal(decision)
    if not error:
        try:
            with bench.writing() as con:
                outcome = record(con, decision, bench.decisions)
        except Busy:
            ticket = bench.keep(decision)
            return RedirectResponse(f"/kept/{ticket}", status_code=303)
        if outcome[0] == "ok":
            ticket = secrets.token_hex(8)
            bench.kept[ticket] = Kept(decision, outcome)
            return RedirectResponse(_then(decision.then, ticket), status_code=303)
        error = outcome[1]
    if report_id:
        return _report_response(request, report_id, status=400, error=error, form=form)
    return _finding_response(request, findings[0], status=400, error=error, form=form)


def _then(url: str, ticket: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({"recorded": ticket})


def kept_page(request: Request) -> Response:
    """A decision kept while a run writes: the page retries by itself until it is recorded, then
    shows where it goes; a decision refused when written comes back in its form with the reason."""
    kept = request.app.state.bench.kept.get(request.path_params["ticket"])
    if kept is None:
        return _problem(request, 404, "no such decision waiting (the server was restarted?): decide again")
    if kept.outcome is None:
        return _render(request, "problem.html", status=503, refresh=True, message=(
            "a run is writing to the warehouse; your decision is kept and will be written when it is free. "
            "This page retries by itself."))
    if kept.outcome[0] == "ok":
        return RedirectResponse(_then(kept.decision.then, request.path_params["ticket"]), status_code=303)
    report_id = kept.decision.then.removeprefix("/reports/") if kept.decision.then.startswith("/reports/") else None
    if report_id:
        return _report_response(request, report_id, status=400, error=kept.outcome[1], form=kept.decision.form)
    return _finding_response(request, kept.decision.findings[0], status=400, error=kept.outcome[1],
                             form=kept.decision.form)


def _refusal(d: Decision) -> str:
    """What the command line's parser would refuse: a decision outside the choices, no name."""
    if d.decision not in stewardship.DECISIONS:
        return "choose a decision: " + ", ".join(stewardship.DECISIONS)
    if not d.by:
        return "a decision needs the name of who decides"
    if d.decision == "correction" and not (d.cell and d.value):
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
    return _report_response(request, report_id, recorded=_recorded(request))


def _report_response(request: Request, report_id: str, *, status: int = 200, recorded: str = "", error: str = "",
                     form: dict | None = None) -> Response:
    """A report with its open findings together: the printed table once, every cell involved
    highlighted, and one form that decides several of them."""
    bench: Workbench = request.app.state.bench
    with bench.reading() as con:
        rep = queries.report(con, report_id)
        if rep is None:
            return _problem(request, 404, f"no report {report_id}")
        opened = [queries.finding(con, f["finding_id"]) for f in rep["findings"] if f["state"] == "open"]
    involved = {(c["table_code"], c["item_code"], c["column_code"]) for f in opened for c in f["cells"]
                if c["cell_report_id"] == report_id}
    template = rep["file"]["template"]
    rep["tables"] = [queries.printed_table(template, t.table_code, rep["facts"],
                                           {(i, c) for tb, i, c in involved if tb == t.table_code})
                     for t in rep["tables"]]
    choices = {(c["cell_report_id"], c["item_code"], c["column_code"]): c for f in opened for c in f["cells"]
               if c["raw_text"] is not None}
    return _render(request, "report.html", status=status, r=rep, opened=opened, choices=list(choices.values()),
                   recorded=recorded, error=error, form=defaultdict(str, form or {}), decisions=stewardship.DECISIONS)


def cell_page(request: Request) -> Response:
    """One cell of a report beside its source."""
    report_id, table, item, column = (request.path_params[k] for k in ("report_id", "table", "item", "column"))
    if not REPORT_ID.match(report_id):
        return _problem(request, 404, "no such report")
    bench = request.app.state.bench
    with bench.reading() as con:
        facts = queries.facts_of(con, report_id)
        reps = records(con, f"select * from {queries.REPORT_OF} where report_id = ?", [report_id])
    fact = next((f for f in facts if (f["table_code"], f["item_code"], f["column_code"]) == (table, item, column)),
                None)
    if fact is None or not reps:
        return _problem(request, 404, f"no cell {table}/{item}/{column} in report {report_id}")
    rep = reps[0]
    fact |= {"item_label": catalog.item_label(table, item), "column_label": catalog.column_label(table, column)}
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
    order = [m.groups() for m in wanted]  # a box is numbered as its cell is listed beside the crop
    marked = sorted((f for f in on_page if (f["table_code"], f["item_code"], f["column_code"]) in keys),
                    key=lambda f: order.index((f["table_code"], f["item_code"], f["column_code"])))
    tables = {f["table_code"] for f in marked}
    try:
        data = evidence.source_bytes(reps[0]["source_path"], report_id, bench.landing)
        png = evidence.page_crop(data, page, [tuple(f["bbox"]) for f in on_page if f["table_code"] in tables],
                                 [tuple(f["bbox"]) for f in marked])
    except evidence.Unavailable as e:
        return Response(str(e), status_code=404, media_type="text/plain")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


def _busy(request: Request, exc: Exception) -> Response:
    return _render(request, "problem.html", status=503, refresh=True,
                   message="a run is writing to the warehouse; this page retries by itself")


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
        Route("/reports/{report_id}/decide", decide_report, methods=["POST"]),
        Route("/kept/{ticket}", kept_page),
        Route("/reports", reports_page),
        Route("/reports/{report_id}", report_page),
        Route("/reports/{report_id}/cells/{table}/{item}/{column}", cell_page),
        Route("/reports/{report_id}/pages/{page:int}.png", page_image),
        Route("/search", words.search_page),
        Route("/reports/{report_id}/words", words.words_page),
        Route("/reports/{report_id}/words/{section:int}/{n:int}.png", words.paragraph_image),
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

