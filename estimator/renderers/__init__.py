"""Renderers: pure functions from result documents to text or bytes, registered per document
and format in `registry`. They word what the domain hands over as data (reasons, policy
results) and never compute money.

May import: errors, clock, defaults, strategies, documents.
"""
