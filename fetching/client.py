"""HTTP for ``gongkai fetch``, politely: robots.txt obeyed, one request at a time with a delay per host,
conditional GETs, retries with backoff on 5xx and timeouts (never on 4xx), a size and a time cap per
file, redirects followed only within the registrable domain (or to hosts allowed), no JavaScript.

Waiting goes through a ``Clock`` so that tests run on a fake one and never sleep.
"""

import functools
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego
from publicsuffixlist import PublicSuffixList

from fetching.sources import Politeness

RETRY_AFTER_CAP = 300.0  # a longer Retry-After is not waited for (the backoff is used)


class Clock(Protocol):
    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Failed(Exception):
    """A URL that could not be fetched, with the reason in words and the HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None, *, outcome: str = "failed", headers: dict | None = None):
        super().__init__(reason)
        self.reason, self.status, self.outcome, self.headers = reason, status, outcome, headers or {}


@dataclass
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators still hold (body None)
    headers: dict[str, str]
    body: bytes | None


@dataclass
class Counts:
    requests: int = 0
    bodies: int = 0  # 2xx bodies received whole
    not_modified: int = 0  # 304 answers
    retries: int = 0


def registrable(host: str) -> str:
    """The registrable domain of a host (www.haidian.gov.cn → haidian.gov.cn); an IP address or a
    name without a public suffix (localhost) stands for itself."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        return _suffixes().privatesuffix(host) or host


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped in the wheel: nothing downloaded


class PoliteClient:
    """One HTTP client for a fetch run: robots.txt, per-host delay, retries, caps and redirects checked.

    ``robots_text(url)`` returns the text of the robots.txt at ``url`` (None when there is none): the
    caller fetches it through this client (so it too is revalidated) and may keep it.
    """

    def __init__(self, politeness: Politeness, *, clock: Clock | None = None,
                 robots_text: Callable[[str], str | None] | None = None, transport: httpx.BaseTransport | None = None):
        self.polite = politeness
        self.clock = clock or RealClock()
        self.counts = Counts()
        self._robots_text = robots_text or self._plain_robots
        self._robots: dict[str, Protego | None] = {}
        self._unreachable: dict[str, str] = {}  # origin → why its robots.txt could not be read
        self._last: dict[str, float] = {}  # host → when its last answer ended
        self._http = httpx.Client(headers={"User-Agent": politeness.user_agent}, follow_redirects=False,
                                  timeout=httpx.Timeout(politeness.timeout_seconds), trust_env=False,
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, validators: dict | None = None, allow_hosts: tuple[str, ...] = (),
            robots: bool = True) -> Response:
        """GET ``url`` following allowed redirects; with ``validators`` (etag, last_modified of the copy
        kept) a conditional GET whose 304 comes back with no body. Raises ``Failed``."""
        home = registrable(urlsplit(url).hostname or "")
        for _ in range(self.polite.max_redirects + 1):
            host = urlsplit(url).hostname or ""
            if registrable(host) != home and host not in allow_hosts:
                raise Failed(f"redirect to another site ({host}) not followed", outcome="refused")
            if robots and not self.allowed(url):
                parts = urlsplit(url)
                raise Failed(self._unreachable.get(f"{parts.scheme}://{parts.netloc}", "disallowed by robots.txt"),
                             outcome="refused")
            response = self._retried(url, validators)
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise Failed(f"HTTP {response.status} without a Location", response.status)
                url = urljoin(url, location)
                continue
            return response
        raise Failed(f"more than {self.polite.max_redirects} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch ``url`` (robots.txt read once per site and run)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            try:
                text = self._robots_text(origin + "/robots.txt")
                self._robots[origin] = Protego.parse(text) if text else None
            except Failed as e:
                if e.status is not None and 400 <= e.status < 500:
                    self._robots[origin] = None  # no robots.txt: everything allowed (RFC 9309 2.3.1.3)
                else:  # unreachable: assume everything disallowed (RFC 9309 2.3.1.4)
                    self._robots[origin] = Protego.parse("User-agent: *\nDisallow: /")
                    self._unreachable[origin] = f"site not asked: its robots.txt could not be read ({e.reason})"
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self.polite.user_agent)

    def _plain_robots(self, url: str) -> str | None:
        body = self.get(url, robots=False).body
        return body.decode("utf-8", "replace") if body else None

    def _delay(self, host: str) -> float:
        rules = next((r for o, r in self._robots.items() if urlsplit(o).netloc == host and r is not None), None)
        asked = rules.crawl_delay(self.polite.user_agent) if rules else None
        return max(self.polite.delay_seconds, float(asked or 0))

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.sleep(seconds)

    def _retried(self, url: str, validators: dict | None) -> Response:
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        host = urlsplit(url).netloc
        for attempt in range(self.polite.retries + 1):
            last = self._last.get(host)
            if last is not None:
                self._wait(last + self._delay(host) - self.clock.now())
            try:
                response = self._once(url, headers)
                error = None if response.status < 500 else Failed(f"HTTP {response.status}", response.status)
            except httpx.TimeoutException:
                response, error = None, Failed("timed out")
            except httpx.TransportError as e:
                response, error = None, Failed(f"connection failed: {type(e).__name__}: {e}")
            finally:
                self._last[host] = self.clock.now()
            if error is None:
                if 400 <= response.status < 500:
                    raise Failed(f"HTTP {response.status}", response.status)  # never retried
                return response
            if attempt == self.polite.retries:
                tries = self.polite.retries + 1
                raise Failed(f"{error.reason} ({tries} tries)", error.status)
            pause = self.polite.backoff_seconds * 2 ** attempt
            retry_after = (response.headers.get("retry-after") or "") if response else ""
            if retry_after.isdigit() and float(retry_after) <= RETRY_AFTER_CAP:
                pause = max(pause, float(retry_after))
            self.counts.retries += 1
            self._wait(pause)
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict) -> Response:
        """One request; a 2xx body read within the size and time caps."""
        self.counts.requests += 1
        cap = self.polite.max_megabytes * 1e6
        with self._http.stream("GET", url, headers=headers) as r:
            found = {k.lower(): v for k, v in r.headers.items()}
            if r.status_code == 304:
                self.counts.not_modified += 1
                return Response(str(r.url), 304, found, None)
            if not 200 <= r.status_code < 300:
                return Response(str(r.url), r.status_code, found, None)
            length = found.get("content-length", "")
            if length.isdigit() and int(length) > cap:
                raise Failed(f"file of {int(length) / 1e6:.1f} MB is over the cap of {cap / 1e6:g} MB (not downloaded)",
                             r.status_code, outcome="too large", headers=found)
            started, chunks, size = self.clock.now(), [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise Failed(f"abandoned: more than the cap of {cap / 1e6:g} MB", r.status_code,
                                 outcome="too large", headers=found)
                if self.clock.now() - started > self.polite.file_seconds:
                    raise Failed(f"abandoned: transfer took over {self.polite.file_seconds:g} s", r.status_code)
                chunks.append(chunk)
            self.counts.bodies += 1
            return Response(str(r.url), r.status_code, found, b"".join(chunks))
