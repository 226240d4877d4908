"""Reading a legacy Word file (.doc, Word 97–2003; WPS Office's .wps is the same format) with olefile.

The file is an OLE2 compound file. Its ``WordDocument`` stream starts with the FIB, which says
which table stream (``0Table`` or ``1Table``) holds the piece table (Clx) and the paragraph
properties ([MS-DOC] 2.5, 2.9.38, 2.8.5). The text of the main document is the characters 0 to
ccpText, gathered piece by piece (8-bit "compressed" pieces or UTF-16LE ones). Paragraphs end with
\\r; inside a table, a cell ends with the cell mark \\x07 and a row ends with one more \\x07 whose
paragraph properties say fTtp (sprmPFTtp), and which carry the row's cell layout (sprmTDefTable):
the cells' edges and their merge flags. Merged cells repeat one SourceCell over the grid positions
they cover, as the DOCX reader gives them. A field (\\x13 code \\x14 result \\x15) keeps its result.

An HTML page or a DOCX package saved under a .doc name is read by the reader of what it is; an
RTF file, a Word 6/95 file, an encrypted one, or one without its streams is rejected, saying why.
"""

import bisect
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import olefile

from transforms.model import Document, ReadError, Row, SourceCell
from transforms.readers.docx_tables import docx_document
from transforms.readers.html_tables import html_document
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.readers.text_layout import UTF16_BOMS, merge_tokens

MAX_STREAM = 200e6  # bytes of one stream read into memory
WORD97_NFIB = 0xC1  # FibBase.nFib of Word 97 and every later version; Word 6 and 95 wrote 0x65–0x69
CELL_MARK = "\x07"
PARAGRAPH_ENDS = "\r\x0c\x0e"  # paragraph mark, page or section break, column break
# special characters with no text of their own: pictures, footnote and comment references, drawn objects
SPECIAL = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x06\x08\x1f"), None) | {0x0B: "\n", 0x1E: "-"}
_CP1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))

# sprms ([MS-DOC] 2.6.2 and 2.6.3) read from paragraph properties
S_IN_TABLE, S_TTP, S_ITAP, S_HUGE_PAPX, S_TDEF_TABLE = 0x2416, 0x2417, 0x6649, 0x6646, 0xD608
OPERAND_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by the sprm's spra; 6 is sized by its operand
# TC80.tcgrf bits, named as Word 97's TC and the readers of LibreOffice and Apache POI name them
H_FIRST, H_MERGED, V_MERGE, V_RESTART = 0x01, 0x02, 0x20, 0x40


def legacy_word_document(data: bytes, settings: ReaderSettings = DEFAULT,
                         ocr_started: Callable[[], None] | None = None) -> Document:
    """The lines and table rows of a .doc or .wps file, in the shape of ``docx_document``."""
    if not olefile.isOleFile(io.BytesIO(data)):
        return _not_ole(data)
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path): path for path in ole.listdir()}
            if "WordDocument" not in streams:
                raise ReadError(_other_ole(streams))
            word = _stream(ole, "WordDocument")
            fib = _fib(word)
            table_name = "1Table" if fib["which_table"] else "0Table"
            if table_name not in streams:
                raise ReadError(f"Word document without its table stream ({table_name}): its text cannot be found")
            table = _stream(ole, table_name)
            data_stream = _stream(ole, "Data") if "Data" in streams else b""
    except (OSError, ValueError, IndexError, struct.error) as e:  # what olefile raises on a damaged container
        raise ReadError(f"damaged Word document ({type(e).__name__}: {e})") from None
    try:
        paragraphs = _paragraphs(word, table, data_stream, fib)
    except (struct.error, IndexError, ValueError) as e:
        raise ReadError(f"damaged Word document: its text or paragraph properties cannot be read ({e})") from None
    return Document(*_lines_and_rows(paragraphs))


