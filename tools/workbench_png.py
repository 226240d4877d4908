"""``python -m tools.workbench_png [OUT]``: the README's picture of the workbench (docs/workbench.png).

The samples and the corpus PDF 007 (whose truth breaks applications_balance for 自然人) are
ingested into a temporary warehouse, and that finding's page is shot by headless Chromium at a
steward's 1400×900 (the browser tests' driver and flags, ``tests/web/client.py``).
"""

import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "tests" / "corpus" / "007_pdf_reportlab.pdf"


def main(out: Path) -> None:
    sys.path.append(str(ROOT / "tests" / "web"))
    from client import chromium, serving

    from pipelines.run import ingest

    with tempfile.TemporaryDirectory() as tmp:
        landing, db = Path(tmp) / "landing", Path(tmp) / "warehouse.duckdb"
        shutil.copytree(ROOT / "data" / "samples", landing)
        shutil.copy2(PDF, landing / PDF.name)
        assert ingest(landing, db, echo=False)
        with duckdb.connect(str(db), read_only=True) as con:
            finding_id = con.execute(
                "select f.finding_id from findings f join reports r using (report_id) where r.source_path like ? "
                "and f.expectation = 'applications_balance' and f.scope = 'natural_person'", [f"%{PDF.name}"]
            ).fetchall()[0][0]
        with serving(db, landing) as base, chromium(Path(tmp) / "profile") as browser:
            browser.get(f"{base}/findings/{finding_id}?expectation=applications_balance")
            browser.execute_script("return document.fonts.ready")
            browser.save_screenshot(str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "workbench.png")
