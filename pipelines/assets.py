"""The asset graph: landed files → parsed reports and facts → warehouse tables → identity results."""

import contextlib
import shutil
import time
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines import landing, review_page, stewardship, warehouse
from pipelines.reading import Task, read_files, rejected
from pipelines.resources import LandingFolder, Progress, StewardFiles, Warehouse
from reading import faults
from transforms import catalog
from transforms.facts import FACTS_SCHEMA, REPORTS_SCHEMA, frame
from transforms.identities import completeness_sides, cross_year_items, cross_year_sides, domain_frame, identity_sides

GROUP = "ingest"


@dg.asset(group_name=GROUP, description="Report files under the landing folder and what to do with each.")
def landed_files(
    context: dg.AssetExecutionContext, landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress
) -> pl.DataFrame:
    _clear_dead_staging(context, warehouse_db)
    folder = landing_folder.folder(context)
    files = landing.scan(folder)
    planned = landing.plan(files, warehouse.known_files(warehouse_db.con), max_bytes=landing_folder.max_megabytes * 1e6)
    counts = dict(planned.group_by("action").len().iter_rows())
    summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
    progress.say(context, f"{len(files)} files under {folder}" + (f": {summary}" if summary else ""))
    return planned


def _clear_dead_staging(context: dg.AssetExecutionContext, warehouse_db: Warehouse) -> None:
    """Remove the staging folders that runs killed before loading them left behind: every other
    run's when one process holds the warehouse for the whole run (the in-process executor), else
    those of runs the instance does not know or knows to be finished."""
    whole_run = context.job_def.executor_def.name == "in_process"
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
        "parsed_reports": dg.AssetOut(description="One reports row per new or changed file, with its status."),
        "normalized_facts": dg.AssetOut(description="Every table cell read from those files, in long format: "
                                                    "the staged Parquet files that hold them."),
    },
)
def read_reports(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, landing_folder: LandingFolder,
    warehouse_db: Warehouse, progress: Progress,
):
    todo = landed_files.filter(pl.col("action") != "unchanged")
    report_rows: list[dict] = []
    started = time.monotonic()
    tasks = []
    for f in todo.iter_rows(named=True):
        task = Task(f["source_path"], f["target"], f["size_bytes"], f["mtime"])
        if f["action"] == "reject":
            report_rows.append(rejected(task, f["reason"], transient=f["transient"])[0])
            progress.say(context, f"{task.path}: rejected ({f['reason']})")
        else:
            tasks.append(task)
    staging = warehouse_db.staging(context.run.run_id)
    batch = Batch(staging)
    told = started
    limits = dict(max_bytes=landing_folder.max_megabytes * 1e6, seconds=landing_folder.read_seconds,
                  memory_mb=landing_folder.memory_megabytes)
    for done, (_, row, facts) in enumerate(read_files(tasks, **limits), start=1):
        report_rows.append(row)
        batch.add(row["source_path"], facts)
        if row["status"] == "rejected":
            progress.say(context, f"[{done}/{len(tasks)}] {row['source_path']}: rejected ({row['status_reason']})")
        elif time.monotonic() - told >= PROGRESS_SECONDS:
            told = time.monotonic()
            progress.say(context, f"[{done}/{len(tasks)}] read, {done / (told - started):.1f} files/s")
        faults.reached("read", done)
    if tasks:
        progress.say(context, f"read {len(tasks)} files in {time.monotonic() - started:.1f}s")
    staged = batch.close()
    faults.reached("staged")
    report_rows = landing.settle(report_rows, landed_files)
    context.add_output_metadata({"files": len(report_rows)}, output_name="parsed_reports")
    context.add_output_metadata({"staged_batches": len(staged)}, output_name="normalized_facts")
    yield dg.Output(frame(report_rows, REPORTS_SCHEMA), output_name="parsed_reports")
    yield dg.Output(staged, output_name="normalized_facts")


PROGRESS_SECONDS = 2.0  # between progress lines while reading (a rejected file is named at once)


