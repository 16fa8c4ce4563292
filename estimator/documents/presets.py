"""What `fusion-cost presets` shows: each Fusion preset's members as requested and as they
resolve in today's catalog, with their cost on a workload, and the Auto Router pool of a tier."""

from __future__ import annotations

from estimator.documents.common import Count, Doc, Money


class PresetMember(Doc):
    role: str  # panel or analyst
    requested: str  # as the preset names it (an alias follows the vendor's latest model)
    id: str  # what it resolves to in the catalog used
    via: str  # alias or exact


class PresetInfo(Doc):
    name: str
    documented: bool  # OpenRouter documents its members; else reported by third parties
    source: str
    members: list[PresetMember]
    per_request_usd: Money
    monthly_usd: Money
    calls_per_request: Count


class PoolModel(Doc):
    id: str
    share: float  # of requests, uniform unless weights are given
    per_request_usd: Money  # the workload's mean request on this model alone


class AutoPool(Doc):
    tier: str
    percentiles: tuple[int, int]  # the band of candidates' cost percentiles
    candidates: int
    models: list[PoolModel]
    per_request_usd: Money
    notes: list[str] = []


class PresetList(Doc):
    workload: str  # what the costs are for
    catalog: str  # its date and source
    presets: list[PresetInfo]
    pools: list[AutoPool] = []
