"""The ingest job run in-process, recorded in the Dagster instance of DAGSTER_HOME: what `gongkai ingest` calls."""

import json
import os
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions

DEFAULT_DAGSTER_HOME = Path(__file__).resolve().parents[1] / "data" / "dagster_home"  # the one `make dev` opens
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def ingest(
    directory: Path, warehouse_path: Path, *, echo: bool = True, timings: Path | None = None, **limits: float
) -> bool:
    """Run the ingest job in-process on ``directory``, recorded in the Dagster instance of
    DAGSTER_HOME (default data/dagster_home, the one ``make dev`` opens); True when the run succeeded.
    ``limits``: max_megabytes, read_seconds, ocr_seconds, memory_megabytes, lock_wait_seconds
    (see build_definitions)."""
    defs = build_definitions(landing=directory, warehouse=warehouse_path, echo=echo, partitions="", **limits)
    with dg.DagsterInstance.from_config(dagster_home()) as instance:
        result = defs.resolve_job_def("ingest").execute_in_process(
            run_config=QUIET_LOGS, raise_on_error=False, instance=instance)
    if timings is not None:
        durations = {
            e.step_key: round(e.event_specific_data.duration_ms / 1000, 3)
            for e in result.all_events if e.event_type_value == "STEP_SUCCESS"
        }
        timings.write_text(json.dumps(durations, indent=1), encoding="utf-8")
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.event_specific_data is not None:
                error = getattr(event.event_specific_data, "error", None)
                if error is not None:
                    print(f"gongkai: {error.message.strip()}", file=sys.stderr)
    return result.success


def dagster_home() -> str:
    """DAGSTER_HOME, or data/dagster_home. A missing dagster.yaml is written: everything kept in
    that folder, telemetry off (the run is local; its output stays the summary)."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return str(home.resolve())
