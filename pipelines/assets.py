"""The asset graph: (fetched files →) landed files → parsed reports and facts → warehouse tables → identity results."""

import contextlib
import shutil
import time
from pathlib import Path

import dagster as dg
import polars as pl

from expectations.runner import domain_violations, import_in_background, judge_sides
from pipelines.checks import check_specs, suite_checks
from pipelines.fetch import fetched_files
from pipelines.resources import LandingFolder, Progress, Readers, StewardFiles, Warehouse
from reading import faults, landing
from reading.pool import planned_tasks, read_files
from transforms import catalog
from transforms.identities import completeness_sides, cross_year_items, cross_year_sides, domain_frame, identity_sides
from transforms.model import Status
from transforms.statements import narrative_sides
from warehouse import stewardship, store
from warehouse.schema import REPORTS

GROUP = "ingest"


@dg.asset(group_name=GROUP, kinds={"polars"}, deps=[fetched_files])
def landed_files(
    context: dg.AssetExecutionContext, landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress
) -> pl.DataFrame:
    """Report files under the landing folder and what to do with each."""
    _clear_dead_staging(context, warehouse_db)
    folder = landing_folder.folder(context)
    files = landing.scan(folder)
    planned = landing.plan(files, store.known_files(warehouse_db.con), max_bytes=landing_folder.max_megabytes * 1e6)
    counts = dict(planned.group_by("action").len().iter_rows())
    summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
    progress.say(context, f"{len(files)} files under {folder}" + (f": {summary}" if summary else ""))
    return planned


ONE_PROCESS = ("in_process", "execute_in_process_executor")  # executors that run every step in the run's process


def _clear_dead_staging(context: dg.AssetExecutionContext, warehouse_db: Warehouse) -> None:
    """Remove the staging folders that runs killed before loading them left behind: every other
    run's when one process holds the warehouse for the whole run (the in-process executor), else
    those of runs the instance does not know or knows to be finished."""
    whole_run = context.job_def.executor_def.name in ONE_PROCESS
    base = warehouse_db.staging(context.run.run_id).parent
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if folder.name == context.run.run_id:
            continue
        run = None if whole_run else context.instance.get_run_by_id(folder.name)
        if run is None or run.is_finished:
            shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        base.rmdir()


@dg.multi_asset(
    group_name=GROUP,
    outs={
        "parsed_reports": dg.AssetOut(kinds={"polars"},
                                      description="One reports row per new or changed file, with its status."),
        "normalized_facts": dg.AssetOut(kinds={"parquet"},
                                        description="Every table cell read from those files, in long format: "
                                                    "the staged Parquet files that hold them."),
    },
)
def read_reports(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, landing_folder: LandingFolder,
    readers: Readers, warehouse_db: Warehouse, progress: Progress,
):
    """The new and changed files read by the reading workers (``reading.pool``), within limits."""
    started = time.monotonic()
    tasks, report_rows = planned_tasks(landed_files)
    if tasks and context.job_def.executor_def.name in ONE_PROCESS:  # the judging step runs in this process
        import_in_background()
    for row in report_rows:
        progress.say(context, f"{row['source_path']}: rejected ({row['status_reason']})")
    staging = warehouse_db.staging(context.run.run_id)
    batch = store.Batch(staging)
    told = started
    limits = dict(max_bytes=landing_folder.max_megabytes * 1e6, seconds=landing_folder.read_seconds,
                  ocr_seconds=landing_folder.ocr_seconds, memory_mb=landing_folder.memory_megabytes,
                  settings=readers.settings())
    for done, (_, row, facts) in enumerate(read_files(tasks, **limits), start=1):
        report_rows.append(row)
        batch.add(row["source_path"], facts)
        if row["status"] == Status.REJECTED:
            progress.say(context, f"[{done}/{len(tasks)}] {row['source_path']}: rejected ({row['status_reason']})")
        elif time.monotonic() - told >= PROGRESS_SECONDS:
            told = time.monotonic()
            progress.say(context, f"[{done}/{len(tasks)}] read, {done / (told - started):.1f} files/s")
        faults.reached("read", done)
    if tasks:
        progress.say(context, f"read {len(tasks)} files in {time.monotonic() - started:.1f}s")
    staged = batch.close()
    faults.reached("staged")
    report_rows = landing.with_origin(landing.settle(report_rows, landed_files))
    context.add_output_metadata({"files": len(report_rows)}, output_name="parsed_reports")
    context.add_output_metadata({"staged_batches": len(staged)}, output_name="normalized_facts")
    yield dg.Output(REPORTS.frame(report_rows), output_name="parsed_reports")
    yield dg.Output(staged, output_name="normalized_facts")


