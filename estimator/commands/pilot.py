"""`fusion-cost pilot` and `fusion-cost grade`: measure on your own prompts, under a cap."""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import UserError


def _scenario(args: argparse.Namespace) -> Any:
    from estimator.api import load_scenario

    return load_scenario(args.scenario)


def run(args: argparse.Namespace) -> int:
    from estimator.api import load_catalog, pilot_ledger, pilot_plan

    catalog = load_catalog(args.cache_dir)
    stale = _fresh(catalog, args)
    scenario = _scenario(args)
    cap = Decimal(str(args.max_spend))
    pairs = pilot_plan(args.prompts, scenario, catalog, args.max_tokens, args.sample, stale)
    out = Path(args.out)
    if args.dry_run:
        return _dry_run(scenario, pairs, cap, out)
    key = _api_key()
    base_url = _checked_base_url(args)
    with pilot_ledger(out, cap, api_key=key) as ledger:
        ledger.allow_byok = args.allow_byok
        if args.accept_over_bound:
            ledger.accept()
        ledger.start_check()  # a lesson of an earlier run that is not acknowledged: exit 2
        _warn(scenario, pairs, cap, ledger.learned)
        summary = _send(args, pairs, ledger, key, base_url)
        _after(scenario, catalog, ledger, summary, out, pairs)
    return 0


def _fresh(catalog: Any, args: argparse.Namespace) -> bool:
    """Warn about a catalog older than --max-age-days (a real run refuses one unless
    --allow-stale); True when stale."""
    from estimator.api import pilot_freshness

    try:
        stale, lines = pilot_freshness(
            catalog, args.max_age_days, args.allow_stale, sending=not args.dry_run
        )
    except UserError as exc:
        print(getattr(exc, "warning", ""), file=sys.stderr)  # warned like every command
        raise
    for line in lines:
        print(line, file=sys.stderr)
    return stale


def _warn(scenario: Any, pairs: list[Any], cap: Decimal, learned: dict[str, Decimal]) -> None:
    """Say what the pilot will leave out: kinds it cannot send, and calls no cap left fits."""
    from estimator.renderers.fmt import usd

    sent = {p.strategy for p in pairs}
    for spec in scenario.strategies:
        if spec.name not in sent:
            print(
                f"note: {spec.name} ({spec.kind}) is left out: a pilot sends single, auto and "
                "fusion strategies",
                file=sys.stderr,
            )
    worst: dict[str, Decimal] = {}
    for pair in pairs:
        bound = pair.bound * learned.get(pair.strategy, 1)
        worst[pair.strategy] = max(worst.get(pair.strategy, Decimal(0)), bound)
    for name, bound in worst.items():
        if bound > cap:
            print(
                f"warning: {name}'s worst case is {usd(bound)} a call, over --max-spend "
                f"{usd(cap)}: it can never run. Lower its max_completion_tokens or "
                "max_tool_calls in the scenario (or --max-tokens), or raise the cap",
                file=sys.stderr,
            )


def _api_key() -> str:
    from estimator.pricing.secrets import API_KEY_VARIABLE, clean_api_key

    key = clean_api_key(os.environ.get(API_KEY_VARIABLE))
    if not key:
        raise UserError(f"set {API_KEY_VARIABLE} to run a pilot (--dry-run needs no key)")
    return key


