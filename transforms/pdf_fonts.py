"""One substitute font for every font a PDF does not embed, so that no font of the reading machine
ever reaches pdfium.

pdfium substitutes a system font for a font the file names but does not embed (ReportLab's
STSong-Light, Word's 宋体 left out), and its text page drops a text object whose glyphs have no
outline in the substitute: on a machine without CJK fonts a one-character line (the vertical
headers 结/果/维/持) vanishes. Here every such font is one built-in TrueType font whose every
character is the same glyph, a square filling the em (1000 units, 120 below the baseline), so each
character keeps the origin, size and widths the file states and its box is the same on every
machine.
"""

import ctypes
import functools
import struct

import pypdfium2.raw as raw

_EM, _DESCENT = 1000, 120


def box_font() -> bytes:
    """A TrueType font with two glyphs (.notdef, empty, and the em square) and a format 13 cmap
    mapping every Unicode character to the square."""
    square = struct.pack(">hhhhh", 1, 0, -_DESCENT, _EM, _EM - _DESCENT)  # one contour and its bounds
    square += struct.pack(">HH", 3, 0) + bytes([1] * 4)  # last point 3, no instructions, on-curve points
    square += struct.pack(">hhhh", 0, 0, _EM, 0) + struct.pack(">hhhh", -_DESCENT, _EM, 0, -_EM)  # x, y deltas
    square += b"\0" * (-len(square) % 4)
    tables = {
        b"cmap": struct.pack(">HHHHI", 0, 1, 3, 10, 12) + struct.pack(">HHIII", 13, 0, 28, 0, 1)
        + struct.pack(">III", 0, 0x10FFFF, 1),
        b"glyf": square,
        b"head": struct.pack(">IIIIHHqqhhhhHHhhh", 0x10000, 0x10000, 0, 0x5F0F3CF5, 0b1011, _EM, 0, 0,
                             0, -_DESCENT, _EM, _EM - _DESCENT, 0, 8, 2, 1, 0),
        b"hhea": struct.pack(">IhhhHhhhhhhhhhhhH", 0x10000, _EM - _DESCENT, -_DESCENT, 0, _EM, 0, 0, _EM,
                             1, 0, 0, 0, 0, 0, 0, 0, 2),
        b"hmtx": struct.pack(">HhHh", _EM, 0, _EM, 0),
        b"loca": struct.pack(">III", 0, 0, len(square)),
        b"maxp": struct.pack(">IHHHHHHHHHHHHHH", 0x10000, 2, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
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
