"""A small local mirror of a government site's 政府信息公开年报 column, for ``gongkai fetch``'s tests
and to try it: ``python -m tools.mirror [--port 8000] [--seconds 600]`` serves on 127.0.0.1 only and
stops by itself after ``--seconds``.

Shaped like a TRS CMS column: ``/col/ndbg/index.htm`` and ``index_1.htm`` (pages counted by
``createPageHTML(2, 0, "index", "htm")`` in a script, and a 下一页 link), list items with a title and
a date, article pages with the body in ``<div class="TRS_Editor">`` and attachments linked relatively
(``./P0…pdf``). Every answer has an ETag and Last-Modified and honours If-None-Match /
If-Modified-Since with 304. The reports are the project's own files (tests/corpus, data/real). The
odd cases, one list item each: a cover page linking a PDF, one linking a .doc, a page carrying the
report as tables, a 404, a 503 answered once before the 200, a page under a path robots.txt
disallows, a redirect to another site, a large file (the real report, sent without Content-Length),
a PDF served as text/html, a .pdf link answering with a web page.
"""

import argparse
import hashlib
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS, REAL = ROOT / "tests" / "corpus", ROOT / "data" / "real"
COLUMN = "/col/ndbg/"
LAST_MODIFIED = "Mon, 18 Jan 2021 08:00:00 GMT"


@dataclass(frozen=True)
class Item:
    title: str
    date: str
    href: str  # relative to the column


# (title, date, href): the column's list, newest first, ten to a page
PAGE_0 = [
    Item("城北区人民政府2020年政府信息公开工作年度报告", "2021-01-15", "./202101/t20210115_101.html"),
    Item("关于做好2021年春节期间安全生产工作的通知", "2021-01-14", "./202101/t20210114_100.html"),
    Item("城北区公安分局2020年政府信息公开工作年度报告", "2021-01-13", "./202101/t20210113_102.html"),
    Item("平江县2024年政府信息公开工作年度报告", "2021-01-12", "./202101/t20210112_103.html"),
]
PAGE_1 = [
    Item("城北区教育局2019年政府信息公开工作年度报告", "2020-01-20", "./202001/t20200120_104.html"),
    Item("城北区卫生健康局2019年政府信息公开工作年度报告", "2020-01-18", "./202001/t20200118_105.html"),
    Item("城北区审计局2019年政府信息公开工作年度报告", "2020-01-16", "/private/t20200116_106.html"),
    Item("城北区民政局2019年政府信息公开工作年度报告", "2020-01-15", "./202001/t20200115_107.html"),
    Item("淮安市洪泽区人民政府2024年政府信息公开工作年度报告", "2020-01-14", "./202001/t20200114_108.html"),
    Item("城北区财政局2019年政府信息公开工作年度报告", "2020-01-13", "./202001/t20200113_109.html"),
    Item("城北区水务局2019年政府信息公开工作年度报告", "2020-01-12", "./202001/t20200112_110.html"),
]


def _index(items: list[Item], page: int, pages: int) -> bytes:
    lis = "\n".join(f'<li><a href="{i.href}" target="_blank" title="{i.title}">{i.title}</a><span>{i.date}</span></li>'
                    for i in items)
    nxt = f'<a href="index_{page + 1}.htm">下一页</a>' if page + 1 < pages else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<div class="header"><a href="/">首页</a> &gt; <a href="/col/">政务公开</a> &gt; 政府信息公开年报</div>
<div class="list"><ul>
{lis}
</ul></div>
<div class="page"><script>createPageHTML({pages}, {page}, "index", "htm");</script>{nxt}</div>
</body></html>""".encode()


def _article(title: str, body: str) -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script src="/js/share.js"></script></head><body>
<div class="header"><a href="/">首页</a></div>
<div class="article"><h1>{title}</h1><div class="info">发布日期：2021-01-15 来源：城北区人民政府</div>
<div class="view TRS_Editor">{body}</div></div>
<div class="footer">主办单位：城北区人民政府办公室</div></body></html>""".encode()


def _cover(title: str, href: str, name: str) -> bytes:
    return _article(title, f'<p>附件：<a href="{href}" target="_blank">{name}</a></p>')


def _tables_page() -> bytes:
    """The corpus's HTML report (平江县, 2024) as the body of an article."""
    html = (CORPUS / "004_html_utf8.html").read_text(encoding="utf-8")
    body = re.search(r'<div class="article">(.*)</body>', html, re.S)[1]
    return _article("平江县2024年政府信息公开工作年度报告", body)


