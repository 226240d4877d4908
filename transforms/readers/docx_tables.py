"""Reading a Word (.docx) report with python-docx: paragraphs and tables in document order.

python-docx gives every grid position of a table its cell, the same cell object for the
positions a merged cell covers (gridSpan, vMerge), so the rows come out as full grids.
"""

import io
import zipfile
from collections.abc import Callable

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from transforms.model import Document, ReadError, Row, SourceCell
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.readers.text_layout import merge_tokens

MAX_UNPACKED = 200e6  # bytes a .docx may unpack to: its XML is held in memory, several times over once parsed


def docx_document(data: bytes, settings: ReaderSettings = DEFAULT,
                  ocr_started: Callable[[], None] | None = None) -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:  # a member never unpacks past its stated size
            unpacked = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise ReadError(f"not a readable Word document ({type(e).__name__})") from None
    if unpacked > MAX_UNPACKED:
        raise ReadError(f"Word document that unpacks to {unpacked / 1e6:.0f} MB, over the limit of "
                        f"{MAX_UNPACKED / 1e6:.0f} MB")
    try:
        doc = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReadError(f"not a readable Word document ({type(e).__name__})") from None
    lines: list[str] = []
    rows: list[Row] = []
    table_no = 0
    for element in doc.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, doc).text
            if text.strip():
                lines.append(text)
                rows.append(Row(merge_tokens([SourceCell(t, line=len(lines)) for t in text.split()])))
        elif tag == "tbl":
            table_no += 1
            rows.extend(_table_rows(Table(element, doc), table_no))
    return Document(lines, rows)


def _table_rows(table: Table, table_no: int) -> list[Row]:
    origins: dict[object, SourceCell] = {}  # keyed by the <w:tc> element, which the dict keeps alive
    out = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, cell in enumerate(row.cells):
            key = cell._tc
            if key not in origins:
                origins[key] = SourceCell(cell.text.strip(), table_no=table_no, row_no=r + 1, col_no=c + 1)
            cells.append(origins[key])
        out.append(Row(cells, grid=True))
    return out
