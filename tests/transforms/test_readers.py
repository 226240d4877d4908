"""Each format's reader: provenance that leads back to the printed cell, and clear rejections."""

import io
import random

import lxml.html
import pdfplumber
import pytest
from conftest import CORPUS, make_pdf
from docx import Document
from docx.oxml.ns import qn

from transforms.labels import normalize
from transforms.model import ReadError
from transforms.readers.docx_tables import docx_document
from transforms.reports import read_report


def read(name: str):
    return read_report(name, (CORPUS / name).read_bytes())


def first(pattern: str) -> str:
    return sorted(p.name for p in CORPUS.glob(pattern) if not p.name.endswith(".truth.json"))[0]


@pytest.mark.parametrize("producer", ["pdf_reportlab", "pdf_libreoffice", "pdf_chromium"])
def test_pdf_cells_point_at_their_box(producer):
    name = first(f"*_{producer}.pdf")
    report = read(name)
    assert report.cells
    with pdfplumber.open(CORPUS / name) as pdf:
        for cell in report.cells:
            src = cell.source
            assert src.page is not None and src.bbox is not None
            printed = pdf.pages[src.page - 1].crop(src.bbox).extract_text()
            assert normalize(src.text) in normalize(printed), (cell, printed)


def test_docx_cells_point_at_their_table_cell():
    name = first("*_docx.docx")
    report = read(name)
    doc = Document(CORPUS / name)
    for cell in report.cells:
        src = cell.source
        assert doc.tables[src.table_no - 1].cell(src.row_no - 1, src.col_no - 1).text.strip() == src.text



def test_a_docx_vertical_merge_repeats_its_cell_and_one_continued_in_the_top_row_is_its_own():
    """Word shows a cell whose vMerge says "continue" in a table's top row as a cell of its own
    (python-docx raises there); lower down, a continued cell is the cell above it."""
    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    for r, texts in enumerate([("总计", "5"), ("其中", "3"), ("", "2")]):
        for c, text in enumerate(texts):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))  # 其中 over two rows
    properties = table.cell(0, 0)._tc.get_or_add_tcPr()
    properties.append(properties.makeelement(qn("w:vMerge"), {qn("w:val"): "continue"}))
    out = io.BytesIO()
    doc.save(out)
    rows = docx_document(out.getvalue()).rows
    assert [[c.text for c in row.cells] for row in rows] == [["总计", "5"], ["其中", "3"], ["其中", "2"]]
    assert rows[2].cells[0] is rows[1].cells[0] and (rows[0].cells[0].row_no, rows[2].cells[1].row_no) == (1, 3)

def test_html_cells_point_at_their_row():
    name = first("*_html_gbk.htm")
    report = read(name)
    page = lxml.html.document_fromstring((CORPUS / name).read_bytes().decode("gb18030"))
    tables = page.xpath("//table[not(.//table)]")
    for cell in report.cells:
        src = cell.source
        row = tables[src.table_no - 1].xpath("./tr|./tbody/tr")[src.row_no - 1]
        assert src.text in row.text_content().replace("\xa0", " ")


def test_text_cells_point_at_their_line():
    name = first("*_text_tab_gbk.txt")
    report = read(name)
    lines = (CORPUS / name).read_bytes().decode("gbk").splitlines()
    for cell in report.cells:
        assert cell.source.text in lines[cell.source.line - 1]



@pytest.mark.parametrize("pattern", ["*_html_utf8.html", "*_text_tab.txt"])
def test_a_web_page_or_text_saved_as_utf16_reads_as_its_utf8_original(pattern):
    """Windows saves "Unicode" as UTF-16 with a byte-order mark, little- or big-endian."""
    name = first(pattern)
    original = read(name)
    text = (CORPUS / name).read_bytes().decode("utf-8")
    for data in (text.encode("utf-16"), b"\xfe\xff" + text.encode("utf-16-be")):
        report = read_report(name, data)
        assert report.status == original.status and [c.value for c in report.cells] == [c.value for c in original.cells]

def test_pdf_ruling_lines_drawn_in_a_moved_form_land_where_printed():
    """pdfium gives a form XObject's paths in the form's space: they must be placed on the page."""
    import pypdfium2 as pdfium

    from transforms.readers.pdf_objects import page_edges

    def draw(c):
        c.beginForm("grid")
        c.rect(0, 0, 200, 40)
        c.line(100, 0, 100, 40)
        c.endForm()
        c.translate(50, 100)
        c.doForm("grid")

    page = pdfium.PdfDocument(make_pdf(draw))[0]
    height = page.get_height()
    edges = {(e["orientation"], round(e["x0"]), round(e["top"]), round(e["x1"]), round(e["bottom"]))
             for e in page_edges(page, height)}
    top, bottom = round(height - 140), round(height - 100)
    assert edges == {("h", 50, top, 250, top), ("h", 50, bottom, 250, bottom),
                     ("v", 50, top, 50, bottom), ("v", 250, top, 250, bottom), ("v", 150, top, 150, bottom)}


def test_pdf_without_text_layer_or_template_table_is_rejected():
    """No text layer: the page is read with OCR, which finds a ruled box but no template table."""
    data = make_pdf(lambda c: (c.rect(50, 50, 400, 600), c.line(50, 300, 450, 300)))
    with pytest.raises(ReadError, match="scanned PDF read by OCR: no statistical table"):
        read_report("scan.pdf", data)


def test_password_protected_pdf_is_rejected():
    data = make_pdf(lambda c: c.drawString(100, 700, "secret"), encrypt="pass")
    with pytest.raises(ReadError, match="password-protected PDF"):
        read_report("locked.pdf", data)


