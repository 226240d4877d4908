"""The numbers a report states about itself in its words: applications received and answered,
information published, reviews and lawsuits, fees charged. Each is read from one sentence of a
section by a phrase of the catalog (``template/statements.csv``), with the sentence and where it
was printed; a sentence that no phrase matches gives nothing.

Numbers are read in Arabic figures (1,234; 1.2万) or Chinese numerals (一百二十七, 两千); a number
said about (近百件, 100余件, 约, 超过) is kept as stated but marked approximate and never compared.
A phrase without a number states none ("未收取信息处理费": 0).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from transforms import catalog
from transforms.sections import Paragraph, Section

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
NUMBER = (r"(?P<approx>近|约|逾|超过|将近|大约|多达)?"
          r"(?P<n>\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)(?P<mult>万|亿)?(?P<more>余|多)?")
_SENTENCE = re.compile(r"[^。；！？!?;]+[。；！？!?;]?")


@dataclass(frozen=True)
class Statement:
    """A number a report states, with its phrase's cell and comparison (catalog.StatementPattern)."""

    section: int
    code: str
    value: float | None
    unit: str
    approximate: bool
    number_text: str  # the number as printed ('' for a phrase that states none)
    sentence: str
    table_code: str
    item_codes: tuple[str, ...]
    column_code: str
    comparison: str
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    line: int | None = None


def chinese_number(text: str) -> float | None:
    """一百二十七 → 127, 两千零五 → 2005, 三万二千 → 32000, 十二 → 12, 二〇二四 → 2024; None when
    ``text`` is not a Chinese numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS and ch not in _BIG for ch in text):
        return None
    if all(ch in _DIGITS for ch in text):  # digit by digit: 二〇二四
        return float(int("".join(str(_DIGITS[ch]) for ch in text)))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _BIG[ch]
            section, digit = 0, None
    return float(total + section + (digit or 0))


def number_of(text: str, mult: str | None) -> float | None:
    """A number as printed (Arabic or Chinese), times 万 or 亿 printed after it."""
    if text[0].isdigit():
        value = float(text.replace(",", ""))
    else:
        value = chinese_number(text)
        if value is None:
            return None
    return value * _BIG[mult] if mult else value


@cache
def _compiled() -> tuple[tuple[catalog.StatementPattern, re.Pattern[str]], ...]:
    return tuple((p, re.compile(p.pattern.replace("{n}", NUMBER))) for p in catalog.statement_patterns())


def compact(text: str) -> str:
    """Full-width to half-width, no whitespace: what the phrases are matched against."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences, each with its closing mark."""
    return [s.strip() for s in _SENTENCE.findall(paragraph) if s.strip()]


def paragraph_statements(section: int, paragraph: Paragraph) -> list[Statement]:
    """Every statement of one paragraph, at most one per phrase code and sentence."""
    out: list[Statement] = []
    for sentence in sentences(paragraph.text):
        text = compact(sentence)
        seen: set[str] = set()
        for p, rx in _compiled():
            if section not in p.sections or p.code in seen:
                continue
            m = rx.search(text)
            if not m:
                continue
            if "{n}" in p.pattern:
                value = number_of(m["n"], m["mult"])
                if value is None:
                    continue
                start = m.start("approx") if m["approx"] else m.start("n")
                printed = text[start:max(m.end(g) for g in ("n", "mult", "more") if m[g])]
                approximate = bool(m["approx"] or m["more"]) or m["n"] in ("百", "千", "万")
            else:
                value, printed, approximate = 0.0, "", False
            seen.add(p.code)
            out.append(Statement(section, p.code, value, p.unit, approximate, printed, sentence, p.table_code, p.items,
                                 p.column_code, p.comparison, paragraph.page, paragraph.bbox, paragraph.line))
    return out


def report_statements(sections: list[Section]) -> list[Statement]:
    """The statements of every section the catalog reads statements from (总体情况 and 六)."""
    wanted = {s for p in catalog.statement_patterns() for s in p.sections}
    return [st for s in sections if s.number in wanted for para in s.paragraphs
            for st in paragraph_statements(s.number, para)]
