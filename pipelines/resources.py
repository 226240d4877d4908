"""Configurable resources: where the landing folder and the warehouse are, and progress output."""

import os
import sys
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from reading.pool import MAX_MEGABYTES, MEMORY_MEGABYTES, OCR_SECONDS, READ_SECONDS
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.terminal import printable
from warehouse.store import LOCK_WAIT_SECONDS, connect


def setting(name: str, default: Path) -> str | dg.EnvVar:
    """An environment variable when it is set, else a default inside ``data/``."""
    return dg.EnvVar(name) if os.environ.get(name) else str(default)


class LandingFolder(dg.ConfigurableResource):
    """The folder whose report files are ingested (recursively), and the limits on each file:
    its size, the seconds and the memory its reading may take."""

    path: str
    max_megabytes: float = MAX_MEGABYTES
    read_seconds: float = READ_SECONDS
    ocr_seconds: float = OCR_SECONDS
    memory_megabytes: float = MEMORY_MEGABYTES

    def folder(self, context: dg.AssetExecutionContext) -> str:
        """What a run ingests: the landing folder, or in a partitioned run its partition's sub-folder."""
        return str(Path(self.path) / context.partition_key) if context.has_partition_key else self.path


class Readers(dg.ConfigurableResource):
    """How files are read: the OCR engine (a name in ``transforms.readers.recognizer.RECOGNIZERS``)
    and the resolution scanned pages are rendered at; the rest of the readers' settings are their defaults."""

    recognizer: str = DEFAULT.recognizer
    ocr_dpi: int = DEFAULT.dpi

    def settings(self) -> ReaderSettings:
        """The run's reader settings, built once and passed to every reading worker."""
        return ReaderSettings(recognizer=self.recognizer, dpi=self.ocr_dpi)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file, held open (and so locked) for the whole run.

    A second run waits up to ``lock_wait_seconds`` for the first to finish, then fails with a
    message naming the process that holds the lock.
    """

    path: str
    lock_wait_seconds: float = LOCK_WAIT_SECONDS
    _con: object = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        def waiting(message: str) -> None:
            context.log.warning(message)
            print(message, file=sys.stderr, flush=True)

        self._con = connect(self.path, wait_seconds=self.lock_wait_seconds, on_wait=waiting)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._con is not None:
            self._con.close()

    def staging(self, run_id: str) -> Path:
        """Where a run stages its facts as Parquet before loading them (removed after the load)."""
        return Path(f"{self.path}.staging") / run_id

    @property
    def con(self):
        """The run's connection (the resource must be set up by Dagster)."""
        return self._con


class StewardFiles(dg.ConfigurableResource):
    """Where the stewards' decisions CSV lives (by default beside the warehouse)."""

    decisions_csv: str


class Progress(dg.ConfigurableResource):
    """Progress lines: always to the run log, and to stderr when ``echo`` (the CLI sets it)."""

    echo: bool = False

    def say(self, context: dg.AssetExecutionContext, message: str) -> None:
        context.log.info(message)
        if self.echo:
            print(printable(message), file=sys.stderr, flush=True)
