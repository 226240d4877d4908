"""One substitute font for every font a PDF does not embed, so that no font of the reading machine
ever reaches pdfium.

pdfium substitutes a system font for a font the file names but does not embed (ReportLab's
STSong-Light, Word's 宋体 left out), and its text page drops a text object whose glyphs have no
outline in the substitute: on a machine without CJK fonts a one-character line (the vertical
headers 结/果/维/持) vanishes. Here every such font is one built-in TrueType font whose every
character is the same glyph: a dot, a square of a hundredth of the em on the baseline at the
origin (see ``box_font``). pdfium's loose box of a character is the box the file states (from
its origin through the text matrix: the advance width of /W or /Widths, the descriptor's ascent
and descent within its /FontBBox, at the font size) joined with the glyph's box; the dot lies
inside the first, so the box is what the file states, the same on every machine. (A full-em
glyph would widen every half-width digit to an em.)
"""

import ctypes
import functools
import struct

import pypdfium2.raw as raw

_EM, _ASCENT, _DESCENT, _DOT = 1000, 880, -120, 10  # font units: the ideographic em box; the dot's side


def _rectangle(x0: int, y0: int, x1: int, y1: int) -> bytes:
    """A glyph outline: one closed contour around the rectangle, its four points on the curve."""
    glyph = struct.pack(">hhhhh", 1, x0, y0, x1, y1) + struct.pack(">HH", 3, 0) + bytes([1] * 4)
    glyph += struct.pack(">hhhh", x0, 0, x1 - x0, 0) + struct.pack(">hhhh", y0, y1 - y0, 0, y0 - y1)
    return glyph + b"\0" * (-len(glyph) % 4)


def box_font() -> bytes:
    """A TrueType font whose every character is the dot, but for 'A' and 'g', a bar from the
    baseline to the ascent and to the descent: pdfium takes a font's ascent and descent from the
    boxes of 'A' and 'g' when the descriptor states none (LibreOffice writes /Ascent 0 /Descent 0),
    which then are the ideographic em box's 880 and -120."""
    glyphs = [b"", _rectangle(0, 0, _DOT, _DOT), _rectangle(0, 0, _DOT, _ASCENT), _rectangle(0, _DESCENT, _DOT, 0)]
    groups = [(0, 0x40, 1), (0x41, 0x41, 2), (0x42, 0x66, 1), (0x67, 0x67, 3), (0x68, 0x10FFFF, 1)]
    subtable = struct.pack(">HHIII", 13, 0, 16 + 12 * len(groups), 0, len(groups))
    subtable += b"".join(struct.pack(">III", *g) for g in groups)
    loca = [0]
    for g in glyphs:
        loca.append(loca[-1] + len(g))
    n = len(glyphs)
    tables = {
        b"cmap": struct.pack(">HHHHI", 0, 1, 3, 10, 12) + subtable,
        b"glyf": b"".join(glyphs),
        b"head": struct.pack(">IIIIHHqqhhhhHHhhh", 0x10000, 0x10000, 0, 0x5F0F3CF5, 0b1011, _EM, 0, 0,
                             0, _DESCENT, _EM, _ASCENT, 0, 8, 2, 1, 0),
        b"hhea": struct.pack(">IhhhHhhhhhhhhhhhH", 0x10000, _ASCENT, _DESCENT, 0, _EM, 0, 0, _EM,
                             1, 0, 0, 0, 0, 0, 0, 0, n),
        b"hmtx": struct.pack(">Hh", _EM, 0) * n,
        b"loca": struct.pack(f">{n + 1}I", *loca),
        b"maxp": struct.pack(">IHHHHHHHHHHHHHH", 0x10000, n, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        b"post": struct.pack(">IIhhIIIII", 0x30000, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    offset = 12 + 16 * len(tables)
    directory, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag] + b"\0" * (-len(tables[tag]) % 4)
        directory += tag + struct.pack(">III", 0, offset + len(body), len(tables[tag]))
        body += data
    return struct.pack(">IHHHH", 0x10000, len(tables), 128, 3, 16 * len(tables) - 128) + directory + body


_FONT = box_font()
_NAME = b"GongkaiBox"
_HANDLE = ctypes.c_void_p(1)


@ctypes.CFUNCTYPE(None, ctypes.POINTER(raw.FPDF_SYSFONTINFO))
def _release(this):
    pass


@ctypes.CFUNCTYPE(None, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_void_p)
def _enum_fonts(this, mapper):
    pass


@ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_int, raw.FPDF_BOOL,
                  ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(raw.FPDF_BOOL))
def _map_font(this, weight, italic, charset, pitch, face, exact):
    return _HANDLE.value


@ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_char_p)
def _get_font(this, face):
    return _HANDLE.value


@ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_void_p, ctypes.c_uint,
                  ctypes.POINTER(ctypes.c_ubyte), ctypes.c_ulong)
def _font_data(this, font, table, buffer, size):
    if table != 0:  # a single table (pdfium asks for 'ttcf' to tell a collection): not a collection
        return 0
    if buffer and size >= len(_FONT):
        ctypes.memmove(buffer, _FONT, len(_FONT))
    return len(_FONT)


@ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_void_p,
                  ctypes.POINTER(ctypes.c_char), ctypes.c_ulong)
def _face_name(this, font, buffer, size):
    if buffer and size > len(_NAME):
        ctypes.memmove(buffer, _NAME + b"\0", len(_NAME) + 1)
    return len(_NAME) + 1


@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_void_p)
def _charset(this, font):
    return 1  # DEFAULT_CHARSET


@ctypes.CFUNCTYPE(None, ctypes.POINTER(raw.FPDF_SYSFONTINFO), ctypes.c_void_p)
def _delete_font(this, font):
    pass


_INFO = raw.FPDF_SYSFONTINFO()
for _field, _fn in [("Release", _release), ("EnumFonts", _enum_fonts), ("MapFont", _map_font),
                    ("GetFont", _get_font), ("GetFontData", _font_data), ("GetFaceName", _face_name),
                    ("GetFontCharset", _charset), ("DeleteFont", _delete_font)]:
    setattr(_INFO, _field, ctypes.cast(_fn, type(getattr(_INFO, _field))))
_INFO.version = 1


@functools.cache
def use_box_font() -> None:
    """Make pdfium substitute the box font for every font a PDF does not embed (process-wide, once)."""
    raw.FPDF_SetSystemFontInfo(ctypes.byref(_INFO))
