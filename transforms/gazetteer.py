"""Administrative level, region and stable id of an agency, from jionlp's gazetteer of Chinese divisions.

A name is looked up in the gazetteer; when several divisions share it, the places the report
itself names (its own text) choose among them. What stays ambiguous is left NULL, never guessed:
if all candidates share a province but not a county, only the province is filled.

An agency's id is the code of the lowest division the gazetteer codes (a county, else a
prefecture or province) and the body's name below it: 洪泽区人民政府 and 淮安市洪泽区人民政府 are
both ``320813:人民政府``; 隆德县联财镇人民政府 is ``640423:联财镇人民政府``. A body whose division is
not resolved gets ``name:`` and its printed name, for a steward to link.
"""

import contextlib
import io
import os
import pickle
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from transforms import catalog

GOVERNMENT = re.compile(r"(?:人民政府|政府|办事处|行政公署)$")


@dataclass(frozen=True)
class Region:
    level: str | None  # province, prefecture, county, township, street; "<level> department"
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    code: str | None = None  # the administrative division code of the lowest coded division
    coded: str | None = None  # that division's name


# name → [(level, province, prefecture, county, code of the lowest coded division, its names)]
Index = dict[str, list[tuple[str, str | None, str | None, str | None, str, tuple[str, ...]]]]


def _cache_file() -> Path:
    """The compact index, kept inside the environment for the installed jionlp version."""
    return Path(sys.prefix) / "share" / "gongkai" / f"gazetteer-2-jionlp-{version('jionlp')}.pickle"


@cache
def _index() -> Index:
    """name (full and alias) → [(level, province, prefecture, county, code, coded names)] for every division.

    Built from jionlp once and cached as a small file: readers then load a few MB instead of
    importing jionlp and its whole tree (about 170 MB in every reading process)."""
    path = _cache_file()
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    index = _build()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # atomic: concurrent readers see the old state or the whole file
    return index


def _build() -> Index:
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp

        tree = jionlp.china_location_loader(detail=True)
    index: dict[str, list] = {}

    def add(names, entry):
        for name in {n for n in names if n}:
            index.setdefault(name, []).append(entry)

    def names(node: dict, key: str) -> list[str]:
        alias = node.get("_alias") or []
        return [key, node.get("_full_name"), *(alias if isinstance(alias, list) else [alias])]

    def coded(node: dict, key: str) -> tuple[str, tuple[str, ...]]:
        return node.get("_admin_code"), tuple(n for n in names(node, key) if n)

    for p, pnode in tree.items():
        if p.startswith("_"):
            continue
        province = pnode.get("_full_name") or p
        add(names(pnode, p), ("province", province, None, None, *coded(pnode, p)))
        for c, cnode in pnode.items():
            if c.startswith("_"):
                continue
            prefecture = cnode.get("_full_name") or c
            add(names(cnode, c), ("prefecture", province, prefecture, None, *coded(cnode, c)))
            for k, knode in cnode.items():
                if k.startswith("_") or not isinstance(knode, dict):
                    continue
                county = knode.get("_full_name") or k
                add(names(knode, k), ("county", province, prefecture, county, *coded(knode, k)))
                for t in knode:
                    if not t.startswith("_"):
                        kind = "street" if t.endswith("街道") else "township"
                        add([t], (kind, province, prefecture, county, *coded(knode, k)))
    return index


def place_of(agency: str) -> tuple[str, bool]:
    """The place an agency governs, and whether the agency is a department of its government."""
    if GOVERNMENT.search(agency):
        return GOVERNMENT.sub("", agency), False
    ends = [m.end() for m in catalog.pattern("admin_unit").finditer(agency)]
    if ends and ends[-1] < len(agency):  # a department: the longest known place it starts with, not 城乡's 乡
        ends = [end for end in ends if _candidates(agency[:end])] or ends
    return (agency[: ends[-1]] if ends else agency), True


def region_of(agency: str | None, text: str) -> Region:
    if not agency:
        return Region(None)
    place, department = place_of(agency)
    candidates = _candidates(place)
    if len(candidates) > 1:  # the report's own words choose among namesakes
        named = [c for c in candidates if any(part and _mentioned(part, text) for part in c[1:4] if part != place)]
        candidates = named or candidates
    if not candidates:
        return Region(None)
    levels = {c[0] for c in candidates}
    level = levels.pop() if len(levels) == 1 else None
    shared = [parts.pop() if len(parts := {c[i] for c in candidates}) == 1 else None for i in (1, 2, 3)]
    codes = {c[4:6] for c in candidates}
    code, coded = codes.pop() if len(codes) == 1 else (None, ())
    if level and department:
        level = f"{level} department"
    return Region(level, *shared, code=code, coded=coded[0] if coded else None) if code else Region(level, *shared)


def agency_id(agency: str | None, region: Region) -> str | None:
    """The agency's stable id (see the module's docstring); None without an agency."""
    if not agency:
        return None
    if region.code is None:
        return f"name:{agency}"
    body = agency
    for names in ([region.province], [region.prefecture], _coded_names(region)):  # the places printed first
        body = next((body[len(n):] for n in sorted(filter(None, names), key=len, reverse=True)
                     if body.startswith(n) and len(body) > len(n)), body)
    return f"{region.code}:{body}"


def _coded_names(region: Region) -> list[str]:
    entries = _index().get(region.coded or "", [])
    return [n for e in entries if e[4] == region.code for n in e[5]]


def _candidates(place: str) -> list:
    """Divisions named ``place``; for a place printed after its parents (淮安市洪泽区), those of the
    lowest one whose parents are the ones printed."""
    found = _index().get(place, [])
    if found:
        return found
    for m in catalog.pattern("admin_unit").finditer(place):
        parents, tail = place[: m.end()], place[m.end():]
        found = [c for c in _index().get(tail, []) if any(p and p != tail and _mentioned(p, parents) for p in c[1:4])]
        if found:
            return found
    return []


def _mentioned(name: str, text: str) -> bool:
    short = re.sub(r"(?:维吾尔|回族|壮族|藏族|蒙古族|自治)+", "", name)
    return name in text or (len(short) >= 3 and short in text)
