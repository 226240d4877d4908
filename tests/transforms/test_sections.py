"""A report's words: sections with their headings and provenance, and the numbers they state."""

from pathlib import Path

import polars as pl
import pytest

from transforms.reports import read_report
from transforms.sections import Line, Paragraph, heading_of, split_sections
from transforms.statements import chinese_number, narrative_sides, paragraph_statements

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("printed, expected", [
    ("一、总体情况", (1, "chinese")),
    ("一、概述", (1, "chinese")),
    ("### 一、2019 年联财镇政府信息公开总体情况", (1, "chinese")),
    ("（一）总体情况", (1, "parenthesised")),
    ("2、 主动公开政府信息情况", (2, "arabic")),
    ("政府信息公开行政复议、行政诉讼情况", (4, "unnumbered")),
    ("五、存在的问题及下一步打算", (5, "chinese")),
    ("其他需要报告的事项", (6, "unnumbered")),
    ("（一）主动公开情况", None),  # a subsection of 总体情况, not section 二
    ("（二）依申请公开情况。全年收到申请情况详见下表。", None),
    ("主动公开情况", None),
    # a character misprinted or misread by OCR, under the section's own number: one in six may be wrong
    ("三、收至和处理政府信息公开申请情况", (3, "chinese")),
    ("五、存在的--要问题及改进情况", (5, "chinese")),
    ("六、其他需要报告的事顶", (6, "chinese")),
    ("一、总休情况", None),  # four characters: none may be wrong
    ("四、存在的--要问题及改进情况", None),  # under another section's number
    ("（五）存在的--要问题及改进情况", None),  # a subsection's form
    ("五、加强政务公开队伍建设情况", None),
])
def test_heading_forms(printed, expected):
    assert heading_of(printed) == expected


def test_sections_in_order_with_missing_ones_recorded_and_table_rows_left_out():
    lines = [Line(t, line=n) for n, t in enumerate([
        "某县2024年政府信息公开工作年度报告", "一、总体情况", "全年收到申请3件。", "二、主动公开政府信息情况",
        "规章\t0\t0\t0", "第二十条第（一）项", "四、政府信息公开行政复议、行政诉讼情况", "行政复议",
        "附表说明如下。", "六、其他需要报告的事项", "未收取信息处理费。", "二、主动公开政府信息情况", "规章\t1"],
        start=1)]
    sections = split_sections(lines)
    assert [(s.number, s.state, s.heading, s.line) for s in sections] == [
        (0, "text", None, None), (1, "text", "一、总体情况", 2), (2, "empty", "二、主动公开政府信息情况", 4),
        (3, "missing", None, None), (4, "text", "四、政府信息公开行政复议、行政诉讼情况", 7),
        (5, "missing", None, None), (6, "text", "六、其他需要报告的事项", 10)]
    assert sections[4].text == "附表说明如下。"
    assert [(p.text, p.line) for p in sections[6].paragraphs] == [("未收取信息处理费。", 11)]  # appendix table left out


def test_printed_lines_are_joined_into_paragraphs_where_a_line_is_full():
    box = lambda right: (70.0, 0.0, right, 12.0)  # noqa: E731
    lines = [Line("一、总体情况", page=1, bbox=box(160)), Line("全年共收到政府信息公开申请", page=1, bbox=box(520)),
             Line("127 件。", page=1, bbox=box(120)), Line("办结 125 件。", page=2, bbox=box(150))]
    (section,) = [s for s in split_sections(lines, wrapped=True) if s.number == 1]
    assert [(p.text, p.page, p.bbox) for p in section.paragraphs] == [
        ("全年共收到政府信息公开申请127 件。", 1, box(520)), ("办结 125 件。", 2, box(150))]


@pytest.mark.parametrize("text, value", [("一百二十七", 127), ("两千零五", 2005), ("三万二千", 32000), ("十二", 12),
                                         ("二〇二四", 2024), ("百", 100), ("一亿二千万", 120_000_000)])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("sentence, found", [
    ("全年共收到政府信息公开申请一百二十七件，办结125件。", [("applications_received", 127, False),
                                                            ("applications_processed", 125, False)]),
    ("受理政府信息公开申请 17 件，均已答复。", [("applications_received", 17, False)]),
    ("全年收取政府信息公开信息处理费 0 元。", [("fees_charged", 0, False)]),
    ("收取信息处理费1.5万元。", [("fees_charged", 15000, False)]),
    ("本年度未收取信息处理费。", [("fees_charged", 0, False)]),
    ("全年收到政府信息公开申请近百件。", [("applications_received", 100, True)]),
    ("收到政府信息公开申请100余件。", [("applications_received", 100, True)]),
    ("2021年度我镇没有因政府信息公开被申请行政复议、被提起行政诉讼。", [("reviews", 0, False), ("lawsuits", 0, False)]),
    ("全年主动公开政府信息1,175条。", [("proactive_published", 1175, False)]),
    ("办结率为97%。", []),
    ("申请数量较上年有所增加。", []),
])
def test_statements_by_the_catalogs_phrases(sentence, found):
    got = [(s.code, s.value, s.approximate) for s in paragraph_statements(1, Paragraph(sentence, line=3))]
    assert got == found


def test_the_real_report_states_17_applications_where_its_table_prints_95():
    report = read_report("hzq2024.pdf", (ROOT / "data/real/hzq2024.pdf").read_bytes())
    assert [(s.number, s.heading, s.page) for s in report.sections if s.heading] == [
        (1, "一、总体情况", 1), (2, "二、主动公开政府信息情况", 2), (3, "三、收到和处理政府信息公开申请情况", 3),
        (4, "四、政府信息公开行政复议、行政诉讼情况", 4), (5, "五、存在的主要问题及改进情况", 4),
        (6, "六、其他需要报告的事项", 5)]
    stated = {(s.code, s.value, s.page) for s in report.statements}
    assert stated == {("proactive_published", 2428, 1), ("applications_received", 17, 1), ("fees_charged", 0, 5)}
    statements = pl.DataFrame([{"report_id": "r", **{k: getattr(s, k) for k in (
        "section", "value", "approximate", "table_code", "column_code", "comparison")}, "statement": s.code,
        "item_codes": list(s.item_codes)} for s in report.statements])
    facts = pl.DataFrame([{"report_id": "r", "table_code": c.table_code, "item_code": c.item_code,
                           "column_code": c.column_code, "value": c.value} for c in report.cells])
    sides = narrative_sides(statements, facts)
    assert sides.select("scope", "observed", "expected", "assessable").rows() == [
        ("applications_received@1", 17.0, 95.0, True),
        ("fees_charged@6", None, None, False),  # the one-row （六）其他处理 of this report prints no fee row
    ]
