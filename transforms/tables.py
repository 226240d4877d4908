"""Reading the three statistical tables from rows of cells, whatever format the rows came from.

Rows are walked once. Section headings and first rows switch between table 二 (proactive),
table 三 (applications) and table 四 (review_litigation). Labels broken over several rows are
joined until a row brings values; a row whose label matches no item keeps its values aside for
the next item row that comes without values (merged cells in PDFs shift numbers that way).
A table 三 row whose label matches nothing (misspelt, cut) is placed by the template's fixed
row order when it leaves one place only; a row printed the other template's way (a 2021 report's
one-row （六）其他处理) is stored as printed. Short rows of table 三 are aligned to the right,
where 总计 is always printed. A money unit printed in a column header applies to its cells.
Nothing is guessed: a value that cannot be placed is left out and named in the notes.
"""

from dataclasses import dataclass, field

from transforms import catalog
from transforms.labels import (
    column_units,
    match_block,
    match_columns,
    match_item,
    normalize,
    section_of,
    starts_with_marker,
)
from transforms.model import FoundCell, Row, SourceCell
from transforms.readers.text_layout import is_rule
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
    label_cells = [c for c, k in zip(cells, kinds, strict=True) if k == "label"]
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
    def place(self, key: tuple[str, str, str], source: SourceCell, scale: float | None = None) -> None:
        """The cell's value, a bare number scaled by ``scale`` or by the unit its template's header prints."""
        table, item, column = key
        unit = catalog.cell_units(self.template).get(key)
        if unit is None:
            self.notes.append(
                f"{source.where()}: {table}/{item}/{column} is not a cell of the {self.template} template"
            )
            return
        if key in self.cells:
            self.notes.append(f"{source.where()}: {table}/{item}/{column} printed twice; the first is kept")
            return
        value = parse_value(source.text)
        assert value is not None
        if scale is None:
            scale = catalog.printed_scale(table, column)  # a header may print 万元
        self.cells[key] = FoundCell(table, item, column, to_unit(value, unit, scale), unit, source)

    # ---- table 二 --------------------------------------------------------------------------
    def proactive(self, rows: list[_Split]) -> None:
        block: str | None = None
        header = ""
        columns: list[str] | None = None
        units: dict[str, str] = {}  # money unit printed in the block's header, per column
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
                columns = _header_columns(match_columns(header, self.template, block),
                                          catalog.block_columns(self.template, "proactive", block), values)
                units = column_units(header, self.template, block)
            header = ""
            if any(v.text.strip() for v in values[len(columns):]):
                self.notes.append(
                    f"{values[0].where()}: table 二 {item}: {len(values)} values for {len(columns)} columns; "
                    "the extra ones are left out"
                )
            for column, source in zip(columns, values, strict=False):
                printed = units.get(column)  # a unit printed in this report's header, over the template's
                self.place(("proactive", item, column), source, catalog.unit_scales()[printed] if printed else None)

    def _blank_row(self, r: _Split, table: str) -> list[SourceCell]:
        """A grid row whose label is an item and whose cells are all empty: all blanks."""
        if r.blank_tail and r.label and match_item(r.label, self.template, table):
            return r.blank_tail
        return []

    # ---- table 三 --------------------------------------------------------------------------
    def applications(self, rows: list[_Split]) -> None:
        buf = ""
        pending: list[str] = []  # items whose row came without values
        printed: list[str | None] = []  # per row with values, in printed order: its item (None: not known yet)
        orphans: list[tuple[int, str, list[SourceCell]]] = []  # rows with values and no item label

        def flush(text: str) -> None:
            item = match_item(text, self.template, "applications")
            if item and starts_with_marker(text):
                pending.append(item)

        for r in _join_wrapped(rows):
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
                item = own or match_item(text, self.template, "applications") or self._mixed_row(text)
                printed.append(item)
                if item:
                    self.applicant_row(item, values)
                else:
                    orphans.append((len(printed) - 1, text, values))
            while pending and orphans:
                at, _, values = orphans.pop(0)
                printed[at] = pending.pop(0)
                self.applicant_row(printed[at], values)
        for item in pending:
            self.notes.append(f"table 三 row {item} is printed without values")
        self._place_by_order(printed, orphans)

    def _mixed_row(self, text: str) -> str | None:
        """A row printed the other template's way (catalog.MIXED_ROWS), e.g. （六）其他处理 as one row."""
        for other in catalog.TEMPLATES:
            item = match_item(text, other, "applications") if other != self.template else None
            if item in catalog.MIXED_ROWS.get(self.template, {}):
                parts = "、".join(catalog.MIXED_ROWS[self.template][item])
                self.notes.append(f"table 三 prints {item} as one row, the {other} way: stored as printed; "
                                  f"the {self.template} rows {parts} are not printed")
                return item
        return None

    def _order(self) -> list[str]:
        """Table 三's rows in the template's order, a mixed row in the place of its parts."""
        read = {key[1] for key in self.cells if key[0] == "applications"}
        mixed = catalog.mixed_rows(self.template, read)
        order: list[str] = []
        for item in catalog.item_codes(self.template, "applications"):
            whole = next((m for m, parts in mixed.items() if item in parts), None)
            order.append(whole or item)
        return list(dict.fromkeys(order))

    def _place_by_order(self, printed: list[str | None], orphans: list[tuple[int, str, list[SourceCell]]]) -> None:
        """Rows whose label matched no item, placed by the template's fixed order: between the
        nearest rows that did match, when the rows not read there are exactly as many as these
        rows (one place each). Otherwise they are left out; either way the notes name them."""
        order = self._order()
        read = {key[1] for key in self.cells if key[0] == "applications"}
        groups: dict[tuple[int, int], list[tuple[int, str, list[SourceCell]]]] = {}
        for orphan in orphans:
            at = orphan[0]
            before = next((order.index(i) for i in reversed(printed[:at]) if i in order), -1)
            after = next((order.index(i) for i in printed[at + 1:] if i in order), len(order))
            groups.setdefault((before, after), []).append(orphan)
        for (before, after), rows in groups.items():
            free = [i for i in order[before + 1 : after] if i not in read]
            fits = len(free) == len(rows) and all(len(_trim(v)) <= len(catalog.APPLICANT_COLUMNS) for _, _, v in rows)
            for n, (_, text, values) in enumerate(rows):
                if fits:
                    self.notes.append(f"{values[0].where()}: table 三 row printed '{text}' matches no label; "
                                      f"placed by the template's order as {free[n]}")
                    self.applicant_row(free[n], values)
                else:
                    places = "、".join(free) or "none"
                    self.notes.append(f"{values[0].where()}: table 三 row printed '{text}' matches no label and its "
                                      "place in the template's order is not one row "
                                      f"(could be: {places}); values left out")

    def applicant_row(self, item: str, values: list[SourceCell]) -> None:
        cols = catalog.APPLICANT_COLUMNS
        values = _trim(values)
        if len(values) != len(cols):
            self.notes.append(
                f"{values[0].where()}: table 三 {item}: {len(values)} values for {len(cols)} columns; "
                "aligned to the right (总计 last)"
            )
        columns = cols[-len(values):] if len(values) <= len(cols) else cols
        for column, source in zip(columns, values[-len(cols):], strict=True):
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
                if not values and not r.label and len(r.blank_tail) == REVIEW_CELLS:
                    values = r.blank_tail  # the value row printed with every cell blank: 15 blanks
                    self.notes.append(f"{values[0].where()}: table 四 is printed with every value cell blank; "
                                      "its cells are stored as blanks (NULL)")
                    break
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
        for (group, column), source in zip(cols, values, strict=False):
            self.place(("review_litigation", group, column), source)


