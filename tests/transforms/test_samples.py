"""Each sample read by the transforms alone: every truth cell, nothing invented."""

import pytest
from conftest import SAMPLES, truths

from transforms.reports import read_report

TRUTHS = truths()


@pytest.mark.parametrize("name", sorted(TRUTHS))
def test_sample_read_exactly(name):
    truth = TRUTHS[name]
    report = read_report(name, (SAMPLES / name).read_bytes())
    assert (report.agency, report.year, report.template) == (truth["agency"], truth["year"], truth["template"])
    assert report.status == truth["expected_status"]
    got = {(c.table_code, c.item_code, c.column_code): c.value for c in report.cells}
    want = {(c["table"], c["item"], c["column"]): c["value"] for c in truth["cells"]}
    assert got == want  # every truth cell with its value, and no cell the truth does not list
    assert not {tuple(u) for u in truth["unknown"]} & set(got)


def test_every_cell_keeps_its_line():
    name = "002_9440981a45cb5a2e.txt"
    report = read_report(name, (SAMPLES / name).read_bytes())
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    assert all(c.source.line is not None for c in report.cells)
    for c in report.cells:
        assert c.source.text in lines[c.source.line - 1]
    penalty = next(c for c in report.cells if (c.item_code, c.column_code) == ("administrative_penalty", "change"))
    assert (penalty.value, penalty.source.text) == (806, "增加 806")
    money = next(c for c in report.cells if c.column_code == "procurement_amount")
    assert (money.value, money.unit, money.source.text) == (108_220_000, "yuan", "10822 万元")


def test_seed_001_shifted_rows_are_paired_with_their_labels():
    name = "001_721881aa274abb1a.txt"
    report = read_report(name, (SAMPLES / name).read_bytes())
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    granted = next(c for c in report.cells if (c.item_code, c.column_code) == ("granted", "total"))
    partial = next(c for c in report.cells if (c.item_code, c.column_code) == ("partially_granted", "total"))
    assert lines[granted.source.line - 1].startswith("三、")
    assert lines[partial.source.line - 1].startswith("本年 度办")


def test_seed_000_reason_names_what_is_missing():
    name = "000_90395a0eed747a3b.txt"
    report = read_report(name, (SAMPLES / name).read_bytes())
    assert "review_litigation not read" in report.status_reason
    assert any("table 四 shows 2 values for 15 cells" in n for n in report.notes)


def test_a_row_absent_from_a_table_read_whole_is_not_printed_and_a_lost_table_not_read():
    name = "004_cf77e8731c91250a.txt"  # a parsed sample; its table 二 without the row 规章
    text = (SAMPLES / name).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    regulations = [i for i, line in enumerate(lines) if line.startswith("规章")]
    assert len(regulations) == 1
    del lines[regulations[0]]
    report = read_report(name, "".join(lines).encode("utf-8"))
    assert "row 规章 (regulations) not printed in the report" in report.status_reason
    assert "not read" not in report.status_reason  # the reader is not to blame: the source is
    seed_000 = read_report("000_90395a0eed747a3b.txt", (SAMPLES / "000_90395a0eed747a3b.txt").read_bytes())
    assert "table review_litigation not read" in seed_000.status_reason  # what the reader failed to find
