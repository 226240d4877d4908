"""Fetching upstream of the ingest: the ``fetched_files`` asset (``gongkai fetch`` over sources.yaml into
the landing folder), its job and its nightly schedule an hour before the nightly ingest."""

from pathlib import Path

import dagster as dg

from fetching.sources import load
from pipelines.resources import LandingFolder, Progress

DEFAULT_SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources.yaml"


class SourcesFile(dg.ConfigurableResource):
    """The sources.yaml naming the sites to follow (see sources.example.yaml)."""

    path: str


@dg.asset(group_name="fetch", kinds={"http"})
def fetched_files(
    context: dg.AssetExecutionContext, sources_file: SourcesFile, landing_folder: LandingFolder, progress: Progress
) -> dg.MaterializeResult:
    """Report pages and attachments fetched from the sources' index pages into the landing folder, each
    with its provenance record; every URL tried is in the landing folder's _fetch/fetch_log.jsonl."""
    from fetching.run import fetch  # httpx: imported by a fetch run, not by every load of the definitions

    sources, politeness = load(sources_file.path)
    done = fetch(sources, landing_folder.path, politeness, say=lambda line: progress.say(context, line))
    for line in done.lines():
        progress.say(context, line)
    reasons = "\n".join(f"- {url}: {reason}" for url, reason in done.failed) or "none"
    return dg.MaterializeResult(metadata={**done.metadata(), "sources": len(sources),
                                          "failures": dg.MetadataValue.md(reasons)})


fetch_job = dg.define_asset_job(
    "fetch", selection=[fetched_files],
    description="Fetch new reports from the sources of sources.yaml into the landing folder.")


@dg.schedule(name="nightly_fetch", job=fetch_job, cron_schedule="0 1 * * *", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Every night at 01:00 Beijing time, an hour before the nightly ingest; skipped while there "
                         "is no sources file. The landing sensor sees the new files.")
def nightly_fetch(context: dg.ScheduleEvaluationContext, sources_file: SourcesFile):
    if not Path(sources_file.path).is_file():
        return dg.SkipReason(f"no sources file at {sources_file.path} (copy sources.example.yaml there)")
    return dg.RunRequest()
