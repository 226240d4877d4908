"""The benchmark: ``python -m tools.bench [--reports N]`` (``make bench``).

Generates N reports with the project's generator (about half PDF, then DOCX, HTML and text, and
one in a hundred a scanned PDF), then measures in one run: (a) ``gongkai ingest`` into an empty
warehouse: wall time, reports per second, CPU time, peak memory (PSS) of the process tree and of
its largest process (a reading worker), time per stage; (b) a second ingest over the same
unchanged files; (c) a naive baseline on the same PDFs (pdfplumber ``extract_text()`` and
``extract_tables()`` on every page, one process) against the pipeline on those PDFs alone (the
scanned ones left out); (d) the scanned PDFs ingested alone: OCR pages per second, and the share
of the first ingest's time that they take, and a reading worker's peak memory; (e) the same for the
committed scans of tests/corpus/scanned; (f) start-up: an ingest over one unchanged file, and
one of a new text file beside it (medians of three, wall and CPU).
Writes the figures to ``data/bench/results.json`` and ends with ``speedup X.XX`` (baseline time
over pipeline time on the same PDFs; higher is better). With ``--no-baseline`` (c) is left out and
the figures go to ``data/bench/results-N.json`` (for large N, where the baseline takes long);
with ``--only startup`` only (f), into ``data/bench/results-startup.json``. CPU seconds are those
of the ingest's whole process tree (its reading workers included).
"""

import argparse
import ctypes
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

MIX = {"pdf_reportlab": 49, "scan": 1, "docx": 15, "html_utf8": 10, "html_gbk": 5, "text_tab": 10,
       "text_tokens": 5, "text_blocks": 5}
GONGKAI = str(Path(sys.executable).parent / "gongkai")
SCANNED_FROM = Path(__file__).parents[1] / "tests" / "corpus"
SCANNED = SCANNED_FROM / "scanned"  # the committed scans, ingested alone for the OCR figures


