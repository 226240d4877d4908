"""Word 97–2003 binary renderings (.doc, and WPS Office's .wps, the same format), written byte by byte.

A minimal but valid file ([MS-DOC], [MS-CFB]): an OLE2 compound file (olefile only reads, so the
container is written here: 512-byte sectors, one FAT, a directory) holding ``WordDocument`` (the
FIB, the text, the paragraph and character property pages) and ``1Table`` (the piece table, the
page tables of the properties, one section, a document properties block). Paragraphs end with
\\r; a table cell with \\x07; a table row with one more \\x07 whose paragraph properties carry
sprmPFInTable, sprmPFTtp and sprmTDefTable (the cells' edges, borders and merge flags).

``style`` 'doc' writes merged cells as Word 2000 and later do (a wider cell; a vertical merge as
fvmRestart then fvmMerge cells); 'wps' writes a merge within one row as Word 97 did (a cell
flagged fFirstMerged, then cells flagged fMerged; Word 97 had no vertical merge, so a cell merged
both ways is a wider cell there too) and a Chinese language id. The text is one UTF-16LE
piece, as a full save writes it; ``compress`` cuts it into pieces, runs of paragraphs all in
cp1252 stored as 8-bit ("compressed") characters (LibreOffice reads such a file as the reader
does; antiword and catdoc misread it: catdoc reads the text between fcMin and fcMac as one run).
"""

import random
import struct

from tools.corpus.layout import Block, Document, grid

SECTOR = 512
END, FREE, FAT_SECT, NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
TEXT_START = 0x600  # fcMin: the text follows the FIB and its padding, as Word writes it
WIDTH = 9000  # twips across a table (6.25 inches)
BORDER = struct.pack("<BBBB", 4, 1, 1, 0)  # Brc80: 1/2 pt, single line, black
ALIGN = {"title": 1, "signature": 2, "date": 2}  # sprmPJc: centred, right


def render_doc(doc: Document, rng: random.Random, *, style: str = "doc", compress: bool = False) -> bytes:
    paragraphs = _paragraphs(doc, rng, style)
    word, table = _word_streams(paragraphs, style, compress)
    return compound_file({"WordDocument": word, "1Table": table})


def render_wps(doc: Document, rng: random.Random) -> bytes:
    return render_doc(doc, rng, style="wps")


def _paragraphs(doc: Document, rng: random.Random, style: str) -> list[tuple[str, bytes]]:
    """(text with its closing mark, grpprl after the istd) for every paragraph in order."""
    out: list[tuple[str, bytes]] = []
    for b in doc.blocks:
        if b.kind == "table":
            out += _table(b, rng, style)
        else:
            jc = ALIGN.get(b.kind)
            out.append((b.text + "\r", struct.pack("<HB", 0x2403, jc) if jc else b""))
    out.append(("\r", b""))  # the document's last paragraph (a table cannot end it)
    return out


def _table(block: Block, rng: random.Random, style: str) -> list[tuple[str, bytes]]:
    g = grid(block)
    in_table = struct.pack("<HB", 0x2416, 1)
    step = WIDTH // block.ncols
    out: list[tuple[str, bytes]] = []
    for r, row in enumerate(g):
        edges, flags = [0], []
        c = 0
        while c < block.ncols:
            cell = row[c]
            span = 1
            word97 = style == "wps" and cell is not None and cell.rowspan == 1
            if not word97:
                while c + span < block.ncols and row[c + span] is cell and cell is not None:
                    span += 1
            first_row = cell is None or r == 0 or g[r - 1][c] is not cell
            first_col = cell is None or c == 0 or row[c - 1] is not cell
            tcgrf = 0
            if cell is not None and cell.rowspan > 1:
                tcgrf |= 0x60 if first_row else 0x20  # fvmRestart, fvmMerge
            if word97 and cell.colspan > 1:
                tcgrf |= 0x01 if first_col else 0x02  # fFirstMerged, fMerged
            shown = cell is not None and first_row and first_col
            for text in _cell_paragraphs(cell, rng) if shown else [""]:
                out.append((text + "\r", in_table))
            out[-1] = (out[-1][0][:-1] + "\x07", in_table)
            c += span
            edges.append(c * step)
            flags.append(tcgrf)
        tdef = struct.pack(f"<B{len(edges)}h", len(flags), *edges) + b"".join(
            struct.pack("<HH", f, b - a) + BORDER * 4 for f, a, b in zip(flags, edges, edges[1:], strict=False))
        ttp = in_table + struct.pack("<HB", 0x2417, 1) + struct.pack("<HH", 0xD608, len(tdef) + 1) + tdef
        out.append(("\x07", ttp))
    return out