def _header_columns(found: list[str], standard: list[str], values: list[SourceCell]) -> list[str]:
    """The columns a block header names, or the template's when it names none, or names some in
    the template's order but fewer than the row has values (a header cell that could not be read,
    as OCR may leave one)."""
    printed = sum(1 for v in values if v.text.strip())
    in_order = [c for c in standard if c in found] == found
    if not found or (in_order and len(found) < len(standard) and printed > len(found)):
        return standard
    return found


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


def _join_wrapped(rows: list[_Split]) -> list[_Split]:
    """Grid rows of a label wrapped over rows, its cells empty, then its values on a row with no
    label (a WPS table saved as a web page or markdown), joined into one row."""
    out: list[_Split] = []
    i = 0
    while i < len(rows):
        r, j = rows[i], i + 1
        if r.blank_tail and r.label and not r.values:
            while (j < len(rows) and not rows[j].values and rows[j].blank_tail and rows[j].label
                   and not starts_with_marker(rows[j].label)):
                j += 1
            if j < len(rows) and rows[j].values and not rows[j].label:
                parts = rows[i:j]
                out.append(_Split("".join(p.label for p in parts), [c for p in parts for c in p.label_cells],
                                  rows[j].values, []))
                i = j + 1
                continue
        out.append(r)
        i += 1
    return out


def _trim(values: list[SourceCell]) -> list[SourceCell]:
    """Table 三's values without the empty grid positions before them that a label's merged cell
    leaves (the row has more positions than applicant columns)."""
    while len(values) > len(catalog.APPLICANT_COLUMNS) and not values[0].text.strip():
        values = values[1:]
    return values


