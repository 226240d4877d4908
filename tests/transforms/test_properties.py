"""Property tests and a fuzz pass over the text and HTML readers.

Every example is derived from a fixed seed (derandomize), in a fixed number, with no deadline:
the same examples on every machine and every run, however busy the machine.
"""

import random
from functools import cache

import pytest
from conftest import CORPUS, SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.corpus import render_html, render_text
from tools.corpus.layout import build
from tools.corpus.truth import make_truth
from transforms import catalog
from transforms.labels import detect_template, match_item, normalize, section_of
from transforms.model import ParsedReport, ReadError
from transforms.reports import read_report
from transforms.values import Value, parse_value

FIXED = settings(derandomize=True, deadline=None)


@FIXED
@given(st.text())
def test_value_parser_never_raises(text):
    assert parse_value(text) is None or isinstance(parse_value(text), Value)


@cache
def printed_item_labels() -> set[tuple[str, str, str, str]]:
    """(template, table, label, item code) of every item row of tables 二 and 三 as the corpus prints
    them plainly (its labels are written apart from the catalog's patterns)."""
    found = set()
    for seed in range(40):
        rng = random.Random(seed)
        truth = make_truth(rng, "r.txt", broken=False)
        for block in build(truth, rng, blank="", quirky=False).blocks:
            for row in block.rows:
                first = next((i for i, c in enumerate(row) if c.key), None)
                if first and row[first].key[0] in ("proactive", "applications"):
                    table, item, _ = row[first].key
                    found.add((truth.template, table, row[first - 1].text, item))
    return found


def test_printed_labels_match_their_items():
    labels = printed_item_labels()
    for template in catalog.TEMPLATES:
        for table in ("proactive", "applications"):
            printed = {i for t, tb, _, i in labels if (t, tb) == (template, table)}
            assert printed == set(catalog.item_codes(template, table))
    assert {(t, tb, label, match_item(normalize(label), t, tb)) for t, tb, label, _ in labels} == labels


@FIXED
@given(
    st.lists(st.text() | st.sampled_from(sorted({label for _, _, label, _ in printed_item_labels()})),
             max_size=4).map("".join),
    st.sampled_from(catalog.TEMPLATES),
    st.sampled_from(["proactive", "applications"]),
)
def test_label_matching_names_an_item_only_when_its_label_is_printed(text, template, table):
    norm = normalize(text)
    code = match_item(norm, template, table)
    assert code is None or code in catalog.item_codes(template, table)
    printed = {
        label.code for label in catalog.labels("item")
        if label.table_code == table and template in label.templates and label.pattern.search(norm)
    }
    assert (code is None) == (not printed)
    assert code is None or code in printed
    assert section_of(norm) in (None, "end", *catalog.TABLES)
    assert detect_template(norm) in (None, *catalog.TEMPLATES)


RENDERINGS = {
    "text_tab": (lambda d, r: render_text.render_tab(d, r).encode("utf-8"), "r.txt", ["/", "—"]),
    "text_blocks": (lambda d, r: render_text.render_blocks(d, r).encode("utf-8"), "r.md", ["/", "—"]),
    "text_tokens": (lambda d, r: render_text.render_tokens(d, r).encode("gbk"), "r.txt", ["/", "—"]),
    "html_utf8": (lambda d, r: render_html.render_html(d, r, "utf-8"), "r.html", ["", "/"]),
    "html_gbk": (lambda d, r: render_html.render_html(d, r, "gbk"), "r.htm", ["", "—"]),
}


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@settings(FIXED, max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_render_then_read_returns_the_same_cells(rendering, seed):
    render, name, blanks = RENDERINGS[rendering]
    rng = random.Random(seed)
    truth = make_truth(rng, name, broken=rng.random() < 0.3)
    doc = build(truth, rng, blank=rng.choice(blanks), appendix=rng.random() < 0.3)
    report = read_report(name, render(doc, rng))
    assert (report.agency, report.year, report.template) == (truth.agency, truth.year, truth.template)
    got = {(c.table_code, c.item_code, c.column_code): c.value for c in report.cells}
    assert got == truth.values


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        if not b:
            break
        i = rng.randrange(len(b))
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            del b[i : i + rng.randint(1, 200)]
        elif op == 2:
            b[i:i] = b[i : i + rng.randint(1, 400)]
        elif op == 3:
            b[i:i] = rng.choice(["\t", "\n", "&nbsp;", "<td>", "</tr>", "<td rowspan=99>",
                                 "（七）总计", "-", "万元", "一、"]).encode()
        elif op == 4:
            b = b[:i]
        else:
            lines = bytes(b).split(b"\n")
            rng.shuffle(lines)
            b = bytearray(b"\n".join(lines))
    return bytes(b)


FUZZ_SEEDS = sorted(SAMPLES.glob("*.txt")) + sorted(
    p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md", ".html", ".htm")
)


@settings(FIXED, max_examples=1000)
@given(path=st.sampled_from(FUZZ_SEEDS), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_text_and_html_read_whole_or_are_refused(path, seed):
    data = _mutate(path.read_bytes(), random.Random(seed))
    try:
        result = read_report(path.name, data)
    except ReadError:
        return
    assert isinstance(result, ParsedReport)
    assert result.status in ("parsed", "partial")
