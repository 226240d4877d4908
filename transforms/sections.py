"""A report's words: its six numbered sections, each with its heading as printed and its
paragraphs, every paragraph with where it was printed.

The input is the reader's lines in reading order (``text_lines``): for a PDF each text line
with its page and box, for DOCX and HTML each paragraph with its block index, for text each line
with its number; the rows of a table are marks, not text. A heading is recognised by its title
(``template/sections.csv``) in any of the printed forms: 一、总体情况, （一）总体情况, 1.总体情况,
or the title alone; the form is kept. Under its own number a title is also recognised with one
character in six misprinted or misread by OCR (三、收至和处理…, 五、存在的--要问题…): the heading
is kept as printed. Sections come in order: a heading that names a section at
or before the current one (a table heading repeated in an appendix, a subsection titled like a
section) is not a new section, except the heading of a table not met yet (the tables printed
in an appendix after 六). Inside a table's section only sentences are text; the table's
labels and values, printed as lines in text files, are left to the tables. A section whose heading
is not found is recorded as missing, with no text.
"""

import re
from dataclasses import dataclass, field

from transforms import catalog
from transforms.labels import normalize
from transforms.model import Row, SourceCell
from transforms.readers.text_layout import is_rule

FORMS = ("chinese", "parenthesised", "arabic", "unnumbered")  # 一、 / （一） / 1. / the title alone
_NUMERALS = "一二三四五六"
_HEADING = re.compile(
    r"^(?:(?P<chinese>[一二三四五六])[、.,，:：]?|\((?P<paren>[一二三四五六])\)[、.]?|(?P<arabic>[1-6])[、.,:：]?(?=\D))"
)
_SENTENCE_END = "。！？；：!?;:"
HEADING_CHARS = 30  # a heading is short: longer lines are sentences that name a section's title
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")


@dataclass(frozen=True)
class Line:
    """One line of a report as its reader gave it, with where it was printed; ``table`` marks a
    row of a ruled table (no text)."""

    text: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    line: int | None = None
    table: bool = False


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    line: int | None = None


@dataclass
class Section:
    """One of the six sections (0: what precedes the first heading)."""

    number: int
    heading: str | None = None  # as printed; None when not found
    form: str | None = None  # one of FORMS
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    line: int | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def state(self) -> str:
        """'text', 'empty' (the heading alone, or only its table) or 'missing' (no heading found)."""
        if self.heading is None and self.number:
            return "missing"
        return "text" if self.paragraphs else "empty"

    @property
    def text(self) -> str | None:
        return "\n".join(p.text for p in self.paragraphs) or None


TITLES = catalog.section_titles()


def text_lines(fmt: str, lines: list[str], rows: list[Row]) -> list[Line]:
    """The reader's lines with their provenance: text files line by line (numbered), the other
    formats from their rows (a grid row is a table mark; the cells of a text row carry its page
    and box, or its block index)."""
    if fmt == "text":
        return [Line(t, line=no, table=bool(_PIPE_ROW.match(t))) for no, t in enumerate(lines, start=1)
                if t.strip() and not is_rule(Row([SourceCell(t)]))]
    out: list[Line] = []
    for row in rows:
        spans = list({id(c): c for c in row.cells if c.text.strip()}.values())
        if row.grid and len(spans) == 1 and spans[0] is row.cells[0] is row.cells[-1]:
            cell = spans[0]  # one cell across the row: a line framed by rules (WPS), or a table's block header
            out.extend(Line(t.strip(), page=cell.page, bbox=cell.bbox) for t in cell.text.split("\n") if t.strip())
            continue
        if row.grid:
            if not (out and out[-1].table):
                out.append(Line("", table=True))
            continue
        cells = [c for c in row.cells if c.text]
        if not cells:
            continue
        boxes = [c.bbox for c in cells if c.bbox]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes)) if boxes else None
        docx_or_html = cells[0].line and fmt in ("docx", "html")  # their rows hold the paragraph split in words
        text = lines[cells[0].line - 1] if docx_or_html else " ".join(c.text for c in cells)
        out.append(Line(text.strip(), page=cells[0].page, bbox=bbox, line=cells[0].line))
    return out


