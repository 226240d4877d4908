"""The sites whose reports are followed: ``sources.yaml`` read into ``Source``s (see sources.example.yaml).

Each source names one or more index pages (a site's 政府信息公开年报 column), how a report link is
recognised (title words, a year, optional URL patterns) and a region or agency hint recorded in the
provenance of every file it brings. ``--index URL`` makes a source of one index page with the defaults.
"""

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

import yaml

DEFAULT_TITLE_WORDS = ("年度报告",)
YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class Politeness:
    """How gently a site is asked: one request at a time per host, ``delay_seconds`` apart (more when
    robots.txt asks for a Crawl-delay), retries on 5xx and timeouts only, caps on each file."""

    user_agent: str = "gongkai-fetch/0.1 (collects open-government annual reports; one request at a time)"
    delay_seconds: float = 2.0
    retries: int = 3  # after the first try, on a 5xx answer, a timeout or a failed connection
    backoff_seconds: float = 2.0  # waited before the first retry, doubled before each next one
    timeout_seconds: float = 30.0  # connecting, and between two bytes received
    file_seconds: float = 300.0  # a file whose transfer takes longer is abandoned
    max_megabytes: float = 100.0  # a larger file is abandoned (Content-Length, or bytes received)
    max_redirects: int = 5


@dataclass(frozen=True)
class Source:
    name: str  # the folder under the landing folder: landing/<name>/<date>/
    index: tuple[str, ...]
    title_words: tuple[str, ...] = DEFAULT_TITLE_WORDS  # every one must be in a report link's title
    year: bool = True  # a report link's title must also name a year
    url_patterns: tuple[str, ...] = ()  # when given, a report link's URL must match one (regular expressions)
    hint: str = ""  # region or agency, recorded in the provenance
    allow_hosts: tuple[str, ...] = ()  # redirects may lead to these hosts besides the index's registrable domain
    max_pages: int = 50  # index pages walked per index (index.htm, index_1.htm, …)

    def is_report(self, title: str, url: str) -> bool:
        """Whether a link of an index page leads to a report."""
        title = re.sub(r"\s+", "", title)
        if not all(w in title for w in self.title_words) or (self.year and not YEAR.search(title)):
            return False
        return not self.url_patterns or any(re.search(p, url) for p in self.url_patterns)


def source_of(url: str) -> Source:
    """A one-off source of an index page (``gongkai fetch --index URL``), named after its host."""
    parts = urlsplit(url)
    return Source(name=safe_name(parts.netloc), index=(url,))


def safe_name(text: str) -> str:
    """A folder name from a source's name or host: letters, digits, CJK, dot, dash and underscore."""
    name = re.sub(r"[^\w.\-]+", "_", text).strip("._")
    if not name:
        raise ValueError(f"{text!r} gives no folder name")
    return name


def load(path: str | Path) -> tuple[list[Source], Politeness]:
    """The sources of a sources.yaml and its ``politeness`` settings; a mistake raises ValueError naming it."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise ValueError(f"{path}: expected a mapping with a non-empty list 'sources'")
    polite = data.get("politeness") or {}
    known = {f.name for f in fields(Politeness)}
    if not isinstance(polite, dict) or set(polite) - known:
        raise ValueError(f"{path}: politeness: unknown settings {sorted(set(polite) - known)} (known: {sorted(known)})")
    politeness = replace(Politeness(), **polite)
    sources, names = [], set()
    allowed = {f.name for f in fields(Source)}
    for n, entry in enumerate(data["sources"], start=1):
        if not isinstance(entry, dict) or set(entry) - allowed or not entry.get("name") or not entry.get("index"):
            raise ValueError(f"{path}: source {n}: needs 'name' and 'index'; known keys: {sorted(allowed)}")
        values = {k: tuple(_list(v)) if isinstance(getattr(Source, k, None), tuple) or k == "index" else v
                  for k, v in entry.items()}
        source = Source(**{**values, "name": safe_name(str(entry["name"]))})
        if source.name in names:
            raise ValueError(f"{path}: source name {source.name!r} given twice")
        for p in source.url_patterns:
            re.compile(p)
        names.add(source.name)
        sources.append(source)
    return sources, politeness


def _list(value) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value])]

