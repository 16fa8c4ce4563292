"""The request each strategy sends to OpenRouter's chat completions endpoint
(`POST {base}/chat/completions`), as its docs describe them:

- a single model: `{"model": id, "messages": ..., "max_tokens": N}`;
- the Auto Router: `"model": "openrouter/auto"` with the `auto-router` plugin's `cost_tier`
  and `allowed_models` (openapi `AutoRouterPlugin`);
- Fusion: with `outer_model` (the server-tool path), that model with the `openrouter:fusion`
  tool; else the `openrouter/fusion` alias with the `fusion` plugin. Both carry the panel
  (`analysis_models`), the analyst (`model`), `max_tool_calls` and `max_completion_tokens`;
  `tool_choice: "required"` when the scenario says Fusion always runs (invocation rate 1).

Every body asks for usage accounting (`usage: {include: true}`) so the response carries its
`usage.cost`. Bodies never hold the key (it travels in the Authorization header only).
"""

from __future__ import annotations

import json
from typing import Any

from estimator.pricing.catalog import Catalog
from estimator.scenario.spec import StrategySpec
from estimator.strategies.presets import PRESETS

AUTO_ROUTER = "openrouter/auto"
FUSION_ALIAS = "openrouter/fusion"


def messages_of(sample: Any) -> list[dict[str, Any]]:
    """A prompt sample as chat messages (a plain prompt is one user message)."""
    if sample.messages is not None:
        out = []
        for m in sample.messages:
            message: dict[str, Any] = {"role": m.role, "content": m.content}
            if m.name:
                message["name"] = m.name
            out.append(message)
        return out
    return [{"role": "user", "content": sample.text or ""}]


def body(
    spec: StrategySpec, messages: list[dict[str, Any]], max_tokens: int, catalog: Catalog
) -> dict[str, Any]:
    """The request body of one strategy for one prompt. Models are sent as the concrete ids
    they resolve to in the catalog the bounds were priced with (an alias could move to a
    dearer model on the server); Auto Router globs are sent as written."""
    base: dict[str, Any] = {
        "messages": messages,
        "max_tokens": max_tokens,
        "usage": {"include": True},
    }
    fields: Any = spec.spec
    concrete = _concrete(catalog)
    if spec.kind == "single":
        return {"model": concrete(fields.model), **base}
    if spec.kind == "auto":
        plugin: dict[str, Any] = {"id": "auto-router", "cost_tier": fields.cost_tier}
        if fields.allowed_models:
            plugin["allowed_models"] = list(fields.allowed_models)
        if fields.excluded_models:
            plugin["excluded_models"] = list(fields.excluded_models)
        return {"model": AUTO_ROUTER, **base, "plugins": [plugin]}
    if spec.kind == "fusion":
        return _fusion(fields, base, concrete)
    raise ValueError(f"{spec.name}: a {spec.kind} strategy has no OpenRouter request to pilot")


def _concrete(catalog: Catalog) -> Any:
    return lambda name: catalog.resolve(name).id


def _fusion(fields: Any, base: dict[str, Any], concrete: Any) -> dict[str, Any]:
    preset = PRESETS[fields.preset]
    parameters: dict[str, Any] = {
        "analysis_models": [concrete(m) for m in fields.analysis_models or preset.panel],
        "model": concrete(fields.model or fields.outer_model or preset.analyst),
        "max_tool_calls": fields.max_tool_calls,
        "max_completion_tokens": fields.max_completion_tokens,
    }
    forced = fields.invocation_rate >= 1
    if fields.outer_model:  # the server tool on your own model
        tool = {"type": "openrouter:fusion", "parameters": parameters}
        choice = {"tool_choice": "required"} if forced else {}
        return {"model": concrete(fields.outer_model), **base, "tools": [tool], **choice}
    plugin = {"id": "fusion", **parameters}
    return {"model": FUSION_ALIAS, **base, "plugins": [plugin]}


def encode(body: dict[str, Any]) -> bytes:
    """The body as it is sent, byte for byte (compact UTF-8 JSON, as httpx would send it):
    the bound is computed from these bytes, so nothing sent escapes it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def answer_tokens(body: dict[str, Any]) -> int:
    """The most tokens an answer to `body` may carry: its `max_tokens`, and for Fusion each
    panel member's and the analyst's `max_completion_tokens` on every tool step (the
    response may quote their answers)."""
    total = int(body.get("max_tokens") or 0)
    parameters = [t.get("parameters") or {} for t in body.get("tools") or []]
    parameters += [p for p in body.get("plugins") or [] if p.get("id") == "fusion"]
    for fusion in parameters:
        inner = len(fusion.get("analysis_models") or []) + 1
        steps = max(1, int(fusion.get("max_tool_calls") or 1))
        total += inner * steps * int(fusion.get("max_completion_tokens") or 0)
    return total


def piloted(spec: StrategySpec) -> bool:
    """Strategies a pilot can send: single, Auto Router and Fusion."""
    return spec.kind in ("single", "auto", "fusion")
