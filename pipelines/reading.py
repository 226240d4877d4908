"""Reading one landed file into a ``reports`` row and its facts, within size and time limits.

Whatever happens, a file ends as a row: a reader error, a file too large, a read that takes too
long, or a file that vanished all become ``rejected`` with the reason in words.
"""

import os
import signal
import threading
from contextlib import contextmanager

from transforms.facts import fact_rows, report_row
from transforms.model import ReadError
from transforms.reports import PARSER_VERSION, read_report


class ReadTimeout(BaseException):
    """Raised by the timer; a BaseException so that no library's ``except Exception`` swallows it."""


@contextmanager
def time_limit(seconds: float):
    """Raise ReadTimeout in this thread after ``seconds`` (only the main thread can be interrupted)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ReadTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_file(path: str, report_id: str, size: int, mtime: float, *, max_bytes: float, seconds: float) -> tuple[dict, list[dict]]:
    """The ``reports`` row of one file and its fact rows; never raises for a bad file."""
    info = dict(size_bytes=size, mtime=mtime, parser_version=PARSER_VERSION)

    def rejected(reason: str) -> tuple[dict, list[dict]]:
        return report_row(report_id, path, None, status="rejected", status_reason=reason, **info), []

    if size > max_bytes:
        return rejected(f"file of {size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:.0f} MB")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        return rejected(f"file could not be read: {e.strerror or e}")
    try:
        with time_limit(seconds):
            report = read_report(os.path.basename(path), data)
    except ReadTimeout:
        return rejected(f"reading took longer than the limit of {seconds:g} s")
    except ReadError as e:
        return rejected(str(e))
    except Exception as e:  # a reader bug must not stop the other files
        return rejected(f"reader error {type(e).__name__}: {e}")
    return report_row(report_id, path, report, **info), fact_rows(report_id, report)
