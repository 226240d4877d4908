import pytest

from transforms.values import Value, parse_value, to_unit


@pytest.mark.parametrize(
    ("raw", "number", "money"),
    [
        ("0", 0, None),
        ("3574", 3574, None),
        ("１２", 12, None),  # full-width digits
        ("1,234", 1234, None),
        ("12.5", 12.5, None),
        ("增加 806", 806, None),
        ("减少 3", -3, None),
        ("-2", -2, None),
        ("+5", 5, None),
        ("10822 万元", 10822, "万元"),
        ("25987（元）", 25987, "元"),
        ("251000元", 251000, "元"),
        ("零", 0, None),
    ],
)
def test_numbers(raw, number, money):
    assert parse_value(raw) == Value(number, money)


@pytest.mark.parametrize("raw", ["", "/", "—", "——", "－", "无", "&nbsp;", " "])
def test_blanks_are_values_without_a_number(raw):
    assert parse_value(raw) == Value(None)


@pytest.mark.parametrize("raw", ["规章", "2.", "1、", "(一)", "2019年", "本年新收"])
def test_labels_and_row_numbers_are_not_values(raw):
    assert parse_value(raw) is None


def test_money_is_stored_in_yuan():
    assert to_unit(parse_value("10822 万元"), "yuan") == 108_220_000
    assert to_unit(parse_value("25987（元）"), "yuan") == 25987
    assert to_unit(parse_value("3"), "yuan", bare_scale=10000) == 30000  # header says 万元
    assert to_unit(parse_value("3"), "count", bare_scale=10000) == 3
    assert to_unit(parse_value("/"), "yuan") is None
    assert to_unit(parse_value("66.29"), "yuan", bare_scale=10000) == 662900  # no float residue
