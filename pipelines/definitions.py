"""The one Definitions object: loaded by workspace.yaml, the CLI and the tests."""

import os
from pathlib import Path

import dagster as dg

from pipelines.assets import ASSETS
from pipelines.automation import ingest_job, landing_sensor, nightly_ingest
from pipelines.resources import (
    DEFAULT_LANDING,
    DEFAULT_WAREHOUSE,
    LandingFolder,
    Progress,
    StewardFiles,
    Warehouse,
    setting,
)


def steward_files(warehouse: str | Path) -> StewardFiles:
    """The decisions CSV and the review page beside the warehouse: data/decisions.csv, data/review/."""
    folder = Path(warehouse).parent
    return StewardFiles(decisions_csv=str(folder / "decisions.csv"), review_dir=str(folder / "review"))


def build_definitions(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    echo: bool = False,
    *,
    max_megabytes: float = 100.0,
    read_seconds: float = 120.0,
    lock_wait_seconds: float = 600.0,
) -> dg.Definitions:
    """Definitions with explicit paths and limits (the CLI, tests) or, by default, from the
    environment: GONGKAI_LANDING and GONGKAI_WAREHOUSE, else data/samples and data/warehouse.duckdb."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=[ingest_job],
        schedules=[nightly_ingest],
        sensors=[landing_sensor],
        resources={
            "landing_folder": LandingFolder(
                path=str(landing) if landing else setting("GONGKAI_LANDING", DEFAULT_LANDING),
                max_megabytes=max_megabytes,
                read_seconds=read_seconds,
            ),
            "warehouse_db": Warehouse(
                path=str(warehouse) if warehouse else setting("GONGKAI_WAREHOUSE", DEFAULT_WAREHOUSE),
                lock_wait_seconds=lock_wait_seconds,
            ),
            "steward_files": steward_files(warehouse or os.environ.get("GONGKAI_WAREHOUSE") or DEFAULT_WAREHOUSE),
            "progress": Progress(echo=echo),
        },
    )


defs = build_definitions()
