"""DOCX renderings with python-docx: real merged cells (gridSpan, vMerge), nested paragraphs."""

import io
import random

from docx import Document as Docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from tools.corpus.layout import Document, placed


def render_docx(doc: Document, rng: random.Random) -> bytes:
    d = Docx()
    style = d.styles["Normal"]
    style.font.size = Pt(9)
    style.font.name = "WenQuanYi Zen Hei"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "WenQuanYi Zen Hei")
    for b in doc.blocks:
        if b.kind == "table":
            _table(d, b, rng)
        else:
            p = d.add_paragraph(b.text)
            if b.kind == "title":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif b.kind in ("signature", "date"):
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _table(d, block, rng: random.Random) -> None:
    table = d.add_table(rows=len(block.rows), cols=block.ncols)
    table.style = "Table Grid"
    cells = list(placed(block))
    for r, c, cell in cells:  # merges first: looking a cell up walks the whole grid, so do it only here
        if cell.colspan > 1 or cell.rowspan > 1:
            table.cell(r, c).merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
    grid = table._cells  # python-docx's grid of the merged table, walked once
    for r, c, cell in cells:
        target = grid[r * block.ncols + c]
        text = "\n".join(cell.text) if cell.vertical else cell.text
        if cell.wrap:
            target.text = text[: cell.wrap]
            target.add_paragraph(text[cell.wrap:])
        elif cell.key is None and len(text) > 10 and rng.random() < 0.3:
            cut = rng.randint(3, len(text) - 3)  # a label typed as two paragraphs
            target.text = text[:cut]
            target.add_paragraph(text[cut:])
        else:
            target.text = text
