"""Reader accuracy against ground truth: ``python -m tools.accuracy [DIR ...]`` (``make accuracy``).

Every report file with a ``.truth.json`` beside it is read with the transforms alone. A truth
cell counts as right when the reader found it with the same value (NULL for a blank); a cell
the reader reports that the truth does not hold (or lists as unknown) counts as wrong too, but
for a row the truth lists as unknown because the report prints it the other template's way
(catalog.MIXED_ROWS): storing it as printed is allowed, and it is not scored.
Prints cell accuracy overall, per source (the generated corpus, the samples, the real published
files of data/real), per format, per producer, per table and per template; agency (the truth's
name or one of its ``agency_aliases``), year, template, publication date and status accuracy;
the scanned files (read by OCR) on their own line; every wrong cell; and the wrong cells that are
silent (not in a partial report, breaking no identity, and not flagged as recognised with low
confidence). For the truths that list them (``sections``: the headings printed, ``statements``:
the numbers stated in words), the headings found (same section, form and words, spaces and
punctuation aside), the statements found (same section and kind) and correct (the same value, approximate or not), per
source, with every heading missed and every statement missed, wrong or read where the truth
has none.
"""

import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from transforms import catalog
from transforms.facts import fact_columns
from transforms.identities import identity_sides
from transforms.labels import normalize
from transforms.model import ParsedReport, ReadError, Status
from transforms.readers import format_of
from transforms.readers.settings import DEFAULT
from transforms.reports import read_report
from warehouse.schema import FACTS

DEFAULT_DIRS = [Path("tests/corpus"), Path("data/samples"), Path("data/real")]
SOURCES = {"samples": "sample", "real": "real"}  # folder name → source; any other folder is the generated corpus


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{100 * self.rate:7.3f}%  ({self.right}/{self.total})"


@dataclass
class Result:
    cells: Tally = field(default_factory=Tally)
    by: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Tally)))
    meta: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    wrong: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    scanned: Tally = field(default_factory=Tally)  # the cells of the scanned files
    scanned_meta: Tally = field(default_factory=Tally)  # their agency, year and template
    scanned_files: int = 0
    scanned_silent: int = 0
    # the words: per source ('scanned' for the files read by OCR), headings and statements
    headings: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    stated: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # found
    stated_right: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # with the right value
    wrong_values: int = 0
    extra_statements: int = 0
    narrative_wrong: list[str] = field(default_factory=list)


