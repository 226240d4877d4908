"""The asset checks: one per Great Expectations suite, mapped by severity, described from the catalog."""

import dagster as dg

from transforms import catalog


def description(suite: str) -> str:
    """What a suite's check judges, from the catalog: each expectation's Chinese name and statement."""
    members = [e for e in catalog.EXPECTATIONS.values() if e.suite == suite]
    severity = "error" if any(e.severity == "error" for e in members) else "warning"
    judged = "; ".join(f"{e.name_zh} ({e.id}): {e.statement}" for e in members)
    return f"{judged}. Failures ({severity}) are findings for a data steward, not errors of the run."


def check_specs() -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name=suite, asset="expectation_results", description=description(suite))
            for suite in catalog.SUITES]


def suite_checks(counts: dict[str, tuple[int, int, int]], cells_checked: int) -> list[dg.AssetCheckResult]:
    """One check per suite from the (passed, failed, not assessable) counts of each expectation:
    failed when an expectation of the suite failed, of error severity when one of them is an error.
    The value domain judges every fact (``cells_checked``) and keeps only its failures: it reports
    those two numbers."""
    checks = []
    for suite in catalog.SUITES:
        members = [e for e in catalog.EXPECTATIONS.values() if e.suite == suite]
        meta = {}
        for e in members:
            p, f, n = counts.get(e.id, (0, 0, 0))
            if e.id == "value_domain":
                meta.update({"cells checked": cells_checked, "cells outside their domain": f})
            else:
                meta.update({f"{e.id} passed": p, f"{e.id} failed": f, f"{e.id} not assessable": n})
        failed = sum(counts.get(e.id, (0, 0, 0))[1] for e in members)
        error = any(e.severity == "error" for e in members)
        checks.append(dg.AssetCheckResult(
            check_name=suite, passed=failed == 0, metadata=meta,
            severity=dg.AssetCheckSeverity.ERROR if error else dg.AssetCheckSeverity.WARN,
            description=description(suite),
        ))
    return checks
