"""Turning report text into rows of cells, whatever layout the text was saved in.

Three layouts occur: tab-separated tables (one row per line), one cell per line with tab
indentation (one row per blank-line-separated block), and text pulled out of a PDF (one row per
line, cells separated by spaces); markdown tables (``| a | b |``) are read a row per line in any
of them. Every cell keeps its 1-based line number.
"""

import re
from collections.abc import Callable
from dataclasses import replace

from transforms import catalog
from transforms.model import Document, ReadError, Row, SourceCell
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.values import parse_value

_SIGN_WORDS = {"增加", "减少", "增", "减"}
_UNIT_WORDS = {form for w in catalog.printed_units("yuan") for form in (w, f"（{w}）", f"({w})")}  # a money unit


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # what Windows' "Unicode" saves a file as starts with one of these


def decode(data: bytes, unknown: str = "text in an unknown encoding (neither UTF-8 nor GBK/GB18030)") -> str:
    """UTF-16 when it starts with its byte-order mark, else UTF-8 (with or without BOM), else
    GB18030 (a superset of GBK and GB2312); else ReadError(``unknown``)."""
    for encoding in ("utf-16",) if data.startswith(UTF16_BOMS) else ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(unknown)


def text_document(data: bytes, settings: ReaderSettings = DEFAULT,
                  ocr_started: Callable[[], None] | None = None) -> Document:
    """A text or markdown file: its lines, and its rows in whichever layout it was saved."""
    text = decode(data)
    return Document(text.splitlines(), text_rows(text))


def detect_layout(lines: list[str]) -> str:
    """'tab', 'block' or 'token' (see the module docstring)."""
    multi = sum(1 for ln in lines if sum(1 for c in ln.split("\t") if c.strip()) >= 2)
    single = sum(
        1 for ln in lines if ln.startswith("\t") and sum(1 for c in ln.split("\t") if c.strip()) <= 1
    )
    if multi >= 10 and multi >= single:
        return "tab"
    if single >= 10:
        return "block"
    return "token"


def merge_tokens(cells: list[SourceCell]) -> list[SourceCell]:
    """Space-separated tokens with "增加 806" and "10822 万元" joined back into one cell each."""
    out: list[SourceCell] = []
    for cell in cells:
        if out and out[-1].text.isdigit() and re.match(r"[.、．]\D", cell.text):
            prev = out.pop()  # "5 .属于三类内部事务信息": a row number cut off by a stray space
            cell = replace(prev, text=prev.text + cell.text, bbox=_union(prev.bbox, cell.bbox))
        elif out and (
            (cell.text in _UNIT_WORDS and parse_value(out[-1].text) is not None)
            or (out[-1].text in _SIGN_WORDS and parse_value(cell.text) is not None)
        ):
            prev = out.pop()
            cell = replace(prev, text=f"{prev.text} {cell.text}", bbox=_union(prev.bbox, cell.bbox))
        out.append(cell)
    return out


def _union(a, b):
    if a and b:
        return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
    return a or b


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def text_rows(text: str) -> list[Row]:
    lines = text.splitlines()
    layout = detect_layout(lines)
    rows: list[Row] = []
    if layout == "block":
        block: list[SourceCell] = []
        for no, ln in enumerate(lines, start=1):
            if ln.strip():
                block.append(SourceCell(ln.strip(), line=no))
            elif block:
                rows.append(Row(block))
                block = []
        if block:
            rows.append(Row(block))
        return rows
    for no, ln in enumerate(lines, start=1):
        if not ln.strip():
            continue
        if _PIPE_ROW.match(ln):  # a markdown table row: | a | b |
            rows.append(Row([SourceCell(p.strip(), line=no) for p in ln.strip().strip("|").split("|")], grid=True))
        elif layout == "tab":
            rows.append(Row([SourceCell(p.strip(), line=no) for p in ln.split("\t")]))
        else:
            cells = [SourceCell(p, line=no) for p in ln.split()]
            if rows and _cut_row_number(rows[-1], cells):  # "4" / ".保护第三方合法权益 0 0": one label
                number = rows.pop().cells[0].text
                cells[0] = replace(cells[0], text=number + cells[0].text)
            rows.append(Row(merge_tokens(cells)))
    return rows


def _cut_row_number(prev: Row, cells: list[SourceCell]) -> bool:
    """A row number wrapped onto a line of its own, the rest of its label on the next line."""
    return (len(prev.cells) == 1 and bool(re.fullmatch(r"\d{1,2}", prev.cells[0].text))
            and prev.cells[0].line == cells[0].line - 1 and bool(re.match(r"[.、．]\D", cells[0].text)))


_PAGE_FOOTER = re.compile(r"[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[/／共]\s*\d{1,3}\s*页?)?")


def is_rule(row: Row) -> bool:
    """A markdown table rule such as ``---|---``, or a page footer such as "- 4 -" or "第 4 页" left
    in text extracted from a PDF: no content."""
    texts = [c.text for c in row.cells if c.text]
    if texts and _PAGE_FOOTER.fullmatch(" ".join(texts)):
        return True
    return bool(texts) and all(re.fullmatch(r"[-:|=]{3,}", t) for t in texts)
