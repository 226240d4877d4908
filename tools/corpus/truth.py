"""Random ground-truth reports: values that satisfy the identities, and some that deliberately do not."""

import random
from dataclasses import dataclass, field

from transforms import catalog
from transforms.identities import identity_sides
from transforms.model import Status
from warehouse.schema import FACTS

PLACES = [
    ("青海省", "海北藏族自治州", "刚察县", "哈尔盖镇"),
    ("黑龙江省", "牡丹江市", "海林市", "柴河镇"),
    ("宁夏回族自治区", "固原市", "隆德县", "联财镇"),
    ("新疆维吾尔自治区", "塔城地区", "乌苏市", "哈图布呼镇"),
    ("四川省", "成都市", "双流区", "黄甲街道"),
    ("浙江省", "湖州市", "安吉县", "天荒坪镇"),
    ("湖南省", "岳阳市", "平江县", "三阳乡"),
    ("河北省", "保定市", "清苑区", "东闾乡"),
    ("广东省", "韶关市", "乳源瑶族自治县", "大桥镇"),
    ("江西省", "赣州市", "于都县", "银坑镇"),
]
DEPARTMENTS = ["教育局", "自然资源局", "市场监督管理局", "卫生健康委员会", "财政局", "住房和城乡建设局"]


@dataclass
class Truth:
    file: str
    agency: str
    region: str
    year: int
    template: str
    layout: str  # the template whose layout is printed (a 2021 report may print the 2019 layout)
    issuer_line: str  # how the agency names itself in the title
    published: str
    values: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    printed: dict[tuple[str, str, str], str] = field(default_factory=dict)  # cell text as printed
    unknown: list[tuple[str, str, str]] = field(default_factory=list)
    expected_status: str = Status.PARSED
    quirks: dict[str, object] = field(default_factory=dict)  # what real reports do (see make_truth's ``real``)
    sections: list[dict] = field(default_factory=list)  # headings printed: section, heading, form (layout.build)
    statements: list[dict] = field(default_factory=list)  # numbers stated in words: section, statement, value
    mismatches: list[str] = field(default_factory=list)  # statements made to disagree with their table cell

    def identity_failures(self) -> list[list[str]]:
        rows = [
            {"report_id": "t", "table_code": t, "item_code": i, "column_code": c, "value": v}
            for (t, i, c), v in self.values.items()
        ]
        sides = identity_sides(FACTS.frame(rows), {"t": self.template})
        return [
            [r["expectation"], r["scope"]]
            for r in sides.iter_rows(named=True)
            if r["assessable"] and r["observed"] != r["expected"]
        ]

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "agency": self.agency,
            "region": self.region,
            "year": self.year,
            "template": self.template,
            "published": self.published,
            "cells": [
                {"table": t, "item": i, "column": c, "value": v}
                for (t, i, c), v in sorted(self.values.items())
                if (t, i, c) not in self.unknown
            ],
            "unknown": [list(k) for k in self.unknown],
            "identity_failures": self.identity_failures(),
            "expected_status": self.expected_status,
            "sections": self.sections,
            "statements": self.statements,
            "narrative_mismatches": self.mismatches,
        }


def _small(rng: random.Random, high: int = 12) -> int:
    return 0 if rng.random() < 0.45 else rng.randint(1, high)


def make_truth(rng: random.Random, file: str, *, broken: bool, real: bool = False,
               place: tuple[str, str, str, str] | None = None, year: int | None = None, kind: float | None = None,
               department: str | None = None) -> Truth:
    """A random report. ``real`` adds what published reports do (drawn only then, so the corpus
    made without it stays as it was): a name printed with its city, a 2021 report printing
    （六）其他处理 as one row, a money unit printed in the column header, a misspelt row label, a
    label wrapped with its values on a line of their own, titles in other orders. ``place``,
    ``year``, ``kind`` (below 0.5 a township, below 0.8 a county government, else a department)
    and ``department`` fix what is otherwise drawn (the demo corpus follows bodies over the years)."""
    province, prefecture, county, town = place or rng.choice(PLACES)
    year = year or rng.choice([2019, 2020, 2021, 2022, 2023, 2024])
    template = "2019" if year < 2021 else "2021"
    layout = "2019" if template == "2021" and rng.random() < 0.15 else template
    kind = rng.random() if kind is None else kind
    if kind < 0.5:
        agency, issuer = f"{town}{'办事处' if town.endswith('街道') else '人民政府'}", town
        region = f"{province} {prefecture} {county}"
    elif kind < 0.8:
        agency, issuer = f"{county}人民政府", county
        region = f"{province} {prefecture} {county}"
    else:
        dept = department or rng.choice(DEPARTMENTS)
        agency, issuer = f"{county}{dept}", f"{county}{dept}"
        region = f"{province} {prefecture} {county}"
    published = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    t = Truth(file, agency, region, year, layout, layout, issuer, published)
    if real:
        _real_quirks(rng, t, prefecture, county, kind)
    _proactive(rng, t)
    _applications(rng, t)
    if t.quirks.get("one_row_other"):
        _one_row_other(t)
    _review(rng, t)
    if broken:
        key = rng.choice(
            [
                ("applications", "total_processed", "total"),
                ("applications", "new_received", "natural_person"),
                ("applications", "granted", "total"),
                ("review_litigation", "administrative_review", "total"),
            ]
        )
        t.values[key] = (t.values[key] or 0) + rng.randint(1, 5)
    _blanks(rng, t)
    return t


