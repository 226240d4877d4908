"""The polite client on a mock transport (no socket at all) and a fake clock: what it retries, what it
never retries, how long it waits, and its caps."""

import httpx
import pytest
from conftest import FakeClock

from fetching.client import Failed, PoliteClient, registrable
from fetching.pages import document, further_pages, links, sniff
from fetching.sources import Politeness

URL = "http://www.example.gov.cn/col/ndbg/index.htm"


def client(answers, clock, robots: str | None = None, **polite) -> PoliteClient:
    """A client whose requests are answered in turn by ``answers`` (responses, or exceptions raised)."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return PoliteClient(Politeness(**polite), clock=clock, robots_text=lambda url: robots,
                        transport=httpx.MockTransport(handler))


def test_timeouts_are_retried_with_a_doubling_backoff_and_4xx_never():
    clock = FakeClock()
    timeout = httpx.ReadTimeout("slow")
    with client([timeout, timeout, httpx.Response(200, content=b"ok")], clock) as c:
        assert c.get(URL).body == b"ok"
        assert clock.slept == [2.0, 4.0] and c.counts.retries == 2
    clock = FakeClock()
    with client([httpx.Response(403), httpx.Response(200)], clock) as c, pytest.raises(Failed, match="HTTP 403"):
        c.get(URL)
    assert clock.slept == [] and c.counts.requests == 1


def test_retry_after_and_crawl_delay_lengthen_the_waits():
    clock = FakeClock()
    answers = [httpx.Response(503, headers={"Retry-After": "30"}), httpx.Response(200, content=b"a"),
               httpx.Response(200, content=b"b")]
    with client(answers, clock, robots="User-agent: *\nCrawl-delay: 10\n") as c:
        c.get(URL)
        c.get(URL.replace("index.htm", "index_1.htm"))
    assert clock.slept == [30.0, 10.0]  # Retry-After over the 2 s backoff; Crawl-delay over the 2 s delay


def test_a_transfer_over_the_time_cap_is_abandoned():
    clock = FakeClock()

    def slow():
        for _ in range(10):
            clock.t += 100  # each chunk arrives 100 s after the one before
            yield b"x" * 10

    with client([httpx.Response(200, content=slow())], clock, file_seconds=300) as c:
        with pytest.raises(Failed, match="transfer took over 300 s"):
            c.get(URL)


def test_a_declared_length_over_the_cap_is_not_downloaded():
    with client([httpx.Response(200, headers={"Content-Length": "5000000"}, content=b"x" * 5_000_000)],
                FakeClock(), max_megabytes=1) as c:
        with pytest.raises(Failed, match="over the cap of 1 MB \\(not downloaded\\)") as e:
            c.get(URL)
    assert e.value.outcome == "too large"


def test_redirects_stay_within_the_registrable_domain_unless_allowed():
    assert registrable("www.haidian.gov.cn") == registrable("zwgk.haidian.gov.cn") == "haidian.gov.cn"
    assert registrable("www.chaoyang.gov.cn") != registrable("www.haidian.gov.cn")  # gov.cn is a public suffix
    same = httpx.Response(302, headers={"Location": "http://zwgk.example.gov.cn/a.pdf"})
    with client([same, httpx.Response(200, content=b"%PDF-1.4")], FakeClock()) as c:
        assert c.get(URL).url == "http://zwgk.example.gov.cn/a.pdf"
    away = httpx.Response(302, headers={"Location": "http://files.other.gov.cn/a.pdf"})
    with client([away], FakeClock()) as c, pytest.raises(Failed, match="redirect to another site"):
        c.get(URL)
    with client([away, httpx.Response(200, content=b"%PDF-1.4")], FakeClock()) as c:
        assert c.get(URL, allow_hosts=("files.other.gov.cn",)).status == 200


def test_trs_pagination_list_dates_and_sniffing():
    page = ('<html><body><ul><li><a href="./t1.html" title="某县2023年政府信息公开工作年度报告">某县…</a>'
            '<span>2024年01月05日</span></li></ul><a href="javascript:void(0)">x</a>'
            '<script>createPageHTML(3, 0, "index", "htm");</script></body></html>').encode()
    root = document(page)
    assert further_pages(root, page, URL) == [URL.replace("index.htm", "index_1.htm"),
                                              URL.replace("index.htm", "index_2.htm")]
    [link] = links(root, URL)
    assert (link.title, link.date) == ("某县2023年政府信息公开工作年度报告", "2024-01-05")
    assert [sniff(b"%PDF-1.7"), sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8)), sniff(b"<!DOCTYPE html>"),
            sniff(b"\x00\x01")] == [".pdf", ".doc", ".html", ""]
