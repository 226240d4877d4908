"""The one Definitions object: loaded by workspace.yaml, the CLI and the tests."""

from pathlib import Path

import dagster as dg

from pipelines.assets import ASSETS
from pipelines.automation import ingest_job, landing_sensor, nightly_ingest
from pipelines.resources import DEFAULT_LANDING, DEFAULT_WAREHOUSE, LandingFolder, Progress, Warehouse, setting


def build_definitions(
    landing: str | Path | None = None, warehouse: str | Path | None = None, echo: bool = False
) -> dg.Definitions:
    """Definitions with explicit paths (the CLI, tests) or, by default, from the environment:
    GONGKAI_LANDING and GONGKAI_WAREHOUSE, falling back to data/samples and data/warehouse.duckdb."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=[ingest_job],
        schedules=[nightly_ingest],
        sensors=[landing_sensor],
        resources={
            "landing_folder": LandingFolder(path=str(landing) if landing else setting("GONGKAI_LANDING", DEFAULT_LANDING)),
            "warehouse_db": Warehouse(
                path=str(warehouse) if warehouse else setting("GONGKAI_WAREHOUSE", DEFAULT_WAREHOUSE)
            ),
            "progress": Progress(echo=echo),
        },
    )


defs = build_definitions()
