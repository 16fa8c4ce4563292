"""Published results reviewers should see beside their own numbers (all external, each cited
by a public URL)."""

from __future__ import annotations

from estimator.documents.decision import Evidence

EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        result="Fusion with a frontier panel scored 69.0 on DRACO (100 deep-research tasks) vs "
        "65.3 for the best single model; the Budget panel 64.7 at about half that model's cost",
        source="OpenRouter Fusion launch, 2026-06, via press (unverified)",
        citation="https://openrouter.ai/docs/guides/routing/routers/fusion-router",
    ),
    Evidence(
        result="Mixture-of-Agents: AlpacaEval 2.0 LC win 65.1 vs GPT-4o 57.5 at roughly 4-5x "
        "GPT-4o's cost per query; MoA-Lite 59.3 at about GPT-4o's cost",
        source="Wang et al., Mixture-of-Agents Enhances LLM Capabilities",
        citation="https://arxiv.org/abs/2406.04692",
    ),
    Evidence(
        result="Self-MoA: one strong model sampled several times matches a mixed panel "
        "(65.7 vs 65.4) with about half the calls",
        source="Li et al., Rethinking Mixture-of-Agents",
        citation="https://arxiv.org/abs/2502.00674",
    ),
    Evidence(
        result="RouteLLM: 95% of GPT-4 quality on MT Bench with 14% of calls to GPT-4 "
        "(85% lower cost)",
        source="Ong et al., RouteLLM",
        citation="https://arxiv.org/abs/2406.18665",
    ),
    Evidence(
        result="Decision rule: prefer an ensemble over a single model when the price of an "
        "error exceeds (C_E - C_S + lambda (L_E - L_S)) / (err_S - err_E)",
        source="Economic evaluation of LLMs",
        citation="https://arxiv.org/abs/2507.03834",
    ),
)