class Batch:
    """Facts gathered column by column, each with the path of its file, and written to the
    staging folder as Parquet every ``rows`` facts, so that memory holds one batch, not the whole
    run. (The load takes the facts of the files that are not duplicates, by path.)"""

    def __init__(self, staging: Path, rows: int = 50_000):
        self.staging, self.rows, self.staged = staging, rows, []
        self.columns: dict[str, list] = {name: [] for name in STAGED_SCHEMA}

    def add(self, source_path: str, facts: dict[str, list] | None) -> None:
        if facts:
            for name, values in facts.items():
                self.columns[name].extend(values)
            self.columns["source_path"].extend([source_path] * len(facts["report_id"]))
            if len(self.columns["report_id"]) >= self.rows:
                self._write()

    def close(self) -> list[str]:
        """The Parquet files written, after the last partial batch."""
        if self.columns["report_id"]:
            self._write()
        return self.staged

    def _write(self) -> None:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / f"facts-{len(self.staged):05d}.parquet"
        pl.DataFrame(self.columns, schema=STAGED_SCHEMA).write_parquet(path)
        self.staged.append(str(path))
        self.columns = {name: [] for name in STAGED_SCHEMA}


STAGED_SCHEMA = pl.Schema({**FACTS_SCHEMA, "source_path": pl.String})


@dg.multi_asset(
    group_name=GROUP,
    specs=[
        dg.AssetSpec("reports", deps=["parsed_reports", "landed_files"], description="DuckDB table: one row per source file ever seen."),
        dg.AssetSpec("facts", deps=["normalized_facts"], description="DuckDB table: one row per table cell found."),
    ],
)
def warehouse_tables(
    context: dg.AssetExecutionContext, landed_files: pl.DataFrame, parsed_reports: pl.DataFrame,
    normalized_facts: list[str], landing_folder: LandingFolder, warehouse_db: Warehouse, progress: Progress,
):
    con = warehouse_db.con
    written = warehouse.replace_reports(con, parsed_reports, normalized_facts)
    faults.reached("loaded")
    staging = warehouse_db.staging(context.run.run_id)
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()  # only when no other run is staging
    warehouse.refresh_agencies(con)
    gone = warehouse.mark_presence(con, landing.root(landing_folder.folder(context)), landed_files["source_path"].to_list())
    totals = dict(con.execute("select 'reports', count(*) from reports union all select 'facts', count(*) from facts").fetchall())
    progress.say(context, f"loaded {parsed_reports.height} reports and {written} facts"
                 + (f"; {gone} files no longer in the landing folder" if gone else ""))
    yield dg.MaterializeResult(asset_key="reports", metadata={"written": parsed_reports.height, "rows": totals["reports"], "gone": gone})
    yield dg.MaterializeResult(asset_key="facts", metadata={"written": written, "rows": totals["facts"]})


@dg.asset(group_name=GROUP, deps=["reports", "facts"],
          description="Stewards' decisions (imported from the decisions CSV), corrections overlaid on facts.")
def steward_decisions(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, steward_files: StewardFiles, progress: Progress
) -> dg.MaterializeResult:
    con = warehouse_db.con
    added = stewardship.import_decisions(con, Path(steward_files.decisions_csv))
    faults.reached("decisions")
    changed = stewardship.apply_corrections(con)
    total = con.execute("select count(*) from decisions").fetchall()[0][0]
    if added or changed:
        progress.say(context, f"{added} decisions imported; corrections change {len(changed)} reports")
    return dg.MaterializeResult(metadata={"decisions": total, "imported": added, "reports_corrected": len(changed)})


