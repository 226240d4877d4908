"""Reading the three statistical tables from rows of cells, whatever format the rows came from.

Rows are walked once. Section headings and first rows switch between table 二 (proactive),
table 三 (applications) and table 四 (review_litigation). Labels broken over several rows are
joined until a row brings values; a row whose label matches no item keeps its values aside for
the next item row that comes without values (merged cells in PDFs shift numbers that way).
Short rows of table 三 are aligned to the right, where 总计 is always printed. Nothing is
guessed: a value that cannot be placed is left out and named in the notes.
"""

from dataclasses import dataclass, field

from transforms import catalog
from transforms.labels import match_block, match_columns, match_item, normalize, section_of, starts_with_marker
from transforms.model import FoundCell, Row, SourceCell
from transforms.text_layout import is_rule
from transforms.values import parse_value, to_unit

PROSE = 60  # a label longer than this (normalised) is narrative, not a table label
REVIEW_CELLS = len(catalog.REVIEW_GROUPS) * len(catalog.RESULT_COLUMNS)


@dataclass
class _Split:
    label: str  # normalised text of the label cells
    label_cells: list[SourceCell]
    values: list[SourceCell]  # the value cells of the row, blanks included
    blank_tail: list[SourceCell]  # grid rows only: the empty cells after the label of a row with no value


def split_row(row: Row) -> _Split:
    """Label and values of a row. In text, values run from the first to the last value cell (empty
    cells between are blanks); in a grid, every cell after the last label cell is a value."""
    cells = [c for i, c in enumerate(row.cells) if i == 0 or c is not row.cells[i - 1]]  # merged repeats
    kinds = []
    for cell in cells:
        if not cell.text.strip():
            kinds.append("empty")
        elif parse_value(cell.text) is not None:
            kinds.append("value")
        else:
            kinds.append("label")
    label_cells = [c for c, k in zip(cells, kinds) if k == "label"]
    label = normalize("".join(c.text for c in label_cells))
    value_at = [i for i, k in enumerate(kinds) if k == "value"]
    if row.grid:
        last_label = max((i for i, k in enumerate(kinds) if k == "label"), default=-1)
        tail = cells[last_label + 1 :]
        if any(kinds[i] == "value" for i in range(last_label + 1, len(cells))):
            return _Split(label, label_cells, tail, [])
        return _Split(label, label_cells, [], tail)
    values: list[SourceCell] = []
    if value_at:
        span = range(value_at[0], value_at[-1] + 1)
        values = [cells[i] for i in span if kinds[i] != "label"]
    return _Split(label, label_cells, values, [])


