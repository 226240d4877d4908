"""The evidence beside a number: the page crop with each involved cell's box drawn where it was
printed, and the lines and rows of DOCX, HTML and text files as the readers read them."""

import io

import pypdfium2 as pdfium
import pytest
from conftest import CORPUS
from PIL import Image

from web import evidence

PDF = "007_pdf_reportlab.pdf"


def test_the_page_crop_outlines_each_cell_where_it_was_printed():
    data = (CORPUS / PDF).read_bytes()
    boxes = [(300.0, 400.0, 330.0, 415.0), (340.0, 420.0, 370.0, 435.0)]
    png = evidence.page_crop(data, 1, [(100.0, 380.0, 500.0, 460.0)], boxes[:1])
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width = pdfium.PdfDocument(data)[0].get_width()
    top = 380.0 - evidence.HEADER  # the crop starts above the table's first row, for its headings
    assert image.size == (round(width * evidence.SCALE), round((460.0 + evidence.PAD - top) * evidence.SCALE))

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        return image.getpixel((round(x * evidence.SCALE), round((y - top) * evidence.SCALE)))

    x0, y0, x1, y1 = boxes[0]
    for x, y in [(x0 - 1, (y0 + y1) / 2), (x1 + 1, (y0 + y1) / 2), ((x0 + x1) / 2, y0 - 1), ((x0 + x1) / 2, y1 + 1)]:
        assert pixel(x, y) == (200, 0, 0)  # the outline on all four sides of the marked box
    assert pixel(boxes[1][0] - 1, (boxes[1][1] + boxes[1][3]) / 2) != (200, 0, 0)  # an unmarked box is not drawn
    with pytest.raises(evidence.Unavailable, match="no page 9"):
        evidence.page_crop(data, 9, [], [])


@pytest.mark.parametrize("name", ["006_docx.docx", "098_doc.doc", "099_wps.wps", "004_html_utf8.html",
                                  "000_text_tab.txt"])
def test_the_rows_as_read_show_each_cell_where_the_reader_found_it(name):
    from transforms.reports import read_report

    data = (CORPUS / name).read_bytes()
    report = read_report(name, data)
    facts = [{"table_code": c.table_code, "item_code": c.item_code, "column_code": c.column_code,
              "raw_text": c.source.text, "line": c.source.line,
              "table_no": c.source.table_no, "row_no": c.source.row_no, "col_no": c.source.col_no}
             for c in report.cells if c.table_code == "applications"]
    marked = [f for f in facts
              if (f["item_code"], f["column_code"]) in {("new_received", "total"), ("carried_forward", "total")}]
    assert len(marked) == 2
    lines, grids = evidence.lines_and_grids(report.format, data, facts, marked)
    for f in marked:
        if f["table_no"] is not None:  # DOCX, HTML: the marked position of the grid holds the cell as printed
            grid = next(g for g in grids if g.table_no == f["table_no"])
            assert (f["row_no"], f["col_no"]) in grid.marked
            assert dict(grid.rows)[f["row_no"]][f["col_no"] - 1] == f["raw_text"]
        else:  # text: the marked line holds it
            assert f["line"] in lines.marked and f["raw_text"] in dict(lines.numbered)[f["line"]]
    shown = [n for n, _ in lines.numbered] if lines else [n for g in grids for n, _ in g.rows]
    assert len(shown) >= len({f["line"] or f["row_no"] for f in facts})  # the whole table, not just the marked cells
