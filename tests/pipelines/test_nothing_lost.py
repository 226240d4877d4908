"""Issue 13, case by case: nothing lost whatever lands, whatever happens (each test is built from
the issue's reproduction)."""

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import CORPUS, query

from cli.main import main, summary
from reading import landing
from reading.pool import Task, read_file, read_files
from transforms.model import ReadError
from transforms.readers.docx_tables import docx_document
from transforms.readers.html_tables import html_document
from transforms.readers.pdf import pdf_document
from transforms.terminal import printable
from warehouse.store import connect, known_files

pytestmark = pytest.mark.slow  # most cases run the pipeline
A, B = CORPUS / "013_text_tokens.txt", CORPUS / "003_text_tokens.txt"  # two reports, 200 facts each
GONGKAI = str(Path(sys.executable).parent / "gongkai")


def ingest(land: Path, db: Path, *args: str) -> int:
    return main(["ingest", str(land), "--warehouse", str(db), "--quiet", *args])


def reports(db: Path) -> dict[str, tuple]:
    rows = query(db, "select source_path, status, duplicate_of, status_reason, transient from reports")
    return {Path(p).name: (status, dup and Path(dup).name, reason, transient)
            for p, status, dup, reason, transient in rows}


def count(db: Path, sql: str) -> int:
    return query(db, f"select count(*) from {sql}")[0][0]


@pytest.fixture
def land(tmp_path) -> Path:
    folder = tmp_path / "l"
    folder.mkdir()
    return folder


# 1. Data loss ------------------------------------------------------------------------------------

