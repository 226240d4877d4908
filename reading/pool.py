"""Reading landed files into ``reports`` rows and facts, in worker processes, within limits.

Files are read in parallel by a few worker processes (one per core). A worker that takes longer
than the time limit on a file is killed and replaced, so a file that makes the parser hang only
costs its own row; a scanned PDF read with OCR gets its own, larger limit (the worker says when
OCR starts). Each worker's address space is limited, so a file that needs too much memory
is rejected instead of exhausting the machine. Whatever happens, a file ends as a row: a reader
error, a file too large, a read that takes too long or needs too much memory, a worker that
died, or a file that vanished all become ``rejected`` with the reason in words, and ``transient``
when the cause may pass (the run's limits, the machine), so that the next run reads it again.
A worker hashes the bytes it read: the report_id is always that of the bytes the facts come from.
"""

import ctypes
import hashlib
import multiprocessing as mp
import os
import resource
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

import polars as pl

from transforms import readers
from transforms.facts import report_row, staged_tables
from transforms.model import ReadError, Status
from transforms.readers.settings import DEFAULT, ReaderSettings
from transforms.reports import PARSER_VERSION, read_report

MAX_MEGABYTES = 100.0  # a larger file is rejected
READ_SECONDS = 120.0  # a file whose reading takes longer is rejected
OCR_SECONDS = 900.0  # the same for a scanned PDF read with OCR (a few seconds a page on one core)
MEMORY_MEGABYTES = 2000.0  # a file whose reading needs more memory (in its worker) is rejected


@dataclass(frozen=True)
class Task:
    path: str  # as recorded in reports.source_path
    target: bytes  # the path to open
    size: int  # as scanned
    mtime: float


OCR_STARTED = "ocr started"  # what a worker sends before it reads a scanned PDF with OCR