def _suite_checks(con) -> list[dg.AssetCheckResult]:
    counts = {
        e: (p, f, n)
        for e, p, f, n in con.execute(
            "select expectation, count(*) filter (success), count(*) filter (not success), "
            "count(*) filter (success is null) from expectation_results group by expectation"
        ).fetchall()
    }
    checks = []
    for suite in catalog.SUITES:
        members = [e for e in catalog.EXPECTATIONS.values() if e.suite == suite]
        meta = {}
        for e in members:
            p, f, n = counts.get(e.id, (0, 0, 0))
            meta.update({f"{e.id} passed": p, f"{e.id} failed": f, f"{e.id} not assessable": n})
        failed = sum(counts.get(e.id, (0, 0, 0))[1] for e in members)
        error = any(e.severity == "error" for e in members)
        checks.append(dg.AssetCheckResult(
            check_name=suite, passed=failed == 0, metadata=meta,
            severity=dg.AssetCheckSeverity.ERROR if error else dg.AssetCheckSeverity.WARN,
            description="failures are findings for a data steward, not errors of the run",
        ))
    return checks


@dg.asset(
    group_name=GROUP,
    deps=["steward_decisions"],
    description="DuckDB table: every expectation judged by its Great Expectations suite.",
    check_specs=[dg.AssetCheckSpec(name=suite, asset="expectation_results") for suite in catalog.SUITES],
)
def expectation_results(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, progress: Progress
) -> dg.MaterializeResult:
    from expectations.runner import domain_violations, judge_sides

    con = warehouse_db.con
    templates = warehouse.unchecked_reports(con)
    ids = sorted(templates)
    for number, start in enumerate(range(0, len(ids), JUDGE_REPORTS), start=1):  # each suite run once per batch
        batch = {rid: templates[rid] for rid in ids[start:start + JUDGE_REPORTS]}
        facts = warehouse.facts_of(con, list(batch))
        judged = pl.concat([
            judge_sides(identity_sides(facts, batch), "in_report_identities"),
            judge_sides(completeness_sides(facts, batch), "completeness"),
            domain_violations(domain_frame(facts)),
        ])
        warehouse.replace_results(con, _shape(judged), IN_REPORT)
        progress.say(context, f"judged {start + len(batch)}/{len(ids)} reports ({judged.height} results)")
        faults.reached("judged", number)
    if warehouse.is_pending(con, "cross_year"):
        # a new, changed, removed or corrected report can break or mend a cross-year identity: judge them all again
        facts = warehouse.facts_of(con, items=cross_year_items())
        cross = judge_sides(cross_year_sides(facts, warehouse.loaded_reports(con)), "cross_year_identities")
        warehouse.replace_all_results(con, _shape(cross), list(catalog.CROSS_YEAR), done="cross_year")
        faults.reached("cross_year")
    return dg.MaterializeResult(metadata={"reports_judged": len(templates)}, check_results=_suite_checks(con))


IN_REPORT = [e for e in catalog.EXPECTATIONS if e not in catalog.CROSS_YEAR]
JUDGE_REPORTS = 250  # reports whose facts are held and judged at once (memory grows with it)


def _shape(judged: pl.DataFrame) -> pl.DataFrame:
    return judged.drop("assessable").with_columns((pl.col("observed") - pl.col("expected")).alias("difference"))


@dg.asset(group_name=GROUP, deps=["expectation_results"],
          description="DuckDB table: every failure ever seen, with its state; and the review page.")
def findings(
    context: dg.AssetExecutionContext, warehouse_db: Warehouse, steward_files: StewardFiles, progress: Progress
) -> dg.MaterializeResult:
    con = warehouse_db.con
    run_id = context.run.run_id
    if not stewardship.changed_since_last_run(con):  # the same findings persist into this run
        con.execute("update findings set last_seen = current_timestamp, last_run = ? where state != 'resolved'", [run_id])
        stewardship.record_run(con, run_id)
        progress.say(context, "findings unchanged: nothing new was judged or decided")
        return dg.MaterializeResult(metadata={"unchanged": True})
    with warehouse.transaction(con):
        counts = stewardship.update_findings(con, run_id)
    faults.reached("findings")
    page = review_page.write(con, Path(steward_files.review_dir))
    stewardship.record_run(con, run_id)  # last: a run killed before it has its findings brought up to date again
    progress.say(context, "findings: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; review page {page}")
    return dg.MaterializeResult(metadata={**counts, "review_page": dg.MetadataValue.path(str(page))})


ASSETS = [landed_files, read_reports, warehouse_tables, steward_decisions, expectation_results, findings]
