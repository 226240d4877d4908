"""Great Expectations suites, built from the template catalog's expectations.

Three suites judge frames of sides (``transforms.identities``): each expectation compares
``observed`` with ``expected`` on its own rows. The value-domain suite judges the facts
themselves. GX severities: 'critical' for errors, 'warning' for warnings.
"""

from transforms import catalog

SEVERITY = {"error": "critical", "warning": "warning"}


def sides_suite(suite: str):
    """observed == expected for every expectation of ``suite`` (a frame of identity sides)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    return gx.ExpectationSuite(
        name=suite,
        expectations=[
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="observed",
                column_B="expected",
                row_condition=Column("expectation") == e.id,
                severity=SEVERITY[e.severity],
                meta={"expectation": e.id},
                description=f"{e.id}: {e.statement}",
            )
            for e in catalog.EXPECTATIONS.values()
            if e.suite == suite
        ],
    )


def value_domain_suite():
    """On facts with ``signed``, ``counted`` and ``whole`` (transforms.identities.domain_frame)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    severity = SEVERITY[catalog.EXPECTATIONS["value_domain"].severity]
    return gx.ExpectationSuite(
        name="value_domain",
        expectations=[
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="value", min_value=0, row_condition=Column("signed") == False,  # noqa: E712
                severity=severity, meta={"expectation": "value_domain", "rule": "non-negative"},
                description="counts and money are not negative (本年增/减 may be)",
            ),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="whole", value_set=[True], row_condition=Column("counted") == True,  # noqa: E712
                severity=severity, meta={"expectation": "value_domain", "rule": "whole number"},
                description="counts are whole numbers",
            ),
        ],
    )
