"""gongkai fetch against the local mirror (tools/mirror.py, 127.0.0.1 only): every odd case with its
outcome, a second run that transfers no body, and fetch then ingest. Waits go to a fake clock."""

import hashlib
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORPUS, FakeClock

from fetching.provenance import COVER, LOG, REFUSED, STATE, read_record
from fetching.run import fetch
from fetching.sources import Politeness, Source, source_of
from tools.mirror import COLUMN, REDIRECTED, STREAMED, UNAVAILABLE_ONCE, Mirror

NOW = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 01:30 the next day in Beijing: the folder is the UTC day
DAY = "2026-12-01"
POLITE = Politeness(max_megabytes=0.2, backoff_seconds=5.0)  # the real report (240 KB) is over this cap


@pytest.fixture
def site():
    with Mirror(seconds=120) as mirror:
        yield mirror


def run(site: Mirror, landing: Path, politeness: Politeness = POLITE, sources=None, **options):
    clock = FakeClock()
    sources = sources or [source_of(site.url + COLUMN + "index.htm")]
    return fetch(sources, landing, politeness, clock=clock, now=lambda: NOW, **options), clock


def saved(landing: Path) -> dict[str, Path]:
    """Each saved file (reports and covers) by its URL, from the records beside them."""
    out = {}
    for record in landing.rglob("*.fetch.json"):
        path = record.with_name(record.name.removesuffix(".fetch.json"))
        if STATE not in path.parts:
            out[read_record(path)["url"]] = path
    return out


def fetch_log(landing: Path) -> list[dict]:
    return [json.loads(line) for line in (landing / STATE / LOG).read_text(encoding="utf-8").splitlines()]


def test_each_case_of_the_mirror_has_its_outcome(site, tmp_path):
    summary, clock = run(site, tmp_path)
    col, files = site.url + COLUMN, saved(tmp_path)
    folder = tmp_path / f"127.0.0.1_{site.port}" / DAY
    reasons = dict(summary.failed)

    # pagination: index_1.htm (named by createPageHTML and the 下一页 link) walked once; its reports fetched
    assert site.requested(COLUMN + "index.htm") == [200] and site.requested(COLUMN + "index_1.htm") == [200]
    assert col + "202001/P020200118_105.docx" in files
    # a list item that is not a report is not followed
    assert site.requested(COLUMN + "202101/t20210114_100.html") == []

    # a page that only links to a PDF: the PDF is the report, the page its cover
    pdf = files[col + "202101/P020210115_101.pdf"]
    record = read_record(pdf)
    assert pdf.parent == folder and pdf.suffix == ".pdf"
    assert pdf.read_bytes() == (CORPUS / "007_pdf_reportlab.pdf").read_bytes()
    assert record["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert record["referrer"] == col + "202101/t20210115_101.html"
    assert (record["status"], record["content_type"]) == (200, "application/pdf")
    assert record["fetched_at"] == "2026-12-01T17:30:00Z"
    assert record["etag"].startswith('"') and record["last_modified"] == "Mon, 18 Jan 2021 08:00:00 GMT"
    cover = files[col + "202101/t20210115_101.html"]
    assert cover.name.endswith(COVER) and record["cover"] == cover.name
    assert read_record(cover)["role"] == "cover"
    assert read_record(cover)["attachments"] == [col + "202101/P020210115_101.pdf"]

    # a page linking a .doc: the .doc is the report (by its OLE bytes), the page its cover
    doc = files[col + "202101/P020210113_102.doc"]
    assert doc.suffix == ".doc" and read_record(doc)["sniffed"] == ".doc"
    assert doc.read_bytes() == (CORPUS / "098_doc.doc").read_bytes()
    assert files[col + "202101/t20210113_102.html"].name.endswith(COVER)

    # a page carrying the report as tables is the report itself
    page = files[col + "202101/t20210112_103.html"]
    assert page.suffix == ".html" and not page.name.endswith(COVER) and read_record(page)["role"] == "report"

    # a 404: failed at once, never retried
    assert reasons[col + "202001/t20200120_104.html"] == "HTTP 404"
    assert site.requested(COLUMN + "202001/t20200120_104.html") == [404]

    # a 503 then 200: retried after the backoff, then saved
    assert site.requested(UNAVAILABLE_ONCE) == [503, 200]
    assert col + "202001/t20200118_105.html" in files

    # robots.txt disallows /private/: never asked for
    assert site.requested("/private/t20200116_106.html") == []
    assert reasons[site.url + "/private/t20200116_106.html"] == "disallowed by robots.txt"

    # a redirect to another site (localhost, not 127.0.0.1): not followed
    assert site.requested(REDIRECTED) == [302]
    assert reasons[site.url + REDIRECTED] == "redirect to another site (localhost) not followed"
    assert not [path for path, _, _ in site.log if path.startswith("/elsewhere/")]

    # an oversized file (sent without Content-Length): abandoned at the cap, nothing saved
    assert reasons[site.url + STREAMED] == "abandoned: more than the cap of 0.2 MB"
    assert site.url + STREAMED not in files and not list(folder.glob("P020200114_108*"))

    # a PDF served as text/html: its bytes say PDF, so it is saved as one
    wrong = files[col + "202001/P020200113_109.pdf"]
    assert wrong.suffix == ".pdf" and read_record(wrong)["content_type"] == "text/html; charset=utf-8"
    assert wrong.read_bytes() == (CORPUS / "017_pdf_reportlab.pdf").read_bytes()
    # a .pdf link answering with a web page: not a document, not saved
    assert reasons[col + "202001/P020200112_110.pdf"] == (
        "not a document: a web page (served as text/html; charset=utf-8)")

    # politeness: every request to the host waited the delay after the one before (on the fake clock)
    # (the first request waits for nothing, the retry waits the backoff, longer than the delay)
    assert sorted(clock.slept) == [POLITE.delay_seconds] * (summary.requests - 2) + [POLITE.backoff_seconds]
    assert (summary.new, summary.changed, len(summary.failed)) == (5, 0, 5)
    # every URL tried is in the log with its outcome
    outcomes = {(e["url"], e["outcome"]) for e in fetch_log(tmp_path)}
    assert (col + "202001/t20200120_104.html", "failed") in outcomes
    assert (site.url + REDIRECTED, "refused") in outcomes and (site.url + STREAMED, "too large") in outcomes
    assert (col + "202101/P020210115_101.pdf", "new") in outcomes


def test_a_second_run_transfers_no_body(site, tmp_path):
    first, _ = run(site, tmp_path)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in saved(tmp_path).values()}
    site.log.clear()
    second, _ = run(site, tmp_path)
    statuses = [status for _, status, _ in site.log]
    assert 200 not in statuses and 503 not in statuses and second.bodies == 0
    assert second.requests == len(statuses) == 18  # the 16, a 404 and a 302
    assert second.not_modified == statuses.count(304) == 16  # robots.txt, 2 index pages, 8 pages, 5 files
    assert (second.new, second.changed) == (0, 0)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in saved(tmp_path).values()} == before
    assert sorted(dict(second.failed).values()) == sorted(
        reason if "not a document" not in reason and "cap" not in reason else reason + " (unchanged: 304)"
        for reason in dict(first.failed).values())
    assert set(json.loads((tmp_path / STATE / REFUSED).read_text())) == {
        site.url + STREAMED, site.url + COLUMN + "202001/P020200112_110.pdf"}


