"""The ingest job, its nightly schedule and the sensor that starts it when files land."""

import hashlib
import importlib
import os

import dagster as dg

from pipelines.resources import LandingFolder
from reading import landing

EXECUTORS = {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}


def executor(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor named by ``name`` or GONGKAI_EXECUTOR: ``in_process`` (default: one process
    holds the warehouse for the run), ``multiprocess``, or ``module:attribute`` of an installed
    executor such as ``dagster_k8s:k8s_job_executor``."""
    name = name or os.environ.get("GONGKAI_EXECUTOR", "in_process")
    if name in EXECUTORS:
        return EXECUTORS[name]
    module, _, attribute = name.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"GONGKAI_EXECUTOR={name!r}: no such executor ({e})") from None


def ingest_job_with(executor_def: dg.ExecutorDefinition):
    return dg.define_asset_job(
        "ingest",
        selection=dg.AssetSelection.groups("ingest"),
        description="Ingest every new or changed report file of the landing folder in one run.",
        executor_def=executor_def,
    )


ingest_job = ingest_job_with(executor())


def nightly_schedule(job, partitions: dg.DynamicPartitionsDefinition | None = None) -> dg.ScheduleDefinition:
    """The job every night at 02:00 Beijing time: one run, or with ``partitions`` one run per known
    partition (unchanged files are not read again)."""

    @dg.schedule(name="nightly_ingest", job=job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Every night, " + ("one run per known landing folder" if partitions else "one run")
                 + " (unchanged files are not read again).")
    def nightly_ingest(context: dg.ScheduleEvaluationContext):
        if partitions is None:
            return dg.RunRequest()
        keys = context.instance.get_dynamic_partitions(partitions.name)
        day = f"{context.scheduled_execution_time:%Y-%m-%d}"
        return [dg.RunRequest(partition_key=k, run_key=f"{k}:{day}") for k in keys]

    return nightly_ingest


nightly_ingest = nightly_schedule(ingest_job)


def listing_digest(files: list[landing.LandedFile]) -> str:
    """A fingerprint of the landing folder: paths, sizes and modification times."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.path}\0{f.size}\0{f.mtime}\n".encode())
    return h.hexdigest()


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, description="One run for all files that landed or changed.")
def landing_sensor(context: dg.SensorEvaluationContext, landing_folder: LandingFolder):
    files = landing.scan(landing_folder.path)
    digest = listing_digest(files)
    if digest == context.cursor:
        return dg.SkipReason(f"no change among {len(files)} files")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=digest)], cursor=digest)
