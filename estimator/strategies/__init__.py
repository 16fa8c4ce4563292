"""Strategies know OpenRouter's call structure (which calls a request makes), not prices.

One module per kind (`single`, `auto`, `fusion`, `self_consistency`, `diy_panel`), each with its
spec, builder and `KIND`, registered once in `registry`; `stages` is the one table of stages;
`callplan` the plain data a strategy expands a request into.

May import: errors, clock, defaults, pricing, workload.
"""
