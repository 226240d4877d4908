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
    assert checks == {"in_report_identities", "cross_year_identities", "value_domain", "completeness"}


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
