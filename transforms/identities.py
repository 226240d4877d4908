"""The two sides of every expectation that compares numbers, per report and scope, ready to be judged.

A blank cell counts as 0 and is listed in ``blank_cells``; a cell the reader did not find makes
the scope not assessable (both sides NULL, the cells listed in ``missing_cells``). ``cells``
names every cell involved, so a steward can be shown them. The input facts carry the value to
judge: the printed value, or a steward's correction of it.
"""

import polars as pl
import pyarrow as pa

from transforms import catalog

CELL = pl.Struct({"report_id": pl.String, "table_code": pl.String, "item_code": pl.String, "column_code": pl.String})
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
        "cells": pl.List(CELL),
    }
)
Key = tuple[str, str, str]
CARRYOVER = ("applications", "carried_forward"), ("applications", "carried_over")  # year-1, year
IN_FORCE = ("proactive", ("regulations", "normative_documents"))  # 2021: in_force, issued, repealed
# the (table, item) pairs whose cells the cross-year identities compare
CROSS_YEAR_ITEMS = [*CARRYOVER, *((IN_FORCE[0], item) for item in IN_FORCE[1])]


def _name(cell: Key) -> str:
    return f"{cell[1]}/{cell[2]}"


def _values(facts: pl.DataFrame) -> dict[str, dict[Key, float | None]]:
    out: dict[str, dict[Key, float | None]] = {}
    for rid, table, item, column, value in facts.select(
        "report_id", "table_code", "item_code", "column_code", "value"
    ).iter_rows():
        out.setdefault(rid, {})[(table, item, column)] = value
    return out


def _side(cells: dict[Key, float | None], keys) -> float:
    return sum(cells[k] or 0.0 for k in keys)


class _Results:
    """Result rows gathered column by column. The list columns are built with Arrow from flat
    values and offsets: polars would otherwise make a series of every short list."""

    LISTS = ("blank_cells", "missing_cells", "cells")

    def __init__(self):
        self.columns: dict[str, list] = {name: [] for name in IDENTITY_SCHEMA if name not in self.LISTS}
        self.flat: dict[str, list] = {"blank_cells": [], "missing_cells": [], "cells": []}
        self.offsets: dict[str, list[int]] = {name: [0] for name in self.LISTS}

    def add(self, report_id, expectation, scope, observed, expected, blank: list[str], missing: list[str],
            cells: list[tuple[str, Key]], assessable=None) -> None:
        """A result row; by default it is assessable when no cell involved is missing."""
        ok = not missing if assessable is None else assessable
        c = self.columns
        c["report_id"].append(report_id)
        c["expectation"].append(expectation)
        c["scope"].append(scope)
        c["observed"].append(observed if ok else None)
        c["expected"].append(expected if ok else None)
        c["assessable"].append(ok)
        for name, values in (("blank_cells", blank), ("missing_cells", missing), ("cells", cells)):
            self.flat[name].extend(values)
            self.offsets[name].append(len(self.flat[name]))

    def frame(self) -> pl.DataFrame:
        cells = self.flat["cells"]
        values = {
            "blank_cells": pa.array(self.flat["blank_cells"], pa.string()),
            "missing_cells": pa.array(self.flat["missing_cells"], pa.string()),
            "cells": pa.StructArray.from_arrays(
                [pa.array([rid for rid, _ in cells], pa.string())]
                + [pa.array([key[i] for _, key in cells], pa.string()) for i in range(3)],
                names=list(CELL.to_schema()),
            ),
        }
        out = pl.DataFrame(self.columns, schema={k: v for k, v in IDENTITY_SCHEMA.items() if k not in self.LISTS})
        lists = [pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(self.offsets[name], pa.int64()), values[name]))
                 .cast(IDENTITY_SCHEMA[name]).alias(name) for name in self.LISTS]
        return out.with_columns(lists).select(list(IDENTITY_SCHEMA))


def terms_of(template: str, cells) -> tuple[catalog.IdentityTerm, ...]:
    """The in-report identities of one report, given the cells it prints (see catalog.MIXED_ROWS)."""
    printed = {item for table, item, _ in cells if table == "applications"}
    return catalog.identity_terms_as_printed(template, frozenset(catalog.mixed_rows(template, printed)))


def identity_sides(facts: pl.DataFrame, templates: dict[str, str]) -> pl.DataFrame:
    """The in-report identities: one row per report, identity and scope; ``templates`` maps
    report_id to its template."""
    values = _values(facts)
    rows = _Results()
    for rid, template in templates.items():
        cells = values.get(rid, {})
        for term in terms_of(template, cells):
            involved = term.left + term.right
            missing = [_name(c) for c in involved if c not in cells]
            blank = [_name(c) for c in involved if c in cells and cells[c] is None]
            sides = (_side(cells, term.left), _side(cells, term.right)) if not missing else (None, None)
            rows.add(rid, term.expectation, term.scope, *sides, blank, missing, [(rid, c) for c in involved])
    return rows.frame()


