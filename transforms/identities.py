"""The two sides of every in-report identity, per report and scope, ready to be judged.

A blank cell counts as 0 and is listed in ``blank_cells``; a cell the reader did not find makes
the scope not assessable (both sides NULL, the cells listed in ``missing_cells``).
"""

import polars as pl

from transforms import catalog

IDENTITY_SCHEMA = pl.Schema(
    {
        "report_id": pl.String,
        "expectation": pl.String,
        "scope": pl.String,
        "observed": pl.Float64,
        "expected": pl.Float64,
        "assessable": pl.Boolean,
        "blank_cells": pl.List(pl.String),
        "missing_cells": pl.List(pl.String),
    }
)


def _name(cell: tuple[str, str, str]) -> str:
    return f"{cell[1]}/{cell[2]}"


def identity_sides(facts: pl.DataFrame, templates: dict[str, str]) -> pl.DataFrame:
    """One row per report, identity and scope; ``templates`` maps report_id to its template."""
    values: dict[str, dict[tuple[str, str, str], float | None]] = {rid: {} for rid in templates}
    for rid, table, item, column, value in facts.select(
        "report_id", "table_code", "item_code", "column_code", "value"
    ).iter_rows():
        if rid in values:
            values[rid][(table, item, column)] = value
    rows = []
    for rid, template in templates.items():
        cells = values[rid]
        for term in catalog.identity_terms(template):
            involved = term.left + term.right
            missing = [_name(c) for c in involved if c not in cells]
            blank = [_name(c) for c in involved if c in cells and cells[c] is None]
            ok = not missing
            rows.append(
                {
                    "report_id": rid,
                    "expectation": term.expectation,
                    "scope": term.scope,
                    "observed": sum(cells[c] or 0.0 for c in term.left) if ok else None,
                    "expected": sum(cells[c] or 0.0 for c in term.right) if ok else None,
                    "assessable": ok,
                    "blank_cells": blank,
                    "missing_cells": missing,
                }
            )
    return pl.DataFrame(rows, schema=IDENTITY_SCHEMA) if rows else pl.DataFrame(schema=IDENTITY_SCHEMA)
