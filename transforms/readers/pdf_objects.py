"""What a PDF page draws, read with pdfium (through pypdfium2): its characters with their boxes, and
the straight horizontal and vertical strokes of its paths (the ruling lines of its tables).

pdfium parses a page in C, several times faster than pdfminer; pdfplumber's table geometry then
works on these edges (see ``pdf_tables``). Coordinates are pdfplumber's: points from the page's
top-left corner, ``top`` < ``bottom``.
"""

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from transforms.model import ReadError
from transforms.readers.pdf_fonts import use_box_font
from transforms.readers.settings import DEFAULT, ReaderSettings

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)  # the matrix (a, b, c, d, e, f) that moves nothing
_OVERSIZE = 3  # a loose box taller than this many ems is pdfium's mistake, not the glyph


class PdfPasswordError(Exception):
    """The document is encrypted and opens only with a password."""


@dataclass(frozen=True, slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class Drawing:
    """What page ``no`` (1-based) draws: its characters and the edges of its ruling lines."""

    no: int
    height: float
    chars: list[Char]
    edges: list[dict]


def readable_pdf(data: bytes) -> pdfium.PdfDocument:
    """The open document; ReadError, in a steward's words, when it needs a password or is broken."""
    try:
        return open_pdf(data)
    except PdfPasswordError:
        raise ReadError("password-protected PDF") from None
    except pdfium.PdfiumError as e:
        raise ReadError(f"not a readable PDF (corrupt or truncated: {e})") from None


def read_pdf(data: bytes, settings: ReaderSettings) -> tuple[pdfium.PdfDocument, list[Drawing] | None]:
    """The open document (the caller closes it) and what each of its pages draws; None for the
    pages when no page has a character (a scan): their lines are then not gathered. ReadError as
    ``readable_pdf``."""
    pdf = readable_pdf(data)
    try:
        return pdf, _text_layer(pdf, settings)
    except BaseException:
        pdf.close()
        raise


def _text_layer(pdf: pdfium.PdfDocument, settings: ReaderSettings) -> list[Drawing] | None:
    pages = [pdf[i] for i in range(len(pdf))]
    heights = [page.get_height() for page in pages]
    chars = [page_chars(page, height) for page, height in zip(pages, heights, strict=True)]
    if not any(chars):
        return None
    return [Drawing(i + 1, height, drawn, page_edges(page, height, settings=settings))
            for i, (page, height, drawn) in enumerate(zip(pages, heights, chars, strict=True))]


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The document; PdfPasswordError when it needs a password, pdfium.PdfiumError when unreadable."""
    use_box_font()
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == raw.FPDF_ERR_PASSWORD:
            raise PdfPasswordError() from None
        raise


def page_chars(page: pdfium.PdfPage, height: float) -> list[Char]:
    """The page's printed characters in content order (pdfium's inferred spaces and line breaks left
    out), each in its loose box: from its origin through the text matrix, the advance width the
    font dictionary gives (/W or /Widths) by the descriptor's ascent and descent, at the font size.
    A font the file does not embed is the box font of ``pdf_fonts``: no box depends on the fonts
    installed. A character set in vertical writing (WPS's vertical row headers), whose loose box
    pdfium gives at the unscaled font size, takes its glyph box instead."""
    textpage = raw.FPDFText_LoadPage(page.raw)
    try:
        count = raw.FPDFText_CountChars(textpage)
        text = _text(textpage, count)
        box = raw.FS_RECTF()
        chars = []
        for i in range(count):
            ch = text[i] if text is not None else _char(textpage, i, count)
            if not ch:
                continue
            if ch in "\r\n " and raw.FPDFText_IsGenerated(textpage, i):
                continue
            if ch in "\0\ufffe\uffff" or not raw.FPDFText_GetLooseCharBox(textpage, i, box):
                continue
            left, top, right, bottom = box.left, box.top, box.right, box.bottom
            if top - bottom > _OVERSIZE * _em(textpage, i):
                left, right, bottom, top = _tight_box(textpage, i)
            chars.append(Char(ch, left, height - top, right, height - bottom))
        return chars
    finally:
        raw.FPDFText_ClosePage(textpage)


def _em(textpage, i: int) -> float:
    """The character's font size on the page: its nominal size scaled by its text matrix."""
    m = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, i, m)
    return raw.FPDFText_GetFontSize(textpage, i) * abs(m.a * m.d - m.b * m.c) ** 0.5


def _tight_box(textpage, i: int) -> tuple[float, float, float, float]:
    """The glyph's own outline box (left, right, bottom, top): for characters set in vertical
    writing (WPS's vertical row headers), whose loose box pdfium gives at the unscaled font size."""
    sides = [ctypes.c_double() for _ in range(4)]
    raw.FPDFText_GetCharBox(textpage, i, *sides)
    return tuple(s.value for s in sides)


def _text(textpage, count: int) -> str | None:
    """The page's characters in one call, or None when they do not map one to one onto character
    indices (a character outside the Basic Multilingual Plane takes two UTF-16 units)."""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    units = raw.FPDFText_GetText(textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: 2 * max(units - 1, 0)].decode("utf-16-le", errors="replace")
    return text if len(text) == count else None


def _char(textpage, i: int, count: int) -> str:
    """Character ``i`` of the page; a character outside the Basic Multilingual Plane (𠮷) takes two
    indices, a UTF-16 surrogate pair: the first gives the character, the second nothing."""
    code = raw.FPDFText_GetUnicode(textpage, i)
    if 0xD800 <= code < 0xDC00:
        low = raw.FPDFText_GetUnicode(textpage, i + 1) if i + 1 < count else 0
        return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)) if 0xDC00 <= low < 0xE000 else ""
    return "" if 0xDC00 <= code < 0xE000 else chr(code)


def page_edges(page: pdfium.PdfPage, height: float, *, settings: ReaderSettings = DEFAULT) -> list[dict]:
    """Every horizontal or vertical straight segment of the page's paths (stroked lines, the sides of
    rectangles, filled or not), as pdfplumber edge dicts; paths inside form XObjects included."""
    edges: list[dict] = []
    _collect(page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, IDENTITY, height, edges, settings.axis)
    return edges


def _collect(parent, count, get, outer, height, edges, axis) -> None:
    matrix = raw.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM) or not raw.FPDFPageObj_GetMatrix(obj, matrix):
            continue
        m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            _collect(obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, m, height, edges, axis)
        else:
            _path_edges(obj, m, height, edges, axis)


def _compose(inner, outer):
    """The matrix applying ``inner`` then ``outer`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(path, m, height, edges, axis) -> None:
    x, y = ctypes.c_float(), ctypes.c_float()
    start = last = None
    for i in range(raw.FPDFPath_CountSegments(path)):
        segment = raw.FPDFPath_GetPathSegment(path, i)
        raw.FPDFPathSegment_GetPoint(segment, x, y)
        point = (m[0] * x.value + m[2] * y.value + m[4], height - (m[1] * x.value + m[3] * y.value + m[5]))
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == raw.FPDF_SEGMENT_LINETO and last is not None:
            _add_edge(last, point, edges, axis)
        if raw.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_edge(point, start, edges, axis)
        last = point


def _add_edge(p, q, edges, axis) -> None:
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    if bottom - top < axis and x1 - x0 < axis:
        return  # a point: the closing segment of a path that already ends where it began
    if bottom - top < axis:
        edges.append({"x0": x0, "x1": x1, "top": top, "bottom": top, "width": x1 - x0, "height": 0.0,
                      "doctop": top, "orientation": "h"})
    elif x1 - x0 < axis:
        edges.append({"x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
                      "doctop": top, "orientation": "v"})