def _checked_base_url(args: argparse.Namespace) -> str:
    """The base URL; the key goes only over TLS, or to this machine (a double, a proxy)."""
    from urllib.parse import urlsplit

    from estimator.commands.prices import _base_url

    base_url = _base_url(args)
    parts = urlsplit(base_url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not local:
        raise UserError(f"--base-url {base_url}: the API key is only sent over https")
    return base_url


def _dry_run(scenario: Any, pairs: list[Any], cap: Decimal, out: Path) -> int:
    from estimator.api import pilot_ledger
    from estimator.renderers.fmt import usd

    ledger = pilot_ledger(out, cap, read_only=True)
    _warn(scenario, pairs, cap, ledger.learned)
    for problem in ledger.lessons():
        print(f"note: a real run would stop here: {problem}", file=sys.stderr)
    left = [p for p in pairs if p.key not in ledger.done]
    first: dict[str, Any] = {}
    for pair in pairs:
        first.setdefault(pair.strategy, pair)
    for name, pair in first.items():
        bound = pair.bound * ledger.learned.get(name, 1)
        print(f"# {name}: POST /chat/completions (worst case {usd(bound)} a call)")
        print(json.dumps(pair.body, indent=1, ensure_ascii=False))
    worst = sum((p.bound * ledger.learned.get(p.strategy, 1) for p in left), Decimal(0))
    short = ": the pilot would stop at the cap before finishing" if worst > ledger.left else ""
    print(
        f"{len(left)} calls to make ({len(pairs)} in all); worst case {usd(worst)} against "
        f"--max-spend {usd(cap)}" + short
    )
    return 0


def _send(args: argparse.Namespace, pairs: list[Any], ledger: Any, key: str, base_url: str) -> Any:
    import httpx
    from rich.progress import BarColumn, Progress, TextColumn

    from estimator.api import pilot_run, pilot_sender

    timeout = httpx.Timeout(args.timeout, connect=min(10.0, args.timeout))
    with (
        httpx.Client(timeout=timeout, follow_redirects=False) as client,
        Progress(
            TextColumn("pilot"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} calls · {task.fields[spend]}"),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as bar,
    ):
        task = bar.add_task("pilot", total=len(pairs), spend="")

        def progress(found: Any, n: int) -> None:
            bar.update(task, advance=n, spend=f"${found.spent:.4f} of ${found.cap}")

        return pilot_run(
            pairs,
            ledger,
            pilot_sender(client, base_url, key, args.timeout),
            concurrency=args.concurrency,
            retry_in_doubt=args.retry_in_doubt,
            progress=progress,
        )


def status_line(summary: Any) -> str:
    """How the run ended, in words that are true: finished only when every call is done."""
    if summary.stopped == "over_bound":
        return "stopped: a call was billed above its worst case"
    if summary.stopped == "byok":
        return "stopped: a call was billed through your own provider key (BYOK)"
    if summary.stopped_at_cap:
        return "stopped at the cap"
    if summary.done == summary.pairs:
        return "finished"
    return "ended with calls left"


def _after(
    scenario: Any, catalog: Any, ledger: Any, summary: Any, out: Path, pairs: list[Any]
) -> None:
    from estimator.api import pilot_evidence
    from estimator.renderers.fmt import usd
    from estimator.renderers.safe import plain_text

    evidence = pilot_evidence(scenario, catalog, ledger, pairs, out)
    lines = [
        f"pilot {status_line(summary)}: {summary.done} of {summary.pairs} calls done, "
        f"{usd(summary.spent_usd)} of {usd(summary.cap_usd)} counted"
    ]
    lines += [f"  {problem}" for problem in ledger.lessons() if summary.stopped]
    if summary.stopped_at_cap:
        lines.append(
            f"finishing: about {usd(summary.finish_usd)} more (worst case "
            f"{usd(summary.worst_case_usd)}); rerun the same command with a higher --max-spend"
        )
    if summary.failed:
        lines.append(f"{summary.failed} calls failed (see records.jsonl)")
    if summary.skipped_in_doubt or ledger.in_doubt:
        lines.append(
            f"{len(ledger.in_doubt)} calls in doubt (no bill read: maybe billed, counted at "
            "their worst case): --retry-in-doubt sends them again"
        )
    for row in evidence.calibration:
        ratio = row["billed_vs_estimate"]
        billed = usd(Decimal(str(row["billed_usd"])))
        versus = "-" if ratio is None else f"{ratio:.2f}x"
        lines.append(
            f"  {row['strategy']}: {row['calls']} calls, billed {billed}, {versus} the estimate"
        )
    files = f"records, calibration.json, fitted-scenario.yaml and {evidence.page.name}"
    lines.append(f"{files} in {out}")
    print(plain_text("\n".join(lines)))  # strategy names come from the scenario


def grade(args: argparse.Namespace) -> int:
    import yaml

    from estimator.api import grade as graded_rates
    from estimator.outputs import write_output
    from estimator.scenario.io import load_yaml, read_text_file, validate_scenario

    directory = Path(args.directory)
    source = Path(args.scenario) if args.scenario else directory / "fitted-scenario.yaml"
    label = str(source)
    data, node = load_yaml(read_text_file(source, "scenario"), label)
    if not isinstance(data, dict):
        raise UserError(f"{label}:1: a scenario is a mapping with workload and strategies")
    validate_scenario(data, label, node)  # file:line errors, before anything is counted
    rates, graded = graded_rates(directory, args.grades, data)
    target = Path(args.output) if args.output else directory / "graded-scenario.yaml"
    validate_scenario(graded, str(target))  # what is written reads back as a scenario
    write_output(target, yaml.safe_dump(graded, sort_keys=False, allow_unicode=True), "scenario")
    lines = [f"{name}: {row['wrong']} wrong of {row['of']} graded" for name, row in rates.items()]
    lines.append(f"wrote {target}: `fusion-cost estimate {target}` shows how sure the verdict is")
    from estimator.renderers.safe import plain_text

    print(plain_text("\n".join(lines)))
    return 0
