"""The stages a billed call can belong to: one row each, read by every consumer.

Costing orders breakdowns by this table, latency adds up sequential stages and takes the
slowest member of a parallel one, the report colours and labels its charts from it, and the
page's script receives it with the figures. A new stage is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    name: str  # what calls and breakdown rows carry
    label: str  # what a reader sees
    colour: str  # Okabe-Ito, distinguishable with the common colour-vision deficiencies
    parallel: bool = False  # its calls run side by side, one chain per member: the slowest counts


STAGES: tuple[Stage, ...] = (
    Stage("single", "single call", "#0072B2"),
    Stage("auto", "Auto Router call", "#0072B2"),
    Stage("plain", "answered without fusing", "#999999"),
    Stage("decide", "decide to fuse", "#56B4E9"),
    Stage("panel", "panel answers", "#0072B2", parallel=True),
    Stage("sample", "samples", "#0072B2", parallel=True),
    Stage("analyze", "analysis", "#E69F00"),
    Stage("select", "pick the best", "#E69F00"),
    Stage("judge", "judge", "#E69F00"),
    Stage("answer", "final answer", "#009E73"),
    Stage("web_tools", "web search and fetch fees", "#CC79A7"),
)
WEB_TOOLS = "web_tools"  # not a call: the search and fetch fees of the calls, as their own row
BY_NAME = {stage.name: stage for stage in STAGES}
ORDER = {stage.name: index for index, stage in enumerate(STAGES)}


def stage(name: str) -> Stage:
    """The row of `name`; an unknown stage is a programming error, named."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}: add its row to strategies/stages.py") from None
