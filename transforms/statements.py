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
from collections import Counter
from dataclasses import dataclass
from functools import cache

import polars as pl

from transforms import catalog
from transforms.identities import IDENTITY_SCHEMA
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


def compared_statements(statements: pl.DataFrame) -> list[tuple[str, dict]]:
    """(scope, statement) of every statement judged by ``narrative_matches_table``, in order: the
    scope is statement@section, with .2, .3 for the second and third of a kind in a section.
    Left out: the statements with no cell or comparison, and a fee stated other than none."""
    out, seen = [], Counter()
    for s in statements.iter_rows(named=True):
        if s["comparison"] == "none" or not s["table_code"] or (s["comparison"] == "no_fee" and s["value"] != 0):
            continue
        base = f"{s['statement']}@{s['section']}"
        seen[(s["report_id"], base)] += 1
        n = seen[(s["report_id"], base)]
        out.append((base if n == 1 else f"{base}.{n}", s))
    return out


def narrative_sides(statements: pl.DataFrame, facts: pl.DataFrame) -> pl.DataFrame:
    """``narrative_matches_table`` in the shape of identity sides: per comparable statement, the
    number stated (``observed``) against its table cell (``expected``, items summed). A statement
    of no fee (``no_fee``) is judged as charged or not: 0 stated against 1 when the fee row is
    non-zero. Not assessable (both sides NULL, as for an identity): a number stated about, or a
    cell the report does not print.
    ``statements`` as ``warehouse.store.statements_of`` gives them, ``facts`` with report_id, the
    cell and value."""
    values = {(r["report_id"], r["table_code"], r["item_code"], r["column_code"]): r["value"]
              for r in facts.iter_rows(named=True)}
    rows = []
    for scope, s in compared_statements(statements):
        rid = s["report_id"]
        keys = [(s["table_code"], item, s["column_code"]) for item in s["item_codes"]]
        missing = [k for k in keys if (rid, *k) not in values]
        blank = [k for k in keys if (rid, *k) in values and values[(rid, *k)] is None]
        cell = sum(values.get((rid, *k)) or 0.0 for k in keys)
        assessable = not s["approximate"] and not missing
        observed, expected = (s["value"], cell) if s["comparison"] == "equal" else (0.0, float(cell > 0))
        rows.append({
            "report_id": rid, "expectation": "narrative_matches_table", "scope": scope,
            "observed": observed if assessable else None, "expected": expected if assessable else None,
            "assessable": assessable,
            "blank_cells": ["/".join(k[1:]) for k in blank], "missing_cells": ["/".join(k[1:]) for k in missing],
            "cells": [dict(zip(("report_id", "table_code", "item_code", "column_code"), (rid, *k), strict=True))
                      for k in keys],
        })
    return pl.DataFrame(rows, schema=IDENTITY_SCHEMA) if rows else pl.DataFrame(schema=IDENTITY_SCHEMA)
