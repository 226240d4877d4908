"""`gongkai ingest` records its run in the Dagster instance of DAGSTER_HOME, the one `make dev` opens."""

import dagster as dg
import pytest
from conftest import query

from cli.main import main
from transforms import catalog


@pytest.mark.slow
def test_a_cli_run_lands_in_the_instance_with_its_materialisations_and_checks(landing, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    db = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(landing), "--warehouse", str(db), "--quiet"]) == 0
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert [(r.job_name, r.status) for r in runs] == [("ingest", dg.DagsterRunStatus.SUCCESS)]
        meta = {key: instance.get_latest_materialization_event(dg.AssetKey(key)).asset_materialization.metadata
                for key in ("reports", "facts", "expectation_results", "findings")}
        checks = {e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
                  for e in instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)}
    statuses = dict(query(db, "select status, count(*) from reports group by status"))
    assert {k: v.value for k, v in meta["reports"].items() if k.startswith("files ")} == {
        f"files {status}": n for status, n in statuses.items()}
    assert statuses == {"parsed": 4, "partial": 1}
    assert meta["facts"]["rows"].value == query(db, "select count(*) from facts")[0][0]
    ids = [*catalog.IDENTITIES, *catalog.CROSS_YEAR]
    passed, failed, unassessed = query(db, "select count(*) filter (success), count(*) filter (not success), "
                                           "count(*) filter (success is null) from expectation_results "
                                           "where list_contains(?, expectation)", [ids])[0]
    results = meta["expectation_results"]
    assert (results["identities passed"].value, results["identities failed"].value,
            results["identities not assessable"].value) == (passed, failed, unassessed)
    assert failed == 4 and meta["findings"]["new"].value == 4
    failing_suites = {catalog.EXPECTATIONS[e].suite for (e,) in query(
        db, "select distinct expectation from expectation_results where not success")}
    assert checks == {suite: suite not in failing_suites for suite in catalog.SUITES}
    assert checks["in_report_identities"] is False and checks["value_domain"] is True
