"""Named points where a test can stop the ingest as a crash would.

``GONGKAI_KILL_AT=<point>[:<n>]`` makes the process SIGKILL itself when it reaches ``point`` for
the n-th time (default the first): ``read`` (after n files read), ``staged`` (facts staged as
Parquet, nothing loaded), ``loaded`` (reports and facts committed), ``decisions`` (decisions
imported, corrections not yet applied), ``judged`` (after n batches of in-report judging),
``cross_year`` (cross-year results committed) and ``findings`` (findings updated, the run not yet
recorded). Unset, every call is a no-op.
"""

import os
import signal

POINTS = ("read", "staged", "loaded", "decisions", "judged", "cross_year", "findings")


def reached(point: str, count: int = 1) -> None:
    """Kill this process at once (no cleanup, no flush) if GONGKAI_KILL_AT names ``point`` and
    ``count`` is its n."""
    spec = os.environ.get("GONGKAI_KILL_AT")
    if not spec:
        return
    name, _, n = spec.partition(":")
    if name == point and count == int(n or 1):
        os.kill(os.getpid(), signal.SIGKILL)