def read_file(task: Task, max_bytes: float, ocr_started: Callable[[], None] | None = None,
              settings: ReaderSettings = DEFAULT) -> tuple[dict, dict[str, dict[str, list]] | None]:
    """The ``reports`` row of one file and its facts, sections and statements, each table column
    by column (None when it has none), read with ``settings``; never raises for a bad file."""
    try:  # not following a link, not waiting on a FIFO
        fd = os.open(task.target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return rejected(task, "file vanished before it could be read", transient=True)
    except PermissionError:
        return rejected(task, "permission denied", transient=True)
    except OSError as e:
        return rejected(task, f"file could not be read: {e.strerror or e}", transient=True)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        file = dict(size_bytes=st.st_size, mtime=st.st_mtime, parser_version=PARSER_VERSION)
        if not stat.S_ISREG(st.st_mode):
            return rejected(task, "not a regular file", **file)
        if st.st_size > max_bytes:
            return rejected(task, f"file of {st.st_size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:g} MB",
                            transient=True, **file)
        try:
            data = fh.read()
        except OSError as e:
            return rejected(task, f"file could not be read: {e.strerror or e}", transient=True, **file)
        after = os.fstat(fd)
    if len(data) != st.st_size or (after.st_size, after.st_mtime) != (st.st_size, st.st_mtime):
        return rejected(task, "file changed while it was being read", transient=True, **file)
    report_id = hashlib.sha256(data).hexdigest()
    try:
        report = read_report(os.path.basename(task.path), data, ocr_started, settings)
    except ReadError as e:
        return rejected(task, str(e), report_id=report_id, **file)
    except MemoryError:
        del data
        return rejected(task, f"reading needed more than the memory limit of {_memory_mb:g} MB",
                        report_id=report_id, transient=True, **file)
    except Exception as e:  # a reader bug must not stop the other files
        return rejected(task, f"reader error {type(e).__name__}: {e}", report_id=report_id, **file)
    row, facts = report_row(report_id, task.path, report, transient=False, **file), staged_tables(report_id, report)
    if not _encodable(row, facts):  # a lone surrogate would stop the whole load, not just this file
        return rejected(task, "reader error: the text read is not valid Unicode (a lone surrogate)",
                        report_id=report_id, **file)
    return row, facts


def _encodable(row: dict, tables: dict[str, dict[str, list]]) -> bool:
    texts = [v for v in row.values() if isinstance(v, str)] + row["notes"]
    texts += [v for columns in tables.values() for values in columns.values() for v in values if isinstance(v, str)]
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def rejected(task: Task, reason: str, *, report_id: str = "", transient: bool = False, **file) -> tuple[dict, None]:
    """A ``rejected`` row; ``file`` (size_bytes, mtime) defaults to the file as scanned."""
    file = {"size_bytes": task.size, "mtime": task.mtime, "parser_version": PARSER_VERSION, **file}
    return report_row(report_id, task.path, None, status=Status.REJECTED, status_reason=reason, transient=transient,
                      **file), None


def planned_tasks(planned: pl.DataFrame) -> tuple[list[Task], list[dict]]:
    """The files of a plan (``landing.plan``) to read, and the ``reports`` rows of those rejected
    without reading (a link out of the folder, a FIFO, a file over the size limit…)."""
    tasks, rows = [], []
    for f in planned.filter(pl.col("action") != "unchanged").iter_rows(named=True):
        task = Task(f["source_path"], f["target"], f["size_bytes"], f["mtime"])
        if f["action"] == "reject":
            rows.append(rejected(task, f["reason"], transient=f["transient"])[0])
        else:
            tasks.append(task)
    return tasks, rows


_memory_mb = 0.0  # this worker's memory limit, named in the reason when a file reaches it


def limit_memory(megabytes: float) -> None:
    """Let this process's address space grow by at most ``megabytes`` beyond what it holds now
    (RLIMIT_AS): past it, allocations fail and the reader raises MemoryError."""
    with open("/proc/self/statm") as f:
        held = int(f.read().split()[0]) * resource.getpagesize()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = held + int(megabytes * 1e6)
    resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    global _memory_mb
    _memory_mb = megabytes


def _release() -> Callable[[], object]:
    """What gives the memory a read freed back to the system: glibc keeps freed pages in its heap
    for the next allocation, and after a scan (page images, the recogniser's tensors) that heap is
    left in pieces that later reads cannot reuse whole, so a worker would only grow. Nothing
    where the C library has no ``malloc_trim``."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)


def _worker(conn, max_bytes: float, memory_mb: float | None, settings: ReaderSettings) -> None:
    if memory_mb:
        limit_memory(memory_mb)
    release = _release()
    try:
        while (task := conn.recv()) is not None:
            conn.send(read_file(task, max_bytes, lambda: conn.send(OCR_STARTED), settings))
            release()
    except (EOFError, OSError):  # the run ended without telling (it was killed)
        pass


class _Worker:
    def __init__(self, ctx, max_bytes: float, memory_mb: float | None, settings: ReaderSettings):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, max_bytes, memory_mb, settings), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Task] | None = None
        self.started = 0.0
        self.ocr = False  # the file is being read with OCR

    def give(self, index: int, task: Task) -> None:
        self.task, self.started, self.ocr = (index, task), time.monotonic(), False
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        self.conn.close()


def read_files(
    tasks: Iterable[Task], *, max_bytes: float, seconds: float, ocr_seconds: float | None = None,
    memory_mb: float | None = None, workers: int | None = None, settings: ReaderSettings = DEFAULT,
) -> Iterator[tuple[int, dict, dict[str, dict[str, list]] | None]]:
    """(index, row, tables) for every task, in the order they finish, read with ``settings`` by
    worker processes whose memory grows by at most ``memory_mb`` each (None: unlimited); a file
    may take ``seconds``, or ``ocr_seconds`` (default the same) once OCR starts on it."""
    ocr_seconds = seconds if ocr_seconds is None else ocr_seconds
    limit = lambda w: ocr_seconds if w.ocr else seconds  # noqa: E731
    # the largest files first (a scan takes longest): the last file to finish is then a short one
    pending = deque(sorted(enumerate(tasks), key=lambda it: -it[1].size))
    if not pending:
        return
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["reading.pool", *readers.modules(t.path for _, t in pending), "reading.warmup"])

    def worker() -> _Worker:
        return _Worker(ctx, max_bytes, memory_mb, settings)

    pool = [worker() for _ in range(min(workers or os.cpu_count() or 1, len(pending)))]
    try:
        while pending or any(w.task for w in pool):
            for w in pool:
                if w.task is None and pending:
                    w.give(*pending.popleft())
            busy = [w for w in pool if w.task]
            deadline = min(w.started + limit(w) for w in busy)
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
            for w in busy:
                index, task = w.task
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                        if message == OCR_STARTED:
                            w.ocr = True
                            continue
                        row, facts = message
                    except (EOFError, OSError):
                        w.stop(kill=True)
                        died = f" (signal {-w.process.exitcode})" if (w.process.exitcode or 0) < 0 else ""
                        memory = f", perhaps over the memory limit of {memory_mb:g} MB" if memory_mb else ""
                        row, facts = rejected(task, f"the reader process died on this file{died}{memory}",
                                              transient=True)
                        pool[pool.index(w)] = worker()
                    else:
                        w.task = None
                    yield index, row, facts
                elif time.monotonic() - w.started > limit(w):
                    reason = (f"scanned PDF: OCR took longer than the limit of {ocr_seconds:g} s" if w.ocr
                              else f"reading took longer than the limit of {seconds:g} s")
                    w.stop(kill=True)
                    pool[pool.index(w)] = worker()
                    yield index, *rejected(task, reason, transient=True)
    finally:
        for w in pool:
            w.stop(kill=w.task is not None)
