"""The demo corpus: ``python -m tools.corpus.demo [OUT]`` (``make demo``; OUT defaults to data/demo).

Generated reports, not real ones: county governments, townships, two city governments and the
departments of 淮安市's counties, in four provinces (江苏省 in detail), each body followed over
2021–2024: a year's carried-over requests are the year before's carried-forward, documents in force
follow from issued and repealed, a body skips a year now and then and one report in eight breaks an
in-report identity. Text and HTML formats (quick to read). The same seed writes the same bytes,
and a file whose bytes are unchanged is not rewritten, so a second ``make demo`` reads nothing again.
"""

import argparse
import random
from pathlib import Path

from tools.corpus.generate import FORMATS
from tools.corpus.layout import build
from tools.corpus.truth import DEPARTMENTS, Truth, make_truth
from transforms import catalog

SEED = 20261202
YEARS = range(2021, 2025)
DEMO_FORMATS = ("text_tab", "html_utf8", "text_blocks", "html_gbk")
# province → prefecture → counties; the first county of each prefecture also reports a township
COUNTIES = {
    "江苏省": {
        "淮安市": ["清江浦区", "淮安区", "淮阴区", "洪泽区", "涟水县", "盱眙县", "金湖县"],
        "南京市": ["玄武区", "江宁区", "六合区", "溧水区"],
        "徐州市": ["丰县", "沛县", "睢宁县", "新沂市"],
        "苏州市": ["昆山市", "常熟市", "吴江区"],
    },
    "浙江省": {"湖州市": ["安吉县", "德清县", "长兴县"], "杭州市": ["桐庐县", "淳安县"]},
    "四川省": {"成都市": ["双流区", "郫都区", "金堂县"]},
    "广东省": {"韶关市": ["乳源瑶族自治县", "翁源县", "始兴县"]},
}
TOWNSHIPS = {"清江浦区": "浦楼街道", "玄武区": "梅园新村街道", "丰县": "华山镇", "昆山市": "周市镇",
             "安吉县": "天荒坪镇", "桐庐县": "分水镇", "双流区": "黄甲街道", "乳源瑶族自治县": "大桥镇"}
CITY_GOVERNMENTS = ("淮安市", "南京市")


def bodies() -> list[dict]:
    """Every body of the corpus: its place (province, prefecture, county, town), kind and department."""
    out = []
    for province, prefectures in COUNTIES.items():
        for prefecture, counties in prefectures.items():
            if prefecture in CITY_GOVERNMENTS:  # a city government: the city stands as its own county
                out.append({"place": (province, prefecture, prefecture, ""), "kind": 0.6, "department": None})
            for n, county in enumerate(counties):
                town = TOWNSHIPS.get(county, "")
                out.append({"place": (province, prefecture, county, town), "kind": 0.6, "department": None})
                if prefecture == "淮安市":
                    out.append({"place": (province, prefecture, county, town), "kind": 0.9,
                                "department": DEPARTMENTS[n % len(DEPARTMENTS)]})
                if town:
                    out.append({"place": (province, prefecture, county, town), "kind": 0.1, "department": None})
    return out


def generate(out: Path, seed: int = SEED) -> list[Path]:
    """Write the corpus into ``out``; returns its files."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    n = 0
    for body in bodies():
        before = None
        for year in YEARS:
            if rng.random() < 0.1:
                before = None
                continue  # this body published no report that year
            fmt = DEMO_FORMATS[n % len(DEMO_FORMATS)]
            ext, blanks, render = FORMATS[fmt]
            name = f"{n:03d}_{fmt}{ext}"
            truth = make_truth(rng, name, broken=rng.random() < 0.125, year=year, **body)
            if before is not None:
                follow(before, truth)
            before = truth
            data = render(build(truth, rng, blank=rng.choice(blanks)), rng)
            path = out / name
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            written.append(path)
            n += 1
    return written


def follow(before: Truth, t: Truth) -> None:
    """Make ``t`` continue the report of the year before: carried over = carried forward then
    (received moves to keep the balance), in force = in force then + issued − repealed."""
    v = t.values
    apps = "applications"
    for col in catalog.APPLICANT_COLUMNS[:-1]:
        over = before.values.get((apps, "carried_forward", col)) or 0.0
        forward = v.get((apps, "carried_forward", col)) or 0.0
        new = (v.get((apps, "total_processed", col)) or 0.0) + forward - over
        if new < 0:
            forward, new = forward - new, 0.0
        v[(apps, "carried_over", col)], v[(apps, "carried_forward", col)], v[(apps, "new_received", col)] = \
            over, forward, new
    for item in ("carried_over", "carried_forward", "new_received"):
        v[(apps, item, "total")] = sum(v[(apps, item, c)] for c in catalog.APPLICANT_COLUMNS[:-1])
    for item in ("regulations", "normative_documents"):
        then = before.values.get(("proactive", item, "in_force"))
        if then is None or ("proactive", item, "in_force") not in v:
            continue
        issued = v.get(("proactive", item, "issued")) or 0.0
        repealed = min(v.get(("proactive", item, "repealed")) or 0.0, then + issued)
        v[("proactive", item, "repealed")] = repealed if v.get(("proactive", item, "repealed")) is not None else None
        v[("proactive", item, "in_force")] = then + issued - repealed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("data/demo"))
    args = parser.parse_args()
    files = generate(args.out)
    print(f"demo corpus: {len(files)} generated reports in {args.out}")


if __name__ == "__main__":
    main()
