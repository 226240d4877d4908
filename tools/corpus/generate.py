"""Generate the committed test corpus: ``python -m tools.corpus.generate [OUT] [--count N] [--seed S]``.

Each report is rendered in one format, with its truth beside it as ``NAME.truth.json`` in the
form of data/samples. PDF needs LibreOffice (soffice) and Chromium for two of its producers;
tests and CI only read the committed files. Each LibreOffice and Chromium PDF also gets a copy
without its embedded fonts (``NNN_pdf_libreoffice_noembed.pdf``, the same truth), as Word's PDFs
often leave 宋体 out: ``python -m tools.corpus.generate OUT --noembed`` makes them from the PDFs
already in OUT.
``--scan-from DIR`` prints the PDFs the generator made in DIR with LibreOffice and Chromium (their
fonts are embedded, so pdfium renders their Chinese on any machine) and scans them again
(``render_scan``), with their truth; ``--faint`` prints their rules faint, ``--only 009,018`` scans
only the PDFs of those numbers. ``--start`` numbers the files from N, to add a set beside another.
``--narrative`` words the sections as published reports do (headings, numbers stated, fees).
"""

import argparse
import json
import random
from pathlib import Path

from tools.corpus import render_doc, render_docx, render_html, render_pdf, render_scan, render_text
from tools.corpus.layout import build
from tools.corpus.truth import make_truth

# name: (extension, blank markers it prints, renderer)
FORMATS = {
    "text_tab": (".txt", ["/", "—", "－", "无"], lambda d, r: render_text.render_tab(d, r).encode("utf-8")),
    "text_tab_gbk": (".txt", ["/", "—"], lambda d, r: render_text.render_tab(d, r).encode("gbk")),
    "text_blocks": (".md", ["/", "—"], lambda d, r: render_text.render_blocks(d, r).encode("utf-8")),
    "text_tokens": (".txt", ["/", "—"], lambda d, r: render_text.render_tokens(d, r).encode("utf-8")),
    "text_pipe": (".md", ["", "/", "—"], lambda d, r: render_text.render_pipe(d, r).encode("utf-8")),
    "html_utf8": (".html", ["", "/", "—"], lambda d, r: render_html.render_html(d, r, "utf-8")),
    "html_gbk": (".htm", ["", "/"], lambda d, r: render_html.render_html(d, r, "gbk")),
    "docx": (".docx", ["", "—", "/"], render_docx.render_docx),
    "doc": (".doc", ["", "—", "/"], render_doc.render_doc),
    "wps": (".wps", ["", "—"], render_doc.render_wps),
    "pdf_reportlab": (".pdf", ["", "/"], render_pdf.render_reportlab),
    "pdf_libreoffice": (".pdf", ["", "—"],
                        lambda d, r: render_pdf.convert_with_libreoffice(render_docx.render_docx(d, r))),
    "pdf_chromium": (".pdf", ["", "/"],
                     lambda d, r: render_pdf.convert_with_chromium(render_html.render_html(d, r, "utf-8"))),
}


