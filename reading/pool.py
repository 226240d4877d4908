"""Reading landed files into ``reports`` rows and facts, in worker processes, within limits.

Files are read in parallel by a few worker processes (one per core). A worker that takes longer
than the time limit on a file is killed and replaced, so a file that makes the parser hang only
costs its own row. Whatever happens, a file ends as a row: a reader error, a file too large, a
read that takes too long, a worker that died, or a file that vanished all become ``rejected``
with the reason in words.
"""

import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

import polars as pl

from transforms.facts import fact_columns, report_row
from transforms.model import ReadError, Status
from transforms.reports import PARSER_VERSION, read_report


MAX_MEGABYTES = 100.0  # a larger file is rejected
READ_SECONDS = 120.0  # a file whose reading takes longer is rejected


@dataclass(frozen=True)
class Task:
    path: str
    report_id: str
    size: int
    mtime: float


def read_file(task: Task, max_bytes: float) -> tuple[dict, dict[str, list] | None]:
    """The ``reports`` row of one file and its facts column by column (None when it has none);
    never raises for a bad file."""
    if task.size > max_bytes:
        return rejected(task, f"file of {task.size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:.0f} MB")
    try:
        with open(task.path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        return rejected(task, f"file could not be read: {e.strerror or e}")
    try:
        report = read_report(os.path.basename(task.path), data)
    except ReadError as e:
        return rejected(task, str(e))
    except Exception as e:  # a reader bug must not stop the other files
        return rejected(task, f"reader error {type(e).__name__}: {e}")
    return report_row(task.report_id, task.path, report, **file_info(task)), fact_columns(task.report_id, report)


def rejected(task: Task, reason: str) -> tuple[dict, None]:
    return report_row(task.report_id, task.path, None, status=Status.REJECTED, status_reason=reason, **file_info(task)), None


def file_info(task: Task) -> dict:
    """The ``reports`` columns that say which version of the file was read, and by which reader."""
    return dict(size_bytes=task.size, mtime=task.mtime, parser_version=PARSER_VERSION)


def planned_tasks(planned: pl.DataFrame) -> tuple[list[Task], list[dict]]:
    """The files of a plan (``landing.plan``) to read, and the ``reports`` rows of those that need
    no reading: a duplicate, or a file that vanished before it was hashed."""
    tasks, rows = [], []
    for f in planned.iter_rows(named=True):
        task = Task(f["source_path"], f["report_id"], f["size_bytes"], f["mtime"])
        if f["action"] == "duplicate":
            rows.append(report_row(task.report_id, task.path, None, status=Status.DUPLICATE, duplicate_of=f["duplicate_of"],
                                   status_reason=f"same bytes as {f['duplicate_of']}; facts are loaded once",
                                   **file_info(task)))
        elif f["action"] == "gone":
            rows.append(report_row("", task.path, None, status=Status.REJECTED,
                                   status_reason=f"file vanished before it could be read: {f['duplicate_of']}",
                                   **file_info(task)))
        else:
            tasks.append(task)
    return tasks, rows


def _worker(conn, max_bytes: float) -> None:
    while (task := conn.recv()) is not None:
        conn.send(read_file(task, max_bytes))


class _Worker:
    def __init__(self, ctx, max_bytes: float):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, max_bytes), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Task] | None = None
        self.started = 0.0

    def give(self, index: int, task: Task) -> None:
        self.task, self.started = (index, task), time.monotonic()
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
    tasks: Iterable[Task], *, max_bytes: float, seconds: float, workers: int | None = None
) -> Iterator[tuple[int, dict, dict[str, list] | None]]:
    """(index, row, facts) for every task, in the order they finish, read by worker processes."""
    pending = deque(enumerate(tasks))
    if not pending:
        return
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["reading.pool", "reading.warmup"])
    pool = [_Worker(ctx, max_bytes) for _ in range(min(workers or os.cpu_count() or 1, len(pending)))]
    try:
        while pending or any(w.task for w in pool):
            for w in pool:
                if w.task is None and pending:
                    w.give(*pending.popleft())
            busy = [w for w in pool if w.task]
            deadline = min(w.started for w in busy) + seconds
            ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
            for w in busy:
                index, task = w.task
                if w.conn in ready:
                    try:
                        row, facts = w.conn.recv()
                    except (EOFError, OSError):
                        row, facts = rejected(task, "the reader crashed on this file")
                        pool[pool.index(w)] = _replace(w, ctx, max_bytes)
                    else:
                        w.task = None
                    yield index, row, facts
                elif time.monotonic() - w.started > seconds:
                    pool[pool.index(w)] = _replace(w, ctx, max_bytes)
                    yield index, *rejected(task, f"reading took longer than the limit of {seconds:g} s")
    finally:
        for w in pool:
            w.stop(kill=w.task is not None)


def _replace(worker: _Worker, ctx, max_bytes: float) -> _Worker:
    worker.stop(kill=True)
    return _Worker(ctx, max_bytes)
