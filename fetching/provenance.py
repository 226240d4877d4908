"""Where fetched files land and what is kept beside them.

``landing/<source>/<date>/<name>``: each report page and attachment, named after its URL (the last
part of its path and a hash of the whole URL, with the extension its bytes show), so a re-run finds
the same name and never duplicates a file; ``<date>`` is the UTC day it was first fetched. Beside
each file ``<name>.fetch.json``, its provenance record: url, referrer, fetched_at, HTTP status,
content type (as served, and as sniffed), ETag / Last-Modified, sha256. A report page whose body
only links to its report is kept as ``<name>.cover.html``, the cover of its attachments: the
attachment's record names it.

``landing/_fetch/``: the fetch's own files: ``fetch_log.jsonl`` (every URL tried, with outcome and
reason, one JSON object a line), ``pages/`` (index pages and robots.txt kept with their
validators, so a second run revalidates them with a conditional GET) and ``refused.json`` (the
validators of files refused for what they are, too large or not a document, so that a second run
asks with a conditional GET and, answered 304, refuses them again without their bodies).

Ingest (``reading.landing``) skips the records, the covers and ``_fetch/``: none of them is a report.
"""

import hashlib
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

SIDECAR = ".fetch.json"
COVER = ".cover.html"
STATE = "_fetch"
LOG = "fetch_log.jsonl"
REFUSED = "refused.json"


def sidecar(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SIDECAR)


def file_name(url: str, extension: str) -> str:
    """A name from the URL: its last path part (without extension, made safe) and 8 hex digits of the
    URL's sha1, then ``extension`` (as sniffed)."""
    stem = PurePosixPath(unquote(urlsplit(url).path)).stem
    stem = re.sub(r"[^\w.\-]+", "_", stem).strip("._")[:80] or "index"
    return f"{stem}-{hashlib.sha1(url.encode()).hexdigest()[:8]}{extension}"


def write_atomic(path: Path, data: bytes, scratch: Path) -> None:
    """Write ``data`` to ``path`` by renaming a finished file made in ``scratch`` (same file system), so
    an ingest running meanwhile never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=scratch)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_record(path: str | Path) -> dict | None:
    """The provenance record beside a file, or None (no record, or one that cannot be read)."""
    try:
        record = json.loads(sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


class Kept:
    """What earlier fetches left in a landing folder: each URL's file and record."""

    def __init__(self, landing: str | Path):
        self.landing = Path(landing)
        self.scratch = self.landing / STATE / "tmp"
        self.files: dict[str, Path] = {}
        for record_path in sorted(self.landing.rglob("*" + SIDECAR)):
            path = record_path.with_name(record_path.name[: -len(SIDECAR)])
            record = read_record(path)
            if record and record.get("url") and path.is_file():
                self.files[record["url"]] = path
        try:
            self.refused: dict[str, dict] = json.loads((self.landing / STATE / REFUSED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.refused = {}

    def record(self, url: str) -> dict | None:
        return read_record(self.files[url]) if url in self.files else None

    def validators(self, url: str) -> dict | None:
        """The ETag / Last-Modified to revalidate ``url`` with: of its kept file, or of its refusal."""
        return self.record(url) or self.refused.get(url)

    def refuse(self, url: str, headers: dict, reason: str) -> None:
        """Remember a file refused for what it is, with its validators (when the server gave any)."""
        entry = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified"), "reason": reason}
        if entry["etag"] or entry["last_modified"]:
            self.refused[url] = entry
        elif self.refused.pop(url, None) is None:
            return
        write_atomic(self.landing / STATE / REFUSED,
                     json.dumps(self.refused, ensure_ascii=False, indent=1, sort_keys=True).encode(), self.scratch)

    def body(self, url: str) -> bytes | None:
        try:
            return self.files[url].read_bytes() if url in self.files else None
        except OSError:
            return None

    def save(self, path: Path, body: bytes, record: dict) -> Path:
        """``body`` written at ``path`` with its record: the record first, so an ingest that sees the file
        also sees where it came from."""
        write_atomic(sidecar(path), json.dumps(record, ensure_ascii=False, indent=1).encode(), self.scratch)
        write_atomic(path, body, self.scratch)
        self.files[record["url"]] = path
        return path

    def touch(self, url: str, **changes) -> None:
        """Update the record of a kept file (e.g. ``checked_at`` after a 304)."""
        record = self.record(url)
        if record is not None:
            record.update(changes)
            write_atomic(sidecar(self.files[url]), json.dumps(record, ensure_ascii=False, indent=1).encode(),
                         self.scratch)

    def page_path(self, url: str, extension: str = ".html") -> Path:
        """Where an index page or robots.txt is kept: under ``_fetch/pages/``."""
        return self.landing / STATE / "pages" / file_name(url, extension)

    def log(self, entry: dict) -> None:
        """One line of the fetch log."""
        path = self.landing / STATE / LOG
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def origin(path: str | Path) -> tuple[str | None, datetime | None]:
    """``(source_url, fetched_at)`` of a landed file from its provenance record (fetched_at in UTC, naive);
    None for what the record lacks or holds in a form not its own (a record edited by hand)."""
    record = read_record(path) or {}
    url, fetched = record.get("url"), record.get("fetched_at")
    try:
        at = datetime.fromisoformat(fetched).astimezone(UTC).replace(tzinfo=None) if isinstance(fetched, str) else None
    except ValueError:
        at = None
    return (url if isinstance(url, str) else None), at
