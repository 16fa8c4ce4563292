"""How much a model thinks per call when the scenario does not say: its reasoning profile.

Reasoning differs by an order of magnitude between models (in the real bills of
tests/data/real, 84% of gemini-3.1-pro's completion tokens against 13% of claude-fable-5's), so
one workload-wide number would be wrong for every panel but one. A model's profile is, in this
order: measured on real calls of the model itself; measured on a model of its family (an
assumption, labelled so); for a model that reasons by default with no evidence, the labelled
fallback `workload.reasoning_by_model`; none for a model that does not reason by default.
Every profile is the mean reasoning tokens *per call* (each round trip of a tool loop is a
call), on top of the visible output, as scenarios count them.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from estimator.defaults import DEFAULTS, REASONING_FAMILIES, REASONING_MEASURED
from estimator.pricing.models import ModelInfo


@dataclass(frozen=True)
class ReasoningProfile:
    tokens: int
    source: str
    measured: bool  # on this very model's real calls
    fallback: bool = False  # no evidence at all: workload.reasoning_by_model's value


def reasoning_profile(model: ModelInfo) -> ReasoningProfile:
    """The reasoning tokens a call of `model` spends by default, and where that comes from."""
    if not model.reasons:
        return ReasoningProfile(0, "does not reason by default (the catalog's reasoning)", False)
    found = REASONING_MEASURED.get(model.id)
    if found is not None:
        return ReasoningProfile(found.tokens, found.source, True)
    for pattern, measured in REASONING_FAMILIES:
        if fnmatch.fnmatch(model.id, pattern):
            kin = REASONING_MEASURED[measured]
            return ReasoningProfile(
                kin.tokens, f"assumption: as {measured}, of the same family, {kin.source}", False
            )
    fallback = DEFAULTS["workload.reasoning_by_model"]
    return ReasoningProfile(int(fallback.value), f"assumption: {fallback.source}", False, True)