def report_files(dirs: list[Path]) -> list[tuple[Path, dict]]:
    found = []
    for d in dirs:
        for truth_path in sorted(d.glob("*.truth.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            found.append((d / truth["file"], truth))
    return found


def source_of(path: Path) -> str:
    return SOURCES.get(path.parent.name, "generated")


def producer_of(path: Path) -> str:
    """The generator's rendering, named in a corpus file name (``012_pdf_chromium.pdf``); 'sample'
    or 'real' for the reports of data/samples and data/real."""
    if source_of(path) != "generated":
        return source_of(path)
    return path.name.split(".")[0].split("_", 1)[-1]


def measure(dirs: list[Path], *, read: Callable[[str, bytes], ParsedReport] = read_report) -> Result:
    """The accuracy of the reports of ``dirs`` against their truth, each read by ``read``."""
    res = Result()
    for path, truth in report_files(dirs):
        try:
            fmt = format_of(path.name).name
        except ReadError:
            fmt = "unknown"
        producer = producer_of(path)
        scanned = producer.startswith(("scan", "mixed"))  # a mixed PDF has pages read by OCR
        res.scanned_files += scanned
        want = {(c["table"], c["item"], c["column"]): c["value"] for c in truth["cells"]}
        mixed = catalog.MIXED_ROWS.get(truth["template"], {})
        as_printed = {tuple(k) for k in truth.get("unknown", []) if k[1] in mixed}
        try:
            report = read(path.name, path.read_bytes())
        except ReadError as e:
            report = None
            res.wrong.append(f"{path.name}: rejected ({e})")
        got = {(c.table_code, c.item_code, c.column_code): c.value for c in report.cells
               if (c.table_code, c.item_code, c.column_code) not in as_printed} if report else {}
        res.statuses[report.status if report else Status.REJECTED] += 1
        for name, value in (("agency", report and report.agency), ("year", report and report.year),
                            ("template", report and report.template), ("published", report and report.published)):
            if name not in truth:
                continue
            ok = value == truth[name] or (name == "agency" and value in truth.get("agency_aliases", []))
            res.meta[name].add(ok)
            if scanned and name in ("agency", "year", "template"):
                res.scanned_meta.add(ok)
            if not ok:
                res.wrong.append(f"{path.name}: {name} {value!r}, truth {truth[name]!r}")
        if "expected_status" in truth:
            status = report.status if report else Status.REJECTED
            res.meta["status"].add(status == truth["expected_status"])
            if status != truth["expected_status"]:
                res.wrong.append(f"{path.name}: status '{status}' ({report and report.status_reason}), "
                                 f"truth {truth['expected_status']!r}")
        _measure_words(res, path, truth, report, "scanned" if scanned else source_of(path))
        failing = _failing_cells(path.name, report) if report else set()
        low = {(c.table_code, c.item_code, c.column_code) for c in report.cells
               if c.source.confidence is not None and c.source.confidence < DEFAULT.low_confidence} if report else set()
        for key in sorted(set(want) | set(got)):
            ok = key in want and key in got and got[key] == want[key]
            if scanned:
                res.scanned.add(ok)
            for axis, value in (("source", source_of(path)), ("format", fmt), ("producer", producer),
                                ("table", key[0]), ("template", truth["template"])):
                res.by[axis][value].add(ok)
            res.cells.add(ok)
            if not ok:
                line = (f"{path.name}: {'/'.join(key)} read {got.get(key, 'nothing')!r}, "
                        f"truth {want.get(key, 'unknown')!r}")
                res.wrong.append(line)
                if not (report and (report.status == Status.PARTIAL or key in failing or key in low)):
                    res.silent.append(line)
                    res.scanned_silent += scanned
    return res


def _measure_words(res: Result, path: Path, truth: dict, report, source: str) -> None:
    """The headings and statements of one report against its truth (when the truth lists them)."""
    if "sections" not in truth:
        return
    read = {s.number: s for s in report.sections} if report else {}
    for want in truth["sections"]:
        got = read.get(want["section"])
        ok = got is not None and _words(got.heading) == _words(want["heading"]) and got.form == want["form"]
        res.headings[source].add(ok)
        if not ok:
            res.narrative_wrong.append(f"{path.name}: section {want['section']} heading {want['heading']!r} "
                                       f"({want['form']}) read {got and (got.heading, got.form)!r}")
    stated = [(s.section, s.code, s.value, s.approximate) for s in report.statements] if report else []
    for want in truth["statements"]:
        key = (want["section"], want["statement"])
        exact = (*key, want["value"], want.get("approximate", False))
        same_kind = [s for s in stated if s[:2] == key]
        res.stated[source].add(bool(same_kind))
        res.stated_right[source].add(exact in stated)
        if exact in stated:
            stated.remove(exact)
            continue
        if same_kind:
            stated.remove(same_kind[0])
            res.wrong_values += 1
        res.narrative_wrong.append(f"{path.name}: statement {want} read {same_kind[0] if same_kind else 'nothing'}")
    res.extra_statements += len(stated)
    res.narrative_wrong += [f"{path.name}: statement {s} read where the truth has none" for s in stated]


def _words(heading: str | None) -> str:
    """A heading's words, spaces and punctuation aside (OCR may drop a 、)."""
    return re.sub(r"[\W_]", "", normalize(heading or ""))


def _failing_cells(name: str, report) -> set[tuple[str, str, str]]:
    """Cells involved in an identity that the reader's own values break."""
    sides = identity_sides(FACTS.frame(fact_columns(name, report)), {name: report.template})
    cells: set[tuple[str, str, str]] = set()
    for row in sides.iter_rows(named=True):
        if row["assessable"] and row["observed"] != row["expected"]:
            cells.update((c["table_code"], c["item_code"], c["column_code"]) for c in row["cells"])
    return cells


def render(res: Result) -> str:
    out = [f"cell accuracy            {res.cells}"]
    for axis in ("source", "format", "producer", "table", "template"):
        for value, tally in sorted(res.by[axis].items()):
            out.append(f"  {axis:<9} {value:<15} {tally}")
    for name, tally in res.meta.items():
        out.append(f"{name + ' accuracy':<25}{tally}")
    if res.scanned_files:
        out.append(f"scanned files (OCR)      {res.scanned}  in {res.scanned_files} files; agency/year/template "
                   f"{100 * res.scanned_meta.rate:.1f}%; silent wrong cells {res.scanned_silent}")
    for source in sorted(res.headings):
        out.append(f"words {source:<10} headings found {res.headings[source]}  statements found "
                   f"{res.stated[source]}  correct {res.stated_right[source]}")
    if res.headings:
        out.append(f"statements with a wrong value: {res.wrong_values}; read where the truth has none: "
                   f"{res.extra_statements}")
        out += [f"  {w}" for w in res.narrative_wrong]
    out.append("reports: " + ", ".join(f"{n} {s}" for s, n in sorted(res.statuses.items())))
    out.append(f"wrong: {len(res.wrong)}")
    out += [f"  {w}" for w in res.wrong]
    out.append(f"silent wrong cells (not partial, no identity broken, not low-confidence): {len(res.silent)}")
    out += [f"  {w}" for w in res.silent]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    dirs = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or DEFAULT_DIRS
    print(render(measure(dirs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