def _not_ole(data: bytes) -> Document:
    """A file named .doc that is no OLE2 compound file: read as what it is, or rejected saying what it is."""
    head = data[:2048]
    if head.startswith(UTF16_BOMS):  # a web page saved as "Unicode"
        head = head.decode("utf-16", errors="replace").encode()
    head = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if head.startswith(b"{\\rtf"):
        raise ReadError("an RTF document saved as .doc: not read (save it as .docx or PDF)")
    if head.startswith(b"PK\x03\x04"):
        return docx_document(data)  # Word 2007+ saves a .docx under the old name when asked
    lower = head.lower()
    if lower.startswith(b"mime-version") or b"multipart/related" in lower:
        raise ReadError("a web archive (MHT) saved as .doc: not read (save it as .docx, PDF or a web page)")
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lower:
        if b"<?mso-application progid=\"word.document\"?>" in data[:4096].lower():
            raise ReadError("a Word 2003 XML document saved as .doc: not read (save it as .docx or PDF)")
        return html_document(data)  # Word's "save as web page" under a .doc name, common on government sites
    raise ReadError("not a Word document: neither an OLE2 compound file (Word 97–2003, WPS) nor a web page")


def _other_ole(streams: dict) -> str:
    if "CONTENTS" in streams or "MatOST" in streams:
        return "a Microsoft Works document (.wps), not a Word or WPS Office one: not read (save it as .docx or PDF)"
    if "Workbook" in streams or "Book" in streams:
        return "an Excel workbook saved as a Word file: not read"
    if "EncryptedPackage" in streams:
        return "password-protected Word document (encrypted package): not read"
    return "OLE2 compound file without a WordDocument stream: not a Word document"


def _stream(ole: olefile.OleFileIO, name: str) -> bytes:
    if ole.get_size(name) > MAX_STREAM:
        raise ReadError(f"Word document whose {name} stream is over {MAX_STREAM / 1e6:.0f} MB")
    return ole.openstream(name).read()


def _fib(word: bytes) -> dict:
    """The parts of the FIB ([MS-DOC] 2.5.1) the reader needs, after the checks that reject the file."""
    if len(word) < 34 or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
        raise ReadError("Word document whose WordDocument stream has no FIB (not Word 97–2003)")
    n_fib, = struct.unpack_from("<H", word, 2)
    flags, = struct.unpack_from("<H", word, 10)
    if n_fib < WORD97_NFIB:
        raise ReadError(f"Word 6/95 document (nFib {n_fib:#x}): not read (save it as .docx or PDF)")
    if flags & 0x0100 or flags & 0x8000:
        raise ReadError("password-protected Word document (encrypted or obfuscated): not read")
    pos = 32
    csw, = struct.unpack_from("<H", word, pos)
    pos += 2 + 2 * csw
    cslw, = struct.unpack_from("<H", word, pos)
    lw = pos + 2
    pos = lw + 4 * cslw
    cb_fc_lcb, = struct.unpack_from("<H", word, pos)
    fc_lcb = pos + 2
    if cslw < 4 or cb_fc_lcb < 34:
        raise ReadError("Word document with a truncated FIB")

    def pair(index: int) -> tuple[int, int]:
        return struct.unpack_from("<II", word, fc_lcb + 8 * index)

    return {
        "which_table": bool(flags & 0x0200),
        "ccp_text": struct.unpack_from("<i", word, lw + 4 * 3)[0],
        "clx": pair(33),
        "bte_papx": pair(13),
    }


