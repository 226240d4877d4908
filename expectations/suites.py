"""Great Expectations suites built from the template catalog."""

from transforms import catalog

IDENTITY_SUITE = "in_report_identities"


def identity_suite():
    """One expectation per in-report identity: observed equals expected on that identity's rows."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    return gx.ExpectationSuite(
        name=IDENTITY_SUITE,
        expectations=[
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="observed",
                column_B="expected",
                row_condition=Column("expectation") == identity,
                severity="warning",
                meta={"identity": identity},
                description=f"{identity}: {statement}",
            )
            for identity, statement in catalog.IDENTITIES.items()
        ],
    )
