"""Decision: expected cost with errors and waiting, break-evens, latency, sensitivity and the
verdict, one module per step (`decide` puts them together). Reasons come out as data (a kind
and its figures); the renderers word them.

May import: errors, clock, defaults, pricing, workload, strategies, documents, scenario, costing.
"""
