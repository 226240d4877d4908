import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.run import ingest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REAL = ROOT / "data" / "real"
CORPUS = ROOT / "tests" / "corpus"
DOCS = ROOT / "docs"


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