PROGRESS_SECONDS = 2.0  # between progress lines while reading (a rejected file is named at once)


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec("reports", deps=["parsed_reports", "landed_files"], kinds={"duckdb"},
                     description="DuckDB table: one row per source file ever seen."),
        dg.AssetSpec("facts", deps=["normalized_facts"], kinds={"duckdb"},
                     description="DuckDB table: one row per table cell found."),
    ],
)
def warehouse_tables(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, parsed_reports: pl.DataFrame,
    normalized_facts: list[str], landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress,
):
    """The files' rows and facts replaced in one transaction (``warehouse.store``)."""
    con = warehouse_db.con
    written = store.replace_reports(con, parsed_reports, normalized_facts)
    faults.reached("loaded")
    store.remove_staging(warehouse_db.staging(context.run.run_id))
    store.refresh_agencies(con)
    gone = store.mark_presence(con, landing.root(landing_folder.folder(context)), landed_files["source_path"].to_list())
    progress.say(context, f"loaded {parsed_reports.height} reports and {written} facts"
                 + (f"; {gone} files no longer in the landing folder" if gone else ""))
    yield dg.MaterializeResult(asset_key="reports", metadata={
        "written": parsed_reports.height, "rows": store.count(con, "reports"), "gone": gone,
        **{f"files {status}": n for status, n in store.status_counts(con)},
    })
    yield dg.MaterializeResult(asset_key="facts", metadata={"written": written, "rows": store.count(con, "facts")})


@dg.asset(group_name=GROUP, deps=["reports", "facts"], kinds={"duckdb", "csv"})
def steward_decisions(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, steward_files: StewardFiles, progress: Progress
) -> dg.MaterializeResult:
    """Stewards' decisions (imported from the decisions CSV), corrections overlaid on facts."""
    con = warehouse_db.con
    added = stewardship.import_decisions(con, Path(steward_files.decisions_csv))
    faults.reached("decisions")
    changed = stewardship.apply_corrections(con)
    if added or changed:
        progress.say(context, f"{added} decisions imported; corrections change {len(changed)} reports")
    return dg.MaterializeResult(
        metadata={"decisions": store.count(con, "decisions"), "imported": added, "reports_corrected": len(changed)}
    )


@dg.asset(
    group_name=GROUP,
    deps=["steward_decisions"],
    kinds={"duckdb", "great_expectations"},
    check_specs=check_specs(),
)
def expectation_results(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, progress: Progress
) -> dg.MaterializeResult:
    """DuckDB table: every expectation judged by its Great Expectations suite."""
    con = warehouse_db.con
    templates = store.unchecked_reports(con)
    ids = sorted(templates)
    for number, start in enumerate(range(0, len(ids), JUDGE_REPORTS), start=1):  # each suite run once per batch
        batch = {rid: templates[rid] for rid in ids[start:start + JUDGE_REPORTS]}
        facts = store.facts_of(con, list(batch))
        judged = pl.concat([
            judge_sides(identity_sides(facts, batch), "in_report_identities"),
            judge_sides(completeness_sides(facts, batch), "completeness"),
            domain_violations(domain_frame(facts)),
            judge_sides(narrative_sides(store.statements_of(con, list(batch)), facts), "narrative"),
        ])
        store.replace_results(con, _shape(judged), IN_REPORT)
        progress.say(context, f"judged {start + len(batch)}/{len(ids)} reports ({judged.height} results)")
        faults.reached("judged", number)
    if store.is_pending(con, "cross_year"):
        # a new, changed, removed or corrected report can break or mend a cross-year identity: judge them all again
        facts = store.facts_of(con, items=cross_year_items())
        cross = judge_sides(cross_year_sides(facts, store.loaded_reports(con)), "cross_year_identities")
        store.replace_all_results(con, _shape(cross), list(catalog.CROSS_YEAR), done="cross_year")
        faults.reached("cross_year")
    results = store.result_counts(con)
    passed, failed, unassessed = stewardship.identity_counts(results)
    return dg.MaterializeResult(
        metadata={"reports_judged": len(templates), "identities passed": passed, "identities failed": failed,
                  "identities not assessable": unassessed},
        check_results=suite_checks(results, cells_checked=store.count(con, "facts")),
    )


IN_REPORT = [e for e in catalog.EXPECTATIONS if e not in catalog.CROSS_YEAR]
JUDGE_REPORTS = 250  # reports whose facts are held and judged at once (memory grows with it)


def _shape(judged: pl.DataFrame) -> pl.DataFrame:
    return judged.drop("assessable").with_columns((pl.col("observed") - pl.col("expected")).alias("difference"))


@dg.asset(group_name=GROUP, deps=["expectation_results"], kinds={"duckdb"})
def findings(context: dg.AssetExecutionContext, warehouse_db: Warehouse, progress: Progress) -> dg.MaterializeResult:
    """DuckDB table: every failure ever seen, with its state (stewards review them with gongkai serve)."""
    con = warehouse_db.con
    run_id = context.run.run_id
    if not stewardship.changed_since_last_run(con):  # the same findings persist into this run
        stewardship.carry_findings(con, run_id)
        progress.say(context, "findings unchanged: nothing new was judged or decided")
        return dg.MaterializeResult(metadata={"unchanged": True})
    with store.transaction(con):
        counts = stewardship.update_findings(con, run_id)
    faults.reached("findings")
    stewardship.record_run(con, run_id)  # last: a run killed before it has its findings brought up to date again
    progress.say(context, "findings: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return dg.MaterializeResult(metadata=counts)


ASSETS = [landed_files, read_reports, warehouse_tables, steward_decisions, expectation_results, findings]