def _cell_paragraphs(cell, rng: random.Random) -> list[str]:
    """A cell's paragraphs as the DOCX rendering types them: a vertical label one character a line
    (line breaks), a wrapped label in two paragraphs, a long label sometimes typed as two."""
    text = "\x0b".join(cell.text) if cell.vertical else cell.text
    if cell.wrap:
        return [text[: cell.wrap], text[cell.wrap:]]
    if cell.key is None and len(text) > 10 and rng.random() < 0.3:
        cut = rng.randint(3, len(text) - 3)
        return [text[:cut], text[cut:]]
    return [text]


def _pieces(text: str, compress: bool) -> list[tuple[str, bool]]:
    """The text as pieces (text, 8-bit): one UTF-16 piece, or runs of paragraphs all in cp1252 as 8-bit."""
    if not compress:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    for para in text.replace("\r", "\r\0").replace("\x07", "\x07\0").split("\0"):
        if not para:
            continue
        try:
            para.encode("cp1252")
            compressed = True
        except UnicodeEncodeError:
            compressed = False
        if pieces and pieces[-1][1] == compressed:
            pieces[-1] = (pieces[-1][0] + para, compressed)
        else:
            pieces.append((para, compressed))
    return pieces


def _word_streams(paragraphs: list[tuple[str, bytes]], style: str, compress: bool) -> tuple[bytes, bytes]:
    text = "".join(t for t, _ in paragraphs)
    body = bytearray()
    pcds: list[tuple[int, int, bool]] = []  # first cp, fc, compressed
    cp = 0
    para_fcs: list[int] = []  # each paragraph's end in the stream
    for piece, compressed in _pieces(text, compress):
        if not compressed and len(body) % 2:
            body += b"\0"  # UTF-16 text starts at an even offset
        fc = TEXT_START + len(body)
        pcds.append((cp, fc, compressed))
        body += piece.encode("cp1252" if compressed else "utf-16-le")
        cp += len(piece)
    # the stream offset just past each paragraph mark: walk the pieces again, character by character
    ends = []
    cp_end = 0
    for t, _ in paragraphs:
        cp_end += len(t)
        ends.append(cp_end)
    for e in ends:
        for first, fc, compressed in reversed(pcds):
            if first < e:
                para_fcs.append(fc + (e - first) * (1 if compressed else 2))
                break
    text_end = TEXT_START + len(body)
    stream = bytearray(TEXT_START) + body
    stream += bytes(-len(stream) % SECTOR)
    papx_pages = _papx_pages([TEXT_START] + para_fcs, [g for _, g in paragraphs])
    papx_bte = []
    for first, page in papx_pages:
        papx_bte.append((first, len(stream) // SECTOR))
        stream += page
    chpx_page = bytearray(SECTOR)
    struct.pack_into("<II", chpx_page, 0, TEXT_START, text_end)  # one run, default character properties
    chpx_page[511] = 1
    chpx_pn = len(stream) // SECTOR
    stream += chpx_page

    table = bytearray()

    def put(blob: bytes) -> tuple[int, int]:
        at = len(table)
        table.extend(blob)
        return at, len(blob)

    n = len(pcds)
    plc_pcd = struct.pack(f"<{n + 1}i", *[p[0] for p in pcds], len(text)) + b"".join(
        struct.pack("<HIH", 0, (fc * 2) | 0x40000000 if compressed else fc, 0) for _, fc, compressed in pcds)
    clx = put(b"\x02" + struct.pack("<I", len(plc_pcd)) + plc_pcd)
    bte_papx = put(struct.pack(f"<{len(papx_bte) + 1}I", *[f for f, _ in papx_bte], para_fcs[-1])
                   + struct.pack(f"<{len(papx_bte)}I", *[pn for _, pn in papx_bte]))
    bte_chpx = put(struct.pack("<III", TEXT_START, text_end, chpx_pn))
    sed = put(struct.pack("<ii", 0, len(text)) + struct.pack("<HIHI", 0, 0xFFFFFFFF, 0, 0xFFFFFFFF))
    dop = put(bytes(544))
    fonts = put(_font_table(["宋体", "Times New Roman"]))
    styles = put(_stylesheet())

    fib = _fib(len(stream), len(text), (TEXT_START, text_end), style,
               {33: clx, 13: bte_papx, 12: bte_chpx, 6: sed, 31: dop, 15: fonts, 1: styles})
    stream[: len(fib)] = fib
    return bytes(stream).ljust(4096, b"\0"), bytes(table).ljust(4096, b"\0")  # at least the mini stream cutoff


def _fib(cb_mac: int, ccp_text: int, text_span: tuple[int, int], style: str,
         fc_lcb: dict[int, tuple[int, int]]) -> bytes:
    """FibBase, FibRgW97, FibRgLw97, FibRgFcLcb97 and an empty cswNew: the FIB of Word 97 ([MS-DOC] 2.5).
    FibBase's reserved5 and reserved6 hold the text's first and last stream offsets (fcMin, fcMac),
    as Word writes them and older readers use them."""
    lid = 0x0804 if style == "wps" else 0x0409
    flags = 0x1000 | 0x0200 | (0x4000 if style == "wps" else 0)  # fExtChar, fWhichTblStm (1Table), fFarEast
    base = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0xC1, 0, lid, 0, flags, 0xBF, 0, 0, 0, 0, 0, *text_span)
    rg_w = struct.pack("<H", 14) + bytes(26) + struct.pack("<H", 0x0804)  # lidFE last
    lw = [0] * 22
    lw[0], lw[3] = cb_mac, ccp_text
    rg_lw = struct.pack("<H22i", 22, *lw)
    pairs = [fc_lcb.get(i, (0, 0)) for i in range(93)]
    rg_fc = struct.pack("<H", 93) + b"".join(struct.pack("<II", *p) for p in pairs)
    return base + rg_w + rg_lw + rg_fc + struct.pack("<H", 0)


def _font_table(names: list[str]) -> bytes:
    """SttbfFfn ([MS-DOC] 2.9.264): each FFN with its TrueType flag and its name, UTF-16, null-terminated."""
    out = struct.pack("<HH", len(names), 0)
    for name in names:
        ffn = struct.pack("<BHBB", 0x04 | 0x02, 400, 0x86 if name == "宋体" else 0, 0) + bytes(10 + 24)
        ffn += (name + "\0").encode("utf-16-le")
        out += bytes([len(ffn)]) + ffn
    return out


def _stylesheet() -> bytes:
    """STSH ([MS-DOC] 2.9.271) holding one style, Normal (sti 0), with no properties of its own."""
    stshi = struct.pack("<HHHHHHHHH", 1, 10, 1, 0x5B, 15, 0, 1, 0, 1)  # fonts: Times New Roman, 宋体 for CJK
    name = "Normal"
    std = struct.pack("<HHHHH", 0, 0xFFF << 4 | 1, 2, 0, 0)  # sti 0; a paragraph style on no base; 2 UPXs
    std += struct.pack("<H", len(name)) + (name + "\0").encode("utf-16-le")
    std += struct.pack("<HH", 2, 0) + struct.pack("<H", 0)  # UpxPapx (istd 0), UpxChpx (empty)
    return struct.pack("<H", len(stshi)) + stshi + struct.pack("<H", len(std)) + std


def _papx_pages(fcs: list[int], grpprls: list[bytes]) -> list[tuple[int, bytes]]:
    """PapxFkp pages ([MS-DOC] 2.9.177): paragraph i spans fcs[i]..fcs[i+1]; equal grpprls share one
    PapxInFkp; a page is full when its offsets, BxPaps and PapxInFkps would meet."""
    pages = []
    i = 0
    while i < len(grpprls):
        page = bytearray(SECTOR)
        placed: dict[bytes, int] = {}
        low = SECTOR - 1  # the last byte is crun
        count = 0
        while i + count < len(grpprls) and count < 101:
            g = struct.pack("<H", 0) + grpprls[i + count]  # istd 0 (Normal) and the sprms
            need = 0 if g in placed else (len(g) + 1 if len(g) % 2 else len(g) + 2)
            at = (low - need) & ~1
            if 4 * (count + 2) + 13 * (count + 1) > at:
                break
            if g not in placed:
                blob = bytes([(len(g) + 1) // 2]) + g if len(g) % 2 else bytes([0, len(g) // 2]) + g
                page[at:at + len(blob)] = blob
                placed[g] = at
                low = at
            count += 1
        if count == 0:
            raise ValueError("paragraph properties larger than a page")
        for k in range(count):
            struct.pack_into("<I", page, 4 * k, fcs[i + k])
            page[4 * (count + 1) + 13 * k] = placed[struct.pack("<H", 0) + grpprls[i + k]] // 2
        struct.pack_into("<I", page, 4 * count, fcs[i + count])
        page[511] = count
        pages.append((fcs[i], bytes(page)))
        i += count
    return pages


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file ([MS-CFB], version 3) holding ``streams`` (each at least 4096 bytes,
    so all live in regular sectors) under its root storage."""
    chains = []
    sector = 0
    for data in streams.values():
        n = -(-len(data) // SECTOR)
        chains.append((sector, n))
        sector += n
    n_dir = -(-(len(streams) + 1) // 4)
    n_fat = 1
    while 128 * n_fat < sector + n_dir + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    base = n_fat + n_dir  # the FAT and directory sectors first, then the streams
    fat = [FAT_SECT] * n_fat + [END if k == n_dir - 1 else n_fat + k + 1 for k in range(n_dir)]
    for start, n in chains:
        fat += [base + start + k + 1 if k < n - 1 else END for k in range(n)]
    fat += [FREE] * (128 * n_fat - len(fat))
    header = bytearray(SECTOR)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, n_fat, 0, 4096, END, 0, END, 0)
    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    # the directory: the root, then the streams as a balanced tree ordered by (length, upper-case name)
    names = sorted(streams, key=lambda s: (len(s), s.upper()))
    ids = {name: k + 1 for k, name in enumerate(streams)}

    def tree(sorted_names: list[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        if not sorted_names:
            return NONE, {}
        mid = len(sorted_names) // 2
        left, lk = tree(sorted_names[:mid])
        right, rk = tree(sorted_names[mid + 1:])
        return ids[sorted_names[mid]], {**lk, **rk, sorted_names[mid]: (left, right)}

    top, links = tree(names)
    entries = [_entry("Root Entry", 5, NONE, NONE, top, END, 0)]
    for (name, data), (start, _) in zip(streams.items(), chains, strict=True):
        entries.append(_entry(name, 2, *links[name], NONE, base + start, len(data)))
    entries += [_entry("", 0, NONE, NONE, NONE, 0, 0)] * (4 * n_dir - len(entries))  # unused slots
    directory = b"".join(entries)
    body = b"".join(data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\0") for data in streams.values())
    return bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def _entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
            + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))
