"""Normalising printed text and matching it against the catalog's labels."""

import re
import unicodedata
from functools import cache

from transforms import catalog

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、])")


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), no whitespace, markdown emphasis and heading marks gone."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("&nbsp;", "").replace("**", "")
    return _SPACE.sub("", text).lstrip("#")


def starts_with_marker(norm: str) -> bool:
    """True when a normalised label opens with a row number such as 一、 (三) or 2."""
    return bool(_MARKER.match(norm))


def match_item(norm: str, template: str, table_code: str, *, block: str | None = None) -> str | None:
    """The item whose label ends latest in ``norm`` (longest on a tie), or None."""
    best: tuple[int, int, str] | None = None
    for label in catalog.labels("item"):
        if label.table_code != table_code or template not in label.templates:
            continue
        if block is not None and label.block != block:
            continue
        for m in label.pattern.finditer(norm):
            key = (m.end(), m.end() - m.start(), label.code)
            if best is None or key > best:
                best = key
    return best[2] if best else None


def match_block(norm: str) -> str | None:
    for label in catalog.labels("block"):
        if label.pattern.search(norm):
            return label.block
    return None


def match_columns(norm_header: str, template: str, block: str) -> list[str]:
    """Column codes printed in a block header, in the order they appear."""
    found = []
    for label in catalog.labels("column"):
        if label.block == block and template in label.templates:
            m = label.pattern.search(norm_header)
            if m:
                found.append((m.start(), label.code))
    return [code for _, code in sorted(found)]


@cache
def _unit_note() -> re.Pattern[str]:
    units = "|".join(sorted(map(re.escape, catalog.unit_scales()), key=len, reverse=True))  # 万元 before 元
    return re.compile(rf"\((?:单位:)?({units})\)|单位:({units})")


def printed_unit(norm: str) -> str | None:
    """The money unit (of catalog.unit_scales) a header prints: "(万元)", "(单位:万元)", "单位:元"…;
    None when it prints none."""
    m = _unit_note().search(norm)
    return (m.group(1) or m.group(2)) if m else None


def column_units(norm_header: str, template: str, block: str) -> dict[str, str]:
    """The money unit printed after each column label of a block header, up to the next label
    ("采购项目数量采购总金额(万元)" → {procurement_amount: 万元}); a unit printed before the first
    label ("单位:万元") holds for every column that prints none."""
    spans = []
    for label in catalog.labels("column"):
        if label.block == block and template in label.templates:
            m = label.pattern.search(norm_header)
            if m:
                spans.append((m.start(), m.end(), label.code))
    spans.sort()
    whole = printed_unit(norm_header[: spans[0][0]]) if spans else None
    units = {code: whole for _, _, code in spans} if whole else {}
    for n, (_, end, code) in enumerate(spans):
        unit = printed_unit(norm_header[end : spans[n + 1][0] if n + 1 < len(spans) else len(norm_header)])
        if unit:
            units[code] = unit
    return units


def section_of(norm: str) -> str | None:
    """'proactive', 'applications', 'review_litigation' when a line opens a table, 'end' after them."""
    for label in catalog.labels("section"):
        if label.pattern.search(norm):
            return label.table_code or "end"
    return None


def detect_template(norm_text: str) -> str | None:
    """The template whose distinctive labels occur most often; None when neither occurs."""
    scores = {
        label.code: len(label.pattern.findall(norm_text)) for label in catalog.labels("template_marker")
    }
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[:2].count(ranked[0]) > 1:
        return None
    return max(scores, key=lambda t: scores[t])