def generate(out: Path, count: int, seed: int, formats: list[str], *, start: int = 0, real: bool = False,
             narrative: bool = False) -> list[Path]:
    """Reports ``start`` to ``start + count - 1``; ``real`` gives them what published reports do
    (see truth.make_truth), ``narrative`` the wording of their sections (see layout.build)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(start, start + count):
        fmt = formats[n % len(formats)]
        ext, blanks, render = FORMATS[fmt]
        name = f"{n:03d}_{fmt}{ext}"
        truth = make_truth(rng, name, broken=rng.random() < 0.2, real=real)
        doc = build(truth, rng, blank=rng.choice(blanks), appendix=rng.random() < 0.25, narrative=narrative)
        (out / name).write_bytes(render(doc, rng))
        (out / f"{n:03d}_{fmt}.truth.json").write_text(
            json.dumps(truth.as_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written.append(out / name)
        print(f"{name}: {truth.agency} {truth.year} template {truth.template}")
    return written + without_embedded_fonts(out)


def without_embedded_fonts(out: Path) -> list[Path]:
    """A copy of each LibreOffice and Chromium PDF in ``out`` with its fonts not embedded, its truth
    beside it."""
    written = []
    for pdf in sorted([*out.glob("*_pdf_libreoffice.pdf"), *out.glob("*_pdf_chromium.pdf")]):
        name = pdf.stem + "_noembed"
        (out / f"{name}.pdf").write_bytes(render_pdf.without_font_programs(pdf.read_bytes()))
        truth = json.loads((out / f"{pdf.stem}.truth.json").read_text(encoding="utf-8"))
        truth["file"] = f"{name}.pdf"
        (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(out / f"{name}.pdf")
        print(f"{name}.pdf: fonts not embedded")
    return written


def scan_generated(source: Path, out: Path, count: int, seed: int, start: int, *, faint: bool = False,
                   only: list[str] | None = None) -> list[Path]:
    """Scanned copies of the first ``count`` generated PDFs of ``source`` (of those numbered in
    ``only``, when given), with their truth; ``faint``: their rules printed faint."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    pdfs = sorted(p for p in source.glob("*.pdf") if p.stem.endswith(("_pdf_libreoffice", "_pdf_chromium"))
                  and p.with_name(p.stem + ".truth.json").exists() and (only is None or p.stem[:3] in only))
    for n, pdf in zip(range(start, start + count), pdfs, strict=False):
        name = f"{n:03d}_scan_{pdf.stem.split('_pdf_', 1)[1]}" + ("_faint" if faint else "")
        truth = json.loads(pdf.with_name(pdf.stem + ".truth.json").read_text(encoding="utf-8"))
        truth["file"] = name + ".pdf"
        (out / truth["file"]).write_bytes(render_scan.scan(pdf.read_bytes(), rng, faint=faint))
        (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(out / truth["file"])
        print(f"{truth['file']}: scan of {pdf.name}, {truth['agency']} {truth['year']} template {truth['template']}")
    return written


def scan_cases(source: Path, out: Path, seed: int, start: int) -> list[Path]:
    """The scanned cases, numbered from ``start``: a new report whose table 四 is printed with every
    value cell blank (2019 and 2021 templates), one of ``source``'s PDFs with its rules faint, and
    one with its table pages scanned into the text PDF (mixed), each with its truth."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, data: bytes, truth: dict, what: str) -> None:
        truth["file"] = f"{name}.pdf"
        (out / truth["file"]).write_bytes(data)
        (out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(out / truth["file"])
        print(f"{truth['file']}: {what}, {truth['agency']} {truth['year']} template {truth['template']}")

    n = start
    for year in (2019, 2021):
        while (truth := make_truth(rng, "blank.pdf", broken=False)).template != str(year):
            pass
        for key in truth.values:
            if key[0] == "review_litigation":
                truth.values[key] = None
        doc = build(truth, rng, blank="")
        pdf = render_pdf.convert_with_libreoffice(render_docx.render_docx(doc, rng))
        write(f"{n:03d}_scan_libreoffice_blank_review", render_scan.scan(pdf, rng), truth.as_json(),
              "scan of a report whose table 四 is printed blank")
        n += 1
    pdfs = sorted(p for p in source.glob("*.pdf") if p.stem.endswith(("_pdf_libreoffice", "_pdf_chromium"))
                  and p.with_name(p.stem + ".truth.json").exists())[-2:]  # not among the scans of scan_generated
    for pdf, case in zip(pdfs, ("faint", "mixed"), strict=True):
        truth = json.loads(pdf.with_name(pdf.stem + ".truth.json").read_text(encoding="utf-8"))
        producer = pdf.stem.split("_pdf_", 1)[1]
        if case == "faint":
            write(f"{n:03d}_scan_{producer}_faint", render_scan.scan(pdf.read_bytes(), rng, faint=True), truth,
                  f"scan of {pdf.name} with faint rules")
        else:
            write(f"{n:03d}_mixed_{producer}", render_scan.mixed(pdf.read_bytes(), rng, pages=[1]), truth,
                  f"{pdf.name} with its page 2 scanned (mixed)")
        n += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("tests/corpus"))
    parser.add_argument("--count", type=int, default=80)
    parser.add_argument("--seed", type=int, default=20261122)
    classic = [f for f in FORMATS if f not in ("text_pipe", "doc", "wps")]  # what the first 80 reports cycle through
    parser.add_argument("--formats", default=",".join(classic), help="comma-separated, from: " + ", ".join(FORMATS))
    parser.add_argument("--start", type=int, default=0, help="number of the first report")
    parser.add_argument("--real", action="store_true", help="with the quirks of published reports")
    parser.add_argument("--narrative", action="store_true", help="sections worded as published reports word them")
    parser.add_argument("--noembed", action="store_true", help="only add the copies without embedded fonts")
    parser.add_argument("--scan-from", type=Path, metavar="DIR", help="scan the generated PDFs of DIR instead")
    parser.add_argument("--scan-cases", action="store_true",
                        help="with --scan-from: the scanned cases (table 四 blank, faint rules, a mixed PDF)")
    parser.add_argument("--faint", action="store_true", help="with --scan-from: the rules printed faint")
    parser.add_argument("--only", help="with --scan-from: the numbers of the PDFs to scan, comma-separated (009,018)")
    args = parser.parse_args()
    if args.noembed:
        without_embedded_fonts(args.out)
    elif args.scan_from and args.scan_cases:
        scan_cases(args.scan_from, args.out, args.seed, args.start)
    elif args.scan_from:
        scan_generated(args.scan_from, args.out, args.count, args.seed, args.start, faint=args.faint,
                       only=args.only.split(",") if args.only else None)
    else:
        generate(args.out, args.count, args.seed, args.formats.split(","), start=args.start, real=args.real,
                 narrative=args.narrative)


if __name__ == "__main__":
    main()
