"""The asset graph: landed files → parsed reports and facts → warehouse tables → identity results."""

import time

import dagster as dg
import polars as pl

from pipelines import landing, warehouse
from pipelines.reading import read_file
from pipelines.resources import LandingFolder, Progress, Warehouse
from transforms import catalog
from transforms.facts import FACTS_SCHEMA, REPORTS_SCHEMA, frame, report_row
from transforms.identities import identity_sides
from transforms.reports import PARSER_VERSION

GROUP = "ingest"


@dg.asset(group_name=GROUP, description="Report files under the landing folder and what to do with each.")
def landed_files(
    context: dg.AssetExecutionContext, landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress
) -> pl.DataFrame:
    files = landing.scan(landing_folder.path)
    planned = landing.plan(files, warehouse.known_files(warehouse_db.con))
    counts = dict(planned.group_by("action").len().iter_rows())
    summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
    progress.say(context, f"{len(files)} files under {landing_folder.path}" + (f": {summary}" if summary else ""))
    return planned


@dg.multi_asset(
    group_name=GROUP,
    outs={
        "parsed_reports": dg.AssetOut(description="One reports row per new or changed file, with its status."),
        "normalized_facts": dg.AssetOut(description="Every table cell read from those files, in long format."),
    },
)
def read_reports(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, landing_folder: LandingFolder, progress: Progress
):
    todo = landed_files.filter(pl.col("action") != "unchanged")
    report_rows: list[dict] = []
    facts: list[dict] = []
    started = time.monotonic()
    for n, f in enumerate(todo.iter_rows(named=True), start=1):
        path, rid, action = f["source_path"], f["report_id"], f["action"]
        info = dict(size_bytes=f["size_bytes"], mtime=f["mtime"], parser_version=PARSER_VERSION)
        if action == "duplicate":
            row = report_row(rid, path, None, status="duplicate", duplicate_of=f["duplicate_of"],
                             status_reason=f"same bytes as {f['duplicate_of']}; facts are loaded once", **info)
        elif action == "gone":
            row = report_row("", path, None, status="rejected",
                             status_reason=f"file vanished before it could be read: {f['duplicate_of']}", **info)
        else:
            row, cells = read_file(path, rid, f["size_bytes"], f["mtime"],
                                   max_bytes=landing_folder.max_megabytes * 1e6, seconds=landing_folder.read_seconds)
            facts.extend(cells)
        report_rows.append(row)
        reason = f" ({row['status_reason']})" if row["status"] == "rejected" else ""
        progress.say(context, f"[{n}/{todo.height}] {path}: {row['status']}{reason}")
    if todo.height:
        progress.say(context, f"read {todo.height} files in {time.monotonic() - started:.1f}s")
    context.add_output_metadata({"files": len(report_rows)}, output_name="parsed_reports")
    context.add_output_metadata({"cells": len(facts)}, output_name="normalized_facts")
    yield dg.Output(frame(report_rows, REPORTS_SCHEMA), output_name="parsed_reports")
    yield dg.Output(frame(facts, FACTS_SCHEMA), output_name="normalized_facts")


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec("reports", deps=["parsed_reports", "landed_files"], description="DuckDB table: one row per source file ever seen."),
        dg.AssetSpec("facts", deps=["normalized_facts"], description="DuckDB table: one row per table cell found."),
    ],
)
def warehouse_tables(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, parsed_reports: pl.DataFrame,
    normalized_facts: pl.DataFrame, landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress,
):
    con = warehouse_db.con
    warehouse.replace_reports(con, parsed_reports, normalized_facts)
    gone = warehouse.mark_presence(con, landing.root(landing_folder.path), landed_files["source_path"].to_list())
    totals = dict(con.execute("select 'reports', count(*) from reports union all select 'facts', count(*) from facts").fetchall())
    progress.say(context, f"loaded {parsed_reports.height} reports and {normalized_facts.height} facts"
                 + (f"; {gone} files no longer in the landing folder" if gone else ""))
    yield dg.MaterializeResult(asset_key="reports", metadata={"written": parsed_reports.height, "rows": totals["reports"], "gone": gone})
    yield dg.MaterializeResult(asset_key="facts", metadata={"written": normalized_facts.height, "rows": totals["facts"]})


@dg.asset(
    group_name=GROUP,
    deps=["reports", "facts"],
    description="DuckDB table: the in-report identities judged by the Great Expectations suite.",
    check_specs=[
        dg.AssetCheckSpec(name=identity, asset="expectation_results", description=statement)
        for identity, statement in catalog.IDENTITIES.items()
    ],
)
def expectation_results(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, progress: Progress
) -> dg.MaterializeResult:
    from expectations.runner import judge_identities

    con = warehouse_db.con
    templates = warehouse.unchecked_reports(con)
    if templates:
        sides = identity_sides(warehouse.facts_of(con, list(templates)), templates)
        judged = judge_identities(sides).drop("assessable")
        judged = judged.with_columns((pl.col("observed") - pl.col("expected")).alias("difference"))
        warehouse.replace_results(con, judged)
        progress.say(context, f"checked {judged.height} identity scopes on {len(templates)} reports")
    totals = {
        name: (passed, failed, unassessed)
        for name, passed, failed, unassessed in con.execute(
            "select expectation, count(*) filter (success), count(*) filter (not success), "
            "count(*) filter (success is null) from expectation_results group by expectation"
        ).fetchall()
    }
    checks = []
    for identity in catalog.IDENTITIES:
        passed, failed, unassessed = totals.get(identity, (0, 0, 0))
        checks.append(
            dg.AssetCheckResult(
                check_name=identity,
                passed=failed == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"passed": passed, "failed": failed, "not_assessable": unassessed},
                description="failures are findings for a data steward, not errors of the run",
            )
        )
    return dg.MaterializeResult(metadata={"reports_checked": len(templates)}, check_results=checks)


ASSETS = [landed_files, read_reports, warehouse_tables, expectation_results]
