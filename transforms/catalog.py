"""The template catalog: every fact of the two templates, written once.

The data lives in ``transforms/template/*.csv``: templates (versions), items, columns and cells
(the warehouse contract, with units; units.csv scales printed units), labels (printed labels
as patterns), expectations, identities (terms and signs), domains (the value domain) and
mixed_rows (rows a report may print the other template's way). Every
layer reads it from here: the readers match labels, the loader fills dimension tables, the
identities are summed from their terms, the suites are built from the expectations.
"""

import csv
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent / "template"


@dataclass(frozen=True)
class Item:
    table_code: str
    block: str
    item_code: str
    label_zh: str
    templates: tuple[str, ...]
    label_en: str


@dataclass(frozen=True)
class Column:
    table_code: str
    block: str
    column_code: str
    label_zh: str
    unit: str
    printed_unit: str  # the unit the header prints when it is not the warehouse unit (万元)
    templates: tuple[str, ...]
    label_en: str


@dataclass(frozen=True)
class Cell:
    template: str
    table_code: str
    item_code: str
    column_code: str
    unit: str


@dataclass(frozen=True)
class Label:
    """A printed label as a regular expression over normalised text (see labels.normalize)."""

    kind: str  # section, block, item, column, template_marker
    table_code: str
    block: str
    code: str
    templates: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class IdentityTerm:
    """One cell of one identity in one scope: ``sign`` × its value adds to the ``side``
    ('observed' or 'expected'); ``year_offset`` -1 reads the agency's report of the year before."""

    expectation: str
    scope: str
    side: str
    sign: int
    table_code: str
    item_code: str
    column_code: str
    year_offset: int


@dataclass(frozen=True)
class DomainRule:
    """The values a cell may take: negative when ``signed``, fractional unless ``whole``.
    An empty ``column_code`` fits every column of the unit."""

    unit: str
    column_code: str
    signed: bool
    whole: bool


@dataclass(frozen=True)
class Expectation:
    """One expectation: the suite it belongs to and how serious its failure is."""

    id: str
    name_zh: str  # the short Chinese name a steward reads (申请收支平衡)
    suite: str
    severity: str  # 'error' (a finding for a steward) or 'warning'
    statement: str


