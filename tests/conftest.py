import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipelines.run import ingest
from transforms.model import ParsedReport, ReadError
from transforms.reports import PARSER_VERSION, read_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REAL = ROOT / "data" / "real"
CORPUS = ROOT / "tests" / "corpus"
DOCS = ROOT / "docs"


# The files that take longest, started first: `make test` gives each worker a file at a time, in
# collection order (--no-loadscope-reorder), so the two workers end together.
LONGEST = ("pipelines/test_landing_states.py", "pipelines/test_faults.py", "reading/test_ocr.py",
           "pipelines/test_nothing_lost.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(ROOT / "tests").as_posix()
        return LONGEST.index(path) if path in LONGEST else len(LONGEST)

    items.sort(key=rank)


def truths() -> dict[str, dict]:
    """Ground truth of every sample, keyed by the report's file name."""
    return {json.loads(p.read_text())["file"]: json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.truth.json"))}


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """A temporary Dagster instance that records every run the tests start (never data/dagster_home)."""
    home = tmp_path_factory.mktemp("dagster_home")
    before = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield home
    if before is None:
        del os.environ["DAGSTER_HOME"]
    else:
        os.environ["DAGSTER_HOME"] = before


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    """A copy of data/samples that tests may not change (each test that changes files copies again)."""
    target = tmp_path_factory.mktemp("landing")
    for p in SAMPLES.iterdir():
        shutil.copy2(p, target / p.name)
    return target


@pytest.fixture(scope="session")
def sample_warehouse(landing, tmp_path_factory) -> Path:
    """The samples ingested once through the full Dagster job."""
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    assert ingest(landing, path, echo=False)
    return path


@pytest.fixture(scope="session")
def read_once() -> Callable[[str, bytes], ParsedReport]:
    """``read_report`` reading each file once a session, keyed by its name, the bytes' checksum and
    the parser's version: the tests that need a scan read by OCR (real OCR, never stubbed) share
    one reading of it. The reports are shared: a test must not change them."""
    readings: dict[tuple[str, str, str], ParsedReport | ReadError] = {}

    def read(name: str, data: bytes) -> ParsedReport:
        key = (name, hashlib.sha256(data).hexdigest(), PARSER_VERSION)
        if key not in readings:
            try:
                readings[key] = read_report(name, data)
            except ReadError as e:
                readings[key] = e
        if isinstance(readings[key], ReadError):
            raise readings[key]
        return readings[key]

    return read


class FakeClock:
    """Time that moves only when something waits (or a test moves ``t``): nothing sleeps."""

    def __init__(self):
        self.t, self.slept = 1000.0, []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.t += seconds


def query(path: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def make_pdf(draw, **kw) -> bytes:
    """A one-page PDF drawn by ``draw(canvas)`` with reportlab (``kw``: e.g. encrypt=...)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, **kw)
    draw(c)
    c.showPage()
    c.save()
    return out.getvalue()
