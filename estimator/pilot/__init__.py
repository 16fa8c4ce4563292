"""`fusion-cost pilot`: run the scenario's strategies on the user's own prompts through
OpenRouter, under a spend cap that cannot be crossed, keep every call as a record, and turn
the records into a calibration, a fitted scenario, a blind review page and counted error
rates (`grade`).

Modules: `bodies` (the request each strategy sends), `bounds` (each call's worst case),
`ledger` (the cap and the append-only records), `client` (the HTTP calls, retries, the
strict reading of answers), `run` (putting them together), `calibrate` (records ->
calibration and fitted scenario), `review` (the blind review page), `evidence` (writing
them) and `grade` (grades -> error rates).

May import: errors, clock, defaults, pricing, workload, strategies, documents, scenario, costing,
outputs.
"""
