"""The asset checks: one per Great Expectations suite, mapped by severity."""

import dagster as dg

from transforms import catalog


def suite_checks(counts: dict[str, tuple[int, int, int]]) -> list[dg.AssetCheckResult]:
    """One check per suite from the (passed, failed, not assessable) counts of each expectation:
    failed when an expectation of the suite failed, of error severity when one of them is an error."""
    checks = []
    for suite in catalog.SUITES:
        members = [e for e in catalog.EXPECTATIONS.values() if e.suite == suite]
        meta = {}
        for e in members:
            p, f, n = counts.get(e.id, (0, 0, 0))
            meta.update({f"{e.id} passed": p, f"{e.id} failed": f, f"{e.id} not assessable": n})
        failed = sum(counts.get(e.id, (0, 0, 0))[1] for e in members)
        error = any(e.severity == "error" for e in members)
        checks.append(dg.AssetCheckResult(
            check_name=suite, passed=failed == 0, metadata=meta,
            severity=dg.AssetCheckSeverity.ERROR if error else dg.AssetCheckSeverity.WARN,
            description="failures are findings for a data steward, not errors of the run",
        ))
    return checks
