"""Configurable resources: where the landing folder and the warehouse are, and progress output."""

import os
import sys
from pathlib import Path

import dagster as dg

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_LANDING = PROJECT_DIR / "data" / "samples"
DEFAULT_WAREHOUSE = PROJECT_DIR / "data" / "warehouse.duckdb"


def setting(name: str, default: Path) -> str | dg.EnvVar:
    """An environment variable when it is set, else a default inside ``data/``."""
    return dg.EnvVar(name) if os.environ.get(name) else str(default)


class LandingFolder(dg.ConfigurableResource):
    """The folder whose report files are ingested (recursively)."""

    path: str


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file."""

    path: str

    def connect(self):
        from pipelines.warehouse import connect

        return connect(self.path)


class Progress(dg.ConfigurableResource):
    """Progress lines: always to the run log, and to stderr when ``echo`` (the CLI sets it)."""

    echo: bool = False

    def say(self, context: dg.AssetExecutionContext, message: str) -> None:
        context.log.info(message)
        if self.echo:
            print(message, file=sys.stderr, flush=True)
