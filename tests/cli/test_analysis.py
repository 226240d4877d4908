"""The analysts' warehouse: agencies, views, documented queries, the data dictionary, sql and export."""

import re
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import DOCS, query, truths

from cli.main import main

TRUTHS = truths()


def cell(t: dict, item: str, column: str = "total", table: str = "applications"):
    return next((c["value"] for c in t["cells"] if (c["table"], c["item"], c["column"]) == (table, item, column)), None)


def levels() -> dict[str, str]:
    return {t["agency"]: ("county" if t["agency"].endswith("县人民政府") else "township") for t in TRUTHS.values()}


def expected(name: str) -> list[tuple]:
    ts = sorted(TRUTHS.values(), key=lambda t: (t["agency"], t["year"]))
    if name == "requests_per_agency_year":
        return [(t["agency"], t["year"], cell(t, "new_received"), cell(t, "total_processed")) for t in ts]
    if name == "refusal_reasons":
        sums = defaultdict(float)
        for t in ts:
            for c in t["cells"]:
                if ((c["table"], c["column"]) == ("applications", "total") and c["item"].startswith("denied_")
                        and c["value"]):
                    sums[c["item"]] += c["value"]
        return sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
    if name == "disclosure_rate":
        rows = [(t["agency"], t["year"],
                 round((cell(t, "granted") + cell(t, "partially_granted")) / cell(t, "total_processed"), 4))
                for t in ts if cell(t, "total_processed")]
        return sorted(rows, key=lambda r: (-r[2], r[0]))
    if name == "township_vs_county":
        agg = defaultdict(lambda: [0, 0.0, 0.0])
        for t in ts:
            a = agg[levels()[t["agency"]]]
            a[0] += 1
            a[1] += cell(t, "new_received")
            a[2] += cell(t, "total_processed")
        return [(k, *v) for k, v in sorted(agg.items())]
    if name == "lawsuits_against_government":
        return [(t["agency"], t["year"], g,
                 cell(t, g, "corrected", "review_litigation"), cell(t, g, "total", "review_litigation"))
                for t in ts for g in ("administrative_review", "litigation_after_review", "litigation_direct")
                if (cell(t, g, "corrected", "review_litigation") or 0) > 0]
    if name == "other_handling_series":
        years = defaultdict(float)
        for t in ts:
            years[t["year"]] += sum(cell(t, i) or 0 for i in ("other_handling", "other_overdue_correction",
                                                              "other_unpaid_fee", "other_other"))
        return sorted(years.items())
    if name == "identity_failures_per_agency":
        return [(t["agency"], len(t["identity_failures"])) for t in ts if t["identity_failures"]]
    if name == "normative_documents_per_year":
        years = defaultdict(float)
        for t in ts:
            years[t["year"]] += sum(cell(t, "normative_documents", c, "proactive") or 0
                                    for c in ("new_published", "issued"))
        return sorted(years.items())
    if name == "procurement_in_wan_yuan":
        return [(t["agency"], t["year"], cell(t, "centralized_procurement", "procurement_amount", "proactive") / 10000)
                for t in ts if (cell(t, "centralized_procurement", "procurement_amount", "proactive") or 0) > 0]
    if name == "blank_cells_per_agency":
        counts = {t["agency"]: sum(1 for c in t["cells"] if c["value"] is None) for t in ts}
        return sorted((a, n) for a, n in counts.items() if n)
    if name == "year_over_year":
        by = {(t["agency"], t["year"]): cell(t, "new_received") for t in ts}
        return [(a, y, r, r - by[(a, y - 1)] if (a, y - 1) in by else None) for (a, y), r in sorted(by.items())]
    if name == "incomplete_reports":
        return sorted(t["file"] for t in ts if t["expected_status"] == "partial")
    if name in ("fee_statements_by_region", "text_and_table_disagree"):  # the samples state no fee and agree
        assert not any(s["statement"] == "fees_charged" for t in ts for s in t["statements"])
        assert not any(t.get("narrative_mismatches") for t in ts)
        return []
    raise KeyError(name)


