"""The CI gate behind `check`. Estimate a scenario (`pipeline`), diff it against a baseline estimate
(`baseline`, `diff`) and evaluate the policy's gates (`policies`) into a CheckResult (`run`).

May import: errors, clock, defaults, pricing, workload, strategies, documents, scenario, costing,
pipeline.
"""
