"""Reading an HTML page with lxml: the report's tables as full grids, the other text as lines.

The charset comes from a byte-order mark, the meta tag, or the bytes themselves (UTF-8, else
GB18030, which covers GBK and GB2312). Tables holding other tables (page layout) are read as
text; only innermost tables are read as grids, with colspan and rowspan expanded.
"""

import re
from collections.abc import Callable

import lxml.html
from lxml import etree

from transforms.model import Document, ReadError, Row, SourceCell
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.readers.text_layout import UTF16_BOMS, decode, merge_tokens

BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "article", "td", "th"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def decode_html(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        return decode(data, "web page in an unknown encoding")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    m = _META.search(data[:4096])
    if m:
        name = m.group(1).decode().lower()
        codec = "gb18030" if name in ("gb2312", "gbk", "gb18030") else name
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, "web page in an unknown encoding")


def html_document(data: bytes, settings: ReaderSettings = DEFAULT,
                  ocr_started: Callable[[], None] | None = None) -> Document:
    text = _CONTROL.sub("", decode_html(data))  # control characters are no text, and lxml refuses them
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text))
    except (etree.ParserError, ValueError) as e:
        raise ReadError(f"not a readable web page ({e})") from None
    title = " ".join((root.findtext(".//title") or "").split())
    for bad in root.xpath("//script|//style|//noscript|//head|//select|//iframe"):
        bad.drop_tree()
    lines: list[str] = [title] if title else []  # the page's <title> first: it may name the body
    rows: list[Row] = []
    buffer: list[str] = []
    table_no = 0

    def flush() -> None:
        for piece in "".join(buffer).split("\n"):
            if piece.strip():
                lines.append(piece.strip())
                rows.append(Row(merge_tokens([SourceCell(t, line=len(lines)) for t in piece.split()])))
        buffer.clear()

    def walk(el) -> None:
        nonlocal table_no
        if not isinstance(el.tag, str):
            return
        if el.tag == "table" and not el.xpath(".//table"):
            flush()
            table_no += 1
            rows.extend(_grid(el, table_no))
            return
        if el.tag in BLOCKS:
            buffer.append("\n")
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if el.tag in BLOCKS:
            buffer.append("\n")

    walk(root.body if root.find("body") is not None else root)
    flush()
    return Document(lines, rows)


def _cell_text(cell) -> str:
    parts: list[str] = []

    def walk(el) -> None:
        if el.tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(cell)
    return "".join(parts).replace("\xa0", " ").strip()


MAX_COLUMNS = 100  # spans are expanded over the first 100 grid columns (a template table has about 15)


def _grid(table, table_no: int) -> list[Row]:
    """Rows of an innermost table with colspan and rowspan expanded over a full grid.

    The grid stays linear in the size of the table: a span is expanded within the first
    MAX_COLUMNS columns and down to the table's last row at most, and a cell does not extend its
    span into a position another cell already holds (so ``colspan="100" rowspan="100"`` on every
    cell costs no more than a plain table)."""
    trs = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    below: dict[tuple[int, int], SourceCell] = {}  # positions held by a cell from a row above
    out = []
    for r, tr in enumerate(trs):
        cells: list[SourceCell] = []
        for td in tr.xpath("./td|./th"):
            _fill(cells, below, r)
            c = len(cells)
            cell = SourceCell(_cell_text(td), table_no=table_no, row_no=r + 1, col_no=c + 1)
            width = max(1, min(_span(td.get("colspan")), MAX_COLUMNS - c))
            cells.extend([cell] * width)
            for dc in range(width if c < MAX_COLUMNS else 0):
                for dr in range(1, min(_span(td.get("rowspan")), len(trs) - r)):
                    if (r + dr, c + dc) in below:
                        break
                    below[(r + dr, c + dc)] = cell
        _fill(cells, below, r)
        out.append(Row(cells, grid=True))
    return out


def _fill(cells: list[SourceCell], below: dict[tuple[int, int], SourceCell], r: int) -> None:
    """Extend row ``r`` with the positions that cells from the rows above hold at its end."""
    while (r, len(cells)) in below:
        cells.append(below.pop((r, len(cells))))


def _span(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
