"""The result documents (Estimate, its Decision, CheckResult, ReplayResult, PriceList): typed
data only, every key always printed, money exact. Generated JSON Schemas describe them;
renderers format them; nothing here computes.

May import: errors, strategies (the kind registry, for the kind and verdict enums).
"""
