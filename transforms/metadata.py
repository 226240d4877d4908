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


def title_candidates(lines: list[str]) -> list[tuple[int, str]]:
    """Index and normalised text of the lines that may be the title: among the first short lines
    naming the report, those carrying a year first (site navigation such as "政府信息公开年报"
    carries none)."""
    candidates = []
    seen = 0
    for i, line in enumerate(lines):
        norm = normalize(line)
        if not norm:
            continue
        seen += 1
        if seen > 40:
            break
        if ("政府信息公开" in norm and len(norm) <= 60 and any(w in norm for w in ("报告", "年度", "年报"))
                and not any(w in norm for w in ("《", "关于做好"))):  # a report cited in the narrative
            if norm.endswith(("报", "年度")) and i + 1 < len(lines):
                norm += normalize(lines[i + 1])  # a title broken before its last word
            candidates.append((i, norm))
    return [c for c in candidates if _YEAR.search(c[1])] + [c for c in candidates if not _YEAR.search(c[1])]


def find_title(lines: list[str]) -> tuple[int, str] | None:
    """The title: the first of title_candidates."""
    return next(iter(title_candidates(lines)), None)


def government_of(place: str) -> str:
    """The government of a place name: 联财镇 → 联财镇人民政府, 某某街道 → 某某街道办事处."""
    if place.endswith("街道"):
        return place + "办事处"
    if place.endswith(("地区", "盟")):
        return place + "行政公署"
    return place + "人民政府"


def canonical_agency(name: str, text: str = "") -> str | None:
    """The agency a title or signature names, in the words the report prints.

    A body printed whole stays as printed ("淮安市洪泽区人民政府", "刚察县教育局"); a short 政府
    names the government of the lowest place ("哈图布呼镇镇政府" → 哈图布呼镇人民政府); a bare place
    names its government only when ``text`` (the report) prints that name ("隆德县联财镇" →
    联财镇人民政府), else stays the place as printed ("平潭综合实验区").
    """
    name = _VERBS.sub("", re.sub(r"^[^\u4e00-\u9fff]+", "", name))
    if not name:
        return None
    bare = False
    if name.endswith(("人民政府", "办事处", "行政公署")) and _UNITS.match(name):
        return name
    if name.endswith("政府") and _ENDS_WITH_UNIT.search(name.removesuffix("政府")):
        place = name.removesuffix("政府")
    elif _DEPARTMENT.search(name):
        return name
    elif _ENDS_WITH_UNIT.search(name):
        place, bare = name, True
    else:
        return None
    if len(place) >= 2 and place[-1] == place[-2]:
        place, bare = place[:-1], False  # 哈图布呼镇 + 镇政府 printed as 哈图布呼镇镇
    units = _UNITS.findall(place)
    if not units:
        return None
    rest = place[sum(len(u) for u in units):]
    last = units[-1] + rest
    for earlier in reversed(units[:-1]):
        if len(last) >= 3:
            break
        last = earlier + last
    government = government_of(last)
    if bare and government not in text:
        return name
    return government


def _title_subjects(title: str) -> list[str]:
    """Where a title names its body: before the year ("XX2019年…"), between the year and
    政府信息公开 ("2019年XX政府信息公开…"), and the issuer of "XX关于…"."""
    issuer, _, rest = title.rpartition("关于")
    m = re.match(r"(.*?)(?:20\d{2}年度?)(.*?)政府信息公开", rest)
    subjects = [m.group(1), m.group(2)] if m else [re.split(r"政府信息公开", rest, maxsplit=1)[0]]
    return [s for s in (*subjects, issuer) if s]


_TITLE_END = re.compile(r"(?:报告|年报)(?:[_\-—|].*)?$")
_FIELD = re.compile(r"(?:发布机构|发文机关|发布单位)[:：]?(.+?)(?:发布日期|成文日期|发文日期|索引号|文号|主题分类|$)")


def agency_from(lines: list[str]) -> str | None:
    """The body the report is by: named in its title (in any order), else printed just above the
    title, else in a page's 发布机构 field, else in the signature at the end."""
    text = normalize("".join(lines))
    candidates = title_candidates(lines)
    index = candidates[0][0] if candidates else 0
    above = [normalize(line) for line in reversed(lines[max(0, index - 5) : index])]  # the issuer above the title
    titles = [t for _, t in candidates[1:] if _TITLE_END.search(t)]  # a second title line, a page's <title>
    for subject in [*_title_subjects(candidates[0][1] if candidates else ""), *above,
                    *(s for t in titles for s in _title_subjects(t))]:
        agency = canonical_agency(subject, text)
        if agency:
            return agency
    for line in lines:
        m = _FIELD.search(normalize(line))
        if m and (agency := canonical_agency(m.group(1), text)):
            return agency
    return _signature(lines, text)


def _signature(lines: list[str], text: str) -> str | None:
    """The body signing the report: a short line naming one just above the date under the
    signature, else among the last lines of the document."""
    dates = [i for i, line in enumerate(lines) if _DATE.fullmatch(normalize(line).removesuffix("印发"))]
    above = lines[max(0, dates[0] - 3) : dates[0]] if dates else []
    for line in [*reversed(above), *reversed(lines[-12:])]:
        norm = normalize(line)
        if 2 < len(norm) <= 30 and not re.search(r"\d", norm) and (agency := canonical_agency(norm, text)):
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
