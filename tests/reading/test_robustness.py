"""Nothing lost, nothing broken: every kind of bad file, removed files, limits, the lock."""

import io
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import CORPUS, SAMPLES, make_pdf, query
from docx import Document
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from cli.main import main
from pipelines.run import ingest
from reading import landing
from reading.pool import Task, read_file
from warehouse import store

pytestmark = pytest.mark.slow  # end-to-end runs

GOOD = "004_cf77e8731c91250a.txt"
pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def write_text(c, text):
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, text)


def notice_docx() -> bytes:
    doc = Document()
    doc.add_paragraph("会议通知：请各单位于周五下午参加会议。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


REPORT_PDF = sorted(CORPUS.glob("*_pdf_reportlab.pdf"))[0].read_bytes()
BAD = {
    "empty.txt": (b"", "empty file"),
    "truncated.pdf": (REPORT_PDF[: len(REPORT_PDF) // 3], "not a readable PDF"),
    "locked.pdf": (make_pdf(lambda c: write_text(c, "政府信息公开"), encrypt="secret"), "password-protected PDF"),
    "minutes.pdf": (make_pdf(lambda c: write_text(c, "会议纪要：本周工作安排。")),
                    "no statistical table of the annual report template found"),
    "notice.docx": (notice_docx(), "no statistical table of the annual report template found"),
    "scan.pdf": (make_pdf(lambda c: (c.rect(50, 50, 400, 600), c.line(50, 300, 450, 300))),
                 "scanned PDF read by OCR: no statistical table"),
    "garbled.txt": (b"\xff\xff\x80\xff" * 8, "unknown encoding"),
    "table.xlsx": (b"PK\x03\x04 spreadsheet", "unsupported file type '.xlsx'"),
    "huge.txt": ("年度报告\n".encode() * 40_000, "over the size limit"),
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    land = tmp_path_factory.mktemp("bad")
    shutil.copy2(SAMPLES / GOOD, land / GOOD)
    shutil.copy2(SAMPLES / GOOD, land / "second_name.txt")
    for name, (data, _) in BAD.items():
        (land / name).write_bytes(data)
    db = tmp_path_factory.mktemp("w") / "w.duckdb"
    code = main(["ingest", str(land), "--warehouse", str(db), "--quiet", "--max-mb", "0.1"])
    return code, db, land


def rows(db):
    reports = query(db, "select source_path, status, status_reason, duplicate_of from reports")
    return {path.rsplit("/", 1)[1]: (status, reason, dup) for path, status, reason, dup in reports}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_rejected_with_its_reason(bad_run, name):
    code, db, _ = bad_run
    status, reason, _ = rows(db)[name]
    assert code == 0
    assert status == "rejected"
    assert BAD[name][1] in reason


def test_the_good_file_loads_once_and_the_copy_is_a_duplicate(bad_run):
    _, db, land = bad_run
    r = rows(db)
    assert r[GOOD][0] == "parsed"
    assert r["second_name.txt"][0] == "duplicate" and r["second_name.txt"][2] == (land / GOOD).resolve().as_posix()
    assert query(db, "select count(*) from facts") == [(198,)]
    assert len(r) == len(BAD) + 2


def test_summary_lists_rejected_files(bad_run, capsys, tmp_path):
    _, db, land = bad_run
    assert main(["ingest", str(land), "--warehouse", str(db), "--quiet", "--max-mb", "0.1"]) == 0
    out = capsys.readouterr().out
    assert f"files: 1 duplicate, 1 parsed, {len(BAD)} rejected" in out
    for name, (_, reason) in BAD.items():
        assert any(name in line and reason in line for line in out.splitlines()), name


def test_file_vanishing_between_scan_and_read(tmp_path):
    f = tmp_path / "report.txt"
    f.write_bytes((SAMPLES / GOOD).read_bytes())
    scanned = landing.scan(tmp_path)
    f.unlink()
    plan = landing.plan(scanned, query_known_empty(), max_bytes=1e6)
    assert plan["action"].to_list() == ["read"]
    row, facts = read_file(Task(scanned[0].path, plan["target"][0], 10, 0.0), max_bytes=1e6)
    assert (row["status"], row["status_reason"], row["transient"]) == (
        "rejected", "file vanished before it could be read", True
    )
    assert facts is None


def test_a_file_read_by_an_older_reader_is_read_again(tmp_path):
    import polars as pl

    from transforms.reports import PARSER_VERSION

    f = tmp_path / "report.txt"
    f.write_bytes((SAMPLES / GOOD).read_bytes())
    (scanned,) = landing.scan(tmp_path)

    def known(version):
        row = {"source_path": scanned.path, "report_id": "r", "status": "parsed", "size_bytes": scanned.size,
               "mtime": scanned.mtime, "parser_version": version}
        return pl.DataFrame([row], schema=query_known_empty().schema)

    assert landing.plan([scanned], known(PARSER_VERSION), max_bytes=1e6)["action"].to_list() == ["unchanged"]
    assert landing.plan([scanned], known("0"), max_bytes=1e6)["action"].to_list() == ["read"]


def query_known_empty():
    import polars as pl

    return pl.DataFrame(schema={"source_path": pl.String, "report_id": pl.String, "status": pl.String,
                                "status_reason": pl.String, "duplicate_of": pl.String, "size_bytes": pl.Int64,
                                "mtime": pl.Float64, "parser_version": pl.String, "transient": pl.Boolean})


def test_slow_file_hits_the_time_limit(tmp_path):
    land = tmp_path / "land"
    land.mkdir()

    def heavy(c):
        c.setFont("STSong-Light", 4)
        for _ in range(240):  # seconds of reading: far over the limit, which the good file stays far under
            for y in range(40, 800, 5):
                c.drawString(20, y, "政府信息公开 0 1 2 3 4 5 6 7 8 9 " * 6)
            c.showPage()

    (land / "heavy.pdf").write_bytes(make_pdf(heavy))
    shutil.copy2(SAMPLES / GOOD, land / GOOD)
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False, read_seconds=2)
    r = rows(db)
    assert r["heavy.pdf"][0] == "rejected" and "longer than the limit of 2 s" in r["heavy.pdf"][1]
    assert r[GOOD][0] == "parsed"


def test_removed_file_keeps_its_facts_and_is_marked_gone(tmp_path, capsys):
    land = tmp_path / "land"
    land.mkdir()
    for name in (GOOD, "001_721881aa274abb1a.txt"):
        shutil.copy2(SAMPLES / name, land / name)
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False)
    (land / GOOD).unlink()
    assert main(["ingest", str(land), "--warehouse", str(db), "--quiet"]) == 0
    assert "files no longer in their landing folder (facts kept): 1" in capsys.readouterr().out
    assert query(db, "select count(*) from facts") == [(396,)]
    present = dict((p.rsplit("/", 1)[1], v) for p, v in query(db, "select source_path, present from reports"))
    assert present == {GOOD: False, "001_721881aa274abb1a.txt": True}
    shutil.copy2(SAMPLES / GOOD, land / GOOD)
    assert ingest(land, db, echo=False)
    assert query(db, "select bool_and(present) from reports") == [(True,)]


class SleeplessClock:
    """Stands in for the warehouse module's ``time``: sleeping advances it at once, and the seconds add up."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_held_warehouse_gives_a_clear_message_after_lock_wait(tmp_path, capsys, monkeypatch):
    land = tmp_path / "land"
    land.mkdir()
    shutil.copy2(SAMPLES / GOOD, land / GOOD)
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    clock = SleeplessClock()
    monkeypatch.setattr(store, "time", clock)
    # DuckDB locks the file per process: another process holds it until its standard input closes.
    hold = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert hold.stdout.readline().strip() == "held"
        assert main(["ingest", str(land), "--warehouse", str(db), "--quiet", "--lock-wait", "3"]) == 1
        out, err = capsys.readouterr()
        assert "is in use by another process" in err
        assert "files:" not in out
        # The run and then the summary each waited the 3 s asked for (the summary used to wait 60 s).
        assert clock.now == 2 * 3
    finally:
        hold.stdin.close()
        assert hold.wait() == 0
    assert main(["ingest", str(land), "--warehouse", str(db), "--quiet", "--lock-wait", "3"]) == 0
    assert "files: 1 parsed" in capsys.readouterr().out
    assert clock.now == 2 * 3
