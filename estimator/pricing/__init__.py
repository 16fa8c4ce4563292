"""Prices: the catalog of OpenRouter models, where it comes from and where it is kept."""
