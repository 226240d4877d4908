"""Reading a Word (.docx) report with python-docx: paragraphs and tables in document order.

Each row comes out as a full grid: a merged cell (gridSpan, vMerge) is repeated at every grid
position it covers, as python-docx's ``row.cells`` does, but a vertical merge that has no cell
above it to continue is read as a cell of its own instead of failing.
"""

import io
import zipfile
from collections.abc import Callable

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
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
    """Each row's cell at each of its grid places; a merged cell is the same SourceCell at each
    place it covers. A cell that continues a vertical merge is the cell above it in the grid, or
    its own cell where there is none (a merge "continued" in a table's top row, which Word shows
    as a cell of its own: python-docx raises there)."""
    above: dict[int, SourceCell] = {}  # grid place: the cell there in the row above
    out = []
    for r, tr in enumerate(table._tbl.tr_lst):
        cells: list[SourceCell] = []
        here: dict[int, SourceCell] = {}
        place = tr.grid_before
        for tc in tr.tc_lst:
            cell = above.get(place) if tc.vMerge == "continue" else None
            if cell is None:
                cell = SourceCell(_Cell(tc, table).text.strip(), table_no=table_no, row_no=r + 1, col_no=len(cells) + 1)
            for k in range(place, place + tc.grid_span):
                here[k] = cell
            cells.extend([cell] * tc.grid_span)
            place += tc.grid_span
        above = here
        out.append(Row(cells, grid=True))
    return out
