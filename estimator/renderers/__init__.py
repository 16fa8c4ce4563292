"""Renderers: pure functions from computed results to text. They never compute money."""
