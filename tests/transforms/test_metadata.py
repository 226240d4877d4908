"""Agency and year from every title order, the lines around the title, a page's fields and the
signature; never a word the report does not print."""

import pytest

from transforms.metadata import agency_from, year_from
from transforms.readers.html_tables import html_document

BODY = ["一、总体情况", "本年度工作情况如下。", "二、主动公开政府信息情况"]


@pytest.mark.parametrize("lines,agency,year", [
    (["刚察县人民政府2019年政府信息公开工作年度报告", *BODY], "刚察县人民政府", 2019),
    (["2019年刚察县人民政府政府信息公开工作年度报告", *BODY], "刚察县人民政府", 2019),
    (["刚察县教育局2020年度政府信息公开工作年度报告", *BODY], "刚察县教育局", 2020),
    (["2021年度刚察县教育局政府信息公开工作年度报告", *BODY], "刚察县教育局", 2021),
    (["刚政办〔2020〕6号", "刚察县人民政府关于2019年度政府信息公开工作的报告", *BODY], "刚察县人民政府", 2019),
    (["淮安市洪泽区人民政府", "2024 年政府信息公开工作年度报告", *BODY], "淮安市洪泽区人民政府", 2024),
    (["淮安市洪泽区人民政府2024年政府信息公开工作年度报告", *BODY], "淮安市洪泽区人民政府", 2024),
    # a place with no 人民政府 printed anywhere stays as printed
    (["平潭综合实验区2019年政府信息公开工作年度报告", *BODY], "平潭综合实验区", 2019),
    # ... and names its government where the report prints that name
    (["隆德县联财镇2019年政府信息公开工作年度报告", *BODY, "联财镇人民政府", "2020年1月20日"], "联财镇人民政府", 2019),
    # the agency only in the signature
    (["2019年政府信息公开工作年度报告", *BODY, "五、存在的主要问题及改进情况", "无。", "三阳乡人民政府",
      "2020年1月20日"],
     "三阳乡人民政府", 2019),
    (["2022年政府信息公开工作年度报告", "发布机构：安吉县财政局　发布日期：2023-01-20", *BODY], "安吉县财政局", 2022),
])
def test_title_orders(lines, agency, year):
    assert (agency_from(lines), year_from(lines)) == (agency, year)


def test_html_title_names_the_body():
    page = ("<html><head><title>乳源瑶族自治县人民政府2023年政府信息公开工作年度报告</title></head>"
            "<body><h1>2023年政府信息公开工作年度报告</h1><p>一、总体情况</p></body></html>").encode()
    lines = html_document(page).lines
    assert (agency_from(lines), year_from(lines)) == ("乳源瑶族自治县人民政府", 2023)


@pytest.mark.parametrize("agency,want", [
    ("洪泽区人民政府", "320813:人民政府"),
    ("淮安市洪泽区人民政府", "320813:人民政府"),  # the same body, named with its city
    ("江苏省淮安市洪泽区人民政府", "320813:人民政府"),
    ("淮安市人民政府", "320800:人民政府"),  # the city itself is another body
    ("联财镇人民政府", "640423:联财镇人民政府"),  # a township: its county's code and its own name
    ("隆德县联财镇人民政府", "640423:联财镇人民政府"),
    ("刚察县教育局", "632224:教育局"),
    ("平潭综合实验区", "name:平潭综合实验区"),  # not in the gazetteer: by its name, for a steward to link
    (None, None),
])
def test_agency_id(agency, want):
    from transforms.gazetteer import agency_id, region_of

    assert agency_id(agency, region_of(agency, "")) == want
