"""The scanned-PDF reader's grid logic with a fake recogniser (no models): the table found in the
page image, each cell's text lines recognised on their own and in order, merged cells repeated,
blanks left blank, and the text outside the table read as lines."""

import io

import pytest
from PIL import Image, ImageDraw

from transforms import readers
from transforms.readers import recognizer
from transforms.readers.settings import ReaderSettings

XS, YS = [100, 250, 400, 550], [150, 200, 250, 300, 350]  # the table's lines, in pixels at 100 dpi


class CountingRecognizer:
    """Reads the n-th line image it is given as "Ln" with a score of 0.95; finds one title."""

    def __init__(self):
        self.lines = 0

    def recognise(self, lines):
        out = []
        for _ in lines:
            self.lines += 1
            out.append((f"L{self.lines}", 0.95))
        return out

    def detect(self, image):
        return [((20, 20, 600, 60), " 某县人民政府 ", 0.987654)]


def _scan() -> bytes:
    """A page image at 100 dpi: a ruled table of 4 rows by 3 columns, its first row one cell across,
    the first column's last two rows merged; ink blobs stand for text lines in some cells."""
    page = Image.new("L", (850, 1100), 235)
    draw = ImageDraw.Draw(page)
    for i, y in enumerate(YS):
        draw.line([(XS[1] if i == 3 else XS[0], y), (XS[-1], y)], fill=20, width=2)
    for j, x in enumerate(XS):
        draw.line([(x, YS[0] if j in (0, len(XS) - 1) else YS[1]), (x, YS[-1])], fill=20, width=2)

    def blob(cx: int, cy: int) -> None:
        draw.rectangle([cx - 25, cy - 6, cx + 25, cy + 6], fill=30)

    blob(425, 60)  # the title above the table (text is looked for only where there are marks)
    blob(325, 175)  # the title row
    blob(325, 225)  # row 2, column 2
    blob(175, 300)  # the merged first column of rows 3 and 4
    blob(475, 265)  # row 3, column 3: two lines
    blob(475, 285)
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=100)
    return out.getvalue()


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(recognizer.RECOGNIZERS, "counting", CountingRecognizer)
    recognizer.recognizer.cache_clear()
    yield ReaderSettings(recognizer="counting")
    recognizer.recognizer.cache_clear()


def test_scan_is_read_cell_by_cell_with_the_fake_recogniser(fake):
    told = []
    document = readers.read(_scan(), "pdf", fake, ocr_started=lambda: told.append(1))
    assert told == [1] and document.ocr
    assert document.lines == ["某县人民政府"]
    title, *grid = document.rows
    assert [(c.text, c.confidence) for c in title.cells] == [("某县人民政府", 0.9877)]
    assert [[c.text for c in row.cells] for row in grid] == [
        ["L1", "L1", "L1"],
        ["", "L2", ""],
        ["L3", "", "L4\nL5"],
        ["L3", "", ""],
    ]
    assert all(row.grid for row in grid)
    assert grid[0].cells[0] is grid[0].cells[2] and grid[2].cells[0] is grid[3].cells[0]
    cells = [c for row in grid for c in row.cells]
    assert {c.method for c in cells} == {"ocr"} and {c.page for c in cells} == {1}
    assert {c.confidence for c in cells if c.text} == {0.95}
    assert {c.confidence for c in cells if not c.text} == {None}
    x0, top, x1, bottom = grid[1].cells[1].bbox  # in points: the cell between lines 250 and 400 px at 100 dpi
    assert (x0, x1) == pytest.approx((250 * 0.72, 400 * 0.72), abs=2)
    assert (top, bottom) == pytest.approx((144, 180), abs=2)
