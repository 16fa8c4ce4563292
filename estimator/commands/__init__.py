"""One module per command group; each handler takes parsed args and returns an exit code."""
