"""The workload: what one request holds (`request.Request`, exact or vectorised tokens), the
scenario's `workload:` section (`spec`), token distributions and their samples, and the
`Profile` of a month of traffic that costing, decision and replay read; and error rates in
the forms people have them (`rates`: a rate, a range, graded answers), which a scenario's
decision and a Fusion strategy's outer model both take.

May import: errors, clock, defaults, pricing.
"""
