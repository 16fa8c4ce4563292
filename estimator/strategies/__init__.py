"""Strategies know OpenRouter's call structure (which calls a request makes), not prices."""
