"""Full-text search of the reports' words (``sections``), for ``gongkai search`` and the workbench.

A plain scan: each paragraph of the loaded reports' sections is tested with DuckDB's ``contains``,
spaces left out on both sides (text pulled from a PDF keeps the gaps between runs: "处理费 0 元").
DuckDB's ``fts`` extension is not used: it is not in the duckdb wheel and is downloaded from
extensions.duckdb.org on first use, which a machine without that site cannot do; and its index
splits words on spaces and punctuation, which Chinese text does not have, so it could not find
"信息处理费" inside a sentence. A substring scan is exact for Chinese, and at this size fast
(docs/warehouse.md gives the measure).
"""

from dataclasses import dataclass

import duckdb

from transforms.model import where_printed
from transforms.statements import compact, sentences

MAX_HITS = 500


@dataclass(frozen=True)
class Hit:
    """A sentence holding the term, with its report, section and where it was printed."""

    report_id: str
    agency: str | None
    year: int | None
    source_path: str
    format: str | None
    section: int
    heading: str | None
    title: str | None
    paragraph: int  # 1-based, in the section
    sentence: str
    page: int | None
    line: int | None
    bbox: list[float] | None

    @property
    def where(self) -> str:
        """page 5 box (…) / line 162 / paragraph 3 (DOCX, HTML)."""
        if self.page is not None or self.format == "text":
            return where_printed(page=self.page, bbox=self.bbox, line=self.line)
        return f"paragraph {self.line}" if self.line is not None else "not located"


def search(con: duckdb.DuckDBPyConnection, term: str, *, year: int | None = None, region: str | None = None,
           section: int | None = None, report_id: str | None = None, limit: int = MAX_HITS) -> list[Hit]:
    """Every sentence of the loaded reports' words that holds ``term`` (spaces ignored), newest
    year first; ``region`` matches the province, prefecture, county or agency name."""
    needle = compact(term)
    if not needle:
        return []
    where, params = ["contains(replace(p.paragraph, ' ', ''), ?)"], [needle]
    for value, condition in ((year, "p.year = ?"), (section, "p.section = ?"), (report_id, "p.report_id = ?")):
        if value is not None:
            where.append(condition)
            params.append(value)
    if region:
        where.append("(contains(coalesce(p.province, ''), ?) or contains(coalesce(p.prefecture, ''), ?) "
                     "or contains(coalesce(p.county, ''), ?) or contains(coalesce(p.agency, ''), ?))")
        params += [region] * 4
    rows = con.execute(f"""
        select * from (
          select report_id, agency, year, province, prefecture, county, source_path, format, section, heading, title,
                 unnest(string_split(text, chr(10))) as paragraph, unnest(paragraph_pages) as page,
                 unnest(paragraph_lines) as line, unnest(paragraph_boxes) as bbox,
                 unnest(range(1, len(paragraph_pages) + 1)) as n
          from v_sections where text is not null
        ) p where {' and '.join(where)}
        order by p.year desc nulls last, p.agency, p.source_path, p.section, p.n limit ?
    """, [*params, limit]).fetchall()
    names = ["report_id", "agency", "year", "province", "prefecture", "county", "source_path", "format", "section",
             "heading", "title", "paragraph", "page", "line", "bbox", "n"]
    hits = []
    for row in rows:
        r = dict(zip(names, row, strict=True))
        for sentence in sentences(r["paragraph"]) or [r["paragraph"]]:
            if needle in compact(sentence):
                hits.append(Hit(r["report_id"], r["agency"], r["year"], r["source_path"], r["format"], r["section"],
                                r["heading"], r["title"], r["n"], sentence, r["page"], r["line"], r["bbox"]))
    return hits
