"""The two sides of every expectation that compares numbers, per report and scope, ready to be judged.

The identities are rows of terms in the catalog (``transforms/template/identities.csv``): the
facts are joined with the terms and summed, sign × value, per report, identity and scope. A
blank cell counts as 0 and is listed in ``blank_cells``; a cell the reader did not find makes the
scope not assessable (both sides NULL, the cells listed in ``missing_cells``). ``cells`` names
every cell involved, so a steward can be shown them. The input facts carry the value to judge:
the printed value, or a steward's correction of it.
"""

from functools import cache

import polars as pl

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
KEY = ["table_code", "item_code", "column_code"]


@cache
def _terms(cross_year: bool) -> pl.DataFrame:
    """The catalog's identity terms of every layout (in-report ones) or template (cross-year ones),
    numbered in order; ``template`` holds the layout's key (see catalog.layouts)."""
    wanted = catalog.CROSS_YEAR if cross_year else catalog.IDENTITIES
    rows = [
        {"template": key, **vars(term)}
        for key, (template, mixed) in catalog.layouts().items() if not (cross_year and mixed)
        for term in catalog.identity_terms_as_printed(template, mixed)
        if term.expectation in wanted
    ]
    return pl.DataFrame(rows).with_row_index("order")


def cross_year_items() -> list[tuple[str, str]]:
    """The (table, item) pairs whose cells the cross-year identities compare."""
    return list(dict.fromkeys(_terms(cross_year=True).select("table_code", "item_code").iter_rows()))


def _sum(facts: pl.DataFrame, terms: pl.DataFrame, name: pl.Expr) -> pl.DataFrame:
    """Both sides of each (report_id, expectation, scope) of ``terms``, whose ``source`` is the
    report each cell is read from; ``name`` names a cell in the blank and missing lists."""
    found = facts.select(pl.col("report_id").alias("source"), *KEY, "value", pl.lit(True).alias("found"))
    joined = (
        terms.join(found, on=["source", *KEY], how="left", maintain_order="left")
        .with_columns(pl.col("found").fill_null(False), name.alias("name"))
        .sort("report_id", "order")
    )
    term = pl.col("sign").cast(pl.Float64) * pl.col("value").fill_null(0.0)
    blank = pl.col("found") & pl.col("value").is_null()
    sides = joined.group_by("report_id", "expectation", "scope", maintain_order=True).agg(
        term.filter(pl.col("side") == "observed").sum().alias("observed"),
        term.filter(pl.col("side") == "expected").sum().alias("expected"),
        pl.col("found").all().alias("assessable"),
        pl.col("name").filter(blank).alias("blank_cells"),
        pl.col("name").filter(~pl.col("found")).alias("missing_cells"),
        pl.struct(pl.col("source").alias("report_id"), *KEY).alias("cells"),
    )
    return sides.with_columns(
        pl.when(pl.col("assessable")).then(side).alias(side) for side in ("observed", "expected")
    ).select(IDENTITY_SCHEMA.names()).cast(IDENTITY_SCHEMA)


def _cell_name(prefix: pl.Expr | None = None) -> pl.Expr:
    name = pl.concat_str("item_code", pl.lit("/"), "column_code")
    return name if prefix is None else pl.concat_str(prefix, pl.lit(":"), name)


def _reports(templates: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"report_id": list(templates), "template": list(templates.values())},
        schema={"report_id": pl.String, "template": pl.String},
    )


def _layouts(facts: pl.DataFrame, templates: dict[str, str]) -> dict[str, str]:
    """report_id → the key of its layout: its template, or the template with the rows it prints
    the other template's way (a 2021 report's one-row 其他处理: "2021+other_handling")."""
    mixed = {item for rows in catalog.MIXED_ROWS.values() for item in rows}
    printed: dict[str, set[str]] = {}
    for rid, item in (facts.filter((pl.col("table_code") == "applications") & pl.col("item_code").is_in(mixed))
                      .select("report_id", "item_code").unique().iter_rows()):
        printed.setdefault(rid, set()).add(item)
    return {rid: catalog.layout_of(template, printed.get(rid, set())) for rid, template in templates.items()}


def identity_sides(facts: pl.DataFrame, templates: dict[str, str]) -> pl.DataFrame:
    """The in-report identities: one row per report, identity and scope; ``templates`` maps
    report_id to its template."""
    terms = _reports(_layouts(facts, templates)).join(_terms(cross_year=False), on="template").with_columns(
        pl.col("report_id").alias("source")
    )
    return _sum(facts, terms, _cell_name())