def _slice(stream: bytes, fc: int, lcb: int, what: str) -> bytes:
    if lcb == 0 or fc + lcb > len(stream):
        raise ReadError(f"Word document without a readable {what}: missing or outside its stream")
    return stream[fc:fc + lcb]


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """(first cp, last cp + 1, byte offset in WordDocument, compressed) of every piece ([MS-DOC] 2.9.38)."""
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Pcr: property modifiers of fast saves, skipped
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise ReadError("Word document without a piece table")
    lcb, = struct.unpack_from("<I", clx, pos + 1)
    plc = clx[pos + 5:pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    out = []
    for i in range(n):
        fc, = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return out


@dataclass
class Properties:
    """The paragraph properties of one run of the stream: in a table, a row end, the row's layout."""

    in_table: bool = False
    row_end: bool = False
    edges: list[int] = field(default_factory=list)  # sprmTDefTable's rgdxaCenter: the cells' edges in twips
    merges: list[int] = field(default_factory=list)  # each cell's tcgrf, on a row end


@dataclass
class Paragraph:
    """One paragraph of the main text, its closing mark and the properties the mark carries."""

    text: str
    mark: str
    props: Properties = field(default_factory=Properties)

    @property
    def in_table(self) -> bool:
        return self.props.in_table or self.mark == CELL_MARK

    @property
    def row_end(self) -> bool:
        return self.props.row_end and self.mark == CELL_MARK


def _papx_runs(word: bytes, table: bytes, data_stream: bytes,
               fib: dict) -> tuple[list[int], list[int], list[Properties]]:
    """Every paragraph run's stream offsets (first, last + 1), in order, and its properties: the PlcBtePapx
    names the PapxFkp pages ([MS-DOC] 2.8.6, 2.9.177), each maps runs to a GrpPrlAndIstd."""
    plc = _slice(table, *fib["bte_papx"], "paragraph properties (PlcBtePapx)")
    n = (len(plc) - 4) // 8
    starts: list[int] = []
    ends: list[int] = []
    props: list[Properties] = []
    for i in range(n):
        pn, = struct.unpack_from("<I", plc, 4 * (n + 1) + 4 * i)
        page = word[(pn & 0x3FFFFF) * 512:(pn & 0x3FFFFF) * 512 + 512]
        crun = page[511]
        for r in range(crun):
            fc, fc_end = struct.unpack_from("<II", page, 4 * r)
            offset = page[4 * (crun + 1) + 13 * r] * 2
            prop = Properties()
            if offset:
                cb = page[offset]
                grpprl = page[offset + 1:offset + 2 * cb] if cb else page[offset + 2:offset + 2 + 2 * page[offset + 1]]
                _apply(grpprl[2:], prop, data_stream)  # after the istd
            starts.append(fc)
            ends.append(fc_end)
            props.append(prop)
    return starts, ends, props


def _apply(grpprl: bytes, prop: Properties, data_stream: bytes) -> None:
    """The sprms of a grpprl that place a paragraph in a table ([MS-DOC] 2.6.2, 2.6.3)."""
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm, = struct.unpack_from("<H", grpprl, pos)
        pos += 2
        spra = sprm >> 13
        if sprm == S_TDEF_TABLE:
            size = 2 + struct.unpack_from("<H", grpprl, pos)[0] - 1
            _cells(grpprl[pos + 2:pos + size], prop)
        elif spra == 6:
            size = 1 + grpprl[pos]
        else:
            size = OPERAND_SIZE[spra]
        if sprm == S_IN_TABLE:
            prop.in_table = bool(grpprl[pos])
        elif sprm == S_TTP:
            prop.row_end = bool(grpprl[pos])
        elif sprm == S_ITAP:
            prop.in_table = prop.in_table or struct.unpack_from("<i", grpprl, pos)[0] > 0
        elif sprm == S_HUGE_PAPX and data_stream:  # properties too large for the page, in the Data stream
            at, = struct.unpack_from("<I", grpprl, pos)
            cb, = struct.unpack_from("<H", data_stream, at)
            _apply(data_stream[at + 2:at + 2 + cb], prop, b"")  # they hold no further reference
        pos += size


def _cells(operand: bytes, prop: Properties) -> None:
    """sprmTDefTable's TDefTableOperand: the cells' edges in twips and each cell's tcgrf."""
    count = operand[0]
    prop.edges = list(struct.unpack_from(f"<{count + 1}h", operand, 1))
    tcs = operand[1 + 2 * (count + 1):]
    prop.merges = [struct.unpack_from("<H", tcs, 20 * i)[0] for i in range(min(count, len(tcs) // 20))]


def _paragraphs(word: bytes, table: bytes, data_stream: bytes, fib: dict) -> list[Paragraph]:
    clx = _slice(table, *fib["clx"], "piece table (Clx)")
    ccp = fib["ccp_text"]
    starts, ends, props = _papx_runs(word, table, data_stream, fib)
    paragraphs: list[Paragraph] = []
    chars: list[str] = []
    fields: list[bool] = []  # per open field: whether its result has begun
    for first, last, offset, compressed in _pieces(clx):
        first, last = max(first, 0), min(last, ccp)
        if first >= last:
            continue
        width = 1 if compressed else 2
        raw = word[offset:offset + (last - first) * width]
        if len(raw) < (last - first) * width:
            raise ReadError("Word document whose text runs past the end of its stream")
        text = raw.decode("latin-1").translate(_CP1252) if compressed else raw.decode("utf-16-le", errors="replace")
        for i, ch in enumerate(text):
            if ch == "\x13":
                fields.append(False)
            elif ch == "\x14" and fields:
                fields[-1] = True
            elif ch == "\x15" and fields:
                fields.pop()
            elif ch == CELL_MARK or ch in PARAGRAPH_ENDS:
                at = offset + i * width
                k = bisect.bisect_right(starts, at) - 1
                prop = props[k] if k >= 0 and at < ends[k] else Properties()
                paragraphs.append(Paragraph("".join(chars).translate(SPECIAL), ch, prop))
                chars = []
            elif all(fields):
                chars.append(ch)
    if chars:
        paragraphs.append(Paragraph("".join(chars).translate(SPECIAL), "\r"))
    return paragraphs


def _lines_and_rows(paragraphs: list[Paragraph]) -> tuple[list[str], list[Row]]:
    lines: list[str] = []
    rows: list[Row] = []
    tables = 0
    table: list[tuple[list[str], Paragraph | None]] = []  # the open table's rows: cell texts, row end
    cells: list[str] = []  # the open row's cells
    cell: list[str] = []  # the open cell's paragraphs

    def close() -> None:
        nonlocal tables, table, cells, cell
        if any(t.strip() for t in cell):  # a cell and a row without their marks keep their text
            cells.append("\n".join(cell).strip())
        if cells:
            table.append((cells, None))
        if table:
            tables += 1
            rows.extend(_grid(table, tables))
        table, cells, cell = [], [], []

    for p in paragraphs:
        if p.row_end:
            table.append((cells, p))
            cells, cell = [], []
        elif p.in_table:
            cell.append(p.text)
            if p.mark == CELL_MARK:
                cells.append("\n".join(cell).strip())
                cell = []
        else:
            close()
            if p.text.strip():
                lines.append(p.text)
                rows.append(Row(merge_tokens([SourceCell(t, line=len(lines)) for t in p.text.split()])))
    close()
    return lines, rows


def _grid(table: list[tuple[list[str], Paragraph | None]], table_no: int) -> list[Row]:
    """The rows of one table as full grids. The grid's columns are the cells' edges of every row
    together; a cell covers the columns between its edges. A cell flagged as merged with the
    preceding one (Word 97's horizontal merge) repeats that cell, and one flagged as continuing a
    vertical merge repeats the cell above it in the same column."""
    edges = sorted({x for _, end in table if end and len(end.props.edges) > 1 for x in end.props.edges})
    out: list[Row] = []
    above: dict[int, SourceCell] = {}  # grid column → the cell the previous row shows there
    for r, (texts, end) in enumerate(table):
        spans = _spans(texts, end, edges)
        merges = end.props.merges if end else []
        row: list[SourceCell] = []
        here: dict[int, SourceCell] = {}
        for i, (text, (lo, hi)) in enumerate(zip(texts, spans, strict=True)):
            flags = merges[i] if i < len(merges) else 0
            if flags & H_MERGED and not flags & H_FIRST and row:
                cell = row[-1]
            elif flags & V_MERGE and not flags & V_RESTART and lo in above:
                cell = above[lo]
            else:
                cell = SourceCell(text, table_no=table_no, row_no=r + 1, col_no=lo + 1)
            for c in range(lo, hi):
                here[c] = cell
                row.append(cell)
        above = here
        if row:
            out.append(Row(row, grid=True))
    return out


def _spans(texts: list[str], end: Paragraph | None, edges: list[int]) -> list[tuple[int, int]]:
    """The grid columns [lo, hi) each cell of a row covers: from its edges when the row states
    them for every cell, else one column a cell."""
    if end and len(end.props.edges) == len(texts) + 1 and edges:
        index = {x: i for i, x in enumerate(edges)}
        cuts = end.props.edges
        return [(index[a], max(index[b], index[a] + 1)) for a, b in zip(cuts, cuts[1:], strict=False)]
    return [(i, i + 1) for i in range(len(texts))]
