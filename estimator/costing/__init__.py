"""Costing: a strategy's CallPlan priced against the catalog (exactly for the mean request,
vectorised for Monte Carlo samples), its breakdown by stage and model, context limits, the
month's projection and OpenRouter's fees: one `StrategyResult` per strategy.

May import: errors, clock, defaults, pricing, workload, strategies, documents, scenario.
"""