def test_a_duplicate_landing_later_keeps_the_originals_facts(land, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(A, land / "A.txt")
    assert ingest(land, db) == 0
    facts, findings = count(db, "facts"), count(db, "findings where state = 'open'")
    assert (facts, findings) == (200, 2)
    shutil.copy(A, land / "B.txt")
    assert ingest(land, db) == 0
    assert reports(db)["B.txt"][:2] == ("duplicate", "A.txt")
    assert reports(db)["A.txt"][0] == "parsed"
    assert count(db, "facts") == facts
    assert count(db, "findings where state = 'open'") == findings


def test_a_duplicate_takes_over_when_its_original_is_overwritten(land, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(A, land / "A.txt")
    shutil.copy(A, land / "B.txt")
    assert ingest(land, db) == 0
    assert reports(db)["B.txt"][:2] == ("duplicate", "A.txt")
    shutil.copy(B, land / "A.txt")
    assert ingest(land, db) == 0
    assert {name: row[0] for name, row in reports(db).items()} == {"A.txt": "parsed", "B.txt": "parsed"}
    assert count(db, "facts") == 400
    assert count(db, "(select distinct report_id from facts)") == 2


# 3. The report_id is the hash of the bytes read ---------------------------------------------------

def test_a_file_rewritten_after_the_scan_gets_the_hash_of_the_bytes_read(land):
    f = land / "report.txt"
    shutil.copy(A, f)
    planned = landing.plan(landing.scan(land), reports_known_none(), max_bytes=1e6)
    shutil.copy(B, f)  # rewritten between the scan and the read
    (row_planned,) = planned.iter_rows(named=True)
    row, tables = read_file(Task(row_planned["source_path"], row_planned["target"], row_planned["size_bytes"],
                                row_planned["mtime"]), max_bytes=1e6)
    new = B.read_bytes()
    assert row["report_id"] == hashlib.sha256(new).hexdigest() != hashlib.sha256(A.read_bytes()).hexdigest()
    assert row["size_bytes"] == len(new) and row["mtime"] == f.stat().st_mtime
    assert all(set(columns["report_id"]) == {row["report_id"]} for columns in tables.values())  # facts and words


def reports_known_none():
    """``known_files`` of an empty warehouse."""
    with connect(":memory:") as con:
        return known_files(con)


# 4–5. One file never stops the run ----------------------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_read_and_recorded_escaped(land, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(A, land / "A.txt")
    with open(os.path.join(os.fsencode(land), b"bad\xff.txt"), "wb") as f:
        f.write((CORPUS / "010_text_tab.txt").read_bytes())
    assert ingest(land, db) == 0
    rows = reports(db)
    assert rows["bad\\xff.txt"][0] == "parsed" and rows["A.txt"][0] == "parsed"
    before = query(db, "select source_path, loaded_at from reports order by 1")
    assert ingest(land, db) == 0  # unchanged: not read again
    assert query(db, "select source_path, loaded_at from reports order by 1") == before


def astral_pdf(codes: bytes, to_unicode: dict[int, str]) -> bytes:
    """A one-page PDF showing ``codes`` in Helvetica, whose ToUnicode map gives each code the text
    of ``to_unicode`` (as UTF-16: a character past U+FFFF is a surrogate pair)."""
    pairs = " ".join(f"<{c:02X}> <{s.encode('utf-16-be').hex().upper()}>" for c, s in to_unicode.items())
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def /CMapType 2 def "
            f"1 begincodespacerange <00> <FF> endcodespacerange {len(to_unicode)} beginbfchar {pairs} endbfchar "
            "endcmap CMapName currentdict /CMapName defineresource pop end end").encode()
    content = b"BT /F1 12 Tf 72 700 Td (" + codes + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_character_outside_the_bmp_is_read_whole():
    lines = pdf_document(astral_pdf(b"AB", {0x41: "\U00020BB7", 0x42: "市"})).lines
    assert lines == ["\U00020BB7市"]


def test_a_reader_returning_a_lone_surrogate_costs_only_its_file(land, monkeypatch):
    from reading import pool
    from transforms.reports import read_report

    def broken(name, data, *_):  # a reader bug: half of a surrogate pair in the agency
        report = read_report(name, data)
        report.agency = "\ud842" + report.agency
        return report

    monkeypatch.setattr(pool, "read_report", broken)
    shutil.copy(A, land / "A.txt")
    (f,) = landing.scan(land)
    row, facts = read_file(Task(f.path, os.fsencode(f.target), f.size, f.mtime), max_bytes=1e6)
    assert (row["status"], facts) == ("rejected", None)
    assert "not valid Unicode" in row["status_reason"]


# 6–7. Resources ---------------------------------------------------------------------------------

def test_an_html_grid_of_huge_spans_stays_linear():
    rows = "".join("<tr>" + '<td colspan="100" rowspan="100">1</td>' * 100 + "</tr>" for _ in range(30))
    read = html_document(f"<html><body><table>{rows}</table></body></html>".encode()).rows
    positions = sum(len(r.cells) for r in read)
    assert positions <= 2 * 3000  # 3,000 cells: each row at most 100 spanned columns plus its own cells
    assert len(read) == 30 and all(len(r.cells) >= 100 for r in read)


def test_a_docx_that_unpacks_too_large_is_refused_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            for _ in range(210):
                f.write(b"<w:p/>" * 170_000)  # about 1 MB a time
    assert len(out.getvalue()) < 2e6
    with pytest.raises(ReadError, match=r"unpacks to 214 MB, over the limit of 200 MB"):
        docx_document(out.getvalue())


def test_a_file_that_needs_too_much_memory_is_rejected_by_its_worker(land):
    big = land / "big.txt"
    big.write_text("年度报告 1 2 3 4 5 6 7 8 9\n" * 400_000, encoding="utf-8")
    (f,) = landing.scan(land)
    task = Task(f.path, os.fsencode(f.target), f.size, f.mtime)
    shutil.copy(A, land / "A.txt")
    small = next(f for f in landing.scan(land) if f.path.endswith("A.txt"))
    report = Task(small.path, os.fsencode(small.target), small.size, small.mtime)
    got = {i: row for i, row, _ in read_files([task, report], max_bytes=1e9, seconds=600, memory_mb=50, workers=1)}
    assert (got[0]["status"], got[0]["transient"]) == ("rejected", True)
    assert got[0]["status_reason"] == "reading needed more than the memory limit of 50 MB"
    assert got[1]["status"] == "parsed"  # the same worker reads the next file within the limit


def test_files_are_read_largest_first_each_under_its_own_index(land):
    """One worker: the files come back largest first (a scan, the slowest, does not end the run
    alone on one core), each under the index it was given."""
    for name, lines in (("s.txt", 1), ("l.txt", 300), ("m.txt", 30)):
        (land / name).write_text("年度报告\n" * lines, encoding="utf-8")
    files = sorted(landing.scan(land), key=lambda f: f.path)
    tasks = [Task(f.path, os.fsencode(f.target), f.size, f.mtime) for f in files]
    got = [(i, row["source_path"]) for i, row, _ in read_files(tasks, max_bytes=1e9, seconds=600, workers=1)]
    assert [path.rsplit("/", 1)[-1] for _, path in got] == ["l.txt", "m.txt", "s.txt"]
    assert all(tasks[i].path == path for i, path in got)


def test_the_size_limit_applies_before_any_byte_is_read(land, tmp_path):
    huge = land / "huge.pdf"
    with open(huge, "wb") as f:
        f.truncate(3_000_000_000)  # sparse: 3 GB that cost nothing unless read
    shutil.copy(A, land / "A.txt")
    planned = landing.plan(landing.scan(land), reports_known_none(), max_bytes=100e6)
    assert planned.select("action", "reason", "transient").rows() == [
        ("read", None, None), ("reject", "file of 3000.0 MB is over the size limit of 100 MB", True)]
    db = tmp_path / "w.duckdb"
    assert ingest(land, db) == 0
    assert query(db, "select report_id, status from reports where source_path like '%huge.pdf'") == [("", "rejected")]


# 8. Rejections that stick -----------------------------------------------------------------------

def without_root_override(cmd: list[str]) -> list[str]:
    """``cmd`` run so that file permissions hold for it (root reads every file otherwise)."""
    if os.geteuid() != 0:
        return cmd
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", *cmd]


def test_a_transient_rejection_is_read_again_once_its_cause_is_gone(land, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(A, land / "A.txt")
    shutil.copy(B, land / "B.txt")
    (land / "B.txt").chmod(0)
    cmd = without_root_override([GONGKAI, "ingest", str(land), "--warehouse", str(db), "--quiet", "--max-mb", "0.001"])
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    rows = reports(db)
    assert rows["A.txt"][0] == "rejected" and "over the size limit of 0.001 MB" in rows["A.txt"][2] and rows["A.txt"][3]
    (land / "B.txt").chmod(0o644)
    assert subprocess.run(cmd[:-2], capture_output=True).returncode == 0  # the limit raised; B readable again
    rows = reports(db)
    assert (rows["A.txt"][0], rows["B.txt"][0]) == ("parsed", "parsed")
    assert count(db, "facts") == 400


def test_an_unreadable_file_says_permission_denied(land, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(A, land / "A.txt")
    (land / "A.txt").chmod(0)
    cmd = without_root_override([GONGKAI, "ingest", str(land), "--warehouse", str(db), "--quiet"])
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert reports(db)["A.txt"] == ("rejected", None, "permission denied", True)


def test_a_file_rejected_for_its_bytes_is_not_read_again(land, tmp_path):
    db = tmp_path / "w.duckdb"
    (land / "notes.txt").write_text("会议纪要", encoding="utf-8")
    assert ingest(land, db) == 0
    assert reports(db)["notes.txt"][0::3] == ("rejected", False)
    before = query(db, "select loaded_at from reports")
    assert ingest(land, db) == 0
    assert query(db, "select loaded_at from reports") == before


# 9. Least privilege -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    land = tmp_path_factory.mktemp("l")
    shutil.copy(A, land / "A.txt")
    db = tmp_path_factory.mktemp("w") / "w.duckdb"
    assert ingest(land, db) == 0
    return db


@pytest.mark.parametrize("sql", ["copy (select 1) to '{dir}/x.csv'", "select * from read_csv('/etc/passwd')",
                                 "set enable_external_access = true", "attach '{dir}/other.duckdb'",
                                 "update reports set status = 'x'"])
def test_sql_reads_the_warehouse_and_nothing_else(warehouse, tmp_path, sql, capsys):
    assert main(["sql", sql.format(dir=tmp_path), "--warehouse", str(warehouse)]) == 2
    assert list(tmp_path.iterdir()) == []
    assert "gongkai:" in capsys.readouterr().err


def test_export_takes_its_folder_as_a_value(warehouse, tmp_path):
    target = tmp_path / "o' (format csv); copy reports to 'inj"
    assert main(["export", str(target), "--warehouse", str(warehouse)]) == 0
    assert (target / "reports").is_dir() and (target / "agencies.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_links_leaving_the_folder_are_not_followed(land, tmp_path):
    outside = tmp_path / "outside.txt"
    shutil.copy(A, outside)
    (land / "out.txt").symlink_to(outside)
    (land / "in.txt").symlink_to(land / "A.txt")
    (land / "sub").mkdir()
    (land / "dir").symlink_to(land / "sub")
    shutil.copy(A, land / "A.txt")
    db = tmp_path / "w.duckdb"
    assert ingest(land, db) == 0
    rows = reports(db)
    assert rows["out.txt"][0::2] == ("rejected", "symbolic link to outside the landing folder (not followed)")
    assert rows["dir"][0::2] == ("rejected", "symbolic link to a folder (not followed)")
    assert rows["in.txt"][:2] == ("duplicate", "A.txt") and rows["A.txt"][0] == "parsed"


def test_terminal_output_has_no_control_characters(land, tmp_path, capsys):
    (land / "evil\x1b]0;x\x07\x1b[2J.xlsx").write_bytes(b"PK")
    db = tmp_path / "w.duckdb"
    assert ingest(land, db) == 0
    out = capsys.readouterr().out
    assert "rejected" in out and "evil" in out
    assert not any(ch in out for ch in "\x1b\x07")
    assert printable("a\x1b[31mb\tc\u202ed") == "a[31mb cd"


# 10. Clear errors and exit codes, every entry a row ---------------------------------------------

def test_the_summary_reads_a_warehouse_it_cannot_write(warehouse, tmp_path):
    db = tmp_path / "ro" / "w.duckdb"
    db.parent.mkdir()
    shutil.copy(warehouse, db)
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        code = f"from cli.main import summary; print(summary({str(db)!r}))"
        done = subprocess.run(without_root_override([sys.executable, "-c", code]), capture_output=True, text=True)
    finally:
        db.parent.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert "files: 1 parsed" in done.stdout and summary(db) == done.stdout.strip()


@pytest.mark.parametrize("argv", [["sql", ""], ["ingest", ".", "--max-mb", "-1"],
                                  ["ingest", ".", "--read-seconds", "0"]])
def test_bad_command_lines_are_usage_errors(warehouse, argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--warehouse", str(warehouse)])
    assert stop.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["ingest", "sql", "review"])
def test_a_warehouse_that_is_a_folder_or_not_duckdb_exits_2(land, tmp_path, command, capsys):
    notdb = tmp_path / "notes.duckdb"
    notdb.write_text("not a database")
    rest = {"ingest": [str(land)], "sql": ["select 1"], "review": []}[command]
    for path, message in ((tmp_path, "is a folder"), (notdb, "cannot be opened as a DuckDB warehouse")):
        assert main([command, *rest, "--warehouse", str(path)]) == 2
        assert message in capsys.readouterr().err
    assert notdb.read_text() == "not a database"


def test_fifo_broken_link_and_hidden_file_each_get_a_row(land, tmp_path):
    shutil.copy(A, land / "A.txt")
    os.mkfifo(land / "pipe.txt")
    (land / "broken.txt").symlink_to(land / "missing.txt")
    shutil.copy(B, land / ".hidden.txt")
    db = tmp_path / "w.duckdb"
    assert ingest(land, db) == 0
    rows = {name: row[0::2] for name, row in reports(db).items()}
    assert rows == {
        "A.txt": ("parsed", None),
        "pipe.txt": ("rejected", "not a regular file (a FIFO)"),
        "broken.txt": ("rejected", "broken symbolic link: its target does not exist"),
        ".hidden.txt": ("rejected", "hidden file (its name or a folder's starts with a dot)"),
    }
    shutil.copy(B, land / "missing.txt")  # the link's target arrives: the link is read on the next run
    assert ingest(land, db) == 0
    assert reports(db)["broken.txt"][0] == "parsed"
    assert reports(db)["missing.txt"][:2] == ("duplicate", "broken.txt")
