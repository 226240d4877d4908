"""The workbench's search of the reports' words: results (``/search``), and a report's sections
with the sentences found highlighted where they are printed (``/reports/{id}/words``), a PDF's
paragraph outlined on its page (``/reports/{id}/words/{section}/{n}.png``)."""

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from transforms.statements import compact, compared_statements, sentences
from warehouse import store
from warehouse.search import search
from warehouse.store import records
from web import evidence

SECTION_CHOICES = range(0, 7)


def _int(value: str | None, allowed=None) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or allowed is None or number in allowed else None


def search_page(request: Request) -> Response:
    from web.app import _render

    q = request.query_params
    term = (q.get("q") or "").strip()
    chosen = {"q": term, "year": _int(q.get("year")), "region": (q.get("region") or "").strip() or None,
              "section": _int(q.get("section"), SECTION_CHOICES)}
    hits = []
    if term:
        with request.app.state.bench.reading() as con:
            hits = search(con, term, year=chosen["year"], region=chosen["region"], section=chosen["section"])
    return _render(request, "search.html", chosen=chosen, hits=hits, sections=SECTION_CHOICES,
                   marked=lambda sentence: highlight(sentence, term))


def highlight(text: str, term: str) -> Markup:
    """``text`` escaped, each occurrence of ``term`` (spaces ignored) in <mark>."""
    needle = compact(term)
    if not needle:
        return escape(text)
    out, i = [], 0
    while i < len(text):
        end = _match_end(text, i, needle)
        if end is None:
            out.append(escape(text[i]))
            i += 1
        else:
            out.append(Markup("<mark>") + escape(text[i:end]) + Markup("</mark>"))
            i = end
    return Markup("").join(out)


def _match_end(text: str, start: int, needle: str) -> int | None:
    """Where ``needle`` ends when it is printed at ``start`` (spaces between its characters allowed)."""
    j = 0
    i = start
    while i < len(text) and j < len(needle):
        if text[i].isspace() and j:
            i += 1
            continue
        if compact(text[i]) != needle[j]:
            return None
        i, j = i + 1, j + 1
    return i if j == len(needle) else None


def words_page(request: Request) -> Response:
    """A report's sections as read, paragraph by paragraph with where each is printed; the
    sentences holding ``q`` marked, the first one scrolled to."""
    from web.app import REPORT_ID, _problem, _render

    report_id = request.path_params["report_id"]
    term = (request.query_params.get("q") or "").strip()
    if not REPORT_ID.match(report_id):
        return _problem(request, 404, "no such report")
    with request.app.state.bench.reading() as con:
        rows = records(con, "select * from v_sections where report_id = ? order by section", [report_id])
        scope = request.query_params.get("statement")
        if scope:  # a finding of narrative_matches_table: its scope names the statement (code@section[.k])
            term = _stated_sentence(con, report_id, scope) or term
    if not rows:
        return _problem(request, 404, f"no words read for report {report_id}")
    needle = compact(term)
    for s in rows:
        paragraphs = (s["text"] or "").split("\n") if s["text"] else []
        s["paragraphs"] = []
        for n, text in enumerate(paragraphs, start=1):
            parts = sentences(text) or [text]
            hit = bool(needle) and needle in compact(text)
            marked = Markup("").join(
                (Markup('<span class="hl sentence">') + highlight(p, term) + Markup("</span>"))
                if needle and needle in compact(p) else escape(p) for p in parts)
            page, line = s["paragraph_pages"][n - 1], s["paragraph_lines"][n - 1]
            box = s["paragraph_boxes"][n - 1]
            where = (f"page {page}" if page is not None else f"line {line}" if s["format"] == "text"
                     else f"paragraph {line}" if line is not None else "")
            s["paragraphs"].append({"n": n, "html": marked, "hit": hit, "where": where,
                                    "crop": hit and page is not None and box is not None})
    return _render(request, "words.html", rows=rows, r=rows[0], term=term)


def _stated_sentence(con, report_id: str, scope: str) -> str | None:
    """The sentence of the statement a narrative_matches_table finding's scope names."""
    return next((s["sentence"] for name, s in compared_statements(store.statements_of(con, [report_id]))
                 if name == scope), None)


def paragraph_image(request: Request) -> Response:
    """A PDF page cropped around one paragraph of a section, the paragraph outlined; its page and
    box are looked up in the warehouse, none comes from the URL."""
    from web.app import REPORT_ID

    report_id = request.path_params["report_id"]
    section, n = request.path_params["section"], request.path_params["n"]
    if not REPORT_ID.match(report_id):
        return Response("not found", status_code=404, media_type="text/plain")
    bench = request.app.state.bench
    with bench.reading() as con:
        rows = records(con, "select source_path, paragraph_pages, paragraph_boxes from v_sections "
                            "where report_id = ? and section = ? and format = 'pdf'", [report_id, section])
    if not rows or not 1 <= n <= len(rows[0]["paragraph_pages"]) or rows[0]["paragraph_boxes"][n - 1] is None:
        return Response("not found", status_code=404, media_type="text/plain")
    page, box = rows[0]["paragraph_pages"][n - 1], tuple(rows[0]["paragraph_boxes"][n - 1])
    try:
        data = evidence.source_bytes(rows[0]["source_path"], report_id, bench.landing)
        png = evidence.page_crop(data, page, [box], [box])
    except evidence.Unavailable as e:
        return Response(str(e), status_code=404, media_type="text/plain")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
