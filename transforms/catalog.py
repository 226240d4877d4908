"""The template catalog: every code, printed label and identity of the two templates.

The data lives in ``transforms/template/*.csv`` (items, columns and cells are the warehouse
contract; labels holds the printed labels as patterns). Every layer reads it from here: the
readers match labels, the loader fills dimension tables, the suites build their identities.
"""

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent / "template"
TEMPLATES = ("2019", "2021")
TABLES = ("proactive", "applications", "review_litigation")

# Table 三's applicant columns and table 四's result columns, in printed order.
APPLICANT_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_interest_org",
    "legal_service_org",
    "other_org",
    "total",
)
RESULT_COLUMNS = ("upheld", "corrected", "other_result", "pending", "total")
REVIEW_GROUPS = ("administrative_review", "litigation_direct", "litigation_after_review")
# Mixed layouts: a 2021 report may print table 三's （六）其他处理 as one row, the 2019 way. The row is
# stored as printed (other_handling) and stands for the three rows the 2021 template split it into.
MIXED_ROWS = {"2021": {"other_handling": ("other_overdue_correction", "other_unpaid_fee", "other_other")}}


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
    """One scope of one identity: sum(left) must equal sum(right); cells are (table, item, column)."""

    expectation: str
    scope: str
    left: tuple[tuple[str, str, str], ...]
    right: tuple[tuple[str, str, str], ...]


IDENTITIES = {
    "applications_balance": "new_received + carried_over = total_processed + carried_forward",
    "applications_outcomes": "total_processed = sum of every outcome row",
    "applications_applicants": "total = sum of the six applicant columns",
    "review_litigation_total": "total = upheld + corrected + other_result + pending",
}
CROSS_YEAR = {
    "carryover_continuity": "carried_forward of year-1 = carried_over of year, per applicant column",
    "in_force_continuity": "in_force(year) = in_force(year-1) + issued(year) - repealed(year) (2021 template)",
}


@dataclass(frozen=True)
class Expectation:
    """One expectation: the suite it belongs to and how serious its failure is."""

    id: str
    suite: str
    severity: str  # 'error' (a finding for a steward) or 'warning'
    statement: str


EXPECTATIONS = {
    e.id: e
    for e in [
        *(Expectation(i, "in_report_identities", "error", s) for i, s in IDENTITIES.items()),
        *(Expectation(i, "cross_year_identities", "error", s) for i, s in CROSS_YEAR.items()),
        Expectation("value_domain", "value_domain", "error",
                    "counts are non-negative integers, 本年增/减 may be negative, money is non-negative"),
        Expectation("completeness", "completeness", "warning", "every cell of the report's template is present"),
        Expectation("blank_cells", "completeness", "warning", "cells printed blank (counted as 0 by the identities)"),
    ]
}
SUITES = tuple(dict.fromkeys(e.suite for e in EXPECTATIONS.values()))


def _rows(name: str) -> list[dict[str, str]]:
    with open(TEMPLATE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _templates(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(","))


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
            r["table_code"], r["block"], r["column_code"], r["label_zh"], r["unit"],
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
    stands for its parts in the outcome identity and has its own applicant identity."""
    terms = identity_terms(template)
    if not mixed:
        return terms
    stands_for = {part: item for item in mixed for part in MIXED_ROWS[template][item]}
    apps = "applications"
    out = []
    for term in terms:
        if term.expectation == "applications_applicants" and term.scope in stands_for:
            continue
        right = tuple(dict.fromkeys((t, stands_for.get(i, i), c) for t, i, c in term.right))
        out.append(IdentityTerm(term.expectation, term.scope, term.left, right))
    out.extend(IdentityTerm("applications_applicants", item, ((apps, item, "total"),),
                            tuple((apps, item, col) for col in APPLICANT_COLUMNS[:-1])) for item in mixed)
    return tuple(out)


@cache
def identity_terms(template: str) -> tuple[IdentityTerm, ...]:
    """Every scope of the four in-report identities for one template."""
    apps = "applications"
    outcome_rows = [i for i in item_codes(template, apps, "outcome") if i != "total_processed"]
    terms: list[IdentityTerm] = []
    for col in APPLICANT_COLUMNS:
        terms.append(IdentityTerm(
            "applications_balance", col,
            ((apps, "new_received", col), (apps, "carried_over", col)),
            ((apps, "total_processed", col), (apps, "carried_forward", col)),
        ))
    for col in APPLICANT_COLUMNS:
        terms.append(IdentityTerm(
            "applications_outcomes", col,
            ((apps, "total_processed", col),),
            tuple((apps, row, col) for row in outcome_rows),
        ))
    for row in item_codes(template, apps):
        terms.append(IdentityTerm(
            "applications_applicants", row,
            ((apps, row, "total"),),
            tuple((apps, row, col) for col in APPLICANT_COLUMNS[:-1]),
        ))
    for group in REVIEW_GROUPS:
        terms.append(IdentityTerm(
            "review_litigation_total", group,
            (("review_litigation", group, "total"),),
            tuple(("review_litigation", group, col) for col in RESULT_COLUMNS[:-1]),
        ))
    return tuple(terms)
