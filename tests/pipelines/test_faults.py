"""Killed and concurrent runs: the warehouse ends exactly as after one clean run.

A run is killed at a named point (``GONGKAI_KILL_AT``, see ``reading.faults``), where the process
SIGKILLs itself: no test waits on the clock to decide when to kill.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, SAMPLES, query

pytestmark = pytest.mark.slow  # end-to-end runs

GONGKAI = str(Path(sys.executable).parent / "gongkai")
SNAPSHOT = {
    "reports": "select source_path, report_id, format, agency, year, template, status, status_reason, "
    "cells_found, duplicate_of, present from reports order by all",
    "facts": "select * from facts order by all",
    "expectation_results": "select * exclude (evaluated_at) from expectation_results order by all",
    "open findings": "select finding_id, report_id, expectation, scope, observed, expected from findings "
                     "where state = 'open' order by all",
}


def snapshot(db: Path) -> dict[str, list]:
    return {table: query(db, sql) for table, sql in SNAPSHOT.items()}


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory) -> Path:
    land = tmp_path_factory.mktemp("faults")
    picked = sorted(p for p in CORPUS.iterdir() if not p.name.endswith(".truth.json"))[:30]
    for p in picked + sorted(SAMPLES.glob("*.txt")):
        shutil.copy2(p, land / p.name)
    return land


@pytest.fixture(scope="module")
def clean(landing_dir, tmp_path_factory) -> dict[str, list]:
    db = tmp_path_factory.mktemp("clean") / "w.duckdb"
    assert ingest(landing_dir, db).returncode == 0
    shot = snapshot(db)
    assert len(shot["reports"]) == 35 and len(shot["facts"]) > 6000 and len(shot["open findings"]) > 5
    return shot


def ingest(landing: Path, db: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GONGKAI_KILL_AT"}
    if kill_at:
        env["GONGKAI_KILL_AT"] = kill_at
    return subprocess.run([GONGKAI, "ingest", str(landing), "--warehouse", str(db), "--quiet"],
                          capture_output=True, text=True, env=env)


def whole_reports(db: Path) -> list:
    """Loaded reports whose facts are not all there (none, when every transaction was whole)."""
    return query(db, "select r.source_path from reports r left join facts f using (report_id) "
                     "where r.status in ('parsed', 'partial') group by r.source_path, r.cells_found "
                     "having count(f.report_id) != r.cells_found")


# In this order each point is reached by the run after the one killed before it.
KILLS = ["read:3", "staged", "loaded", "decisions", "judged", "cross_year", "findings"]


def test_killed_runs_leave_whole_reports_and_the_next_run_completes(landing_dir, clean, tmp_path):
    db = tmp_path / "w.duckdb"
    staging = Path(f"{db}.staging")
    for point in KILLS:
        killed = ingest(landing_dir, db, kill_at=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        assert whole_reports(db) == [], point
        assert staging.exists() == (point in ("staged", "loaded")), point  # left by a killed run, cleared by the next
    done = ingest(landing_dir, db)
    assert done.returncode == 0, done.stderr
    assert snapshot(db) == clean


def test_a_kill_after_judging_loses_no_cross_year_result(landing_dir, clean, tmp_path):
    """Issue 13, case 2: killed once the in-report identities were judged, before the cross-year
    ones; the next run judges them (and the one after changes nothing)."""
    db = tmp_path / "w.duckdb"
    assert ingest(landing_dir, db, kill_at="judged").returncode == -signal.SIGKILL
    cross = "select count(*) from expectation_results where expectation like '%continuity'"
    assert query(db, cross) == [(0,)]
    for _ in range(2):
        assert ingest(landing_dir, db).returncode == 0
        assert snapshot(db) == clean
    assert query(db, cross)[0][0] > 0


def test_two_runs_at_once_agree_with_one_clean_run(landing_dir, clean, tmp_path):
    db = tmp_path / "w.duckdb"
    runs = [
        subprocess.Popen([GONGKAI, "ingest", str(landing_dir), "--warehouse", str(db), "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(r.wait(timeout=600), r.stderr.read()) for r in runs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert any("waiting for the warehouse" in err for _, err in outcomes)
    assert snapshot(db) == clean
