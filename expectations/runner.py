"""Running the identity suite on the frame of identity sides and reading back per-row verdicts."""

import polars as pl


def judge_identities(sides: pl.DataFrame) -> pl.DataFrame:
    """``sides`` with a ``success`` column: GX's verdict per row, NULL where not assessable."""
    import great_expectations as gx

    from expectations.suites import identity_suite

    frame = sides.with_row_index("row_id")
    judged = frame.filter(pl.col("assessable"))
    failed: set[int] = set()
    if judged.height:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        batch = (
            context.data_sources.add_pandas("identities")
            .add_dataframe_asset("sides")
            .add_batch_definition_whole_dataframe("all")
        )
        suite = context.suites.add(identity_suite())
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name="identities", data=batch, suite=suite)
        )
        result = validation.run(
            batch_parameters={"dataframe": judged.select("row_id", "expectation", "observed", "expected").to_pandas()},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
        )
        for outcome in result.results:
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(f"identity suite failed to run: {outcome.exception_info}")
            for hit in outcome.result.get("unexpected_index_list") or []:
                failed.add(int(hit["row_id"]))
    return frame.with_columns(
        pl.when(~pl.col("assessable"))
        .then(None)
        .otherwise(~pl.col("row_id").is_in(list(failed)))
        .alias("success")
    ).drop("row_id")
