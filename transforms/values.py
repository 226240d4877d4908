"""Parsing a printed table cell into a number, a blank, or not a value at all."""

import re
import unicodedata
from dataclasses import dataclass

from transforms import catalog

BLANKS = frozenset({"", "/", "／", "-", "--", "—", "——", "－", "－－", "―", "无", "空", "&nbsp;"})
_MONEY = sorted(catalog.printed_units("yuan"), key=len, reverse=True)  # 万元 before 元
_UNITS = [*_MONEY, *(f"({w})" for w in _MONEY), *catalog.printed_units("count")]  # as NFKC leaves them
_NUMBER = re.compile(
    r"^(?P<word>增加|增|减少|减)?(?P<sign>[+\-−])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?P<unit>{'|'.join(map(re.escape, _UNITS))})?$"
)


@dataclass(frozen=True)
class Value:
    """A parsed cell: ``number`` is None for a blank; ``money_unit`` is the money unit printed in the cell."""

    number: float | None
    money_unit: str | None = None  # '万元' or '元' when the cell prints one


def parse_value(raw: str) -> Value | None:
    """Parse a cell as printed; None when the text is not a value (a label, a list marker).

    Examples: "3" → 3; "增加 806" → 806; "减少 3" → -3; "10822 万元" → 10822 with 万元;
    "/" → blank; "2." → None (a row number).
    """
    text = unicodedata.normalize("NFKC", raw).replace("&nbsp;", " ")
    text = re.sub(r"\s+", "", text)
    if text in BLANKS:
        return Value(None)
    if text == "零":
        return Value(0.0)
    m = _NUMBER.match(text)
    if not m:
        return None
    number = float(m["num"].replace(",", ""))
    if m["word"] in ("减少", "减") or m["sign"] in ("-", "−"):
        number = -number
    unit = m["unit"] or ""
    return Value(number, next((w for w in _MONEY if w in unit), None))


def to_unit(value: Value, unit: str, bare_scale: float = 1.0) -> float | None:
    """The number in the warehouse unit: yuan for money (万元 × 10000), the count otherwise."""
    if value.number is None:
        return None
    if unit != "yuan":
        return value.number
    scale = catalog.unit_scales().get(value.money_unit or "", bare_scale)
    return round(value.number * scale, 2)  # to the fen: 66.29 万元 is 662900 yuan, not 662900.0000000001
