"""Running the suites and reading back GX's verdict for every row."""

import contextlib
import sys
import threading

import polars as pl

from transforms.identities import IDENTITY_SCHEMA

_importing: threading.Thread | None = None


def import_in_background() -> None:
    """Start importing Great Expectations in a thread (once a process): a run about to read files,
    whose reports it will then judge, calls this so that the import (seconds of CPU) goes on while
    the run waits for its reading workers, instead of after them. Judging waits for it to end;
    a failed import is left for the judging to raise."""
    global _importing
    if _importing is None and "great_expectations" not in sys.modules:
        _importing = threading.Thread(target=_import, name="import great_expectations")
        _importing.start()


def _import() -> None:
    with contextlib.suppress(Exception):
        import great_expectations  # noqa: F401

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]}


def _failed_rows(frame: pl.DataFrame, suite, columns: list[str]) -> dict[int, str]:
    """Run ``suite`` on ``frame`` (which has ``row_id``); row_id → meta of the expectation it failed."""
    import great_expectations as gx

    if frame.is_empty():
        return {}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
    batch = asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(suite)
    validation = context.validation_definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
    result = validation.run(batch_parameters={"dataframe": frame.select(["row_id", *columns]).to_pandas()},
                            result_format=RESULT_FORMAT)
    failed: dict[int, str] = {}
    for outcome in result.results:
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"suite {suite.name} could not run: {outcome.exception_info}")
        for hit in outcome.result.get("unexpected_index_list") or []:
            failed.setdefault(int(hit["row_id"]), outcome.expectation_config.meta.get("rule", ""))
    return failed


CHUNK_ROWS = 25_000  # rows handed to GX at once (as a pandas frame): bounds the memory of a run


def judge_sides(sides: pl.DataFrame, suite: str) -> pl.DataFrame:
    """``sides`` with ``success``: GX's verdict per row, NULL where not assessable."""
    from expectations.suites import sides_suite

    frame = sides.with_row_index("row_id")
    assessable = frame.filter(pl.col("assessable"))
    failed: dict[int, str] = {}
    for start in range(0, assessable.height, CHUNK_ROWS):
        chunk = assessable.slice(start, CHUNK_ROWS)
        failed |= _failed_rows(chunk, sides_suite(suite), ["expectation", "observed", "expected"])
    return frame.with_columns(
        pl.when(~pl.col("assessable")).then(None).otherwise(~pl.col("row_id").is_in(list(failed))).alias("success")
    ).drop("row_id")


def domain_violations(domain: pl.DataFrame) -> pl.DataFrame:
    """One failed ``value_domain`` row (in the shape of identity sides) per fact outside its domain."""
    from expectations.suites import value_domain_suite

    frame = domain.with_row_index("row_id")
    failed = _failed_rows(frame, value_domain_suite(), ["value", "signed", "counted", "whole"])
    bad = frame.filter(pl.col("row_id").is_in(list(failed)))
    rows = [
        {
            "report_id": r["report_id"], "expectation": "value_domain",
            "scope": f"{r['item_code']}/{r['column_code']}", "observed": r["value"], "expected": None,
            "assessable": True, "blank_cells": [], "missing_cells": [], "success": False,
            "cells": [{k: r[k] for k in ("report_id", "table_code", "item_code", "column_code")}],
            "terms": [{**{k: r[k] for k in ("report_id", "table_code", "item_code", "column_code")},
                       "side": "observed", "sign": 1, "value": r["value"]}],
        }
        for r in bad.iter_rows(named=True)
    ]
    schema = pl.Schema({**IDENTITY_SCHEMA, "success": pl.Boolean})
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)

