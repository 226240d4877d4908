"""Finding report files under the landing folder and deciding which ones need reading.

Every entry below the folder becomes a ``LandedFile``, including those that cannot be read (a
link pointing outside the folder, a broken link, a FIFO, a hidden file): each of them gets its
``reports`` row, rejected with the reason. Nothing here reads a file's bytes: a worker reads
them, hashes what it read and parses it (``reading.pool``); ``settle`` then names the
duplicates among what was read.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fetching import provenance
from transforms.model import Status
from transforms.reports import PARSER_VERSION

DEFAULT_LANDING = Path(__file__).resolve().parents[1] / "data" / "samples"
# Not reports, so not listed: ground truth beside sample reports; what gongkai fetch keeps beside a file (its
# provenance record) and a report page that only links to its report (its cover, named in the report's record)
SIDECARS = (".truth.json", provenance.SIDECAR, provenance.COVER)
FETCH_STATE = provenance.STATE  # gongkai fetch's own folder at the top of the landing folder (its log, index pages)
KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device"}


@dataclass(frozen=True)
class LandedFile:
    path: str  # as recorded in reports.source_path: absolute, POSIX; bytes of the name that are not UTF-8 as \xNN
    size: int
    mtime: float
    target: str = ""  # what a worker opens: the file itself, or where a link inside the folder points
    problem: str = ""  # why the file cannot be read, known without reading it
    transient: bool = False  # the problem may pass while the entry stays as it is (a link whose target is missing)


def root(path: str | Path) -> str:
    """The landing folder as it is recorded in ``reports.source_path``: absolute, POSIX."""
    return Path(path).resolve().as_posix()


def shown(path: str) -> str:
    """A path as text that DuckDB and polars can hold: bytes of the name that are not UTF-8 (a
    name from an archive made on another system) written as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def scan(folder: str | Path) -> list[LandedFile]:
    """Every entry below ``folder`` except folders, sidecars, covers and gongkai fetch's own folder,
    sorted by path. Links to folders are listed (not followed); a sub-folder that cannot be listed is
    listed itself."""
    base = root(folder)
    found = []

    def unlisted(error: OSError) -> None:
        found.append(LandedFile(shown(error.filename), 0, 0.0, problem=f"folder could not be listed: {error.strerror}",
                                transient=True))

    for where, folders, names in os.walk(base, onerror=unlisted):
        links = [d for d in folders if os.path.islink(os.path.join(where, d))]
        folders[:] = [d for d in folders if d not in links and not (where == base and d == FETCH_STATE)]
        for name in names + links:
            if not name.endswith(SIDECARS):
                found.append(_landed(base, os.path.join(where, name)))
    return sorted(found, key=lambda f: f.path)


def _landed(base: str, path: str) -> LandedFile:
    try:
        st = os.lstat(path)
    except OSError as e:
        return LandedFile(shown(path), 0, 0.0, problem=f"file vanished before it could be read: {e.strerror}",
                          transient=True)

    def rejected(problem: str, transient: bool = False) -> LandedFile:
        return LandedFile(shown(path), st.st_size, st.st_mtime, problem=problem, transient=transient)

    target = path
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not (target + "/").startswith(base + "/"):
            return rejected("symbolic link to outside the landing folder (not followed)")
        try:
            st = os.stat(target)  # the target's size and time tell when its bytes change
        except OSError:
            return rejected("broken symbolic link: its target does not exist", transient=True)
        if stat.S_ISDIR(st.st_mode):
            return rejected("symbolic link to a folder (not followed)")
    if not stat.S_ISREG(st.st_mode):
        return rejected(f"not a regular file ({KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')})")
    if any(part.startswith(".") for part in Path(path).relative_to(base).parts):
        return rejected("hidden file (its name or a folder's starts with a dot)")
    return LandedFile(shown(path), st.st_size, st.st_mtime, target)