def documented_queries() -> dict[str, str]:
    text = (DOCS / "queries.sql").read_text(encoding="utf-8")
    blocks = re.split(r"^-- name: (\w+)\n", text, flags=re.M)[1:]
    return dict(zip(blocks[::2], blocks[1::2], strict=True))


def test_at_least_ten_documented_queries():
    assert len(documented_queries()) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(documented_queries()))
def test_documented_query_returns_what_the_truth_implies(sample_warehouse, name):
    rows = query(sample_warehouse, documented_queries()[name])
    if name == "incomplete_reports":
        rows = sorted(Path(path).name for path, _ in rows)
    assert rows == expected(name)


@pytest.mark.slow
def test_agencies_level_and_region(sample_warehouse):
    rows = query(sample_warehouse, "select agency, level, province, prefecture, county from agencies")
    got = {a: (lvl, p, pf, c) for a, lvl, p, pf, c in rows}
    want = {}
    for t in TRUTHS.values():
        province, prefecture, county = t["region"].split()
        want[t["agency"]] = (levels()[t["agency"]], province, prefecture, county)
    assert got == want


@pytest.mark.slow
def test_dimension_tables_carry_english_labels(sample_warehouse):
    label = query(sample_warehouse, "select label_en from items where item_code = 'denied_state_secret'")
    assert label == [("Refused: state secret",)]
    assert query(sample_warehouse, "select count(*) from columns where label_en is null") == [(0,)]


@pytest.mark.slow
def test_data_dictionary_matches_the_warehouse(sample_warehouse):
    documented: dict[str, set[str]] = {}
    current = None
    for line in (DOCS / "warehouse.md").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^## (\w+)", line):
            current = m.group(1)
            documented[current] = set()
        elif current and line.startswith("| ") and not line.startswith("| column | meaning"):
            documented[current] |= {n.strip() for n in line.split("|")[1].split(",")}
    actual: dict[str, set[str]] = defaultdict(set)
    for table, column in query(sample_warehouse, "select table_name, column_name from information_schema.columns "
                                                 "where table_schema = 'main'"):
        actual[table].add(column)
    assert documented == dict(actual)


@pytest.mark.slow
def test_sql_command(sample_warehouse, capsys):
    assert main(["sql", "select agency, year from v_agency_year order by agency", "--csv",
                 "--warehouse", str(sample_warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "agency,year" and len(lines) == 6
    assert main(["sql", "select count(*) as n from facts", "--warehouse", str(sample_warehouse)]) == 0
    out = capsys.readouterr().out
    assert "835" in out and "(1 rows)" in out
    assert main(["sql", "select nope", "--warehouse", str(sample_warehouse)]) == 2


@pytest.mark.slow
def test_parquet_export_reads_back_equal(sample_warehouse, tmp_path):
    assert main(["export", str(tmp_path / "out"), "--warehouse", str(sample_warehouse)]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "facts").iterdir()) == ["year=2019", "year=2021"]
    back = pl.read_parquet(str(tmp_path / "out" / "facts" / "**" / "*.parquet"), hive_partitioning=True)
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        facts = con.sql("select * from facts").pl()
    back = back.select(facts.columns).cast(facts.schema)
    key = ["report_id", "table_code", "item_code", "column_code"]
    assert back.sort(key).equals(facts.sort(key))
    parquet = f"{tmp_path}/out/v_agency_year/*/*.parquet"
    via_duckdb = query(sample_warehouse, f"select count(*) from read_parquet('{parquet}', hive_partitioning = true)")
    assert via_duckdb == [(5,)]


def test_gazetteer_cache_holds_the_index_built_from_jionlp():
    import pickle

    from transforms import gazetteer

    gazetteer._index()  # builds the cache file when it is missing
    with open(gazetteer._cache_file(), "rb") as f:
        assert pickle.load(f) == gazetteer._build()
