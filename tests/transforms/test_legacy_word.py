"""The legacy Word reader (.doc, .wps): every corpus cell against its truth, the grid as the DOCX
reader gives it for the same layout, the text's pieces and fields, and each rejection with its reason."""

import io
import json
import random
import struct

import pytest
from conftest import CORPUS
from docx import Document as Docx

from tools.corpus.layout import Block, Document, GCell, build
from tools.corpus.render_doc import compound_file, render_doc
from tools.corpus.render_docx import render_docx
from tools.corpus.truth import make_truth
from transforms.model import ReadError
from transforms.readers.docx_tables import docx_document
from transforms.readers.legacy_word import legacy_word_document
from transforms.reports import read_report

FILES = sorted(p.name for p in CORPUS.glob("*") if p.suffix in (".doc", ".wps"))


def _read(data: bytes):
    """The lines and rows the reader gives."""
    document = legacy_word_document(data)
    return document.lines, document.rows


def test_the_corpus_holds_both_kinds():
    assert {n.rsplit(".", 1)[1] for n in FILES} == {"doc", "wps"} and len(FILES) == 6


@pytest.mark.parametrize("name", FILES)
def test_every_cell_read_as_the_truth_says(name):
    truth = json.loads((CORPUS / name).with_suffix(".truth.json").read_text(encoding="utf-8"))
    report = read_report(name, (CORPUS / name).read_bytes())
    assert (report.format, report.agency, report.year, report.template) == (
        "doc", truth["agency"], truth["year"], truth["template"])
    assert report.status == truth["expected_status"]
    got = {(c.table_code, c.item_code, c.column_code): c.value for c in report.cells}
    want = {(c["table"], c["item"], c["column"]): c["value"] for c in truth["cells"]}
    assert got == want
    assert all(c.source.table_no and c.source.row_no and c.source.col_no for c in report.cells)


def _layout(seed: int) -> Document:
    rng = random.Random(seed)
    return build(make_truth(rng, "x", broken=False, real=True), rng, blank="", appendix=False)


