"""The ingest partitioned by landing sub-folder: one dynamic partition per first-level folder of
the landing folder (a landing date such as ``2026-11-22/`` or a province such as ``青海省/``), so
that each run reads one folder and runs can be spread over workers.

Chosen by ``GONGKAI_PARTITIONS=folders`` (see ``definitions.build_definitions``). A partition's run
scans, reads and marks present only its folder; the judging and findings steps are the same as
in an unpartitioned run (they judge whatever reports are not judged yet).
"""

import json
from pathlib import Path

import dagster as dg

from pipelines.automation import listing_digest
from pipelines.resources import LandingFolder
from reading import landing

LANDING_FOLDERS = dg.DynamicPartitionsDefinition(name="landing_folders")


def partitioned(assets: list) -> list:
    """The ingest assets, each partitioned by landing folder."""
    return list(dg.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=LANDING_FOLDERS), assets))


def folders(landing_path: str) -> dict[str, list[landing.LandedFile]]:
    """The landing folder's first-level sub-folders (partition keys) and the files under each; files
    lying directly in the landing folder belong to no partition (key "")."""
    base = Path(landing.root(landing_path))
    out: dict[str, list[landing.LandedFile]] = {}
    for f in landing.scan(base):
        parts = Path(f.path).relative_to(base).parts
        out.setdefault(parts[0] if len(parts) > 1 else "", []).append(f)
    return out


def folder_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(name="landing_folders_sensor", job=job, minimum_interval_seconds=60,
               description="Adds a partition per new landing sub-folder and runs each folder whose files changed.")
    def landing_folders_sensor(context: dg.SensorEvaluationContext, landing_folder: LandingFolder):
        seen = json.loads(context.cursor) if context.cursor else {}
        found = folders(landing_folder.path)
        loose = found.pop("", [])
        digests = {key: listing_digest(files) for key, files in found.items()}
        changed = sorted(k for k, d in digests.items() if seen.get(k) != d)
        if not changed:
            note = f"; {len(loose)} files lie outside any sub-folder and are not read" if loose else ""
            return dg.SkipReason(f"no change in {len(found)} landing folders{note}")
        known = set(context.instance.get_dynamic_partitions(LANDING_FOLDERS.name))
        return dg.SensorResult(
            run_requests=[dg.RunRequest(partition_key=k, run_key=f"{k}:{digests[k]}") for k in changed],
            dynamic_partitions_requests=[LANDING_FOLDERS.build_add_request([k for k in changed if k not in known])],
            cursor=json.dumps(digests, ensure_ascii=False, sort_keys=True),
        )

    return landing_folders_sensor
