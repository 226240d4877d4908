"""What a fetched page says, read without running its JavaScript: an index page's links with their
titles and dates and its further pages (TRS-style ``index.htm``, ``index_1.htm``, …), a report page's
attachments and whether its body carries the report or only links to it; and a body's type from its
bytes (the served Content-Type is recorded, never trusted).
"""

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

from transforms.readers.html_tables import decode_html

DOCUMENTS = (".pdf", ".doc", ".docx", ".wps", ".ofd")  # attachments saved (read when a reader exists)
CONTENT_MARKS = ("trs_editor", "trs_ueditor", "zoom", "article-content", "content", "article", "detail")
COVER_ROWS = 4  # a page whose content holds no table of this many rows, and that links a document, is a cover
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_TRS_PAGER = re.compile(  # createPageHTML(count, current, "index", "htm")
    r"""createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?\d+['"]?\s*,\s*['"]([\w-]+)['"]\s*,\s*['"](\w+)['"]""")
_COUNT_PAGE = re.compile(r"countPage\s*=\s*['\"]?(\d+)")
_PAGE_NAME = re.compile(r"([\w-]+?)(?:_\d+)?\.(s?html?)$")
_PAGER_LINK = re.compile(r"(?:^|/)(?:index|default)_\d+\.s?html?$")


@dataclass(frozen=True)
class Link:
    url: str  # absolute, without its #fragment
    title: str
    date: str | None = None  # YYYY-MM-DD printed beside the link in its list item


@dataclass(frozen=True)
class Article:
    attachments: tuple[Link, ...]  # documents the page links to
    table_rows: int  # rows of the largest table in the page's content

    @property
    def is_cover(self) -> bool:
        """The page only links to its report: the attachments are the report, the page their cover."""
        return bool(self.attachments) and self.table_rows < COVER_ROWS


def document(data: bytes):
    """The parsed page (its charset from a byte-order mark, the meta tag or the bytes)."""
    text = re.sub(r"^\s*<\?xml[^>]*>", "", decode_html(data))
    return lxml.html.document_fromstring(text or "<html></html>")


def absolute(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, without fragment; None for javascript:, mailto: and the like."""
    href = (href or "").strip()
    if not href or href.startswith("#") or re.match(r"(?i)(javascript|mailto|tel|data):", href):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def links(root, base: str) -> list[Link]:
    """Every link of the page, in order, with its title (the title attribute, else its text) and the
    date printed in its list item (``li``, table row or ``dd``), when there is one."""
    out = []
    for a in root.iter("a"):
        url = absolute(base, a.get("href"))
        if url is None:
            continue
        title = (a.get("title") or a.text_content() or "").strip()
        item = next((p for p in a.iterancestors() if p.tag in ("li", "tr", "dd", "dl")), None)
        found = _DATE.search(item.text_content()) if item is not None else None
        date = f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}" if found else None
        out.append(Link(url, re.sub(r"\s+", " ", title), date))
    return out


def further_pages(root, data: bytes, base: str) -> list[str]:
    """The other pages of a paginated index: TRS's ``createPageHTML(count, current, "index", "htm")``
    (or ``countPage = n``) read from the script as text, and pager links such as ``index_1.htm``."""
    text = decode_html(data)
    pages = []
    found = _TRS_PAGER.search(text)
    if found:
        count, name, ext = int(found[1]), found[2], found[3]
        pages += [urljoin(base, f"{name}_{i}.{ext}") for i in range(1, count)]
    elif (count := _COUNT_PAGE.search(text)) and (m := _PAGE_NAME.search(urlsplit(base).path)):
        pages += [urljoin(base, f"{m[1]}_{i}.{m[2]}") for i in range(1, int(count[1]))]
    pages += [link.url for link in links(root, base) if _PAGER_LINK.search(urlsplit(link.url).path)]
    return list(dict.fromkeys(pages))


def article(root, base: str) -> Article:
    """A report page: the documents it links to and how much table its content holds."""
    content = _content(root)
    attachments = {}
    for link in links(root, base):
        if urlsplit(link.url).path.lower().endswith(DOCUMENTS):
            attachments.setdefault(link.url, link)
    rows = max((len(t.xpath(".//tr")) for t in content.iter("table")), default=0)
    return Article(tuple(attachments.values()), rows)


def _content(root):
    """The element holding the page's body: the first marked as content (TRS_Editor, zoom, content…), else <body>."""
    for mark in CONTENT_MARKS:
        for el in root.iter("div", "td", "section", "article"):
            if mark in f"{el.get('class', '')} {el.get('id', '')}".lower():
                return el
    body = root.find("body")
    return body if body is not None else root


def sniff(data: bytes) -> str:
    """A body's type from its bytes: '.pdf', '.docx', '.ofd', '.doc' (any OLE file: .doc, .wps), '.zip',
    '.html', or '' when unknown."""
    head = data[:1024]
    if b"%PDF-" in head:
        return ".pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return ""
        if any(n.startswith("word/") for n in names):
            return ".docx"
        return ".ofd" if "OFD.xml" in names else ".zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<meta", b"<!--")) or b"<html" in text:
        return ".html"
    return ""