def heading_of(text: str) -> tuple[int, str] | None:
    """(section number, form) when ``text`` is a section heading, else None."""
    norm = normalize(text).rstrip("。:：")
    if not norm or len(norm) > HEADING_CHARS or any(p in norm for p in "。；;"):
        return None
    m = _HEADING.match(norm)
    title = norm[m.end():] if m else norm
    printed = None
    form = "unnumbered"
    if m:
        form = next(k for k in ("chinese", "paren", "arabic") if m.group(k))
        digit = m.group(form)
        printed = int(digit) if form == "arabic" else _NUMERALS.index(digit) + 1
        form = "parenthesised" if form == "paren" else form
    for t in TITLES:
        if printed is None:
            if t.pattern.fullmatch(title):
                return t.number, form
            continue
        if not t.pattern.search(title):
            continue
        if printed == t.number or form != "parenthesised":  # (一) inside 总体情况 is a subsection
            return t.number, form
    if printed is None or form == "parenthesised":
        return None
    for t in TITLES:  # characters misprinted or misread (收至 for 收到, -- for 主) in a title under its own number
        if printed == t.number and _edits(title, wanted := normalize(t.title)) <= len(wanted) // FUZZY_CHARS:
            return t.number, form
    return None


FUZZY_CHARS = 6  # a title under its own number is still recognised with a character wrong in every this many


def _edits(a: str, b: str) -> int:
    """The fewest characters changed, added or left out that make ``a`` into ``b`` (Levenshtein)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def split_sections(lines: list[Line], *, wrapped: bool = False) -> list[Section]:
    """Sections 0 to 6 of a report from its lines (see the module docstring); ``wrapped``: the
    lines are printed lines (PDF, text pulled from a PDF) whose paragraphs run over several lines,
    joined back where a line is full and does not end a sentence."""
    sections = [Section(0)]
    in_table = False
    full = _full_lines(lines) if wrapped else set()
    joinable = False
    for i, ln in enumerate(lines):
        if ln.table:
            joinable = False
            continue
        current = sections[-1]
        found = heading_of(ln.text)
        if found:
            number, form = found
            title = TITLES[number - 1]
            seen = any(s.number == number for s in sections)
            if not seen and (number > current.number or title.table_code):  # tables may follow in an appendix
                sections.append(Section(number, ln.text.strip().lstrip("#").strip(), form, ln.page, ln.bbox, ln.line))
                in_table = bool(title.table_code)
                joinable = False
                continue
            if title.table_code:  # a table's heading again
                in_table = True
                joinable = False
                continue
        if in_table and not _is_sentence(ln.text):
            joinable = False
            continue
        if joinable and current.paragraphs:
            last = current.paragraphs[-1]
            last.text += ln.text
            if last.bbox and ln.bbox and last.page == ln.page:  # the paragraph's box on its first page
                last.bbox = (min(last.bbox[0], ln.bbox[0]), min(last.bbox[1], ln.bbox[1]),
                             max(last.bbox[2], ln.bbox[2]), max(last.bbox[3], ln.bbox[3]))
        else:
            current.paragraphs.append(Paragraph(ln.text, ln.page, ln.bbox, ln.line))
        joinable = i in full and not ln.text.rstrip().endswith(tuple(_SENTENCE_END))
    numbers = {s.number for s in sections}
    sections += [Section(t.number) for t in TITLES if t.number not in numbers]
    return sorted(sections, key=lambda s: s.number)


def _is_sentence(text: str) -> bool:
    """A line of prose (not a table's label or value): it ends a sentence or is long."""
    norm = normalize(text)
    return norm.endswith(tuple(_SENTENCE_END)) or len(norm) > 60


def _full_lines(lines: list[Line]) -> set[int]:
    """Indexes of the lines that run to the right margin (their paragraph may go on below): in a
    PDF, ending within two characters of the rightmost text of their page; in text, within a
    fifth of the longest line's width."""
    full: set[int] = set()
    right: dict[int | None, float] = {}
    for ln in lines:
        if ln.bbox and not ln.table:
            right[ln.page] = max(right.get(ln.page, 0.0), ln.bbox[2])
    widest = max((_width(ln.text) for ln in lines if not ln.table), default=0)
    for i, ln in enumerate(lines):
        if ln.table:
            continue
        if ln.bbox:
            size = ln.bbox[3] - ln.bbox[1]
            if ln.bbox[2] >= right[ln.page] - 2 * size:
                full.add(i)
        elif widest and _width(ln.text) >= 0.8 * widest:
            full.add(i)
    return full


def _width(text: str) -> int:
    """Printed width in half-width characters (a Chinese character is two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text.strip())
