"""Finding report files under the landing folder and deciding which ones need reading."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.model import LOADED
from transforms.reports import PARSER_VERSION

DEFAULT_LANDING = Path(__file__).resolve().parents[1] / "data" / "samples"
SIDECARS = (".truth.json",)  # ground truth kept beside sample reports, not a report itself


@dataclass(frozen=True)
class LandedFile:
    path: str  # absolute, POSIX
    size: int
    mtime: float


def root(path: str | Path) -> str:
    """The landing folder as it is recorded in ``reports.source_path``: absolute, POSIX."""
    return Path(path).resolve().as_posix()


def scan(folder: str | Path) -> list[LandedFile]:
    """Every regular file below ``folder`` (hidden files and sidecars excepted), sorted by path."""
    found = []
    for p in sorted(Path(root(folder)).rglob("*")):
        if p.name.startswith(".") or p.name.endswith(SIDECARS) or not p.is_file():
            continue
        st = p.stat()
        found.append(LandedFile(p.as_posix(), st.st_size, st.st_mtime))
    return found


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


PLAN_SCHEMA = pl.Schema(
    {
        "source_path": pl.String,
        "size_bytes": pl.Int64,
        "mtime": pl.Float64,
        "report_id": pl.String,
        "action": pl.String,  # read, unchanged, duplicate, gone (vanished before hashing)
        "duplicate_of": pl.String,
    }
)


def plan(files: list[LandedFile], known: pl.DataFrame) -> pl.DataFrame:
    """What to do with each file, given the ``reports`` rows already in the warehouse.

    A file known with the same size, mtime and parser version is unchanged without being hashed.
    Otherwise it is hashed: the same bytes as a report loaded under another path make it a
    duplicate (a file touched but unchanged is simply read again).
    """
    by_path = {r["source_path"]: r for r in known.iter_rows(named=True)}
    loaded = {
        r["report_id"]: r["source_path"]
        for r in known.iter_rows(named=True)
        if r["status"] in LOADED
    }
    rows = []
    for f in files:
        old = by_path.get(f.path)
        if old and (old["size_bytes"], old["mtime"], old["parser_version"]) == (f.size, f.mtime, PARSER_VERSION):
            rows.append((f.path, f.size, f.mtime, old["report_id"], "unchanged", None))
            continue
        try:
            digest = sha256(f.path)
        except OSError as e:  # deleted or unreadable between the scan and now
            rows.append((f.path, f.size, f.mtime, None, "gone", str(e)))
            continue
        first = loaded.get(digest)
        if first and first != f.path:
            rows.append((f.path, f.size, f.mtime, digest, "duplicate", first))
        else:
            rows.append((f.path, f.size, f.mtime, digest, "read", None))
            loaded.setdefault(digest, f.path)
    return pl.DataFrame(rows, schema=PLAN_SCHEMA, orient="row")
