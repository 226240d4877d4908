"""The agency, reporting year and publication date, read from a report's own words."""

import re

from transforms import catalog
from transforms.labels import normalize

_UNIT = catalog.pattern("admin_unit").pattern
_UNITS = re.compile(rf".+?(?:{_UNIT})")
_ENDS_WITH_UNIT = re.compile(rf"(?:{_UNIT})$")
_DEPARTMENT = re.compile(
    r"(?:办公室|办公厅|委员会|管理委员会|局|厅|委|署|院|中心|办事处|管委会|行政公署|公司|部|所|队|站)$"
)
_VERBS = re.compile(r"^(?:上报|报送|印发|公布|发布|关于)+")
_YEAR = re.compile(r"(20\d{2})年")
_DATE = re.compile(r"(20\d{2})年(\d{1,2})月(\d{1,2})日")


def find_title(lines: list[str]) -> tuple[int, str] | None:
    """Index and normalised text of the title: among the first short lines naming the report,
    the first that carries a year (site navigation such as "政府信息公开年报" carries none)."""
    candidates = []
    seen = 0
    for i, line in enumerate(lines):
        norm = normalize(line)
        if not norm:
            continue
        seen += 1
        if seen > 40:
            break
        if "政府信息公开" in norm and len(norm) <= 60 and any(w in norm for w in ("报告", "年度", "年报")):
            if norm.endswith(("报", "年度")) and i + 1 < len(lines):
                norm += normalize(lines[i + 1])  # a title broken before its last word
            candidates.append((i, norm))
    with_year = [c for c in candidates if _YEAR.search(c[1])]
    return (with_year or candidates or [None])[0]


def government_of(place: str) -> str:
    """The government of a place name: 联财镇 → 联财镇人民政府, 某某街道 → 某某街道办事处."""
    if place.endswith("街道"):
        return place + "办事处"
    if place.endswith(("地区", "盟")):
        return place + "行政公署"
    return place + "人民政府"


def canonical_agency(name: str) -> str | None:
    """The agency a title or signature names, as the body at the lowest level it names.

    "隆德县联财镇" → 联财镇人民政府; "哈图布呼镇镇" (from 哈图布呼镇镇政府…) → 哈图布呼镇人民政府;
    "刚察县教育局" stays as printed.
    """
    name = _VERBS.sub("", re.sub(r"^[^\u4e00-\u9fff]+", "", name))
    if not name:
        return None
    if name.endswith("人民政府"):
        place = name.removesuffix("人民政府")
    elif name.endswith("政府") and _ENDS_WITH_UNIT.search(name.removesuffix("政府")):
        place = name.removesuffix("政府")
    elif _DEPARTMENT.search(name):
        return name
    elif _ENDS_WITH_UNIT.search(name):
        place = name
    else:
        return None
    if len(place) >= 2 and place[-1] == place[-2]:
        place = place[:-1]  # 哈图布呼镇 + 镇政府 printed as 哈图布呼镇镇
    units = _UNITS.findall(place)
    if not units:
        return None
    rest = place[sum(len(u) for u in units):]
    last = units[-1] + rest
    for earlier in reversed(units[:-1]):
        if len(last) >= 3:
            break
        last = earlier + last
    return government_of(last)


def agency_from(lines: list[str]) -> str | None:
    found = find_title(lines)
    if found is None:
        return None
    index, title = found
    issuer, _, rest = title.rpartition("关于")
    subject = re.split(r"20\d{2}年|政府信息公开", rest, maxsplit=1)[0]
    for candidate in (subject, issuer):
        agency = canonical_agency(candidate)
        if agency:
            return agency
    for line in reversed(lines[max(0, index - 5) : index]):  # the issuer printed above the title
        agency = canonical_agency(normalize(line))
        if agency:
            return agency
    return None


def year_from(lines: list[str]) -> int | None:
    """The reporting year: the year in the title, else the first 20XX年度 of the text."""
    found = find_title(lines)
    if found:
        m = _YEAR.search(found[1])
        if m:
            return int(m.group(1))
    m = re.search(r"(20\d{2})年度", normalize("".join(lines[:200])))
    return int(m.group(1)) if m else None


def published_from(lines: list[str]) -> str | None:
    """The date printed on a line of its own under the signature, as YYYY-MM-DD."""
    for line in lines:
        m = _DATE.fullmatch(normalize(line).removesuffix("印发"))
        if m:
            y, mo, d = m.groups()
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    return None
