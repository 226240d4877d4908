"""The one Definitions object: loaded by workspace.yaml, the CLI and the tests."""

import os
from pathlib import Path

import dagster as dg

from pipelines.assets import ASSETS
from pipelines.automation import executor, ingest_job, ingest_job_with, landing_sensor, nightly_ingest, nightly_schedule
from pipelines.fetch import DEFAULT_SOURCES, SourcesFile, fetch_job, fetched_files, nightly_fetch
from pipelines.partitions import LANDING_FOLDERS, folder_sensor, partitioned
from pipelines.resources import LandingFolder, Progress, Readers, StewardFiles, Warehouse, setting
from reading.landing import DEFAULT_LANDING
from reading.pool import MAX_MEGABYTES, MEMORY_MEGABYTES, OCR_SECONDS, READ_SECONDS
from warehouse.store import DEFAULT_WAREHOUSE, LOCK_WAIT_SECONDS


def steward_files(warehouse: str | Path) -> StewardFiles:
    """The decisions CSV beside the warehouse: data/decisions.csv."""
    return StewardFiles(decisions_csv=str(Path(warehouse).parent / "decisions.csv"))


def build_definitions(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    echo: bool = False,
    max_megabytes: float = MAX_MEGABYTES,
    read_seconds: float = READ_SECONDS,
    ocr_seconds: float = OCR_SECONDS,
    memory_megabytes: float = MEMORY_MEGABYTES,
    lock_wait_seconds: float = LOCK_WAIT_SECONDS,
    partitions: str | None = None,
    sources: str | Path | None = None,
) -> dg.Definitions:
    """Definitions with explicit paths and limits (the CLI, tests) or, by default, from the
    environment: GONGKAI_LANDING, GONGKAI_WAREHOUSE and GONGKAI_SOURCES, else data/samples,
    data/warehouse.duckdb and data/sources.yaml (the nightly fetch is skipped while that file is missing).

    ``partitions`` (default GONGKAI_PARTITIONS): "" for one run over the whole landing folder,
    "folders" for a dynamic partition per first-level sub-folder (``pipelines.partitions``)."""
    partitions = os.environ.get("GONGKAI_PARTITIONS", "") if partitions is None else partitions
    if partitions == "folders":
        job = ingest_job_with(executor())
        assets, jobs = partitioned(ASSETS), [job]
        schedules, sensors = [nightly_schedule(job, LANDING_FOLDERS)], [folder_sensor(job)]
    elif partitions == "":
        assets, jobs, schedules, sensors = ASSETS, [ingest_job], [nightly_ingest], [landing_sensor]
    else:
        raise ValueError(f"GONGKAI_PARTITIONS={partitions!r}: use 'folders' or leave it unset")
    return dg.Definitions(
        assets=[fetched_files, *assets],
        jobs=[fetch_job, *jobs],
        schedules=[nightly_fetch, *schedules],
        sensors=sensors,
        resources={
            "sources_file": SourcesFile(path=str(sources) if sources else setting("GONGKAI_SOURCES", DEFAULT_SOURCES)),
            "landing_folder": LandingFolder(
                path=str(landing) if landing else setting("GONGKAI_LANDING", DEFAULT_LANDING),
                max_megabytes=max_megabytes,
                read_seconds=read_seconds,
                ocr_seconds=ocr_seconds,
                memory_megabytes=memory_megabytes,
            ),
            "readers": Readers(),
            "warehouse_db": Warehouse(
                path=str(warehouse) if warehouse else setting("GONGKAI_WAREHOUSE", DEFAULT_WAREHOUSE),
                lock_wait_seconds=lock_wait_seconds,
            ),
            "steward_files": steward_files(warehouse or os.environ.get("GONGKAI_WAREHOUSE") or DEFAULT_WAREHOUSE),
            "progress": Progress(echo=echo),
        },
    )


defs = build_definitions()
