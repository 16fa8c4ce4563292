"""Benchmarks for the catalog and `estimate` (run by hand; results go to benchmarks/results.md).

    python benchmarks/bench_estimate.py

Targets (issue: cost model): `fusion-cost estimate` on the built-in example <= 0.6 s wall
(median of 5); Monte Carlo of 1M requests per strategy <= 1 s.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"


def wall(command: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from estimator.costing.montecarlo import monte_carlo
    from estimator.pricing.store import load_catalog
    from estimator.scenario.build import build_all
    from estimator.scenario.io import load_scenario
    from estimator.workload.profile import Profile

    exe = [sys.executable, "-m", "estimator"]
    help_s = wall([*exe, "--help"])
    estimate_s = wall([*exe, "estimate"])
    json_s = wall([*exe, "estimate", "--format", "json"])

    loads = []
    for _ in range(5):
        start = time.perf_counter()
        catalog = load_catalog()
        loads.append(time.perf_counter() - start)
    scenario = load_scenario()
    profile = Profile.of(scenario.workload)
    mc = {}
    for spec, strategy in zip(scenario.strategies, build_all(scenario, catalog), strict=True):
        start = time.perf_counter()
        monte_carlo(strategy, profile, catalog, 1_000_000, 1)
        mc[spec.name] = time.perf_counter() - start

    lines = [
        "# Benchmark results: catalog and estimate",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Median of 5 runs unless noted.",
        "",
        "| what | result | target |",
        "|---|--:|--:|",
        f"| `fusion-cost --help` wall | {help_s:.3f} s | - |",
        f"| catalog load (549 models, validated, sha256 checked) | "
        f"{statistics.median(loads) * 1000:.1f} ms | - |",
        f"| `fusion-cost estimate` (built-in example) wall | {estimate_s:.3f} s | <= 0.6 s |",
        f"| `fusion-cost estimate --format json` wall | {json_s:.3f} s | <= 0.6 s |",
    ]
    for name, seconds in mc.items():
        lines.append(f"| Monte Carlo, 1M requests, `{name}` (one run) | {seconds:.3f} s | <= 1 s |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
