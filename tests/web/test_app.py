"""The stewards' workbench over HTTP: findings and their evidence, decisions that write the
warehouse and decisions.csv through `gongkai decide`'s code, refusals that write nothing, and the
safety rules (session token, escaping, files inside the landing folder only, local host names)."""

import csv
import html
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import duckdb
import pytest
from client import serving
from conftest import query

SEED_002 = "002_9440981a45cb5a2e.txt"


class Client:
    """A browser-like HTTP client: keeps the session cookie, follows the redirect after a POST."""

    def __init__(self, base: str, host: str | None = None):
        self.base, self.host = base, host
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers={"Host": self.host} if self.host else {})
        try:
            with self.opener.open(req) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def token(self, path: str) -> str:
        return re.search(r'name="csrf" value="([0-9a-f]+)"', self.request(path)[1]).group(1)


@pytest.fixture
def warehouse(sample_warehouse, tmp_path) -> Path:
    """A copy of the samples' warehouse that a test may change (decisions.csv goes beside it)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, path)
    return path


def open_findings(db: Path) -> list[tuple[str, str, str]]:
    return query(db, "select finding_id, expectation, scope from findings where state = 'open' "
                     "order by expectation, scope")


def seed_002_balance(db: Path) -> str:
    return query(db, "select finding_id from findings "
                     "where expectation = 'applications_balance' and scope = 'total'")[0][0]


def test_findings_page_lists_the_samples_four_findings_with_counts_per_filter(warehouse, landing):
    with serving(warehouse, landing) as base:
        client = Client(base)
        status, page = client.request("/findings")
        assert status == 200
        for finding_id, _, _ in open_findings(warehouse):
            assert f'href="/findings/{finding_id}"' in page
        assert len(open_findings(warehouse)) == 4 and '<p id="count">4 findings, open first</p>' in page
        assert "刚察县人民政府 (4)" in page and "青海省 (4)" in page and "2019 (4)" in page
        assert "applications_balance (2)" in page and "applications_outcomes (2)" in page and "open (4)" in page
        status, page = client.request("/findings?expectation=applications_outcomes")
        assert '<p id="count">2 findings, open first</p>' in page
        assert "applications_balance (2)" in page  # the counts of a filter ignore its own choice
        status, page = client.request("/findings?state=closed")
        assert '<p id="count">0 findings</p>' in page


def test_a_finding_in_words_numbers_chinese_labels_printed_table_and_source_lines(warehouse, landing):
    finding_id = seed_002_balance(warehouse)
    with serving(warehouse, landing) as base:
        status, page = Client(base).request(f"/findings/{finding_id}")
    assert status == 200
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    # the identity with the catalog's printed labels and the report's numbers: 4 + 0 = 0 + 0
    assert "一、本年新收政府信息公开申请数量（总计）4 + 二、上年结转政府信息公开申请数量（总计）0" in text
    assert "= 三、（七）总计（总计）0 + 四、结转下年度继续办理（总计）0" in text
    assert "difference +4" in text
    # the printed table: every cell of the identity highlighted, and only those
    highlighted = re.findall(r'<td class="num hl" title="([a-z_/]+)">', page)
    assert sorted(highlighted) == ["carried_forward/total", "carried_over/total", "new_received/total",
                                   "total_processed/total"]
    # the source: the lines as read, numbered, the cells' lines marked
    marked = re.findall(r'<tr class="hl"><td class="num">(\d+)</td><td><pre>([^<]*)</pre>', page)
    assert [int(n) for n, _ in marked] == [56, 57, 77, 78]
    assert marked[0][1].startswith("一、本年新收政府信息公开申请数量") and marked[0][1].rstrip().endswith("4\t4")
    assert re.search(r"<td>[^<]+</td><td>new</td>", page)  # the history starts with the run that found it


def test_a_decision_in_the_page_writes_the_warehouse_and_decisions_csv(warehouse, landing):
    finding_id = seed_002_balance(warehouse)
    with serving(warehouse, landing) as base:
        client = Client(base)
        status, page = client.request(f"/findings/{finding_id}/decide", {
            "csrf": client.token(f"/findings/{finding_id}"), "decision": "correction",
            "cell": query(warehouse, "select report_id from findings where finding_id = ?", [finding_id])[0][0]
            + ":new_received/total",
            "value": "0", "by": "王芳", "note": "the 4 belongs to 2020",
        })
        assert status == 200 and 'id="recorded"' in page and "recorded correction of new_received/total to 0" in page
        assert "王芳" in page and "the 4 belongs to 2020" in page
        status, page = client.request(f"/findings/{finding_id}/decide", {
            "csrf": client.token(f"/findings/{finding_id}"), "decision": "source_error", "by": "李明",
            "note": "<b>as printed</b>",
        })
        assert status == 200 and "&lt;b&gt;as printed&lt;/b&gt;" in page
    rows = query(warehouse, "select decision, item_code, column_code, value, decided_by, note from decisions "
                            "where finding_id = ? order by decided_at", [finding_id])
    assert rows == [("correction", "new_received", "total", 0.0, "王芳", "the 4 belongs to 2020"),
                    ("source_error", None, None, None, "李明", "<b>as printed</b>")]
    assert query(warehouse, "select state from findings where finding_id = ?", [finding_id]) == [("closed",)]
    with open(warehouse.parent / "decisions.csv", encoding="utf-8", newline="") as f:
        written = [(r["finding_id"], r["decision"], r["decided_by"], r["value"]) for r in csv.DictReader(f)]
    assert written == [(finding_id, "correction", "王芳", "0.0"), (finding_id, "source_error", "李明", "")]


@pytest.mark.parametrize("form, reason", [
    ({"decision": "correction", "by": "王芳", "cell": "", "value": "3"},
     "a correction needs the cell and the right value"),
    ({"decision": "correction", "by": "王芳", "cell": "granted/total", "value": "3"},
     "is not among the cells of finding"),
    ({"decision": "correction", "by": "王芳", "cell": "new_received/total", "value": "three"},
     "&#39;three&#39; is not a number"),
    ({"decision": "dismissed", "by": ""}, "a decision needs the name of who decides"),
    ({"decision": "approve", "by": "王芳"}, "choose a decision: source_error, correction, dismissed"),
])
def test_a_refused_form_says_why_and_writes_nothing(warehouse, landing, form, reason):
    finding_id = seed_002_balance(warehouse)
    with serving(warehouse, landing) as base:
        client = Client(base)
        status, page = client.request(f"/findings/{finding_id}/decide",
                                      {"csrf": client.token(f"/findings/{finding_id}"), **form})
    assert status == 400
    assert reason in re.search(r'<p class="error" id="error">([^<]*)</p>', page).group(1)
    assert query(warehouse, "select count(*) from decisions") == [(0,)]
    assert not (warehouse.parent / "decisions.csv").exists()


def test_a_post_without_the_session_token_is_refused(warehouse, landing):
    finding_id = seed_002_balance(warehouse)
    with serving(warehouse, landing) as base:
        client = Client(base)
        form = {"decision": "dismissed", "by": "mallory", "note": ""}
        assert client.request(f"/findings/{finding_id}/decide", form)[0] == 403
        assert client.request(f"/findings/{finding_id}/decide", {**form, "csrf": "0" * 64})[0] == 403
        other = Client(base)  # a token from another session
        forged = {**form, "csrf": other.token(f"/findings/{finding_id}")}
        assert client.request(f"/findings/{finding_id}/decide", forged)[0] == 403
        assert client.request(f"/findings/{finding_id}")[0] == 200  # nor does a GET
    assert query(warehouse, "select count(*) from decisions") == [(0,)]


def test_report_text_is_escaped(warehouse, landing):
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reports set agency = '<script>alert(1)</script>刚察' where source_path like ?",
                    [f"%{SEED_002}"])
    finding_id = seed_002_balance(warehouse)
    with serving(warehouse, landing) as base:
        client = Client(base)
        pages = [client.request(p)[1] for p in ("/findings", f"/findings/{finding_id}", "/reports")]
    for page in pages:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;刚察" in page and "<script>" not in page
    with serving(warehouse, landing) as base:  # nor does a URL put its own words in the page
        assert 'id="recorded"' not in Client(base).request(f"/findings/{finding_id}?recorded=decided+by+the+boss")[1]


def test_files_outside_the_landing_folder_and_other_hosts_are_refused(warehouse, landing, tmp_path):
    finding_id = seed_002_balance(warehouse)
    report_id = query(warehouse, "select report_id from findings where finding_id = ?", [finding_id])[0][0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with serving(warehouse, elsewhere) as base:  # the warehouse's files are not in this landing folder
        client = Client(base)
        status, page = client.request(f"/reports/{report_id}/cells/applications/new_received/total")
        assert status == 200 and "is outside the landing folder" in page
        assert "一、本年新收政府信息公开申请数量\t" not in page
        for path in ("/reports/..%2F..%2F..%2Fetc%2Fpasswd", "/reports/../../etc/passwd",
                     f"/reports/{report_id}/pages/1.png?cell=..%2F..%2Fetc%2Fpasswd", "/findings/%2e%2e"):
            status, page = client.request(path)
            assert status == 404 and "root:" not in page
        assert Client(base, host="attacker.example").request("/findings")[0] == 400


def test_reports_list_rejected_and_partial_first_and_every_number_links_to_its_source(warehouse, landing):
    with serving(warehouse, landing) as base:
        client = Client(base)
        status, page = client.request("/reports")
        statuses = re.findall(r"</a></td><td>(parsed|partial|rejected|duplicate)</td>", page)
        assert statuses == ["partial", "parsed", "parsed", "parsed", "parsed"]
        report_id = query(warehouse, "select report_id from reports where source_path like ?", [f"%{SEED_002}"])[0][0]
        status, page = client.request(f"/reports/{report_id}")
        links = re.findall(rf'href="/reports/{report_id}/cells/([a-z_]+)/([a-z_]+)/([a-z_]+)">', page)
        facts = query(warehouse, "select table_code, item_code, column_code from facts where report_id = ?",
                      [report_id])
        assert sorted(links) == sorted(facts)
        assert page.count('href="/findings/') == 4
        status, page = client.request(f"/reports/{report_id}/cells/applications/new_received/total")
        assert status == 200 and '<tr class="hl"><td class="num">56</td>' in page


def test_while_a_run_holds_the_warehouse_pages_say_so_and_then_read_again(warehouse, landing):
    import subprocess
    import sys

    holder = subprocess.Popen(  # another process writing the warehouse, as an ingest run does
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
         str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with serving(warehouse, landing) as base:
            client = Client(base)
            status, page = client.request("/findings")
            assert status == 503 and "the warehouse is in use by a run; reload in a moment" in page
            holder.stdin.close()
            assert holder.wait() == 0
            assert client.request("/findings")[0] == 200
    finally:
        holder.kill()


def test_a_low_confidence_ocr_cell_is_marked_check_first(warehouse, landing):
    finding = seed_002_balance(warehouse)
    with duckdb.connect(str(warehouse)) as con:  # as an OCR reading of seed 002 would have stored them
        con.execute("update facts set method = 'ocr', confidence = 0.97 where item_code = 'new_received'")
        con.execute("update facts set method = 'ocr', confidence = 0.42 where item_code = 'total_processed' "
                    "and column_code = 'total'")
    with serving(warehouse, landing) as base:
        status, page = Client(base).request(f"/findings/{finding}")
    assert status == 200
    assert page.count("low confidence, check first") == 1
    assert "OCR 0.42: low confidence, check first" in page and "OCR 0.97</span>" in page
