"""The PDF reader gives the same answer whatever fonts the reading machine has installed."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2.raw as raw
import pytest
from conftest import CORPUS, ROOT

from tools.accuracy import producer_of
from transforms.readers.pdf_objects import open_pdf, page_chars, page_edges
from transforms.readers.pdf_tables import _inside, _tables

FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/X11/fonts"]
NOT_EMBEDDED = ["pdf_reportlab", "pdf_libreoffice_noembed", "pdf_chromium_noembed"]  # producers leaving fonts out

READ = """
import json, sys
from pathlib import Path
from tools.accuracy import measure
from transforms.readers.pdf_objects import open_pdf, page_chars
out = {}
for name in sys.argv[2:]:
    pdf = open_pdf((Path(sys.argv[1]) / name).read_bytes())
    out[name] = [[c.text, c.x0, c.top, c.x1, c.bottom] for page in pdf for c in page_chars(page, page.get_height())]
res = measure([Path(sys.argv[1])])
print(json.dumps({"chars": out, "rate": res.cells.rate, "wrong": res.wrong}))
"""


def fonts_not_embedded(path: Path) -> bool:
    pdf = open_pdf(path.read_bytes())
    page = pdf[0]
    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_TEXT:
            if not raw.FPDFFont_GetIsEmbedded(raw.FPDFTextObj_GetFont(obj)):
                return True
    return False


def test_corpus_has_unembedded_fonts_from_two_producers():
    producers = {producer_of(p) for p in CORPUS.glob("*.pdf") if fonts_not_embedded(p)}
    assert producers == set(NOT_EMBEDDED)


@pytest.mark.parametrize("name", ["007_pdf_reportlab.pdf", "017_pdf_reportlab.pdf"])
def test_vertical_header_characters_lie_in_their_cell(name):
    """The one-character lines 结/果/维/持 of table four's header stand inside one table cell."""
    pdf = open_pdf((CORPUS / name).read_bytes())
    found = 0
    for page in pdf:
        height = page.get_height()
        chars = [c for c in page_chars(page, height) if not c.text.isspace()]
        cells = [cell for table in _tables(page_edges(page, height), 3) for cell in table.cells]
        for i in range(len(chars) - 3):
            column = chars[i : i + 4]
            if "".join(c.text for c in column) == "结果维持" and len({round(c.x0) for c in column}) == 1:
                homes = {tuple(cell) for c in column for cell in cells if _inside(c, cell)}
                assert len(homes) == 1, (name, column, homes)
                found += 1
    assert found >= 1


def test_unembedded_character_box_is_what_the_file_states():
    """ReportLab's STSong-Light at 7.5 pt: /DW 1000, /Ascent 752, /Descent -271 within /FontBBox
    [-25 -254 1000 880], so each ideograph's box is 7.5 wide and 7.5 × (752 + 254) / 1000 tall."""
    pdf = open_pdf((CORPUS / "007_pdf_reportlab.pdf").read_bytes())
    page = pdf[1]
    column = [c for c in page_chars(page, page.get_height()) if c.text in "结果维持" and round(c.x0, 2) == 62.69]
    assert [c.text for c in column] == list("结果维持")
    for c in column:
        assert c.x1 - c.x0 == pytest.approx(7.5, abs=0.01)
        assert c.bottom - c.top == pytest.approx(7.5 * (752 + 254) / 1000, abs=0.01)


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding the system fonts needs root (unshare -m); CI runs as root")
def test_reading_is_the_same_with_the_system_fonts_hidden(tmp_path):
    names = []
    for producer in NOT_EMBEDDED:
        for pdf in sorted(CORPUS.glob(f"*_{producer}.pdf"))[:2]:
            shutil.copy2(pdf, tmp_path / pdf.name)
            shutil.copy2(pdf.with_suffix("").with_suffix(".truth.json"), tmp_path)
            names.append(pdf.name)
    read = [sys.executable, "-c", READ, str(tmp_path), *names]
    hide = " ".join(f"mount -t tmpfs tmpfs {d};" for d in FONT_DIRS if Path(d).is_dir())
    hidden = subprocess.run(["unshare", "-m", "sh", "-c", f'{hide} fc-list | wc -l >&2; exec "$@"', "sh", *read],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert hidden.stderr.split()[0] == "0"  # the subprocess saw no font at all
    shown = subprocess.run(read, cwd=ROOT, capture_output=True, text=True, check=True)
    without_fonts, with_fonts = json.loads(hidden.stdout), json.loads(shown.stdout)
    assert without_fonts["rate"] == 1.0, without_fonts["wrong"]
    assert with_fonts == without_fonts
