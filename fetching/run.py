"""A fetch run: each source's index pages walked, its new report pages and attachments saved into the
landing folder with their provenance, every URL tried written to the fetch log, and the counts.

A site that fails (down, refusing, answering nonsense) fails alone: its URLs are logged with the
reason and the other sources go on.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from fetching import pages
from fetching.client import Clock, Failed, PoliteClient, Response
from fetching.provenance import COVER, Kept, file_name, sidecar
from fetching.sources import Politeness, Source


@dataclass
class Summary:
    pages: int = 0  # index pages and report pages seen (fetched, or revalidated)
    new: int = 0  # report files saved for the first time
    changed: int = 0  # report files whose bytes changed (saved over the old ones)
    unchanged: int = 0  # files and pages unchanged: revalidated (304) or the same bytes
    not_modified: int = 0  # 304 answers
    bodies: int = 0  # bodies received whole (2xx)
    requests: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

    def lines(self) -> list[str]:
        out = [f"pages seen: {self.pages}", f"new reports: {self.new}", f"changed reports: {self.changed}",
               f"unchanged: {self.unchanged} ({self.not_modified} answered 304 Not Modified)",
               f"requests: {self.requests}, bodies transferred: {self.bodies}",
               f"failed: {len(self.failed)}"]
        return out + [f"  {url}: {reason}" for url, reason in self.failed]

    def metadata(self) -> dict:
        """The counts as Dagster metadata (and for tests)."""
        return {"pages seen": self.pages, "new reports": self.new, "changed reports": self.changed,
                "unchanged": self.unchanged, "not modified (304)": self.not_modified,
                "bodies transferred": self.bodies, "failed": len(self.failed)}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Fetch:
    """One run over some sources into one landing folder."""

    def __init__(self, landing: str | Path, politeness: Politeness, *, since: str | None = None,
                 clock: Clock | None = None, now: Callable[[], datetime] = utc_now,
                 say: Callable[[str], None] = lambda _: None):
        self.landing, self.since, self.now, self.say = Path(landing), since, now, say
        self.kept = Kept(self.landing)
        self.client = PoliteClient(politeness, clock=clock, robots_text=self._robots)
        self.summary = Summary()
        self.started = now()
        self.source: Source | None = None
        self._referrers: dict[str, str] = {}  # each report or attachment URL → the page that linked it first

    def run(self, sources: list[Source]) -> Summary:
        with self.client:
            for source in sources:
                self.source = source
                try:
                    self._source(source)
                except Exception as e:  # a site answering what nothing here foresaw fails alone
                    self._failed(source.index[0], None, "source", Failed(f"{type(e).__name__}: {e}"))
        counts = self.client.counts
        self.summary.requests, self.summary.bodies, self.summary.not_modified = (
            counts.requests, counts.bodies, counts.not_modified)
        return self.summary

    # walking

    def _source(self, source: Source) -> None:
        reports: dict[str, pages.Link] = {}
        for start in source.index:
            queue, seen = [start], set()
            while queue and len(seen) < source.max_pages:
                url = queue.pop(0)
                if url in seen:
                    continue
                seen.add(url)
                body = self._kept_page(url, None, "index")
                if body is None:
                    continue
                self.summary.pages += 1
                root = pages.document(body)
                found = [link for link in pages.links(root, url) if source.is_report(link.title, link.url)]
                recent = [link for link in found if not self._before_since(link)]
                for link in recent:
                    reports.setdefault(link.url, link)
                    self._referrers.setdefault(link.url, url)
                if found and not recent and all(link.date for link in found):
                    self.say(f"{url}: every report listed is older than {self.since}; further pages not walked")
                    break
                queue += [p for p in pages.further_pages(root, body, url) if p not in seen]
        for link in reports.values():
            referrer = self._referrers[link.url]
            if urlsplit(link.url).path.lower().endswith(pages.DOCUMENTS):
                self._attachment(link, referrer, cover=None)
            else:
                self._report_page(link, referrer)

    def _before_since(self, link: pages.Link) -> bool:
        return bool(self.since and link.date and link.date < self.since)

    def _report_page(self, link: pages.Link, referrer: str) -> None:
        response = self._get(link.url, referrer, "page")
        if response is None:
            return
        self.summary.pages += 1
        body = response.body if response.body is not None else self.kept.body(link.url)
        if body is None:
            return self._failed(link.url, referrer, "page", Failed("304 for a page no longer kept"))
        if pages.sniff(body) != ".html":  # the link led straight to a document (or to something else)
            return self._document(link, referrer, response, cover=None)
        article = pages.article(pages.document(body), response.url)
        cover = None
        if article.is_cover:
            path = self._save(link, referrer, response, COVER, role="cover",
                              attachments=[a.url for a in article.attachments])
            cover = path.name if path else None
        else:
            self._save(link, referrer, response, ".html", role="report")
        for attachment in article.attachments:
            if attachment.url not in self._referrers:
                self._referrers[attachment.url] = link.url
                self._attachment(pages.Link(attachment.url, attachment.title or link.title, link.date), link.url, cover)

    def _attachment(self, link: pages.Link, referrer: str, cover: str | None) -> None:
        response = self._get(link.url, referrer, "attachment")
        if response is not None:
            self._document(link, referrer, response, cover)

    def _document(self, link: pages.Link, referrer: str, response: Response, cover: str | None) -> None:
        """A report file saved by the type its bytes show, or refused when they show no document."""
        body = response.body
        kind = pages.sniff(body) if body is not None else None
        if body is not None and kind not in (".pdf", ".doc", ".docx", ".ofd"):
            served = response.headers.get("content-type", "no content type")
            what = "a web page" if kind == ".html" else "bytes of no document type"
            reason = f"not a document: {what} (served as {served})"
            self.kept.refuse(link.url, response.headers, reason)
            return self._failed(link.url, referrer, "attachment", Failed(reason, response.status))
        linked = PurePosixPath(urlsplit(link.url).path).suffix.lower()
        if kind == ".doc" and linked == ".wps":
            kind = ".wps"  # WPS files are OLE files too
        self._save(link, referrer, response, kind, role="report", cover=cover)

    # fetching and keeping

    def _get(self, url: str, referrer: str | None, kind: str) -> Response | None:
        source = self.source
        try:
            response = self.client.get(url, validators=self.kept.validators(url), allow_hosts=source.allow_hosts)
        except Failed as e:
            if e.outcome == "too large":
                self.kept.refuse(url, e.headers, e.reason)
            self._failed(url, referrer, kind, e)
            return None
        if response.status == 304 and url not in self.kept.files and url in self.kept.refused:
            reason = f"{self.kept.refused[url]['reason']} (unchanged: 304)"
            self._failed(url, referrer, kind, Failed(reason, 304, outcome="refused again"))
            return None
        if response.status == 304:
            self.summary.unchanged += 1
            self.kept.touch(url, checked_at=self._stamp())
            self._log(url, referrer, kind, "not modified", 304)
        return response

    def _kept_page(self, url: str, referrer: str | None, kind: str) -> bytes | None:
        """An index page (or robots.txt): fetched, or revalidated and read from where it is kept."""
        response = self._get(url, referrer, kind)
        if response is None:
            return None
        if response.status == 304:
            return self.kept.body(url)
        path = self.kept.files.get(url) or self.kept.page_path(url, ".txt" if kind == "robots" else ".html")
        self.kept.save(path, response.body, self._record(url, referrer, response, kind, ""))
        self._log(url, referrer, kind, "fetched", response.status)
        return response.body

    def _robots(self, url: str) -> str | None:
        try:
            response = self.client.get(url, validators=self.kept.record(url), robots=False)
        except Failed as e:
            if e.status is not None and 400 <= e.status < 500:
                self._log(url, None, "robots", "absent", e.status, f"{e.reason}: every path allowed")
            else:
                self._failed(url, None, "robots", Failed(f"{e.reason}: every path of the site disallowed", e.status))
            raise
        if response.status == 304:
            self._log(url, None, "robots", "not modified", 304)
            body = self.kept.body(url)
        else:
            self.kept.save(self.kept.files.get(url) or self.kept.page_path(url, ".txt"), response.body,
                           self._record(url, None, response, "robots", ""))
            self._log(url, None, "robots", "fetched", response.status)
            body = response.body
        return body.decode("utf-8", "replace") if body else None

    def _save(self, link: pages.Link, referrer: str, response: Response, extension: str, *, role: str,
              **extra) -> Path | None:
        """A report file or cover saved (or found unchanged); its path."""
        kind = "attachment" if role == "report" and extension != ".html" else "page"
        if response.body is None:  # 304: kept as it was
            return self.kept.files.get(link.url)
        old, path = self.kept.record(link.url), self.kept.files.get(link.url)
        digest = hashlib.sha256(response.body).hexdigest()
        if old and old.get("sha256") == digest and path is not None:
            self.summary.unchanged += 1
            self.kept.touch(link.url, checked_at=self._stamp())
            self._log(link.url, referrer, kind, "unchanged", response.status, "same bytes", path)
            return path
        name = file_name(link.url, extension)
        if path is None or path.name != name:
            if path is not None:  # its type changed: the old file and record give way
                path.unlink(missing_ok=True)
                sidecar(path).unlink(missing_ok=True)
            path = self.landing / self.source.name / self.started.strftime("%Y-%m-%d") / name
        record = self._record(link.url, referrer, response, role, extension,
                              title=link.title, list_date=link.date, **extra)
        self.kept.save(path, response.body, record)
        outcome = "changed" if old else "new"
        if role == "report":
            self.summary.changed += bool(old)
            self.summary.new += not old
        self._log(link.url, referrer, kind, outcome, response.status, f"{role} saved", path)
        self.say(f"{outcome} {role}: {path.relative_to(self.landing)} ← {link.url}")
        return path

    def _record(self, url: str, referrer: str | None, response: Response, role: str, sniffed: str, **extra) -> dict:
        return {
            "url": url, "final_url": response.url, "referrer": referrer,
            "source": self.source.name if self.source else None, "hint": self.source.hint if self.source else None,
            "role": role, "fetched_at": self._stamp(),
            "status": response.status, "content_type": response.headers.get("content-type"), "sniffed": sniffed,
            "etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified"),
            "sha256": hashlib.sha256(response.body).hexdigest(), "size_bytes": len(response.body),
            **{k: v for k, v in extra.items() if v is not None},
        }

    def _stamp(self) -> str:
        return self.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _failed(self, url: str, referrer: str | None, kind: str, error: Failed) -> None:
        self.summary.failed.append((url, error.reason))
        self._log(url, referrer, kind, error.outcome, error.status, error.reason)
        self.say(f"{error.outcome}: {url}: {error.reason}")

    def _log(self, url: str, referrer: str | None, kind: str, outcome: str, status: int | None, reason: str = "",
             path: Path | None = None) -> None:
        self.kept.log({
            "run": self.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "at": self._stamp(),
            "source": self.source.name if self.source else None, "url": url, "referrer": referrer, "kind": kind,
            "outcome": outcome, "status": status, "reason": reason,
            "file": str(path.relative_to(self.landing)) if path else None,
        })


def fetch(sources: list[Source], landing: str | Path, politeness: Politeness | None = None, **options) -> Summary:
    """Fetch ``sources`` into ``landing``; ``options``: since, clock, now, say (see ``Fetch``)."""
    return Fetch(landing, politeness or Politeness(), **options).run(sources)