def cross_year_sides(facts: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """The cross-year identities for every agency with reports in consecutive years (whatever it
    called itself each year), when both reports' templates have the identity. ``reports`` has
    report_id, agency_id, year, template; rows belong to the later report. Of two reports of one
    agency and year (a republished report), the one with more facts is the year before."""
    reports = reports.select("report_id", pl.col("agency_id").alias("agency"), "year", "template").filter(
        (pl.col("agency") != "") & (pl.col("year") != 0)
    )
    counts = facts.group_by("report_id").len()
    before = (
        reports.join(counts, on="report_id", how="left")
        .sort(pl.col("len").fill_null(0), "report_id", descending=True)
        .unique(["agency", "year"], keep="first", maintain_order=True)
        .select("agency", (pl.col("year") + 1).alias("year"),
                pl.col("report_id").alias("before"), pl.col("template").alias("template_before"))
    )
    terms = _terms(cross_year=True)
    has_identity = terms.select(pl.col("template").alias("template_before"), "expectation", "scope").unique()
    pairs = (
        reports.join(before, on=["agency", "year"])
        .join(terms, on="template")
        .join(has_identity, on=["template_before", "expectation", "scope"], how="semi")
        .with_columns(
            pl.when(pl.col("year_offset") == -1).then("before").otherwise("report_id").alias("source")
        )
    )
    return _sum(facts, pairs, _cell_name(pl.col("source").str.slice(0, 8)))


def completeness_sides(facts: pl.DataFrame, templates: dict[str, str]) -> pl.DataFrame:
    """Per report and table: cells found against the template (completeness) and blank cells."""
    template_cells = pl.DataFrame(
        [{"template": key, **dict(zip(KEY, cell, strict=True))}
         for key, (template, mixed) in catalog.layouts().items() for cell in catalog.expected_cells(template, mixed)],
    )
    found = facts.select("report_id", *KEY, "value", pl.lit(True).alias("found"))
    joined = (
        _reports(_layouts(facts, templates)).join(template_cells, on="template", maintain_order="left_right")
        .join(found, on=["report_id", *KEY], how="left", maintain_order="left")
        .with_columns(pl.col("found").fill_null(False), _cell_name().alias("name"),
                      pl.struct("report_id", *KEY).alias("cell"))
    )
    blank = pl.col("found") & pl.col("value").is_null()
    none = pl.lit([], dtype=pl.List(pl.String))
    by_table = joined.group_by("report_id", pl.col("table_code").alias("scope"), maintain_order=True)
    complete = by_table.agg(
        pl.lit("completeness").alias("expectation"),
        pl.col("found").sum().cast(pl.Float64).alias("observed"),
        pl.len().cast(pl.Float64).alias("expected"),
        none.alias("blank_cells"),
        pl.col("name").filter(~pl.col("found")).alias("missing_cells"),
        pl.col("cell").filter(~pl.col("found")).alias("cells"),
    )
    blanks = by_table.agg(
        pl.lit("blank_cells").alias("expectation"),
        blank.sum().cast(pl.Float64).alias("observed"),
        pl.lit(0.0).alias("expected"),
        pl.col("name").filter(blank).alias("blank_cells"),
        none.alias("missing_cells"),
        pl.col("cell").filter(blank).alias("cells"),
    )
    return (
        pl.concat([complete, blanks])
        .with_columns(pl.lit(True).alias("assessable"))  # missing cells are what completeness counts
        .select(IDENTITY_SCHEMA.names())
        .cast(IDENTITY_SCHEMA)
    )


def domain_frame(facts: pl.DataFrame) -> pl.DataFrame:
    """Facts with what the catalog's value domain says of them: may the value be negative
    (``signed``), must it be whole (``counted``), and is it (``whole``)."""
    signed = counted = pl.lit(False)
    for rule in reversed(catalog.domain_rules()):
        fits = pl.col("unit") == rule.unit
        if rule.column_code:
            fits &= pl.col("column_code") == rule.column_code
        signed = pl.when(fits).then(pl.lit(rule.signed)).otherwise(signed)
        counted = pl.when(fits).then(pl.lit(rule.whole)).otherwise(counted)
    return facts.select(
        "report_id", "table_code", "item_code", "column_code", "value",
        signed.alias("signed"),
        counted.alias("counted"),
        (pl.col("value").is_null() | (pl.col("value") == pl.col("value").round(0))).alias("whole"),
    )
