"""How a command ends when the warehouse cannot be opened: a message and the exit code."""

import sys

from warehouse.store import NotAWarehouse, WarehouseBusy

STORE_ERRORS = (WarehouseBusy, NotAWarehouse)


def store_error(e: Exception) -> int:
    """Print why the warehouse could not be opened; 1 while a run holds it (try again later), 2 for
    a path that is not a warehouse (a bad command line)."""
    busy = isinstance(e, WarehouseBusy)
    print(f"gongkai: {e}" + ("; try again when the running ingest ends" if busy else ""), file=sys.stderr)
    return 1 if busy else 2