def _rows(name: str) -> list[dict[str, str]]:
    with open(TEMPLATE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _templates(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(","))


EXPECTATIONS = {
    r["expectation"]: Expectation(r["expectation"], r["name_zh"], r["suite"], r["severity"], r["statement"])
    for r in _rows("expectations.csv")
}
# files read in part or not at all: findings too, of the reading rather than of an identity
READING = {r["expectation"]: Expectation(r["expectation"], r["name_zh"], "reading", "error", r["statement"])
           for r in _rows("reading.csv")}
SUITES = tuple(dict.fromkeys(e.suite for e in EXPECTATIONS.values()))
IDENTITIES = tuple(e for e, x in EXPECTATIONS.items() if x.suite == "in_report_identities")
CROSS_YEAR = tuple(e for e, x in EXPECTATIONS.items() if x.suite == "cross_year_identities")
_FIRST_YEARS = {r["template"]: int(r["first_year"]) for r in _rows("templates.csv")}
TEMPLATES = tuple(_FIRST_YEARS)


def template_of_year(year: int | None) -> str:
    """The template in force for a report on ``year``: the first template for earlier or unknown years."""
    fitting = [t for t, first in _FIRST_YEARS.items() if first <= (year or 0)]
    return fitting[-1] if fitting else TEMPLATES[0]


@cache
def items() -> tuple[Item, ...]:
    return tuple(
        Item(r["table_code"], r["block"], r["item_code"], r["label_zh"], _templates(r["templates"]), r["label_en"])
        for r in _rows("items.csv")
    )


@cache
def columns() -> tuple[Column, ...]:
    return tuple(
        Column(
            r["table_code"], r["block"], r["column_code"], r["label_zh"], r["unit"], r["printed_unit"],
            _templates(r["templates"]), r["label_en"],
        )
        for r in _rows("columns.csv")
    )


@cache
def cells(template: str) -> tuple[Cell, ...]:
    """Every cell of a template, in the order of cells.csv."""
    return tuple(
        Cell(r["template"], r["table_code"], r["item_code"], r["column_code"], r["unit"])
        for r in _rows("cells.csv")
        if r["template"] == template
    )


@cache
def cell_units(template: str) -> dict[tuple[str, str, str], str]:
    """The unit of every cell a report of this template may print: its own cells and the rows it
    may print the other template's way (MIXED_ROWS)."""
    units = {(c.table_code, c.item_code, c.column_code): c.unit for c in cells(template)}
    for other in TEMPLATES:
        for c in cells(other):
            if c.table_code == "applications" and c.item_code in MIXED_ROWS.get(template, {}):
                units[(c.table_code, c.item_code, c.column_code)] = c.unit
    return units


def mixed_rows(template: str, printed: set[str]) -> dict[str, tuple[str, ...]]:
    """Of the items printed in a report of this template, those printed the other template's way,
    each with the items it stands for."""
    return {item: parts for item, parts in MIXED_ROWS.get(template, {}).items() if item in printed}


def expected_cells(template: str, printed: set[str]) -> list[tuple[str, str, str]]:
    """The cells a report should show, given the table 三 items it prints (a mixed row replaces its parts)."""
    mixed = mixed_rows(template, printed)
    replaced = {part for parts in mixed.values() for part in parts}
    keys = [(c.table_code, c.item_code, c.column_code) for c in cells(template)
            if not (c.table_code == "applications" and c.item_code in replaced)]
    return keys + [("applications", item, col) for item in mixed for col in APPLICANT_COLUMNS]


@cache
def labels(kind: str) -> tuple[Label, ...]:
    return tuple(
        Label(
            r["kind"], r["table_code"], r["block"], r["code"], _templates(r["templates"]),
            re.compile(r["pattern"]),
        )
        for r in _rows("labels.csv")
        if r["kind"] == kind
    )


TABLES = tuple(dict.fromkeys(i.table_code for i in items()))
TABLE_LABELS = {r["table_code"]: r["label_zh"] for r in _rows("tables.csv")}  # the tables' printed headings
# Table 三's applicant columns, table 四's groups and result columns, in printed order.
APPLICANT_COLUMNS = tuple(dict.fromkeys(c.column_code for c in columns() if c.table_code == "applications"))
RESULT_COLUMNS = tuple(dict.fromkeys(c.column_code for c in columns() if c.table_code == "review_litigation"))
REVIEW_GROUPS = tuple(i.item_code for i in items() if i.table_code == "review_litigation")
# Mixed layouts (mixed_rows.csv): template → a row printed the other template's way → the rows of
# the template it stands for (a 2021 report's one-row （六）其他处理, stored as printed: other_handling).
MIXED_ROWS: dict[str, dict[str, tuple[str, ...]]] = {}
for _r in _rows("mixed_rows.csv"):
    _parts = MIXED_ROWS.setdefault(_r["template"], {}).setdefault(_r["item_code"], ())
    MIXED_ROWS[_r["template"]][_r["item_code"]] = (*_parts, _r["part"])


def item_codes(template: str, table_code: str, block: str | None = None) -> list[str]:
    """Item codes of one table (optionally one block) in printed order."""
    return [
        i.item_code
        for i in items()
        if i.table_code == table_code and template in i.templates and block in (None, i.block)
    ]


def block_columns(template: str, table_code: str, block: str) -> list[str]:
    """The printed columns of a block of table 二 (or a table) in printed order."""
    present = {c.column_code for c in cells(template) if c.table_code == table_code}
    seen: list[str] = []
    for c in columns():
        if (c.table_code, c.block) == (table_code, block) and template in c.templates:
            if c.column_code in present and c.column_code not in seen:
                seen.append(c.column_code)
    return seen


@cache
def identity_terms_as_printed(template: str, mixed: frozenset[str] = frozenset()) -> tuple[IdentityTerm, ...]:
    """identity_terms, in a report that prints the ``mixed`` rows the other template's way: each
    stands for its parts (in the outcome identity, and as the scope of its applicant identity)."""
    stands_for = {part: item for item in mixed for part in MIXED_ROWS[template][item]}
    out: dict[IdentityTerm, None] = {}
    for term in identity_terms(template):
        scope = stands_for.get(term.scope, term.scope) if term.expectation == "applications_applicants" else term.scope
        item = stands_for.get(term.item_code, term.item_code) if term.table_code == "applications" else term.item_code
        out[replace(term, scope=scope, item_code=item)] = None
    return tuple(out)


@cache
def layouts() -> dict[str, tuple[str, frozenset[str]]]:
    """Every layout a report may print: key → (template, its mixed rows); the key of a template
    printed as it is is the template itself ("2021"), of a mixed one "2021+other_handling"."""
    out = {t: (t, frozenset()) for t in TEMPLATES}
    for template, rows in MIXED_ROWS.items():
        out[f"{template}+{'+'.join(rows)}"] = (template, frozenset(rows))
    return out


def layout_of(template: str, printed: set[str]) -> str:
    """The key of the layout of a report of ``template`` whose table 三 prints the items ``printed``."""
    mixed = mixed_rows(template, printed)
    return f"{template}+{'+'.join(mixed)}" if mixed else template


@cache
def identity_terms(template: str) -> tuple[IdentityTerm, ...]:
    """Every term of every identity of ``template`` (identities.csv), scope by scope.

    A row's ``scope_kind`` names the field that is the scope (its item or its column); ``*`` in
    that field stands for every item (column) of the row's table in the template, so the row
    repeats in each scope. Within a scope the terms keep the order of the file.
    """
    present = cells(template)
    rows = [r for r in _rows("identities.csv") if template in _templates(r["templates"])]
    field = {"item": "item_code", "column": "column_code"}
    terms: list[IdentityTerm] = []
    for expectation in dict.fromkeys(r["expectation"] for r in rows):
        own = [r for r in rows if r["expectation"] == expectation]
        scopes: dict[str, None] = {}
        for r in own:
            key = field[r["scope_kind"]]
            every = (getattr(c, key) for c in present if c.table_code == r["table_code"])
            scopes |= dict.fromkeys(every if r[key] == "*" else [r[key]])
        for scope in scopes:
            for r in own:
                key = field[r["scope_kind"]]
                if r[key] in ("*", scope):
                    cell = {"item_code": r["item_code"], "column_code": r["column_code"], key: scope}
                    terms.append(IdentityTerm(
                        expectation, scope, r["side"], int(r["sign"]), r["table_code"],
                        cell["item_code"], cell["column_code"], int(r["year_offset"]),
                    ))
    return tuple(terms)


def item_label(table_code: str, item_code: str) -> str:
    """The printed Chinese label of a row (its code when the catalog has no such row)."""
    return next((i.label_zh for i in items() if (i.table_code, i.item_code) == (table_code, item_code)), item_code)


def column_label(table_code: str, column_code: str) -> str:
    """The printed Chinese label of a column (its code when the catalog has no such column)."""
    found = (c.label_zh for c in columns() if (c.table_code, c.column_code) == (table_code, column_code))
    return next(found, column_code)


@cache
def scope_label(expectation: str, scope: str) -> str:
    """A scope in Chinese: the row or column an identity is judged on (自然人), the table of a
    completeness result, the cell of a value-domain result, the file of a reading finding; the
    scope itself when none fits."""
    if expectation in READING:
        return "整份报告" if scope == "report" else scope.rsplit("/", 1)[-1]
    if "/" in scope:
        item, column = scope.split("/", 1)
        table = next((i.table_code for i in items() if i.item_code == item), "")
        return f"{item_label(table, item)} · {column_label(table, column)}"
    if scope in TABLES:
        return TABLE_LABELS.get(scope, scope)
    for r in _rows("identities.csv"):
        if r["expectation"] == expectation:
            label = (item_label if r["scope_kind"] == "item" else column_label)(r["table_code"], scope)
            if label != scope:
                return label
    return scope


@cache
def domain_rules() -> tuple[DomainRule, ...]:
    """The value domain (domains.csv): the first rule whose unit and column fit a cell is its rule."""
    return tuple(
        DomainRule(r["unit"], r["column_code"], r["signed"] == "true", r["whole"] == "true")
        for r in _rows("domains.csv")
    )


@cache
def unit_scales() -> dict[str, float]:
    """A printed money unit (元, 万元) → what its numbers are multiplied by to be in yuan."""
    return {r["printed"]: float(r["scale"]) for r in _rows("units.csv") if r["unit"] == "yuan"}


@cache
def printed_units(unit: str) -> tuple[str, ...]:
    """The words a cell may print after its number for a warehouse unit ('yuan': 元, 万元; 'count': 件, 个…)."""
    return tuple(r["printed"] for r in _rows("units.csv") if r["unit"] == unit)


@cache
def printed_scale(table_code: str, column_code: str) -> float:
    """What a number printed bare in a column is multiplied by: the scale of the unit its header
    prints (1 when the header prints none)."""
    printed = {c.printed_unit for c in columns() if (c.table_code, c.column_code) == (table_code, column_code)}
    (unit,) = printed
    return unit_scales()[unit] if unit else 1.0


def pattern(kind: str) -> re.Pattern[str]:
    """The one label of ``kind`` (such as the administrative-unit suffixes or table 四's header)."""
    (label,) = labels(kind)
    return label.pattern


@dataclass(frozen=True)
class SectionTitle:
    """One of the six sections of a report (sections.csv): its title as the template prints it,
    the table it holds (if any) and the titles printed for it, over normalised text."""

    number: int
    title: str
    table_code: str
    pattern: re.Pattern[str]


@cache
def section_titles() -> tuple[SectionTitle, ...]:
    return tuple(SectionTitle(int(r["section"]), r["title"], r["table_code"], re.compile(r["pattern"]))
                 for r in _rows("sections.csv"))


@dataclass(frozen=True)
class StatementPattern:
    """A phrase in which a report states one of its numbers (statements.csv): ``{n}`` in the
    pattern stands for the number (a pattern without it states none: 0); the table cell it
    corresponds to (items joined by '+' are summed), and how it is compared: 'equal', 'no_fee'
    (a statement of none against a non-zero cell), or 'none'."""

    code: str
    sections: tuple[int, ...]
    pattern: str
    unit: str
    table_code: str
    items: tuple[str, ...]
    column_code: str
    comparison: str


@cache
def statement_patterns() -> tuple[StatementPattern, ...]:
    return tuple(
        StatementPattern(r["code"], tuple(int(s) for s in r["sections"].split(",")), r["pattern"], r["unit"],
                         r["table_code"], tuple(i for i in r["item_code"].split("+") if i), r["column_code"],
                         r["comparison"])
        for r in _rows("statements.csv")
    )


@dataclass(frozen=True)
class MeasureTerm:
    """One cell of a measure: ``sign`` × its value adds to the ``part`` ('numerator' or 'denominator')."""

    part: str
    sign: int
    table_code: str
    item_code: str
    column_code: str


@dataclass(frozen=True)
class Measure:
    """A derived measure (measures.csv): a sum of cells, or a share of two sums, shown only when its
    denominator reaches ``min_denominator`` (small numbers mislead)."""

    code: str
    label_zh: str
    label_en: str
    unit: str  # count, yuan or share
    numerator: str  # as written in measures.csv: terms table/item/column joined by + and -
    denominator: str
    min_denominator: int
    note: str
    terms: tuple[MeasureTerm, ...]

    @property
    def is_share(self) -> bool:
        return bool(self.denominator)


_TERM = re.compile(r"([+-])?\s*([a-z_]+)/([a-z_]+\*?)/([a-z_]+)")


def _measure_terms(part: str, written: str) -> list[MeasureTerm]:
    """The cells of ``written`` ("applications/denied_*/total + …"); an item ending in ``*`` is every
    item of the table that starts so. A term naming no cell of any template is an error."""
    known = {(c.table_code, c.item_code, c.column_code) for t in TEMPLATES for c in cells(t)}
    terms = []
    for m in _TERM.finditer(written):
        sign, table, item, column = m.groups()
        chosen = ([i.item_code for i in items() if i.table_code == table and i.item_code.startswith(item[:-1])]
                  if item.endswith("*") else [item])
        for code in chosen:
            if (table, code, column) not in known:
                raise ValueError(f"measures.csv: {table}/{code}/{column} is no cell of the templates")
            terms.append(MeasureTerm(part, -1 if sign == "-" else 1, table, code, column))
    if written.strip() and not terms:
        raise ValueError(f"measures.csv: no term in {written!r}")
    return terms


@cache
def measures() -> tuple[Measure, ...]:
    """The measures of measures.csv, in its order, with their terms."""
    out = []
    for r in _rows("measures.csv"):
        terms = _measure_terms("numerator", r["numerator"]) + _measure_terms("denominator", r["denominator"])
        out.append(Measure(r["measure"], r["label_zh"], r["label_en"], r["unit"], r["numerator"], r["denominator"],
                           int(r["min_denominator"] or 0), r["note"], tuple(terms)))
    return tuple(out)


def measure(code: str) -> Measure | None:
    return next((m for m in measures() if m.code == code), None)