def cross_year_sides(facts: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """carryover_continuity and in_force_continuity for every agency with reports in consecutive
    years, whatever it called itself each year. ``reports`` has report_id, agency_id, year,
    template; rows belong to the later report."""
    values = _values(facts)
    by_agency_year: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for rid, agency, year, template in reports.select("report_id", "agency_id", "year", "template").iter_rows():
        if agency and year:
            by_agency_year.setdefault((agency, year), []).append((rid, template))
    rows = _Results()
    for (agency, year), current in sorted(by_agency_year.items()):
        earlier = by_agency_year.get((agency, year - 1))
        if not earlier:
            continue
        # two reports of one agency and year (a republished report): compare with the fuller one
        prev_rid, prev_template = max(earlier, key=lambda r: (len(values.get(r[0], {})), r[0]))
        for rid, template in current:
            before, now = values.get(prev_rid, {}), values.get(rid, {})
            for col in catalog.APPLICANT_COLUMNS:
                left, right = ((*CARRYOVER[0], col),), ((*CARRYOVER[1], col),)
                _pair(rows, prev_rid, rid, "carryover_continuity", col, before, now, left, right)
            if template == prev_template == "2021":
                table, items = IN_FORCE
                for item in items:
                    terms = [(table, item, c) for c in ("in_force", "issued", "repealed")]
                    _in_force(rows, prev_rid, rid, item, before, now, terms)
    return rows.frame()


def _pair(rows: _Results, prev_rid, rid, expectation, scope, before, now, left, right) -> None:
    involved = [(prev_rid, before, k) for k in left] + [(rid, now, k) for k in right]
    missing, blank = _gaps(involved)
    sides = (_side(before, left), _side(now, right)) if not missing else (None, None)
    rows.add(rid, expectation, scope, *sides, blank, missing, [(r, k) for r, _, k in involved])


def _in_force(rows: _Results, prev_rid, rid, item, before, now, terms) -> None:
    in_force, issued, repealed = terms
    involved = [(prev_rid, before, in_force), (rid, now, in_force), (rid, now, issued), (rid, now, repealed)]
    missing, blank = _gaps(involved)
    sides = (None, None)
    if not missing:
        sides = (now[in_force] or 0.0, (before[in_force] or 0.0) + (now[issued] or 0.0) - (now[repealed] or 0.0))
    rows.add(rid, "in_force_continuity", item, *sides, blank, missing, [(r, k) for r, _, k in involved])


def _gaps(involved) -> tuple[list[str], list[str]]:
    """Of (report_id, its values, cell) triples: the cells not read, and those printed blank."""
    missing = [f"{r[:8]}:{_name(k)}" for r, vals, k in involved if k not in vals]
    blank = [f"{r[:8]}:{_name(k)}" for r, vals, k in involved if k in vals and vals[k] is None]
    return missing, blank


def completeness_sides(facts: pl.DataFrame, templates: dict[str, str]) -> pl.DataFrame:
    """Per report and table: cells found against the template (completeness) and blank cells."""
    values = _values(facts)
    rows = _Results()
    for rid, template in templates.items():
        cells = values.get(rid, {})
        expected = catalog.expected_cells(template, {item for t, item, _ in cells if t == "applications"})
        for table in catalog.TABLES:
            keys = [k for k in expected if k[0] == table]
            missing = [k for k in keys if k not in cells]
            blank = [k for k in keys if k in cells and cells[k] is None]
            rows.add(rid, "completeness", table, float(len(keys) - len(missing)), float(len(keys)),
                     [], [_name(k) for k in missing], [(rid, k) for k in missing],
                     assessable=True)  # missing cells are what completeness counts
            rows.add(rid, "blank_cells", table, float(len(blank)), 0.0, [_name(k) for k in blank], [], [(rid, k) for k in blank])
    return rows.frame()


def domain_frame(facts: pl.DataFrame) -> pl.DataFrame:
    """Facts with what the value domain needs: may the value be negative, must it be whole."""
    return facts.select(
        "report_id", "table_code", "item_code", "column_code", "value",
        (pl.col("column_code") == "change").alias("signed"),
        (pl.col("unit") == "count").alias("counted"),
        (pl.col("value").is_null() | (pl.col("value") == pl.col("value").round(0))).alias("whole"),
    )