def test_corrupt_pdf_is_rejected():
    data = (CORPUS / first("*_pdf_reportlab.pdf")).read_bytes()
    with pytest.raises(ReadError, match="PDF"):
        read_report("cut.pdf", data[: len(data) // 3])


def test_a_word_file_that_is_no_report_is_rejected():
    doc = Document()
    doc.add_paragraph("会议通知：请各单位于周五下午参加会议。")
    out = io.BytesIO()
    doc.save(out)
    with pytest.raises(ReadError, match="no statistical table"):
        read_report("notice.docx", out.getvalue())


def test_rtf_is_named():
    with pytest.raises(ReadError, match=r"unsupported file type '.rtf' \(save it as .docx or PDF\)"):
        read_report("old.rtf", b"{\\rtf1 not read}")


PROCUREMENT = [["第二十条第（九）项"], ["信息内容", "采购项目数量", "采购总金额（万元）"],
               ["政府集中采购", "3", "6510"]]
HEADING = "某某县人民政府2019年政府信息公开工作年度报告"


def _procurement_docx() -> bytes:
    doc = Document()
    doc.add_paragraph(HEADING)
    doc.add_paragraph("二、主动公开政府信息情况")
    table = doc.add_table(rows=len(PROCUREMENT), cols=3)
    for r, row in enumerate(PROCUREMENT):
        cells = table.rows[r].cells
        if len(row) == 1:
            cells[0].merge(cells[2]).text = row[0]
        else:
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _procurement_html() -> bytes:
    rows = "".join(
        f"<tr><td colspan=3>{row[0]}</td></tr>" if len(row) == 1
        else "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in PROCUREMENT
    )
    return f"<html><body><h1>{HEADING}</h1><p>二、主动公开政府信息情况</p><table>{rows}</table></body></html>".encode()


def _procurement_text() -> bytes:
    return "\n".join([HEADING, "二、主动公开政府信息情况", *("\t".join(row) for row in PROCUREMENT)]).encode()


@pytest.mark.parametrize("name,data", [("x.docx", _procurement_docx), ("x.html", _procurement_html),
                                       ("x.txt", _procurement_text)])
def test_unit_in_a_column_header_applies_to_its_cells(name, data):
    """采购总金额（万元）: 6510 printed is 65,100,000 yuan, in every format."""
    report = read_report(name, data())
    amount = next(c for c in report.cells if c.column_code == "procurement_amount")
    assert (amount.value, amount.unit, amount.source.text) == (65_100_000, "yuan", "6510")


def test_markdown_table_with_a_label_wrapped_over_rows():
    """| a | b | rows are grid rows: a blank is a cell; a label wrapped over two rows with its values on
    a row below with no label is one row, not a blank row."""
    from transforms.readers.text_layout import text_rows
    from transforms.tables import read_tables

    apps = " | ".join(["0"] * 6)
    text = "\n".join([
        "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | "
        "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| 一、本年新收政府信息公开申请数量 | | 3 | {apps} |",
        "| 三、本年度办理结果 | （一）予以公开 |  | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| | （二）部分公开（区分处理的，只计这一情 | | | | | | | |",
        "| | 形，不计其他情形） | | | | | | | |",
        f"| | | 3 | {apps} |",
    ])
    reader = read_tables(text_rows(text), "2021")
    got = {(k[1], k[2]): c.value for k, c in reader.cells.items()}
    assert got[("new_received", "natural_person")] == 3 and got[("new_received", "total")] == 0
    assert got[("granted", "natural_person")] is None  # printed blank
    assert got[("partially_granted", "natural_person")] == 3 and got[("partially_granted", "total")] == 0


def test_the_format_is_the_extension_unless_the_bytes_say_another():
    from transforms.readers import format_of

    assert format_of("a.PDF", b"%PDF-1.4").name == "pdf" and format_of("a.htm", b"<html>").name == "html"
    assert format_of("saved.pdf", b"PK\x03\x04...").name == "docx"  # a Word file under a PDF's name
    assert format_of("cut.pdf", b"garbage").name == "pdf"  # its reader says why it cannot be read
    with pytest.raises(ReadError, match=r"unsupported file type '.xlsx'$"):
        format_of("table.xlsx", b"PK\x03\x04")


def test_a_word_file_named_pdf_is_read_as_word():
    report = read_report("x.pdf", _procurement_docx())
    assert report.format == "docx"
    assert next(c for c in report.cells if c.column_code == "procurement_amount").source.table_no == 1


@pytest.mark.parametrize("render", ["reportlab", "docx", "html"])
def test_a_table_printed_with_every_value_cell_blank_is_read_as_blanks(render):
    """Table 四 printed with all 15 value cells empty (township reports often leave it so): 15
    blanks (NULL) with their place, the report parsed, and a note; never "table … not read"."""
    from tools.corpus import render_docx, render_html, render_pdf
    from tools.corpus.layout import build
    from tools.corpus.truth import make_truth

    rng = random.Random(20261202)
    truth = make_truth(rng, "blank.pdf", broken=False)
    for key in truth.values:
        if key[0] == "review_litigation":
            truth.values[key] = None
    doc = build(truth, rng, blank="")
    name, data = {"reportlab": lambda: ("blank.pdf", render_pdf.render_reportlab(doc, rng)),
                  "docx": lambda: ("blank.docx", render_docx.render_docx(doc, rng)),
                  "html": lambda: ("blank.html", render_html.render_html(doc, rng, "utf-8"))}[render]()
    report = read_report(name, data)
    review = [c for c in report.cells if c.table_code == "review_litigation"]
    assert report.status == "parsed", report.status_reason
    assert len(review) == 15 and all(c.value is None and c.source.where() != "not read" for c in review)
    assert any("table 四 is printed with every value cell blank" in n for n in report.notes)