PLAN_SCHEMA = pl.Schema(
    {
        "source_path": pl.String,
        "target": pl.Binary,  # the path to open, as bytes (a name need not be UTF-8)
        "size_bytes": pl.Int64,
        "mtime": pl.Float64,
        "report_id": pl.String,
        "status": pl.String,  # of an unchanged file: its status in the warehouse
        "action": pl.String,  # read, unchanged, reject
        "reason": pl.String,  # why rejected
        "transient": pl.Boolean,
    }
)


def plan(files: list[LandedFile], known: pl.DataFrame, *, max_bytes: float) -> pl.DataFrame:
    """What to do with each file, given the ``reports`` rows already in the warehouse.

    A file known with the same size, mtime and parser version is unchanged and not read again,
    unless it was rejected for a passing cause (``transient``: a limit of the run, a file that
    vanished or could not be opened) or it is a duplicate whose original is no longer an
    unchanged file of the folder. A file over the size limit is rejected without being read.
    """
    by_path = {r["source_path"]: r for r in known.iter_rows(named=True)}

    def same(f: LandedFile, old: dict | None) -> bool:
        return bool(old) and not old["transient"] and (old["size_bytes"], old["mtime"], old["parser_version"]) == (
            f.size, f.mtime, PARSER_VERSION)

    holders: dict[str, str] = {}  # report_id → the unchanged file that holds it (not a duplicate)
    for f in files:
        old = by_path.get(f.path)
        if not f.problem and same(f, old) and old["report_id"] and old["status"] != Status.DUPLICATE:
            holders.setdefault(old["report_id"], f.path)
    rows = []
    for f in files:
        old = by_path.get(f.path)
        target = os.fsencode(f.target) if f.target else None
        if f.problem:
            if same(f, old) and old["status"] == Status.REJECTED and old["status_reason"] == f.problem:
                rows.append(
                    (f.path, None, f.size, f.mtime, old["report_id"], Status.REJECTED, "unchanged", None, False)
                )
            else:
                rows.append((f.path, None, f.size, f.mtime, "", None, "reject", f.problem, f.transient))
        elif same(f, old) and (
            old["status"] != Status.DUPLICATE or holders.get(old["report_id"]) == old["duplicate_of"]
        ):
            rows.append((f.path, target, f.size, f.mtime, old["report_id"], old["status"], "unchanged", None, False))
        elif f.size > max_bytes:
            reason = f"file of {f.size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:g} MB"
            rows.append((f.path, None, f.size, f.mtime, "", None, "reject", reason, True))
        else:
            rows.append((f.path, target, f.size, f.mtime, None, None, "read", None, None))
    return pl.DataFrame(rows, schema=PLAN_SCHEMA, orient="row")


def with_origin(rows: list[dict]) -> list[dict]:
    """The rows with ``source_url`` and ``fetched_at`` from the provenance record beside each file
    (``gongkai fetch`` writes it; a file landed by hand has none: NULL)."""
    for row in rows:
        row["source_url"], row["fetched_at"] = provenance.origin(row["source_path"])
    return rows


def settle(read: list[dict], planned: pl.DataFrame) -> list[dict]:
    """The ``reports`` rows of the files read, with duplicates named: a file whose bytes (its
    report_id) are held by an unchanged file, or by a file read in this run whose path sorts
    first, becomes a ``duplicate`` of that file; its facts are not loaded again."""
    holders: dict[str, str] = {}
    for f in planned.filter(pl.col("action") == "unchanged").iter_rows(named=True):
        if f["report_id"] and f["status"] != Status.DUPLICATE:
            holders.setdefault(f["report_id"], f["source_path"])
    out = []
    for row in sorted(read, key=lambda r: r["source_path"]):
        rid = row["report_id"]
        if rid and not row["transient"]:
            first = holders.setdefault(rid, row["source_path"])
            if first != row["source_path"]:
                row = {**{k: None for k in row}, "report_id": rid, "source_path": row["source_path"], "notes": [],
                       "status": Status.DUPLICATE, "duplicate_of": first,
                       "status_reason": f"same bytes as {first}; facts are loaded once",
                       **{k: row[k] for k in ("size_bytes", "mtime", "parser_version")}}
        out.append(row)
    return out
