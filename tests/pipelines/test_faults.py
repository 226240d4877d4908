"""Killed and concurrent runs: the warehouse ends exactly as after one clean run."""

import shutil
import subprocess
import sys
import time
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
}


def snapshot(db: Path) -> dict[str, list]:
    return {table: query(db, sql) for table, sql in SNAPSHOT.items()}


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory) -> Path:
    land = tmp_path_factory.mktemp("faults")
    picked = sorted(p for p in CORPUS.iterdir() if not p.name.endswith(".truth.json"))[:20]
    for p in picked + sorted(SAMPLES.glob("*.txt")):
        shutil.copy2(p, land / p.name)
    return land


@pytest.fixture(scope="module")
def clean(landing_dir, tmp_path_factory) -> dict[str, list]:
    db = tmp_path_factory.mktemp("clean") / "w.duckdb"
    subprocess.run([GONGKAI, "ingest", str(landing_dir), "--warehouse", str(db), "--quiet"], check=True, capture_output=True)
    shot = snapshot(db)
    assert len(shot["reports"]) == 25 and len(shot["facts"]) > 4000
    return shot


def test_killed_runs_leave_whole_reports_and_the_next_run_completes(landing_dir, clean, tmp_path):
    db = tmp_path / "w.duckdb"
    for delay in (1.5, 4.0, 6.5, 9.0, 12.0):
        run = subprocess.Popen([GONGKAI, "ingest", str(landing_dir), "--warehouse", str(db), "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        run.kill()
        run.wait()
        if db.exists():  # whatever is there is whole: every loaded report has all its facts
            partial = query(
                db,
                "select r.source_path from reports r left join facts f using (report_id) "
                "where r.status in ('parsed', 'partial') group by r.source_path, r.cells_found "
                "having count(f.report_id) != r.cells_found",
            )
            assert partial == []
    done = subprocess.run([GONGKAI, "ingest", str(landing_dir), "--warehouse", str(db), "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert snapshot(db) == clean


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
