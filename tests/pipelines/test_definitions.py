import shutil

import dagster as dg
import pytest

from pipelines.automation import landing_sensor, nightly_ingest
from pipelines.definitions import build_definitions, defs
from pipelines.resources import LandingFolder


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("ingest")
    keys = {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert {"landed_files", "parsed_reports", "normalized_facts", "reports", "facts", "steward_decisions",
            "expectation_results", "findings"} <= keys


def test_one_check_per_suite():
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"in_report_identities", "cross_year_identities", "value_domain", "completeness", "narrative"}


def test_nightly_schedule():
    assert nightly_ingest.cron_schedule == "0 2 * * *"
    assert nightly_ingest.execution_timezone == "Asia/Shanghai"
    assert nightly_ingest.job_name == "ingest"


def test_sensor_requests_one_run_per_change(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    resources = {"landing_folder": LandingFolder(path=str(tmp_path))}
    with dg.build_sensor_context(resources=resources, definitions=build_definitions(landing=tmp_path)) as ctx:
        first = landing_sensor(ctx)
    assert len(first.run_requests) == 1
    with dg.build_sensor_context(cursor=first.cursor, resources=resources) as ctx:
        assert isinstance(landing_sensor(ctx), dg.SkipReason)
    (tmp_path / "b.txt").write_text("y", encoding="utf-8")
    (tmp_path / "c.txt").write_text("z", encoding="utf-8")
    with dg.build_sensor_context(cursor=first.cursor, resources=resources) as ctx:
        second = landing_sensor(ctx)
    assert len(second.run_requests) == 1  # two new files, one batch run
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_configuration_switches_the_executor(monkeypatch):
    from pipelines import automation

    assert automation.executor() is dg.in_process_executor
    monkeypatch.setenv("GONGKAI_EXECUTOR", "multiprocess")
    assert automation.executor() is dg.multiprocess_executor
    job = automation.ingest_job_with(automation.executor())
    assert job.executor_def is dg.multiprocess_executor
    assert automation.executor("dagster:in_process_executor") is dg.in_process_executor  # module:attribute
    with pytest.raises(ValueError, match="no such executor"):
        automation.executor("dagster_nowhere:k8s_job_executor")


def _folders(tmp_path):
    """A landing folder with two sub-folders (partitions a and b) of sample reports."""
    from conftest import SAMPLES

    land = tmp_path / "land"
    samples = sorted(p for p in SAMPLES.glob("*.txt"))
    for folder, files in (("a", samples[:2]), ("b", samples[2:3])):
        (land / folder).mkdir(parents=True)
        for f in files:
            shutil.copy2(f, land / folder / f.name)
    return land


def test_partitioned_definitions_load(tmp_path):
    from pipelines.partitions import LANDING_FOLDERS

    defs = build_definitions(landing=tmp_path, warehouse=tmp_path / "w.duckdb", partitions="folders")
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    ingest = graph.get_all_asset_keys() - {dg.AssetKey("fetched_files")}  # fetching is not partitioned
    assert {graph.get(k).partitions_def for k in ingest} == {LANDING_FOLDERS}
    assert {k.name for k in graph.asset_check_keys} == {
        "in_report_identities", "cross_year_identities", "value_domain", "completeness", "narrative"
    }
    with pytest.raises(ValueError, match="GONGKAI_PARTITIONS='days'"):
        build_definitions(partitions="days")


@pytest.mark.slow
def test_a_partition_run_reads_only_its_folder(tmp_path):
    from conftest import query

    land, db = _folders(tmp_path), tmp_path / "w.duckdb"
    defs = build_definitions(landing=land, warehouse=db, partitions="folders")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("landing_folders", ["a", "b"])
    job = defs.resolve_job_def("ingest")
    assert job.execute_in_process(partition_key="a", instance=instance).success
    assert query(db, "select count(*), bool_and(contains(source_path, '/land/a/')) from reports") == [(2, True)]
    assert job.execute_in_process(partition_key="b", instance=instance).success
    assert query(db, "select count(*), count(*) filter (status in ('parsed', 'partial') and present) "
                     "from reports") == [(3, 3)]
    assert query(db, "select count(distinct report_id) from expectation_results "
                     "where expectation = 'completeness'") == [(3,)]
    (land / "b" / sorted(p.name for p in (land / "b").iterdir())[0]).unlink()
    assert job.execute_in_process(partition_key="a", instance=instance).success  # a's run leaves b's files alone
    assert query(db, "select count(*) filter (present) from reports") == [(3,)]
    assert job.execute_in_process(partition_key="b", instance=instance).success
    assert query(db, "select count(*) filter (present) from reports") == [(2,)]


def test_folder_sensor_adds_partitions_and_runs_changed_folders(tmp_path):
    from pipelines.partitions import folder_sensor

    land = _folders(tmp_path)
    (land / "loose.txt").write_text("x", encoding="utf-8")
    defs = build_definitions(landing=land, warehouse=tmp_path / "w.duckdb", partitions="folders")
    sensor = folder_sensor(defs.resolve_job_def("ingest"))
    resources = {"landing_folder": LandingFolder(path=str(land))}
    instance = dg.DagsterInstance.ephemeral()
    with dg.build_sensor_context(instance=instance, resources=resources) as ctx:
        first = sensor(ctx)
    assert sorted(r.partition_key for r in first.run_requests) == ["a", "b"]
    assert [sorted(r.partition_keys) for r in first.dynamic_partitions_requests] == [["a", "b"]]
    instance.add_dynamic_partitions("landing_folders", ["a", "b"])
    with dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources) as ctx:
        skip = sensor(ctx)
    assert isinstance(skip, dg.SkipReason) and "1 files lie outside any sub-folder" in skip.skip_message
    (land / "b" / "new.txt").write_text("y", encoding="utf-8")
    with dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources) as ctx:
        second = sensor(ctx)
    assert [r.partition_key for r in second.run_requests] == ["b"]
    assert [list(r.partition_keys) for r in second.dynamic_partitions_requests] == [[]]