@pytest.mark.parametrize("style", ["doc", "wps"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_grid_is_the_docx_readers_grid_of_the_same_layout(seed, style):
    """Merged cells (Word 2000's wider cells, Word 97's merge flags, vertical merges) repeat one
    SourceCell over the positions they cover, with the same provenance as in the DOCX."""
    doc = _layout(seed)
    want = docx_document(render_docx(doc, random.Random(seed)))
    want_lines, want_rows = want.lines, want.rows
    lines, rows = _read(render_doc(doc, random.Random(seed), style=style))
    assert lines == want_lines
    assert [[c for c in r.cells] for r in rows] == [[c for c in r.cells] for r in want_rows]
    assert [r.grid for r in rows] == [r.grid for r in want_rows]
    merged = [r.cells for r in rows if r.grid and len({id(c) for c in r.cells}) < len(r.cells)]
    assert merged  # the layouts have horizontal merges: one object repeated in a row
    tables = {}
    for r in rows:
        if r.grid:
            tables.setdefault(r.cells[0].table_no, []).append(r.cells)
    assert any(any(a is b for a, b in zip(upper, lower, strict=True))
               for t in tables.values() for upper, lower in zip(t, t[1:], strict=False))  # and vertical ones


def test_eight_bit_pieces_read_as_unicode_ones():
    """cp1252 ("compressed") pieces beside UTF-16 ones, as a fast-saved file holds them."""
    doc = _layout(4)
    whole = _read(render_doc(doc, random.Random(4)))
    pieces = _read(render_doc(doc, random.Random(4), compress=True))
    assert pieces == whole
    ascii_only = Document(None, [Block("para", "Annual report 2020 – “quoted” café"),
                                 Block("table", rows=[[GCell("a"), GCell("b")], [GCell("1"), GCell("")]], ncols=2)])
    lines, rows = _read(render_doc(ascii_only, random.Random(0), compress=True))
    assert lines == ["Annual report 2020 – “quoted” café"]
    assert [[c.text for c in r.cells] for r in rows if r.grid] == [["a", "b"], ["1", ""]]
    assert [(c.row_no, c.col_no) for c in rows[-1].cells] == [(2, 1), (2, 2)]  # an empty cell is a blank position


def test_fields_keep_their_result_and_special_characters_go():
    doc = Document(None, [Block("para", "共\x13 PAGE \\* MERGEFORMAT \x1412\x15页\x01，"
                                        "\x13 REF a \x14\x13 SEQ b \x14三\x15条\x15"),
                          Block("para", "一\x0b二\x1f三\x1e四")])
    lines, _ = _read(render_doc(doc, random.Random(0)))
    assert lines == ["共12页，三条", "一\n二三-四"]


def _word_streams(doc: Document) -> dict[str, bytes]:
    import olefile

    with olefile.OleFileIO(io.BytesIO(render_doc(doc, random.Random(0)))) as ole:
        return {name: ole.openstream(name).read() for name in ("WordDocument", "1Table")}


def _with_fib(flags: int = 0, n_fib: int = 0xC1) -> bytes:
    streams = _word_streams(Document(None, [Block("para", "某某县2019年政府信息公开工作年度报告")]))
    word = bytearray(streams["WordDocument"])
    struct.pack_into("<H", word, 2, n_fib)
    struct.pack_into("<H", word, 10, struct.unpack_from("<H", word, 10)[0] | flags)
    return compound_file({"WordDocument": bytes(word), "1Table": streams["1Table"]})


def _docx() -> bytes:
    d = Docx()
    d.add_paragraph("某某县2019年政府信息公开工作年度报告")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.mark.parametrize("data,reason", [
    (b"{\\rtf1\\ansi some text}", "an RTF document saved as .doc"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n", r"a web archive \(MHT\)"),
    (b'<?xml version="1.0"?><?mso-application progid="Word.Document"?><w:wordDocument/>',
     "a Word 2003 XML document saved as .doc"),
    (b"\x00\x01\x02 plain bytes", "not a Word document: neither an OLE2 compound file"),
    (compound_file({"CONTENTS": bytes(4096)}), "a Microsoft Works document"),
    (compound_file({"Workbook": bytes(4096)}), "an Excel workbook"),
    (compound_file({"EncryptedPackage": bytes(4096)}), "password-protected Word document"),
    (compound_file({"Other": bytes(4096)}), "without a WordDocument stream"),
    (compound_file({"WordDocument": bytes(4096)}), "WordDocument stream has no FIB"),
    (_with_fib(flags=0x0100), r"password-protected Word document \(encrypted or obfuscated\)"),
    (_with_fib(flags=0x8000), r"password-protected Word document \(encrypted or obfuscated\)"),
    (_with_fib(n_fib=0x68), r"Word 6/95 document \(nFib 0x68\)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "damaged Word document"),
], ids=["rtf", "mht", "word-xml", "bytes", "works", "excel", "encrypted-package", "no-word-stream", "no-fib",
        "encrypted", "obfuscated", "word95", "damaged-container"])
def test_rejections_say_why(data, reason):
    with pytest.raises(ReadError, match=reason):
        read_report("report.doc", data)


def test_a_missing_table_stream_is_named():
    streams = _word_streams(Document(None, [Block("para", "文字")]))
    with pytest.raises(ReadError, match=r"without its table stream \(1Table\)"):
        _read(compound_file({"WordDocument": streams["WordDocument"]}))


def test_a_truncated_piece_table_is_damage_not_a_crash():
    streams = _word_streams(Document(None, [Block("para", "文字")]))
    with pytest.raises(ReadError, match="damaged Word document|piece table|outside its stream"):
        _read(compound_file({"WordDocument": streams["WordDocument"], "1Table": bytes(4096)}))


def test_a_web_page_or_docx_under_a_doc_name_is_read_as_what_it_is():
    page = "<html><head><meta charset='utf-8'></head><body><p>某某县2019年政府信息公开工作年度报告</p></body></html>"
    unicode = (page.encode("utf-16"), b"\xfe\xff" + page.encode("utf-16-be"))  # Word's "Unicode": UTF-16 with a BOM
    for data in (page.encode("utf-8"), *unicode):
        lines, _ = _read(data)
        assert lines == ["某某县2019年政府信息公开工作年度报告"]
    lines, _ = _read(_docx())
    assert lines == ["某某县2019年政府信息公开工作年度报告"]


@pytest.mark.parametrize("seed", range(40))
def test_a_damaged_file_is_rejected_or_read_never_a_crash(seed):
    rng = random.Random(seed)
    data = bytearray((CORPUS / FILES[seed % len(FILES)]).read_bytes())
    for _ in range(rng.choice([1, 8, 64])):
        at = rng.randrange(len(data))
        data[at] = rng.randrange(256)
    try:
        lines, rows = _read(bytes(data))
    except ReadError as e:
        assert str(e)
    else:
        assert isinstance(lines, list) and isinstance(rows, list)
