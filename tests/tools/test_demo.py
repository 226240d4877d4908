"""The demo corpus of `make demo`: the same files every time, bodies followed over the years."""

import os

from tools.corpus import demo


def test_the_demo_corpus_is_stable_and_not_rewritten(tmp_path):
    files = demo.generate(tmp_path)
    assert len(files) == len(list(tmp_path.iterdir())) == 167
    assert {f.suffix for f in files} == {".txt", ".md", ".html", ".htm"}
    before = {f.name: (f.read_bytes(), os.stat(f).st_mtime_ns) for f in files}
    again = demo.generate(tmp_path)
    assert {f.name: (f.read_bytes(), os.stat(f).st_mtime_ns) for f in again} == before


def test_a_body_continues_the_year_before():
    import random

    from tools.corpus.truth import make_truth

    rng = random.Random(2)
    body = demo.bodies()[1]
    first = make_truth(rng, "a", broken=False, year=2021, **body)
    second = make_truth(rng, "b", broken=False, year=2022, **body)
    demo.follow(first, second)
    for col in ("natural_person", "total"):
        assert second.values[("applications", "carried_over", col)] == (
            first.values[("applications", "carried_forward", col)] or 0)
    assert second.identity_failures() == []
    assert (first.template, second.template) == ("2021", "2021")  # both print 现行有效件数
    v, w = first.values, second.values
    assert w[("proactive", "regulations", "in_force")] == v[("proactive", "regulations", "in_force")] + (
        w[("proactive", "regulations", "issued")] or 0) - (w[("proactive", "regulations", "repealed")] or 0)
