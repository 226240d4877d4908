"""PDF renderings: reportlab drawing ruled tables itself, and PDFs converted by LibreOffice
(from the DOCX) and by Chromium (printing the HTML page), so three producers in all; and
LibreOffice's and Chromium's PDFs with their font programs left out (fonts not embedded)."""

import io
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tools.corpus.layout import Document, placed

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
BODY = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=15, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7.5, leading=9.5, wordWrap="CJK")
TITLE = ParagraphStyle("title", parent=BODY, fontSize=15, leading=22, alignment=1)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=2)
WIDTHS = {4: [50, 40, 40, 40], 10: [16, 22, 42] + [12.8] * 7, 15: [170 / 15] * 15}


def render_reportlab(doc: Document, rng: random.Random) -> bytes:
    out = io.BytesIO()
    banner = f"{doc.truth.agency}政府信息公开专栏"

    def decorate(canvas, pdf):
        canvas.saveState()
        canvas.setFont("STSong-Light", 8)
        canvas.drawString(20 * mm, A4[1] - 12 * mm, banner)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"— {pdf.page} —")
        canvas.restoreState()

    story = []
    for b in doc.blocks:
        if b.kind == "table":
            story.append(_table(b, rng))
            story.append(Spacer(1, 4 * mm))
        elif b.kind == "title":
            story.append(Paragraph(b.text, TITLE))
        elif b.kind in ("signature", "date"):
            story.append(Paragraph(b.text, RIGHT))
        else:
            story.append(Paragraph(b.text, BODY))
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=doc.truth.agency, author=doc.truth.agency)
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


def _table(block, rng: random.Random) -> Table:
    data = [["" for _ in range(block.ncols)] for _ in block.rows]
    spans = []
    for r, c, cell in placed(block):
        text = "<br/>".join(cell.text) if cell.vertical else cell.text
        data[r][c] = Paragraph(text, CELL) if text else ""
        if cell.colspan > 1 or cell.rowspan > 1:
            spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    header_rows = 3 if block.ncols == 10 and rng.random() < 0.5 else 0
    table = Table(data, colWidths=[w * mm for w in WIDTHS[block.ncols]], repeatRows=header_rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               *spans]))
    return table


def convert_with_libreoffice(docx: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180)
        return (Path(tmp) / "report.pdf").read_bytes()


def convert_with_chromium(page: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_bytes(page)
        out = Path(tmp) / "report.pdf"
        subprocess.run(
            [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", src.as_uri()],
            check=True, capture_output=True, timeout=180,
        )
        return out.read_bytes()


_FONT_PROGRAM = re.compile(rb"/FontFile[23]?\s*\d+\s+\d+\s+R")


def without_font_programs(pdf: bytes) -> bytes:
    """The PDF with its fonts no longer embedded: each font descriptor's /FontFile, /FontFile2 or
    /FontFile3 reference blanked in place (same length, so the cross-reference offsets hold; the
    font streams stay, unreferenced). Enough for LibreOffice's and Chromium's PDFs, whose
    dictionaries are not in compressed object streams, without a PDF-writing dependency."""
    out = _FONT_PROGRAM.sub(lambda m: b" " * len(m.group()), pdf)
    if b"/ObjStm" in pdf or out == pdf:
        raise ValueError("no font program reference outside object streams to remove")
    return out
