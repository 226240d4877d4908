"""A stateful property test of the landing folder (issue 13).

Hypothesis drives random sequences of what happens to a landing folder (a report lands, the same
bytes land under another name, a file is overwritten with another report, deleted or renamed)
interleaved with ingests, some killed at a named point (``GONGKAI_KILL_AT``). After every run that
completes, the warehouse must equal a clean ingest of the folder as it now stands, apart from
what a clean run cannot know: the rows and kept facts of files that are gone, and which of two
files with the same bytes landed first (the other is its ``duplicate``).

``make test`` runs a few derandomised examples; GONGKAI_STATEFUL_EXAMPLES=N runs N.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import CORPUS, query
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pipelines.run import ingest
from reading.faults import POINTS
from transforms import catalog

# small text reports: 大桥镇 2022, 2023 and 2024 (cross-year identities between them), and 银坑镇 2023
REPORTS = [CORPUS / n for n in ("031_text_tab_gbk.txt", "073_text_tokens.txt", "071_text_tab_gbk.txt",
                                "013_text_tokens.txt")]
NAMES = ["a.txt", "b.txt", "c.txt", "sub/d.txt"]
GONGKAI = str(Path(sys.executable).parent / "gongkai")
CROSS_YEAR = list(catalog.CROSS_YEAR)
KILLS = ["read:1", "read:2", *[p for p in POINTS if p != "read"]]


def snapshot(db: Path) -> dict[str, list]:
    """What a clean run of the folder as it stands must also hold, as comparable rows.

    Every present file's row, a duplicate shown with the row of the file it copies (which of the
    two is the original depends on history); the facts, results and open findings of the reports
    present files hold; cross-year results and findings only for agencies without a gone report
    (a gone report keeps its facts and takes part in the cross-year identities)."""
    held = """(select distinct report_id from reports where present and status in ('parsed', 'partial'))"""
    gone_agencies = f"""(select distinct agency from reports where status in ('parsed', 'partial')
                         and report_id not in {held} and agency is not null)"""
    cross_ok = f"""(not list_contains({CROSS_YEAR!r}, expectation) or report_id in
                    (select report_id from reports where agency not in {gone_agencies}))"""
    return {
        "reports": query(db, """
            select r.source_path, r.report_id, o.format, o.agency, o.year, o.template, o.status, o.status_reason,
                   o.cells_found, o.transient
            from reports r left join reports o on o.source_path = coalesce(r.duplicate_of, r.source_path)
            where r.present order by all"""),
        "facts": query(db, f"select * exclude (corrected_at) from facts where report_id in {held} order by all"),
        "expectation_results": query(db, f"""select * exclude (evaluated_at) from expectation_results
                                              where report_id in {held} and {cross_ok} order by all"""),
        "open findings": query(db, f"""select finding_id, report_id, expectation, scope, observed, expected
                                        from findings where state = 'open' and report_id in {held} and {cross_ok}
                                        order by all"""),
    }


def whole(db: Path) -> None:
    """Invariants that hold after every run, killed or not."""
    assert query(db, """select r.source_path from reports r left join facts f using (report_id)
                        where r.status in ('parsed', 'partial') group by r.source_path, r.cells_found
                        having count(f.report_id) != r.cells_found""") == []
    assert query(db, "select count(*) from facts where report_id not in "
                     "(select report_id from reports where status in ('parsed', 'partial'))") == [(0,)]


class LandingFolder(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="gongkai-states-"))
        self.land, self.db = self.base / "landing", self.base / "w.duckdb"
        (self.land / "sub").mkdir(parents=True)
        self.runs = 0

    def teardown(self):
        shutil.rmtree(self.base, ignore_errors=True)

    def present(self) -> list[str]:
        return [n for n in NAMES if (self.land / n).exists()]

    @initialize(order=st.permutations(REPORTS))
    def land_every_report(self, order):
        for name, report in zip(NAMES, order, strict=True):
            (self.land / name).write_bytes(report.read_bytes())

    @rule(name=st.sampled_from(NAMES), report=st.sampled_from(REPORTS))
    def land_or_overwrite(self, name, report):
        (self.land / name).write_bytes(report.read_bytes())

    @precondition(lambda self: self.present())
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def land_same_bytes(self, data, name):
        source = data.draw(st.sampled_from(self.present()))
        if source != name:
            (self.land / name).write_bytes((self.land / source).read_bytes())

    @precondition(lambda self: self.present())
    @rule(data=st.data())
    def delete(self, data):
        (self.land / data.draw(st.sampled_from(self.present()))).unlink()

    @precondition(lambda self: self.present())
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def rename(self, data, name):
        os.replace(self.land / data.draw(st.sampled_from(self.present())), self.land / name)

    @rule()
    def run_ingest(self):
        assert ingest(self.land, self.db, echo=False)
        self.check_against_a_clean_run()

    @rule(point=st.sampled_from(KILLS))
    def kill_ingest(self, point):
        env = {**os.environ, "GONGKAI_KILL_AT": point}
        done = subprocess.run([GONGKAI, "ingest", str(self.land), "--warehouse", str(self.db), "--quiet"],
                              env=env, capture_output=True, text=True)
        assert done.returncode in (-signal.SIGKILL, 0), done.stderr  # 0: the point was not reached
        event(f"kill at {point}: " + ("killed" if done.returncode else "not reached"))
        if done.returncode == 0:
            self.check_against_a_clean_run()

    @invariant()
    def reports_are_whole(self):
        if self.db.exists():
            whole(self.db)

    def check_against_a_clean_run(self):
        self.runs += 1
        clean = self.base / f"clean{self.runs}.duckdb"
        assert ingest(self.land, clean, echo=False)
        shot = snapshot(self.db)
        assert shot == snapshot(clean)
        event(f"compared with a clean run: {len(shot['reports'])} files, {len(shot['open findings'])} open findings")
        holders = query(self.db, """select report_id, count(*) from reports where present and status != 'duplicate'
                                    and report_id != '' group by all having count(*) > 1""")
        assert holders == []  # one original per bytes among the present files
        assert query(self.db, """select d.source_path from reports d left join reports o
                                 on o.source_path = d.duplicate_of and o.present and o.status != 'duplicate'
                                 where d.present and d.status = 'duplicate' and o.source_path is null""") == []
        clean.unlink()


LandingFolder.TestCase.settings = settings(
    max_examples=int(os.environ.get("GONGKAI_STATEFUL_EXAMPLES", "4")),
    stateful_step_count=12,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each step runs the pipeline
    suppress_health_check=list(HealthCheck),
)
test_landing_folder = pytest.mark.slow(LandingFolder.TestCase)