def generate(folder: Path, count: int, seed: int) -> Path:
    """The corpus, generated once per (count, seed) and kept under data/bench."""
    from tools.corpus.generate import FORMATS
    from tools.corpus.layout import build
    from tools.corpus.render_scan import scan
    from tools.corpus.truth import make_truth

    corpus = folder / f"corpus-{count}-{seed}"
    complete = folder / f"{corpus.name}.complete"  # beside the corpus: a hidden file in it is rejected
    if complete.exists():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    rng = random.Random(seed)
    kinds = [k for k, n in MIX.items() for _ in range(n)]
    printed = sorted(SCANNED_FROM.glob("*_pdf_libreoffice.pdf")) + sorted(SCANNED_FROM.glob("*_pdf_chromium.pdf"))
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "scan":  # a corpus PDF with embedded fonts, printed and scanned again (new bytes each time)
            source = printed[i % len(printed)]
            (corpus / f"{i:05d}_scan_{source.stem.split('_pdf_')[1]}.pdf").write_bytes(scan(source.read_bytes(), rng))
            continue
        ext, blanks, render = FORMATS[kind]
        truth = make_truth(rng, f"{i:05d}{ext}", broken=rng.random() < 0.2)
        doc = build(truth, rng, blank=rng.choice(blanks), appendix=rng.random() < 0.25)
        (corpus / f"{i:05d}_{kind}{ext}").write_bytes(render(doc, rng))
        if (i + 1) % 200 == 0:
            print(f"generated {i + 1}/{count}", file=sys.stderr, flush=True)
    complete.touch()
    return corpus


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def _sample(pids: list[int], each: dict[int, int]) -> int:
    """Proportional memory (PSS: shared pages split between the processes sharing them) of the
    process tree, in bytes; records each process's peak PSS in ``each``."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                pss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
            total += pss
            each[p] = max(each.get(p, 0), pss)
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return total


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def _reap_orphans() -> float:
    """Wait for the processes the ingest left behind (its forkserver and resource tracker end a
    moment after it; this process adopted them, see main) and return the CPU seconds of every
    descendant waited for so far."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest(landing: Path, warehouse: Path, timings: Path) -> dict:
    cpu_before = _reap_orphans()
    start = time.monotonic()
    proc = subprocess.Popen([GONGKAI, "ingest", str(landing), "--warehouse", str(warehouse), "--quiet",
                             "--timings", str(timings)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, each = 0, {}
    while proc.poll() is None:
        peak = max(peak, _sample(_tree(proc.pid), each))
        time.sleep(0.2)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed:\n{err}")
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(_reap_orphans() - cpu_before, 2),  # the whole process tree's, exactly
        "peak_memory_mb": round(peak / 1e6, 1),
        # the largest process below the ingest itself: a reading worker (the forkserver is smaller)
        "peak_worker_memory_mb": round(max((m for p, m in each.items() if p != proc.pid), default=0) / 1e6, 1),
        "stages_seconds": json.loads(timings.read_text()) if timings.exists() else {},
        "summary": out.strip().splitlines(),
    }


def ocr(scans: list[Path], runs: Path, name: str, first_seconds: float | None = None) -> dict:
    """Scanned PDFs ingested alone: pages read by OCR per second (and per core), the peak memory
    of a reading worker, and their share of the time of the first ingest of the whole corpus."""
    from transforms.readers.pdf_ocr import scanned_pages

    folder = runs / name
    folder.mkdir()
    for p in scans:
        os.link(p, folder / p.name)
    run = ingest(folder, runs / f"{name}.duckdb", runs / f"{name}.json")
    pages = sum(scanned_pages(p.read_bytes()) for p in scans)
    cores = min(os.cpu_count() or 1, len(scans))
    out = {"files": len(scans), "pages": pages, "seconds": run["wall_seconds"], "cpu_seconds": run["cpu_seconds"],
           "pages_per_second": round(pages / run["wall_seconds"], 2),
           "pages_per_second_per_core": round(pages / run["wall_seconds"] / cores, 2),
           "peak_worker_memory_mb": run["peak_worker_memory_mb"], "peak_memory_mb": run["peak_memory_mb"]}
    if first_seconds:
        out["share_of_first_ingest"] = round(run["wall_seconds"] / first_seconds, 3)
    return out


STARTUP_RUNS = 3  # start-up is measured this many times, the median kept (a run lasts seconds)


def startup(runs: Path) -> dict:
    """Start-up: an ingest over one unchanged file (the corpus's second ingest is that, at scale),
    and one of a new text file beside it into the warehouse as the first file left it; the
    median wall and CPU seconds of ``STARTUP_RUNS`` each. The file is tests/corpus's first text
    report, so that ``--only startup`` needs no generated corpus."""
    folder = runs / "startup"
    folder.mkdir()
    text = sorted(SCANNED_FROM.glob("*_text_tab.txt"))[0]
    shutil.copy(text, folder / text.name)
    warehouse, first = runs / "startup.duckdb", runs / "startup-first.duckdb"
    ingest(folder, warehouse, runs / "s0.json")
    shutil.copy(warehouse, first)
    unchanged = [ingest(folder, warehouse, runs / "s1.json") for _ in range(STARTUP_RUNS)]
    new = folder / f"new_{text.name}"
    one_text = []
    for _ in range(STARTUP_RUNS):
        shutil.copy(first, warehouse)
        new.write_bytes(text.read_bytes() + "\n（另附一行）\n".encode())
        one_text.append(ingest(folder, warehouse, runs / "s2.json"))
        new.unlink()
    return {"runs": STARTUP_RUNS,
            **{f"{name}_{key}": statistics.median(r[f"{key}"] for r in measured)
               for name, measured in (("unchanged", unchanged), ("one_text_file", one_text))
               for key in ("wall_seconds", "cpu_seconds")}}


def startup_line(s: dict) -> str:
    return (f"start-up (median of {s['runs']}): unchanged files {s['unchanged_wall_seconds']:.1f} s "
            f"(CPU {s['unchanged_cpu_seconds']:.1f} s), one new text file {s['one_text_file_wall_seconds']:.1f} s "
            f"(CPU {s['one_text_file_cpu_seconds']:.1f} s)")


def committed_line(o: dict) -> str:
    return (f"ocr on tests/corpus/scanned {o['pages_per_second']:.2f} pages/s ({o['pages_per_second_per_core']:.2f} "
            f"a core; {o['pages']} pages in {o['files']} files, {o['seconds']:.1f} s, CPU {o['cpu_seconds']:.1f} s: "
            f"{o['cpu_seconds'] / o['pages']:.2f} s a page), peak memory of a reading worker "
            f"{o['peak_worker_memory_mb']:.0f} MB")


def baseline(pdfs: list[Path]) -> float:
    import pdfplumber

    start = time.monotonic()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.extract_tables()
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("data/bench"))
    parser.add_argument("--no-baseline", action="store_true",
                        help="leave out the naive baseline (c): for large corpora, where it takes long")
    parser.add_argument("--only", choices=["startup", "scans"],
                        help="measure only this, with no corpus generated: startup is (f) alone "
                             "(data/bench/results-startup.json), scans is (e) alone (data/bench/results-scans.json)")
    args = parser.parse_args()
    # the ingest's forkserver and workers are reparented here, not to init, when it ends: waited
    # for here, their CPU time counts in the run's (``ingest``)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)
    runs = args.out / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)
    if args.only == "startup":
        results = {"cores": os.cpu_count(), "startup": startup(runs)}
        (args.out / "results-startup.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(json.dumps(results, indent=2))
        print(startup_line(results["startup"]))
        return 0
    if args.only == "scans":
        results = {"cores": os.cpu_count(), "ocr_committed_scans": ocr(sorted(SCANNED.glob("*.pdf")), runs, "scans")}
        (args.out / "results-scans.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(json.dumps(results, indent=2))
        print(committed_line(results["ocr_committed_scans"]))
        return 0
    corpus = generate(args.out, args.reports, args.seed)
    files = [p for p in corpus.iterdir() if not p.name.startswith(".")]
    print(f"corpus: {len(files)} reports in {corpus}", file=sys.stderr)

    first = ingest(corpus, runs / "w.duckdb", runs / "t1.json")
    first["reports_per_second"] = round(len(files) / first["wall_seconds"], 1)
    second = ingest(corpus, runs / "w.duckdb", runs / "t2.json")
    results = {"reports": len(files), "cores": os.cpu_count(), "first_ingest": first, "second_ingest_unchanged": second}
    scans = sorted(p for p in files if "_scan_" in p.name)
    if scans:
        results["ocr"] = ocr(scans, runs, "scans", first["wall_seconds"])
    committed = sorted(SCANNED.glob("*.pdf"))
    if committed:
        results["ocr_committed_scans"] = ocr(committed, runs, "committed_scans")
    results["startup"] = startup(runs)
    speedup = None
    if not args.no_baseline:
        pdf_dir = runs / "pdfs"
        pdf_dir.mkdir()
        pdfs = sorted(p for p in files if p.suffix == ".pdf" and p not in scans)
        for p in pdfs:
            os.link(p, pdf_dir / p.name)
        pipeline_pdf = ingest(pdf_dir, runs / "pdf.duckdb", runs / "t3.json")
        naive = baseline(pdfs)
        speedup = naive / pipeline_pdf["wall_seconds"]
        results |= {
            "pdfs": len(pdfs),
            "pdf_only": {"pipeline_seconds": pipeline_pdf["wall_seconds"], "baseline_seconds": round(naive, 2),
                         "pipeline_peak_memory_mb": pipeline_pdf["peak_memory_mb"], "speedup": round(speedup, 2)},
        }
    out = args.out / (f"results-{len(files)}.json" if args.no_baseline else "results.json")
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if "ocr" in results:
        o = results["ocr"]
        print(f"ocr {o['pages_per_second']:.2f} pages/s on {results['cores']} cores "
              f"({o['pages_per_second_per_core']:.2f} a core; {o['pages']} pages in {o['files']} scanned files; "
              f"CPU {o['cpu_seconds'] / o['pages']:.2f} s a page), "
              f"{100 * o['share_of_first_ingest']:.0f}% of the first ingest's time, "
              f"peak memory of a reading worker {o['peak_worker_memory_mb']:.0f} MB")
    if "ocr_committed_scans" in results:
        print(committed_line(results["ocr_committed_scans"]))
    print(f"first ingest {first['wall_seconds']:.1f} s ({len(files)} reports), peak memory "
          f"{first['peak_memory_mb']:.0f} MB, of a reading worker {first['peak_worker_memory_mb']:.0f} MB")
    print(f"second ingest, unchanged: {second['wall_seconds']:.1f} s ({len(files)} reports, "
          f"CPU {second['cpu_seconds']:.1f} s)")
    print(startup_line(results["startup"]))
    if speedup is not None:
        print(f"speedup {speedup:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
