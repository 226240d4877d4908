"""What an ingest pays for at start, seen from a fresh process (its sys.modules after the run):
Great Expectations only when something is to be judged, the OCR library only when a scan is read."""

import json
import shutil
import subprocess
import sys

from conftest import CORPUS, SAMPLES

from pipelines.run import ingest

WATCHED = ("great_expectations", "onnxruntime")
RUN = f"""import json, sys
from cli.main import main
code = main(["ingest", *sys.argv[1:], "--quiet"])
print(json.dumps({{"code": code, "loaded": sorted(m for m in {WATCHED!r} if m in sys.modules)}}))"""


def loaded(landing, db) -> list[str]:
    """The watched libraries that a `gongkai ingest` of ``landing`` into ``db`` imported."""
    done = subprocess.run([sys.executable, "-c", RUN, str(landing), "--warehouse", str(db)],
                          capture_output=True, text=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["code"] == 0, done.stderr
    return out["loaded"]


def test_an_unchanged_ingest_loads_neither_great_expectations_nor_ocr(landing, sample_warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, db)
    assert loaded(landing, db) == []


def test_a_new_text_file_is_judged_without_loading_ocr(tmp_path):
    land = tmp_path / "landing"
    land.mkdir()
    first = sorted(SAMPLES.glob("*.txt"))[0]
    shutil.copy2(first, land / first.name)
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False)
    shutil.copy2(CORPUS / "000_text_tab.txt", land / "000_text_tab.txt")
    assert loaded(land, db) == ["great_expectations"]