def test_a_changed_file_is_saved_over_the_old_one(site, tmp_path):
    run(site, tmp_path)
    url = site.url + COLUMN + "202101/P020210115_101.pdf"
    path = saved(tmp_path)[url]
    new = (CORPUS / "008_pdf_libreoffice.pdf").read_bytes()
    site.files[COLUMN + "202101/P020210115_101.pdf"] = ("application/pdf", new)
    second, _ = run(site, tmp_path)
    assert (second.new, second.changed) == (0, 1)
    assert saved(tmp_path)[url] == path and path.read_bytes() == new
    assert read_record(path)["sha256"] == hashlib.sha256(new).hexdigest()
    assert len(list(tmp_path.rglob("P020210115_101*.pdf"))) == 1


def test_since_leaves_older_reports_and_their_pages(site, tmp_path):
    summary, _ = run(site, tmp_path, since="2021-01-01")
    assert site.requested(COLUMN + "index_1.htm") == [200]  # its list is read: every report on it is older
    assert site.requested(UNAVAILABLE_ONCE) == []
    assert summary.new == 3 and not summary.failed


def test_a_site_that_is_down_does_not_stop_the_others(site, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/col/ndbg/index.htm"
    sources = [Source(name="down", index=(down,)), source_of(site.url + COLUMN + "index.htm")]
    summary, clock = run(site, tmp_path, sources=sources)
    reasons = dict(summary.failed)
    robots = down.replace("/col/ndbg/index.htm", "/robots.txt")
    assert reasons[robots].startswith("connection failed: ConnectError") and "(4 tries)" in reasons[robots]
    assert reasons[down].startswith("site not asked: its robots.txt could not be read (connection failed")
    assert clock.slept[:3] == [5.0, 10.0, 20.0]  # the backoff doubled before each retry
    assert summary.new == 5


def test_sources_yaml_example_loads(tmp_path):
    from conftest import ROOT

    from fetching.sources import load

    sources, politeness = load(ROOT / "sources.example.yaml")
    assert [s.name for s in sources] and all(s.index for s in sources)
    assert politeness.delay_seconds >= 1 and "gongkai" in politeness.user_agent
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: a\n    index: http://127.0.0.1/\n    colour: red\n", encoding="utf-8")
    with pytest.raises(ValueError, match="known keys"):
        load(bad)


def test_report_links_by_title_and_url_pattern():
    source = Source(name="x", index=("http://127.0.0.1/",), url_patterns=(r"/t\d{8}_\d+\.html$",))
    assert source.is_report("城北区 2020 年政府信息公开工作年度报告", "http://127.0.0.1/a/t20210115_1.html")
    assert not source.is_report("政府信息公开工作年度报告", "http://127.0.0.1/a/t20210115_1.html")  # no year
    assert not source.is_report("2020年政府信息公开工作年度报告", "http://127.0.0.1/a/other.html")


def test_landing_discovery_leaves_out_records_covers_and_the_fetch_folder(site, tmp_path):
    from reading import landing

    run(site, tmp_path)
    found = [Path(f.path).name for f in landing.scan(tmp_path)]
    assert found and not [n for n in found if n.endswith((".fetch.json", COVER))]
    assert not [f for f in landing.scan(tmp_path) if f"/{STATE}/" in f.path]
    assert sorted(Path(p).suffix for p in found) == [".doc", ".docx", ".html", ".pdf", ".pdf"]


@pytest.mark.slow
def test_fetch_then_ingest(site, tmp_path):
    import httpx
    from conftest import query

    from pipelines.run import ingest
    from tests.web.client import serving

    land, db = tmp_path / "landing", tmp_path / "w.duckdb"
    run(site, land)
    assert ingest(land, db, echo=False)
    col = site.url + COLUMN
    rows = {r[0]: r[1:] for r in query(db, "select source_url, status, agency, fetched_at, status_reason from reports")}
    assert len(rows) == 5  # no cover, no record
    assert rows[col + "202101/P020210115_101.pdf"][:1] == ("parsed",)
    assert rows[col + "202101/P020210115_101.pdf"][2] == datetime(2026, 12, 1, 17, 30)
    assert rows[col + "202001/P020200113_109.pdf"][0] in ("parsed", "partial")
    assert rows[col + "202001/P020200118_105.docx"][0] in ("parsed", "partial")
    assert rows[col + "202101/t20210112_103.html"][:2] == ("parsed", "平江县人民政府")
    assert rows[col + "202101/P020210113_102.doc"][0] in ("parsed", "partial")  # read by the legacy Word reader
    pdf = col + "202101/P020210115_101.pdf"
    report_id = query(db, "select report_id from reports where source_url = ?", [pdf])[0][0]
    with serving(db, land) as base:
        page = httpx.get(f"{base}/reports/{report_id}", trust_env=False).text
        finding, url = query(db, "select finding_id, source_url from findings join reports using (report_id) "
                                 "where source_url is not null order by finding_id limit 1")[0]
        finding_page = httpx.get(f"{base}/findings/{finding}", trust_env=False).text
    assert f'href="{col}202101/P020210115_101.pdf"' in page and "fetched 2026-12-01 17:30 UTC" in page
    assert f'href="{url}"' in finding_page


def test_the_command_fetches_and_prints_its_summary(site, tmp_path, monkeypatch, capsys):
    from cli.main import main
    from fetching.client import RealClock

    slept = []
    monkeypatch.setattr(RealClock, "sleep", lambda self, seconds: slept.append(seconds))  # no real waiting
    assert main(["fetch", "--index", site.url + COLUMN + "index.htm", "--landing", str(tmp_path), "--delay", "3"]) == 0
    out = capsys.readouterr()
    assert "new reports: 6" in out.out and "failed: 4" in out.out  # the real report is under the default cap
    assert "new report: " in out.err and "HTTP 404" in out.err  # progress lines on stderr
    assert slept and max(slept) <= 3.0  # the delay, less the time since the host's last answer
    with pytest.raises(SystemExit) as bad:
        main(["fetch", "--index", site.url, "--since", "2021-13-01"])
    assert bad.value.code == 2
    (tmp_path / "sources.yaml").write_text("sources: {}\n", encoding="utf-8")
    assert main(["fetch", "--sources", str(tmp_path / "sources.yaml"), "--landing", str(tmp_path)]) == 2


def test_a_record_edited_by_hand_gives_what_it_can(tmp_path):
    from fetching.provenance import origin, sidecar

    report = tmp_path / "a.pdf"
    report.write_bytes(b"%PDF-1.4")
    sidecar(report).write_text('{"url": ["not", "a", "url"], "fetched_at": "yesterday"}', encoding="utf-8")
    assert origin(report) == (None, None)
    sidecar(report).write_text('{"url": "http://127.0.0.1/a.pdf", "fetched_at": "2026-12-02T01:30:00+08:00"}',
                               encoding="utf-8")
    assert origin(report) == ("http://127.0.0.1/a.pdf", datetime(2026, 12, 1, 17, 30))
    sidecar(report).write_text("{", encoding="utf-8")
    assert origin(report) == (None, None)
