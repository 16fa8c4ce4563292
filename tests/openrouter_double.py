"""A local double of OpenRouter's chat completions endpoint (pytest-httpserver) that answers
like the real API: `usage` shaped after the real bills in tests/data/real (cost, tokens,
prompt and completion details, upstream cost), a Fusion answer shaped after the real Fusion
response (outer-model tokens only in usage; the whole cost in usage.cost; a failed panel
member), the Auto Router naming the model it picked; and faults on demand: 429 with
Retry-After, 5xx, a response without usage, a slow answer."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug import Request, Response

# list prices of the 2026-08-19 catalog, USD per token, typed in
PRICES = {
    "openai/gpt-5.4-mini": (Decimal("0.00000075"), Decimal("0.0000045")),
    "deepseek/deepseek-v4-flash": (Decimal("0.0000000798"), Decimal("0.0000001596")),
    "google/gemini-3.7-flash": (Decimal("0.000000375"), Decimal("0.000001875")),
}
FUSION_INNER_USD = Decimal("0.004")  # the panel and analyst of one small Fusion call
ANSWER_TOKENS = 120
D_OVERBILL = Decimal("0.25")


@dataclass
class Double:
    """Counts what it was asked and what it billed; faults are queued per request."""

    billed: Decimal = Decimal(0)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # 429, 500, no-usage, slow, overbill
    delay_s: float = 0.0
    keys_seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, prompt: str, model: str) -> int:
        return sum(
            1
            for r in self.requests
            if r["body"]["messages"][-1]["content"] == prompt and r["body"]["model"] == model
        )

    def handler(self, request: Request) -> Response:
        body = json.loads(request.data)
        with self.lock:
            fault = self.faults.pop(0) if self.faults else ""
            self.requests.append({"body": body, "fault": fault})
            self.keys_seen.add(request.headers.get("Authorization", ""))
        if self.delay_s or fault == "slow":
            time.sleep(self.delay_s or 0.5)
        if fault == "429":
            return Response(
                json.dumps({"error": {"code": 429, "message": "Rate limit exceeded"}}),
                status=429,
                headers={"Retry-After": "0"},
                content_type="application/json",
            )
        if fault == "500":
            return Response(
                json.dumps({"error": {"code": 500, "message": "upstream error"}}),
                status=502,
                content_type="application/json",
            )
        answer, cost = self._answer(body)
        if fault == "no-usage":
            answer.pop("usage")
        if fault == "overbill":  # a bill no bound foresaw
            cost = D_OVERBILL
            answer["usage"]["cost"] = float(cost)
        with self.lock:
            self.billed += cost
        return Response(json.dumps(answer), content_type="application/json")

    def _answer(self, body: dict[str, Any]) -> tuple[dict[str, Any], Decimal]:
        model = body["model"]
        plugins = body.get("plugins") or []
        if model == "openrouter/auto":
            allowed = plugins[0].get("allowed_models") or ["openai/gpt-5.4-mini"]
            model = allowed[len(self.requests) % len(allowed)]
        text = json.dumps(body["messages"])
        prompt = 7 + len(text) // 4
        completion = min(ANSWER_TOKENS, int(body["max_tokens"]))
        price_in, price_out = PRICES[model]
        outer = prompt * price_in + completion * price_out
        fusion = bool(body.get("tools")) or model == "openrouter/fusion"
        cost = outer + (FUSION_INNER_USD if fusion else 0)
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "cost": float(cost),
            "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "cost_details": {
                "upstream_inference_cost": float(outer),
                "upstream_inference_prompt_cost": float(prompt * price_in),
                "upstream_inference_completions_cost": float(completion * price_out),
            },
            "completion_tokens_details": {"reasoning_tokens": 0},
        }
        answer: dict[str, Any] = {
            "id": f"gen-{len(self.requests)}",
            "object": "chat.completion",
            "model": model,
            "provider": "Double",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": f"answer {len(self.requests)}: {text[-30:]}",
                    },
                }
            ],
            "usage": usage,
        }
        if fusion:
            usage["server_tool_use_details"] = {"tool_calls_requested": 1, "tool_calls_executed": 1}
            answer["failed_models"] = [
                {
                    "model": "~openai/gpt-latest",
                    "error": "Stream completed without producing any text",
                }
            ]
        return answer, cost
