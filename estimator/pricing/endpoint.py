"""Where the models API is: the default base URL and the variable that overrides it (a module of
its own so the CLI can name them without loading the HTTP client)."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
BASE_URL_VARIABLE = "FUSION_COST_BASE_URL"
