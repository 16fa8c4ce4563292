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
    scenario = _scenario(args)
    cap = Decimal(str(args.max_spend))
    pairs = pilot_plan(args.prompts, scenario, catalog, args.max_tokens, args.sample)
    _warn(scenario, pairs, cap)
    out = Path(args.out)
    if args.dry_run:
        return _dry_run(pairs, cap, out)
    key = _api_key()
    with pilot_ledger(out, cap) as ledger:
        summary = _send(args, pairs, ledger, key)
        _after(scenario, catalog, ledger, summary, out, pairs)
    return 0


def _warn(scenario: Any, pairs: list[Any], cap: Decimal) -> None:
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
        worst[pair.strategy] = max(worst.get(pair.strategy, Decimal(0)), pair.bound)
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


def _safe_for_the_key(base_url: str) -> None:
    """The key goes only over TLS, or to this machine (a test double, a local proxy)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not local:
        raise UserError(f"--base-url {base_url}: the API key is only sent over https")


def _dry_run(pairs: list[Any], cap: Decimal, out: Path) -> int:
    from estimator.api import pilot_ledger
    from estimator.renderers.fmt import usd

    done = pilot_ledger(out, cap, read_only=True).done if (out / "records.jsonl").exists() else {}
    left = [p for p in pairs if p.key not in done]
    first: dict[str, Any] = {}
    for pair in pairs:
        first.setdefault(pair.strategy, pair)
    for name, pair in first.items():
        print(f"# {name}: POST /chat/completions (worst case {usd(pair.bound)} a call)")
        print(json.dumps(pair.body, indent=1, ensure_ascii=False))
    worst = sum((p.bound for p in left), Decimal(0))
    print(
        f"{len(left)} calls to make ({len(pairs)} in all); worst case {usd(worst)} against "
        f"--max-spend {usd(cap)}"
        + ("" if worst <= cap else ": the pilot would stop at the cap before finishing")
    )
    return 0


def _send(args: argparse.Namespace, pairs: list[Any], ledger: Any, key: str) -> Any:
    import httpx
    from rich.progress import BarColumn, Progress, TextColumn

    from estimator.api import pilot_run, pilot_sender
    from estimator.commands.prices import _base_url

    base_url = _base_url(args)
    _safe_for_the_key(base_url)
    timeout = httpx.Timeout(args.timeout, connect=10.0)
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
            pilot_sender(client, base_url, key),
            concurrency=args.concurrency,
            retry_in_doubt=args.retry_in_doubt,
            progress=progress,
        )


def _after(
    scenario: Any, catalog: Any, ledger: Any, summary: Any, out: Path, pairs: list[Any]
) -> None:
    import yaml

    from estimator.api import pilot_evidence
    from estimator.outputs import write_output
    from estimator.renderers.fmt import usd

    calib, fitted, page = pilot_evidence(scenario, catalog, ledger, pairs, out)
    write_output(out / "calibration.json", json.dumps(calib, indent=1) + "\n", "calibration")
    write_output(out / "fitted-scenario.yaml", yaml.safe_dump(fitted, sort_keys=False), "scenario")
    status = "stopped at the cap" if summary.stopped_at_cap else "finished"
    if summary.over_bound:
        status = "stopped: a call was billed above its bound (please report it)"
    print(
        f"pilot {status}: {summary.done} of {summary.pairs} calls done, {usd(summary.spent_usd)} "
        f"of {usd(summary.cap_usd)} counted"
    )
    if summary.done < summary.pairs:
        print(
            f"finishing: about {usd(summary.finish_usd)} more (worst case "
            f"{usd(summary.worst_case_usd)}); rerun the same command with a higher --max-spend"
        )
    if summary.skipped_in_doubt:
        print(
            f"{summary.skipped_in_doubt} calls in doubt (stopped mid-call; maybe billed): "
            "--retry-in-doubt sends them again"
        )
    for row in calib:
        ratio = row["billed_vs_estimate"]
        billed = usd(Decimal(str(row["billed_usd"])))
        versus = "-" if ratio is None else f"{ratio:.2f}x"
        print(f"  {row['strategy']}: {row['calls']} calls, billed {billed}, {versus} the estimate")
    print(f"records, calibration.json, fitted-scenario.yaml and {page.name} in {out}")


def grade(args: argparse.Namespace) -> int:
    import yaml

    from estimator.api import grade as graded_rates
    from estimator.outputs import write_output

    directory = Path(args.directory)
    source = Path(args.scenario) if args.scenario else directory / "fitted-scenario.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{source}: cannot read ({exc.strerror or exc})") from None
    rates, graded = graded_rates(directory, args.grades, data)
    target = Path(args.output) if args.output else directory / "graded-scenario.yaml"
    write_output(target, yaml.safe_dump(graded, sort_keys=False), "scenario")
    for name, row in rates.items():
        print(f"{name}: {row['wrong']} wrong of {row['of']} graded")
    print(f"wrote {target}: `fusion-cost estimate {target}` shows how sure the verdict is")
    return 0