def _real_quirks(rng: random.Random, t: Truth, prefecture: str, county: str, kind: float) -> None:
    q = t.quirks
    if 0.5 <= kind < 0.8 and rng.random() < 0.6:  # a county government printed with its city
        t.agency = t.issuer_line = f"{prefecture}{county}人民政府"
    q["one_row_other"] = t.layout == "2021" and rng.random() < 0.5
    q["unit_header"] = rng.choice(["万元", "元", None])  # 采购总金额（万元）: values printed in that unit
    q["typo"] = rng.random() < 0.7
    q["wrap"] = rng.random() < 0.7
    q["title"] = rng.choice(["year_first", "document_number", "signature_only", "usual"])


def _one_row_other(t: Truth) -> None:
    """（六）其他处理 printed as one row in a 2021 report: stored as printed (other_handling); the three
    2021 rows are not printed, so they are unknown, never zero."""
    parts = catalog.MIXED_ROWS["2021"]["other_handling"]
    for col in catalog.APPLICANT_COLUMNS:
        keys = [("applications", part, col) for part in parts]
        t.values[("applications", "other_handling", col)] = sum(t.values.pop(k) or 0.0 for k in keys)
        t.unknown += keys


def _proactive(rng: random.Random, t: Truth) -> None:
    for cell in catalog.cells(t.template):
        if cell.table_code != "proactive":
            continue
        col = cell.column_code
        if col == "change":
            v = rng.randint(-30, 60)
        elif col in ("procurement_amount", "fee_amount"):
            v = rng.choice([0, rng.randint(1, 5000) * 10000, rng.randint(10, 9000) * 100])
        elif col in ("decisions", "prior_year_count"):
            v = rng.choice([0, rng.randint(1, 4000)])
        else:
            v = _small(rng, 40)
        t.values[(cell.table_code, cell.item_code, col)] = float(v)


def _applications(rng: random.Random, t: Truth) -> None:
    apps = "applications"
    outcome_rows = [i for i in catalog.item_codes(t.template, apps, "outcome") if i != "total_processed"]
    totals: dict[str, float] = {}
    for col in catalog.APPLICANT_COLUMNS[:-1]:
        busy = col in ("natural_person", "commercial_enterprise") or rng.random() < 0.3
        new = rng.randint(0, 60) if busy else 0
        carried = _small(rng, 5) if busy else 0
        forward = rng.randint(0, min(new + carried, 4))
        processed = new + carried - forward
        split = dict.fromkeys(outcome_rows, 0)
        for _ in range(processed):
            row = rng.choice(outcome_rows[:3] * 4 + outcome_rows)  # most are granted
            split[row] += 1
        cells = {"new_received": new, "carried_over": carried, "carried_forward": forward,
                 "total_processed": processed, **split}
        for item, v in cells.items():
            t.values[(apps, item, col)] = float(v)
            totals[item] = totals.get(item, 0.0) + v
    for item, v in totals.items():
        t.values[(apps, item, "total")] = v


def _review(rng: random.Random, t: Truth) -> None:
    for group in catalog.REVIEW_GROUPS:
        parts = [float(_small(rng, 3)) for _ in catalog.RESULT_COLUMNS[:-1]]
        for col, v in zip(catalog.RESULT_COLUMNS, parts + [sum(parts)], strict=True):
            t.values[("review_litigation", group, col)] = v


def _blanks(rng: random.Random, t: Truth) -> None:
    """A few zero cells printed blank: NULL in the truth (a blank counts as 0 in identities)."""
    zeros = [k for k, v in t.values.items() if v == 0 and k[2] != "total"]
    for key in rng.sample(zeros, k=min(len(zeros), rng.choice([0, 0, 2, 5]))):
        t.values[key] = None
