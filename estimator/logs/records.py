"""Usage records and generation records: JSON lines as OpenRouter's API returns them, turned
into the canonical columns every log format shares (`reader.CANONICAL`).

Two shapes are recognised from a file's first record:
- **usage records**: chat-completion (or Responses API) responses with their `usage` object:
  `id`, `model`, `created`, `provider`, `usage{prompt_tokens, completion_tokens,
  prompt_tokens_details{cached_tokens, cache_write_tokens}, completion_tokens_details
  {reasoning_tokens}, cost, cost_details{upstream_inference_*}, is_byok}`. Wrappers that keep
  the response's `usage` beside `generation_id`, `served_model`, `captured_utc` and
  `requested_model` (as in tests/data/real/) read the same way.
- **generation records**: `GET /api/v1/generation` data (`{"data": {...}}` or the bare
  object): billed on `native_tokens_*` where present (billing uses the provider's own counts),
  `total_cost`, `router`, `request_id`.

Token conventions are the bill's: completion tokens include reasoning; prompt tokens include
cached reads and cache writes.
"""

from __future__ import annotations

from typing import Any

FUSION_MODELS = frozenset({"openrouter/fusion", "openrouter/fusion-flash"})
FUSION_ROUTERS = ("openrouter/fusion",)


def kind_of(record: Any) -> str:
    """'usage', 'generation' or 'columns' (a flat JSON row of activity-export columns)."""
    if not isinstance(record, dict):
        return "columns"
    if isinstance(record.get("usage"), dict):
        return "usage"
    data = record.get("data")
    if isinstance(data, dict) and ("total_cost" in data or "native_tokens_prompt" in data):
        return "generation"
    if "total_cost" in record and ("native_tokens_prompt" in record or "tokens_prompt" in record):
        return "generation"
    return "columns"


def _first(mapping: Any, *keys: str) -> Any:
    if not isinstance(mapping, dict):
        return None
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def _moment(value: Any) -> Any:
    """A date as the log gives it: ISO text, or an epoch number (`created`), whose unit
    (seconds or milliseconds, ...) the date parser tells from its size (rows.EPOCH_UNITS)."""
    if isinstance(value, bool):
        return None
    return value


def _is_fusion(record: dict[str, Any], model: Any) -> bool:
    if model in FUSION_MODELS or record.get("requested_model") in FUSION_MODELS:
        return True
    if record.get("router") in FUSION_ROUTERS or "fusion_item" in record:
        return True
    items = record.get("output")
    if isinstance(items, list):
        return any(isinstance(i, dict) and "fusion" in str(i.get("type", "")) for i in items)
    return False


def from_usage_record(record: dict[str, Any]) -> dict[str, Any]:
    usage = record["usage"]
    model = _first(record, "served_model", "model")
    prompt_details = _first(usage, "prompt_tokens_details", "input_tokens_details") or {}
    completion_details = _first(usage, "completion_tokens_details", "output_tokens_details") or {}
    costs = usage.get("cost_details") if isinstance(usage.get("cost_details"), dict) else {}
    return {
        "generation_id": _first(record, "generation_id", "id"),
        "created_at": _moment(_first(record, "captured_utc", "created_at", "created")),
        "model": model,
        "provider": record.get("provider"),
        "tokens_prompt": _first(usage, "prompt_tokens", "input_tokens"),
        "tokens_completion": _first(usage, "completion_tokens", "output_tokens"),
        "tokens_reasoning": _first(completion_details, "reasoning_tokens"),
        "tokens_cached": _first(prompt_details, "cached_tokens"),
        "tokens_cache_write": _first(prompt_details, "cache_write_tokens"),
        "cost_total": usage.get("cost"),
        "cost_upstream": _first(costs, "upstream_inference_cost"),
        "cost_upstream_prompt": _first(
            costs, "upstream_inference_prompt_cost", "upstream_inference_input_cost"
        ),
        "cost_upstream_completion": _first(
            costs, "upstream_inference_completions_cost", "upstream_inference_output_cost"
        ),
        "is_byok": usage.get("is_byok"),
        "fusion": _is_fusion(record, model),
        "request_id": record.get("request_id"),
    }


def from_generation_record(record: dict[str, Any]) -> dict[str, Any]:
    data = record["data"] if isinstance(record.get("data"), dict) else record
    router = data.get("router")
    byok = data.get("is_byok")
    return {
        "generation_id": data.get("id"),
        "created_at": _moment(data.get("created_at")),
        "model": data.get("model"),
        "provider": data.get("provider_name"),
        "tokens_prompt": _first(data, "native_tokens_prompt", "tokens_prompt"),
        "tokens_completion": _first(data, "native_tokens_completion", "tokens_completion"),
        "tokens_reasoning": _first(data, "native_tokens_reasoning", "tokens_reasoning"),
        "tokens_cached": _first(data, "native_tokens_cached", "tokens_cached"),
        "cost_total": data.get("total_cost"),
        # only a BYOK generation's upstream cost is what the provider billed for its tokens
        "cost_upstream": data.get("upstream_inference_cost") if byok else None,
        "is_byok": byok,
        "cancelled": data.get("cancelled"),
        "fusion": data.get("model") in FUSION_MODELS,  # billed as one response
        "router": router,  # "openrouter/fusion": one generation of a Fusion request
        "request_id": data.get("request_id"),
        "web_search_results": data.get("num_search_results"),
        "web_search_engine": data.get("web_search_engine"),
        "fetches": data.get("num_fetches"),
    }


MAPPERS = {"usage": from_usage_record, "generation": from_generation_record}
