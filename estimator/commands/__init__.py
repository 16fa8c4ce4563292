"""One module per command group; each handler takes parsed args, calls the library (`api`)
and prints what it returns through the output registry, returning an exit code.

May import: errors, clock, defaults, pricing, scenario, documents, renderers, outputs, api.
"""
