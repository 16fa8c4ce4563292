"""The scenario file: its schema (`spec`, with each kind's spec from the registry), reading it
with file:line errors (`io`), quick options (`quick`), the defaults it relied on
(`assumptions`), and binding its strategies to the catalog (`build`).

May import: errors, clock, defaults, pricing, workload, strategies, documents.
"""