def test_fetched_files_is_upstream_of_landed_files_with_its_own_earlier_schedule():
    from pipelines.fetch import nightly_fetch

    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("fetched_files") in graph.get(dg.AssetKey("landed_files")).parent_keys
    assert graph.get(dg.AssetKey("fetched_files")).group_name == "fetch"
    ingest = defs.resolve_job_def("ingest").asset_layer.executable_asset_keys
    assert dg.AssetKey("fetched_files") not in ingest  # the ingest (and its sensor's runs) never fetch
    assert nightly_fetch.job_name == "fetch" and nightly_fetch.execution_timezone == nightly_ingest.execution_timezone
    assert (nightly_fetch.cron_schedule, nightly_ingest.cron_schedule) == ("0 1 * * *", "0 2 * * *")  # an hour before
    partitioned = build_definitions(partitions="folders").resolve_asset_graph()
    assert partitioned.get(dg.AssetKey("fetched_files")).partitions_def is None


def test_the_nightly_fetch_waits_for_a_sources_file(tmp_path):
    from pipelines.fetch import SourcesFile, nightly_fetch

    missing = SourcesFile(path=str(tmp_path / "sources.yaml"))
    with dg.build_schedule_context(resources={"sources_file": missing}) as ctx:
        assert isinstance(nightly_fetch(ctx), dg.SkipReason)
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    with dg.build_schedule_context(resources={"sources_file": missing}) as ctx:
        assert isinstance(nightly_fetch(ctx), dg.RunRequest)


def test_fetched_files_lands_files_the_sensor_sees(tmp_path):
    from pipelines.fetch import SourcesFile, fetched_files
    from pipelines.resources import Progress
    from tools.mirror import COLUMN, Mirror

    land = tmp_path / "land"
    sources = tmp_path / "sources.yaml"
    resources = {"landing_folder": LandingFolder(path=str(land))}
    with Mirror(seconds=120) as site:  # no waiting: no delay, no backoff (the fetch tests use a fake clock)
        sources.write_text(f"politeness: {{delay_seconds: 0, backoff_seconds: 0, max_megabytes: 0.2}}\n"
                           f"sources:\n  - name: mirror\n    index: {site.url}{COLUMN}index.htm\n", encoding="utf-8")
        run = {"sources_file": SourcesFile(path=str(sources)), "progress": Progress(), **resources}
        first = dg.materialize([fetched_files], resources=run)
        with dg.build_sensor_context(resources=resources) as ctx:
            seen = landing_sensor(ctx)
        second = dg.materialize([fetched_files], resources=run)
    counts = first.asset_materializations_for_node("fetched_files")[0].metadata
    assert (counts["new reports"].value, counts["failed"].value, counts["pages seen"].value) == (5, 5, 9)
    assert "HTTP 404" in counts["failures"].value
    assert len(seen.run_requests) == 1  # the new files, as any landed file
    again = second.asset_materializations_for_node("fetched_files")[0].metadata
    assert (again["new reports"].value, again["bodies transferred"].value) == (0, 0)
    assert again["not modified (304)"].value == 16
    with dg.build_sensor_context(cursor=seen.cursor, resources=resources) as ctx:
        assert isinstance(landing_sensor(ctx), dg.SkipReason)  # revalidated records are not files to ingest
