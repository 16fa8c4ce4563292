"""Fusion presets as data, each with where it comes from and whether it is verified."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    panel: tuple[str, ...]
    analyst: str
    documented: bool
    source: str


PRESETS: dict[str, Preset] = {
    "general-high": Preset(
        "general-high",
        ("~anthropic/claude-opus-latest", "~openai/gpt-latest", "~google/gemini-pro-latest"),
        "~anthropic/claude-opus-latest",
        True,
        "OpenRouter's Quality preset, the default: "
        "https://openrouter.ai/docs/guides/routing/routers/fusion-router",
    ),
    "general-budget": Preset(
        "general-budget",
        ("~google/gemini-flash-latest", "deepseek/deepseek-v4-flash", "~moonshotai/kimi-latest"),
        "~anthropic/claude-opus-latest",
        False,
        "unverified: members reported by third parties ('a cheaper panel with a frontier analyst')",
    ),
    "general-fast": Preset(
        "general-fast",
        ("~google/gemini-flash-latest", "deepseek/deepseek-v4-flash", "~moonshotai/kimi-latest"),
        "~anthropic/claude-sonnet-latest",
        False,
        "unverified: members reported by third parties ('a latency-homogeneous panel')",
    ),
}


def not_a_model(name: str) -> str:
    """What to say when a Fusion preset's name is given where a model belongs ('' otherwise)."""
    if name not in PRESETS:
        return ""
    return (
        f"{name} is a Fusion preset, not a model: use `fusion: {{preset: {name}}}` in a "
        f"scenario (or --fusion {name}); `fusion-cost presets {name}` shows its models"
    )
