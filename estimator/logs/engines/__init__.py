"""Where a log's rows are aggregated: DuckDB (embedded, the default), Spark, or a warehouse
running the emitted SQL. An engine never prices: prices reach it as a table of price bands
compiled from the billing rule (`bands`), it returns sufficient statistics (`stats`) and the
few rows that need the per-row path, and the rule prices them exactly (`logs/summary.py`).

Modules: `bands` (the price-band table), `sqlrule` (the rule and the automatic cache writes as
SQL expressions), `cells` (where a strategy's cost is affine: its cuts, probed from its plans,
and the exact pricing of a cell), `canon` (a source's columns as the canonical row, validated),
`query` (the generated queries, transpiled per dialect), `stats` (the statistics, mergeable,
read from files), `spec` (what a statistics file was made for), `plan` (a replay's plan and an
engine's outcome), `frames` (rows to and from Arrow), `duck`, `spark`, `run` (which engine
reads), `emit` (`fusion-cost sql`), `verify` (`sql --verify`).
"""
