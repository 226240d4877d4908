"""Property tests and a bounded fuzz pass over the text and HTML readers."""

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, SAMPLES
from tools.corpus import render_html, render_text
from tools.corpus.layout import build
from tools.corpus.truth import make_truth
from transforms.labels import detect_template, match_item, normalize, section_of
from transforms.model import ParsedReport, ReadError
from transforms.reports import read_report
from transforms.values import Value, parse_value


@given(st.text())
def test_value_parser_never_raises(text):
    assert parse_value(text) is None or isinstance(parse_value(text), Value)


@given(st.text(), st.sampled_from(["2019", "2021"]), st.sampled_from(["proactive", "applications"]))
def test_label_matching_never_raises(text, template, table):
    norm = normalize(text)
    match_item(norm, template, table)
    section_of(norm)
    detect_template(norm)


RENDERINGS = {
    "text_tab": (lambda d, r: render_text.render_tab(d, r).encode("utf-8"), "r.txt", ["/", "—"]),
    "text_blocks": (lambda d, r: render_text.render_blocks(d, r).encode("utf-8"), "r.md", ["/", "—"]),
    "text_tokens": (lambda d, r: render_text.render_tokens(d, r).encode("gbk"), "r.txt", ["/", "—"]),
    "html_utf8": (lambda d, r: render_html.render_html(d, r, "utf-8"), "r.html", ["", "/"]),
    "html_gbk": (lambda d, r: render_html.render_html(d, r, "gbk"), "r.htm", ["", "—"]),
}


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
            b[i:i] = rng.choice(["\t", "\n", "&nbsp;", "<td>", "</tr>", "<td rowspan=99>", "（七）总计", "-", "万元", "一、"]).encode()
        elif op == 4:
            b = b[:i]
        else:
            lines = bytes(b).split(b"\n")
            rng.shuffle(lines)
            b = bytearray(b"\n".join(lines))
    return bytes(b)


def test_fuzz_text_and_html_readers_for_a_bounded_time():
    seeds = sorted(SAMPLES.glob("*.txt")) + sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md", ".html", ".htm"))
    rng = random.Random(20261122)
    deadline = time.monotonic() + 20
    tried = 0
    while time.monotonic() < deadline:
        path = rng.choice(seeds)
        data = _mutate(path.read_bytes(), rng)
        try:
            result = read_report(path.name, data)
        except ReadError:
            continue
        finally:
            tried += 1
        assert isinstance(result, ParsedReport)
        assert result.status in ("parsed", "partial")
    assert tried >= 100
