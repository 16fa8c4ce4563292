"""The workload: what one request holds (`request.Request`, exact or vectorised tokens), the
scenario's `workload:` section (`spec`), token distributions and their samples, and the
`Profile` of a month of traffic that costing, decision and replay read.

May import: errors, clock, defaults, pricing.
"""
