from transforms import catalog
from transforms.labels import column_units, detect_template, match_item, normalize, starts_with_marker


def test_normalize_folds_width_and_spaces():
    assert normalize("（七） 总计") == "(七)总计"
    assert normalize("结果维 持") == "结果维持"
    assert normalize("## 三、收到") == "三、收到"


def test_item_variants():
    n = normalize
    assert match_item(n("1. 本机关不掌握相关信息"), "2019", "applications") == "unavailable_not_held"
    assert match_item(n("1.本机关不掌握相关政府信息"), "2019", "applications") == "unavailable_not_held"
    assert match_item(n("(七) 总计"), "2019", "applications") == "total_processed"
    assert match_item(n("（三）不予公开 1.属于国家秘密"), "2019", "applications") == "denied_state_secret"
    assert match_item(n("行政规范性文件"), "2021", "proactive") == "normative_documents"
    assert match_item(n("（六）其他处理"), "2019", "applications") == "other_handling"
    assert match_item(n("（六）其他处理"), "2021", "applications") is None
    assert match_item(n("3.其他"), "2021", "applications") == "other_other"
    assert match_item(n("2.其他法律行政法规禁止公开"), "2021", "applications") == "denied_prohibited_by_law"
    assert match_item(n("信息内容"), "2019", "proactive") is None


def test_every_item_of_each_template_has_a_label():
    for template in catalog.TEMPLATES:
        labelled = {label.code for label in catalog.labels("item") if template in label.templates}
        assert labelled == {i.item_code for i in catalog.items()
                            if template in i.templates and i.table_code != "review_litigation"}


def test_markers():
    assert starts_with_marker("(一)予以公开") and starts_with_marker("2.重复申请") and starts_with_marker("四、结转")
    assert not starts_with_marker("(本列数据的勾稽关系为") and not starts_with_marker("本年度办")


def test_template_from_content_not_year():
    assert detect_template(normalize("本年制发件数 本年废止件数 现行有效件数")) == "2021"
    assert detect_template(normalize("本年新制作数量 本年新公开数量 对外公开总数量")) == "2019"
    assert detect_template("与模板无关的文字") is None


def test_units_printed_in_a_header():
    n = normalize
    procurement = n("信息内容 采购项目数量 采购总金额（万元）")
    assert column_units(procurement, "2019", "art20_9") == {"procurement_amount": "万元"}
    assert column_units(n("信息内容 本年收费金额（单位：万元）"), "2021", "art20_8") == {"fee_amount": "万元"}
    assert column_units(n("（单位：元）信息内容 采购项目数量 采购总金额"), "2019", "art20_9") == {
        "procurement_count": "元", "procurement_amount": "元"}  # counts ignore it: only money is scaled
    assert column_units(n("信息内容 采购项目数量 采购总金额"), "2019", "art20_9") == {}