@dataclass
class TableReader:
    template: str
    cells: dict[tuple[str, str, str], FoundCell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # ---- placing values -------------------------------------------------------------------
    def place(self, key: tuple[str, str, str], source: SourceCell) -> None:
        table, item, column = key
        unit = catalog.cell_units(self.template).get(key)
        if unit is None:
            self.notes.append(f"{source.where()}: {table}/{item}/{column} is not a cell of the {self.template} template")
            return
        if key in self.cells:
            self.notes.append(f"{source.where()}: {table}/{item}/{column} printed twice; the first is kept")
            return
        value = parse_value(source.text)
        assert value is not None
        scale = catalog.printed_scale(table, column)  # a header may print 万元
        self.cells[key] = FoundCell(table, item, column, to_unit(value, unit, scale), unit, source)

    # ---- table 二 --------------------------------------------------------------------------
    def proactive(self, rows: list[_Split]) -> None:
        block: str | None = None
        header = ""
        columns: list[str] | None = None
        for r in rows:
            found = match_block(r.label) or (None if match_block(header) else match_block(header + r.label))
            if found:
                block, header, columns = found, "", None
                continue
            values = r.values or self._blank_row(r, "proactive")
            if not values:
                header += r.label
                continue
            text = header + r.label
            item = match_item(text, self.template, "proactive", block=block)
            if item is None and block is not None:
                item = match_item(text, self.template, "proactive")
            if item is None:
                self.notes.append(f"{values[0].where()}: table 二 row '{r.label}' matches no item; values left out")
                header = ""
                continue
            item_block = next(i.block for i in catalog.items() if i.item_code == item)
            if columns is None or item_block != block:
                block = item_block
                columns = match_columns(header, self.template, block) or catalog.block_columns(
                    self.template, "proactive", block
                )
            header = ""
            if any(v.text.strip() for v in values[len(columns):]):
                self.notes.append(
                    f"{values[0].where()}: table 二 {item}: {len(values)} values for {len(columns)} columns; "
                    "the extra ones are left out"
                )
            for column, source in zip(columns, values):
                self.place(("proactive", item, column), source)

    def _blank_row(self, r: _Split, table: str) -> list[SourceCell]:
        """A grid row whose label is an item and whose cells are all empty: all blanks."""
        if r.blank_tail and r.label and match_item(r.label, self.template, table):
            return r.blank_tail
        return []

    # ---- table 三 --------------------------------------------------------------------------
    def applications(self, rows: list[_Split]) -> None:
        buf = ""
        pending: list[str] = []  # items whose row came without values
        orphans: list[list[SourceCell]] = []  # values whose row had no item label

        def flush(text: str) -> None:
            item = match_item(text, self.template, "applications")
            if item and starts_with_marker(text):
                pending.append(item)

        for r in rows:
            values = r.values or self._blank_row(r, "applications")
            if not values:
                if len(r.label) > PROSE:
                    buf = ""
                elif starts_with_marker(r.label) and buf:
                    flush(buf)
                    buf = r.label
                else:
                    buf += r.label
            else:
                own = match_item(r.label, self.template, "applications") if r.label else None
                before = match_item(buf, self.template, "applications") if buf else None
                if own and before and own != before:
                    flush(buf)
                    text = r.label
                else:
                    text = buf + r.label
                buf = ""
                item = own or match_item(text, self.template, "applications")
                if item:
                    self.applicant_row(item, values)
                else:
                    orphans.append(values)
            while pending and orphans:
                self.applicant_row(pending.pop(0), orphans.pop(0))
        for item in pending:
            self.notes.append(f"table 三 row {item} is printed without values")
        for values in orphans:
            self.notes.append(f"{values[0].where()}: table 三 values on a row with no known label are left out")

    def applicant_row(self, item: str, values: list[SourceCell]) -> None:
        cols = catalog.APPLICANT_COLUMNS
        if len(values) != len(cols):
            self.notes.append(
                f"{values[0].where()}: table 三 {item}: {len(values)} values for {len(cols)} columns; "
                "aligned to the right (总计 last)"
            )
        for column, source in zip(cols[-len(values):] if len(values) <= len(cols) else cols, values[-len(cols):]):
            self.place(("applications", item, column), source)

    # ---- table 四 --------------------------------------------------------------------------
    def review(self, rows: list[_Split]) -> None:
        header = ""
        values: list[SourceCell] = []
        for r in rows:
            if not catalog.pattern("table_header").search(header):
                header += r.label  # vertical headers arrive one character per row
                continue
            if not r.values:
                if values and len(r.label) > PROSE // 2:
                    break  # narrative after a short table
                continue
            values.extend(r.values)
            if len(values) >= REVIEW_CELLS:
                break
        if not values:
            return
        if len(values) < REVIEW_CELLS:
            self.notes.append(
                f"{values[0].where()}: table 四 shows {len(values)} values for {REVIEW_CELLS} cells; none can be placed"
            )
            return
        cols = [(g, c) for g in catalog.REVIEW_GROUPS for c in catalog.RESULT_COLUMNS]
        for (group, column), source in zip(cols, values):
            self.place(("review_litigation", group, column), source)


def read_tables(rows: list[Row], template: str) -> TableReader:
    """Read every table cell the rows show; the reader's ``cells`` and ``notes`` hold the result."""
    sections: dict[str, list[_Split]] = {t: [] for t in catalog.TABLES}
    current: str | None = None
    recent: list[str] = []  # labels of the two label-only rows just above: headings broken over lines
    for row in rows:
        if is_rule(row):
            continue
        split = split_row(row)
        section = None
        if len(split.label) <= PROSE:
            section = section_of(split.label)
            if section is None and not section_of("".join(recent)):
                section = section_of("".join(recent) + split.label)
        recent = [] if split.values else (recent + [split.label])[-2:]
        if section == "end":
            current = None
            continue
        if section:
            current = section
            recent = []
        if current:
            sections[current].append(split)
    reader = TableReader(template)
    reader.proactive(sections["proactive"])
    reader.applications(sections["applications"])
    reader.review(sections["review_litigation"])
    return reader