def site() -> dict[str, tuple[str, bytes]]:
    """Path → (content type, body) of every page and file the mirror serves normally."""
    c = COLUMN
    pdf = "application/pdf"
    html = "text/html; charset=utf-8"
    return {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /private/\n"),
        c + "index.htm": (html, _index(PAGE_0, 0, 2)),
        c + "index_1.htm": (html, _index(PAGE_1, 1, 2)),
        c + "202101/t20210114_100.html": (html, _article("通知", "<p>不是年报。</p>")),
        c + "202101/t20210115_101.html": (html, _cover(PAGE_0[0].title, "./P020210115_101.pdf", "年度报告.pdf")),
        c + "202101/P020210115_101.pdf": (pdf, (CORPUS / "007_pdf_reportlab.pdf").read_bytes()),
        c + "202101/t20210113_102.html": (html, _cover(PAGE_0[2].title, "./P020210113_102.doc", "年度报告.doc")),
        c + "202101/P020210113_102.doc": ("application/msword", (CORPUS / "098_doc.doc").read_bytes()),
        c + "202101/t20210112_103.html": (html, _tables_page()),
        c + "202001/t20200118_105.html": (html, _cover(PAGE_1[1].title, "./P020200118_105.docx", "年度报告.docx")),
        c + "202001/P020200118_105.docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                           (CORPUS / "006_docx.docx").read_bytes()),
        "/private/t20200116_106.html": (html, _cover(PAGE_1[2].title, "./P020200116_106.pdf", "年度报告.pdf")),
        c + "202001/t20200114_108.html": (html, _cover(PAGE_1[4].title, "./P020200114_108.pdf", "年度报告.pdf")),
        c + "202001/P020200114_108.pdf": (pdf, (REAL / "hzq2024.pdf").read_bytes()),
        c + "202001/t20200113_109.html": (html, _cover(PAGE_1[5].title, "./P020200113_109.pdf", "年度报告.pdf")),
        c + "202001/P020200113_109.pdf": (html, (CORPUS / "017_pdf_reportlab.pdf").read_bytes()),  # wrong type
        c + "202001/t20200112_110.html": (html, _cover(PAGE_1[6].title, "./P020200112_110.pdf", "年度报告.pdf")),
        c + "202001/P020200112_110.pdf": (html, _article("页面不存在", "<p>您访问的页面不存在或已删除。</p>")),
    }


UNAVAILABLE_ONCE = COLUMN + "202001/t20200118_105.html"  # 503 to its first request, then served
REDIRECTED = COLUMN + "202001/t20200115_107.html"  # 302 to another site (localhost instead of 127.0.0.1)
STREAMED = COLUMN + "202001/P020200114_108.pdf"  # sent without Content-Length (the size cap counts bytes)


class Mirror:
    """The mirror on 127.0.0.1, in a thread; it stops after ``seconds`` even if nobody stops it.
    ``log`` holds (path, status, body bytes sent) of every request."""

    def __init__(self, port: int = 0, *, seconds: float = 120):
        self.files = site()
        self.log: list[tuple[str, int, int]] = []
        self._lock = threading.Lock()
        self._unavailable_done = False  # UNAVAILABLE_ONCE answered 503 once already
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                mirror._answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._timer = threading.Timer(seconds, self.stop)
        self._timer.daemon = True

    def __enter__(self):
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self._timer.cancel()
        self.server.shutdown()
        self.server.server_close()

    def requested(self, path: str) -> list[int]:
        """The statuses answered to ``path``."""
        with self._lock:
            return [status for p, status, _ in self.log if p == path]

    def _record(self, path: str, status: int, sent: int) -> None:
        with self._lock:
            self.log.append((path, status, sent))

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        if path == UNAVAILABLE_ONCE and not self._unavailable_done:
            self._unavailable_done = True
            return self._send(h, path, 503, "text/html", b"<html><body>Service Unavailable</body></html>")
        if path == REDIRECTED:
            self._record(path, 302, 0)
            h.send_response(302)
            h.send_header("Location", f"http://localhost:{self.port}/elsewhere/report.html")
            return h.end_headers()
        if path not in self.files:
            return self._send(h, path, 404, "text/html", b"<html><body>404 Not Found</body></html>")
        kind, body = self.files[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if h.headers.get("If-None-Match") == etag or (
                not h.headers.get("If-None-Match") and h.headers.get("If-Modified-Since") == LAST_MODIFIED):
            self._record(path, 304, 0)
            h.send_response(304)
            h.send_header("ETag", etag)
            return h.end_headers()
        self._send(h, path, 200, kind, body, etag=etag)

    def _send(self, h, path: str, status: int, kind: str, body: bytes, etag: str | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", kind)
        if etag:
            h.send_header("ETag", etag)
            h.send_header("Last-Modified", LAST_MODIFIED)
        if path != STREAMED:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        self._record(path, status, len(body))  # before the body: a client that has it finds it logged
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (a size cap)
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.mirror", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seconds", type=float, default=600, help="stop after this many seconds (default 600)")
    args = parser.parse_args(argv)
    mirror = Mirror(args.port, seconds=args.seconds)
    print(f"mirror on {mirror.url}{COLUMN}index.htm for {args.seconds:g} s (Ctrl-C stops it)", flush=True)
    with mirror:
        try:
            mirror._thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
