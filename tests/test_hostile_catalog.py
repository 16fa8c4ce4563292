"""A hostile catalog: model ids and names that are HTML, spreadsheet formulas, terminal escapes,
control characters and 10 KB strings, with absurd prices, imported through the validation gate
and rendered through every output format.

What each medium must do with them: HTML escapes (checked in Chromium: no dialog, no element
made from data, the text visible as text); CSV prefixes cells starting with = + - @ with ';
terminal text carries no C0/C1 control character but newline and tab; JSON round-trips the
exact strings; markdown escapes '|' and '<'.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.browser import Page, browser  # noqa: F401  (fixture)
from tests.conftest import FIXED_NOW, PAYLOAD
from tests.hostile_helpers import CONTROL, Outcome, run_cli

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
ESCAPES = "\x1b[31mRED\x1b[0m\x1b]0;title\x07"
CONTROLS = "ctl\x01\x02\x08\x0b\x0c\x0e\x1f\x7f\x85\x9b\x9dend"
NUL_CR = "nul\x00cr\rtab\tend"
ROW_BREAK = 'row\r=HYPERLINK("http://r")\n@x'  # an unquoted CR would start a new CSV row
HUGE = "H" * 10_240
HOSTILE = [XSS_IMG, XSS_SCRIPT, *FORMULAS, ESCAPES, CONTROLS, NUL_CR, ROW_BREAK, HUGE]
# in the activity log as well (a CSV cell may not hold NUL or CR for Arrow's reader)
LOGGED = [XSS_IMG, XSS_SCRIPT, *FORMULAS, ESCAPES, CONTROLS, HUGE]
UNKNOWN = "=evil()|<img src=y onerror=alert(2)>\x1b[2J"  # in the log, not in the catalog
KEY = "<img src=z onerror=alert(3)>|=x\x1b[2J"  # a price key is free text in the payload too
PRICES = {"prompt": "1000000", "completion": "0.0000000000000001", KEY: "0.5"}
CHANGED = {"prompt": "2000000", "completion": "0.0000000000000001", KEY: "0.75"}
BASE_ROW = "openai/gpt-5.4-mini"
FUSION = "<b>fusion</b>|=1+1"
# users' names must be one line of visible text (tests/test_hostile_cli.py): what is left of
# hostility in them is markup and formulas; the model ids from the catalog keep everything
SCENARIO_NAME = "<script>alert('name')</script> =1+2 | [2J"


def name_of(model: str) -> str:
    """The strategy named after a model: its visible characters (names are capped at 200)."""
    import unicodedata

    from estimator.renderers.safe import plain_text

    text = plain_text(model)  # whole escape sequences go, not only their ESC
    return "".join(c for c in text if unicodedata.category(c)[0] != "C")[:200]


def hostile_payload(prices: dict[str, str]) -> dict[str, Any]:
    document = json.loads(PAYLOAD.read_bytes())
    base = next(row for row in document["data"] if row["id"] == BASE_ROW)
    for text in HOSTILE:
        row = copy.deepcopy(base)
        row.update(id=text, name=text, pricing=dict(prices))
        row.pop("canonical_slug")
        document["data"].append(row)
    document["total_count"] = len(document["data"])
    return document


def scenario() -> dict[str, Any]:
    return {
        "name": SCENARIO_NAME,
        "workload": {"requests_per_month": 1000, "input_tokens": 100, "output_tokens": 50},
        "strategies": [{"name": name_of(m), "single": {"model": m}} for m in HOSTILE]
        + [{"name": FUSION, "fusion": {"analysis_models": HOSTILE[:8], "model": HUGE}}],
        "decision": {
            "cost_per_error_usd": 5,
            # every strategy has one (a partial set is refused); hostile names as keys
            "error_rate": {**{name_of(m): 0.1 for m in HOSTILE}, FUSION: 0.05},
        },
        "policy": {"monthly_budget_usd": 1, "max_increase_pct": 10},
    }


def activity_log(path: Path) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["created_at", "model_permaslug", "tokens_prompt", "tokens_completion"])
    for n, model in enumerate([*LOGGED, UNKNOWN] * 3):
        writer.writerow([f"2026-08-{1 + n % 28:02d} 10:00:00", model, 100 + n, 50])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


class Rendered:
    """Every output of every command run on the hostile catalog, by medium."""

    def __init__(self) -> None:
        self.outputs: dict[str, tuple[str, str]] = {}  # label -> (medium, text)
        self.outcomes: dict[str, Outcome] = {}
        self.files: dict[str, Path] = {}

    def run(self, label: str, argv: list[str], expect: int = 0) -> Outcome:
        outcome = run_cli(*argv)
        assert outcome.code == expect, f"{label}: {outcome.describe()}"
        self.outcomes[label] = outcome
        self.outputs[f"{label} (stderr)"] = ("terminal", outcome.err)
        return outcome

    def add(self, label: str, medium: str, text: str) -> None:
        self.outputs[label] = (medium, text)

    def of(self, medium: str) -> dict[str, str]:
        return {label: text for label, (kind, text) in self.outputs.items() if kind == medium}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    tmp = tmp_path_factory.mktemp("hostile-catalog")
    out = Rendered()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FUSION_COST_NOW", FIXED_NOW)
        env.setenv("HOME", str(tmp))
        env.delenv("FUSION_COST_CACHE_DIR", raising=False)
        env.delenv("GITHUB_STEP_SUMMARY", raising=False)
        env.chdir(tmp)
        before, after = tmp / "before", tmp / "after"
        for cache, prices in ((before, PRICES), (after, CHANGED)):
            payload = tmp / f"hostile-{cache.name}-2026-11-20.json"
            payload.write_text(json.dumps(hostile_payload(prices)), encoding="utf-8")
            out.run(
                f"import {cache.name}",
                ["prices", "import", str(payload), "--cache-dir", str(cache)],
            )
        spec = tmp / "scenario.yaml"
        spec.write_text(yaml.safe_dump(scenario(), allow_unicode=True), encoding="utf-8")
        base = tmp / "base.json"
        common = ["--samples", "50", "--cache-dir"]
        out.run(
            "baseline",
            ["estimate", str(spec), "--format", "json", "-o", str(base), *common, str(before)],
        )
        for fmt, medium in (
            ("table", "terminal"),
            ("json", "json"),
            ("csv", "csv"),
            ("markdown", "markdown"),
        ):
            done = out.run(
                f"estimate {fmt}", ["estimate", str(spec), "--format", fmt, *common, str(after)]
            )
            out.add(f"estimate {fmt}", medium, done.out)
        report = tmp / "report.html"
        out.run("report", ["report", str(spec), "-o", str(report), *common, str(after)])
        out.add("report stdout", "terminal", out.outcomes["report"].out)
        out.add("report", "html", report.read_text(encoding="utf-8"))
        out.files["report"] = report
        for fmt, medium in (
            ("text", "terminal"),
            ("json", "json"),
            ("markdown", "markdown"),
            ("github", "markdown"),
        ):
            argv = [
                "check",
                str(spec),
                "--baseline",
                str(base),
                "--format",
                fmt,
                *common,
                str(after),
            ]
            done = out.run(f"check {fmt}", argv, expect=1)  # the 1 USD budget fails
            out.add(f"check {fmt}", medium, done.out)
        for fmt, medium in (("table", "terminal"), ("json", "json"), ("csv", "csv")):
            done = out.run(
                f"prices show {fmt}", ["prices", "show", "--format", fmt, "--cache-dir", str(after)]
            )
            out.add(f"prices show {fmt}", medium, done.out)
        for fmt, medium in (("table", "terminal"), ("json", "json")):
            argv = ["prices", "diff", str(before / "catalog.json"), str(after / "catalog.json")]
            done = out.run(f"prices diff {fmt}", [*argv, "--format", fmt])
            out.add(f"prices diff {fmt}", medium, done.out)
        log = activity_log(tmp / "activity.csv")
        for fmt, medium in (
            ("table", "terminal"),
            ("json", "json"),
            ("csv", "csv"),
            ("markdown", "markdown"),
        ):
            argv = [
                "replay",
                str(log),
                "--strategies",
                str(spec),
                "--format",
                fmt,
                "--cache-dir",
                str(after),
            ]
            done = out.run(f"replay {fmt}", argv)
            out.add(f"replay {fmt}", medium, done.out)
        yield out


def test_the_gate_accepts_hostile_ids_and_absurd_prices(rendered: Rendered) -> None:
    """No rule refuses them: ids are opaque strings, prices any non-negative decimal."""
    assert f"imported {549 + len(HOSTILE)} models" in rendered.outcomes["import after"].err
    shown = json.loads(rendered.outputs["prices show json"][1])
    by_id = {m["id"]: m for m in shown["models"]}
    for text in HOSTILE:
        assert by_id[text]["name"] == text
        assert by_id[text]["per_million_tokens"]["prompt"] == 2_000_000_000_000
        assert by_id[text]["per_million_tokens"]["completion"] == 1e-10


def test_terminal_output_has_no_control_characters(rendered: Rendered) -> None:
    texts = rendered.of("terminal")
    assert len(texts) >= 15
    for label, text in texts.items():
        found = sorted({f"{ord(c):#04x}" for c in CONTROL.findall(text)})
        assert not found, f"{label}: control characters {found}"
    # the names are still there, as harmless text: whole escape sequences removed, text kept
    assert "RED" in texts["estimate table"] and "[31m" not in texts["estimate table"]
    assert XSS_SCRIPT in texts["prices show table"]


def test_csv_neutralises_formulas(rendered: Rendered) -> None:
    texts = rendered.of("csv")
    assert set(texts) == {"estimate csv", "prices show csv", "replay csv"}
    rows = {label: list(csv.reader(io.StringIO(text))) for label, text in texts.items()}
    assert len(rows["estimate csv"]) == 1 + len(HOSTILE) + 1  # header, singles, fusion
    assert len(rows["prices show csv"]) == 1 + 549 + len(HOSTILE)
    for label, text in texts.items():
        assert not CONTROL.search(text), f"{label}: control characters"
        cells = [cell for row in rows[label] for cell in row]
        for cell in cells:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start like a formula
        for formula in FORMULAS:
            assert "'" + formula in cells, f"{label}: {formula!r} not neutralised"
            assert formula not in cells, label


def test_json_round_trips_the_exact_strings(rendered: Rendered) -> None:
    estimate = json.loads(rendered.outputs["estimate json"][1])
    assert estimate["scenario"]["name"] == SCENARIO_NAME
    assert [s["name"] for s in estimate["strategies"]] == [
        *(name_of(m) for m in HOSTILE),
        FUSION,
    ]
    fusion = estimate["strategies"][-1]
    assert {m["id"] for m in fusion["models"]} == set(HOSTILE[:8]) | {HUGE}
    assert set(HOSTILE) <= set(estimate["prices_used"])
    check = json.loads(rendered.outputs["check json"][1])
    assert {s["name"] for s in check["strategies"]} >= {name_of(m) for m in HOSTILE}
    assert {c["model"] for c in check["price_changes"]} == set(HOSTILE)
    replay = json.loads(rendered.outputs["replay json"][1])
    assert replay["unknown_models"] == {UNKNOWN: 3}
    assert {m["model"] for m in replay["calibration"]["by_model"]} == set(LOGGED)
    assert replay["rows_used"] == 3 * (len(LOGGED) + 1)
    shown = json.loads(rendered.outputs["prices show json"][1])
    assert {m["id"] for m in shown["models"]} >= set(HOSTILE)


UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_markdown_escapes_pipes_and_html(rendered: Rendered) -> None:
    texts = rendered.of("markdown")
    assert set(texts) == {"estimate markdown", "check markdown", "check github", "replay markdown"}
    for label, text in texts.items():
        assert not re.search(r"<(img|script|b)\b", text, re.I), f"{label}: raw HTML from data"
        assert not CONTROL.search(text), f"{label}: control characters"
        assert "+cmd\\|' /C calc'\\!A0" in text, f"{label}: '|' not escaped"
        assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in text, label
        columns = None
        for line in text.splitlines():
            if not line.startswith("|"):
                columns = None
                continue
            cells = len(UNESCAPED_PIPE.findall(line))
            columns = columns or cells
            assert cells == columns, f"{label}: a name broke the table: {line[:120]!r}"
    assert "| &lt;img src=z onerror=alert\\(3\\)&gt;\\|=x |" in texts["check markdown"]


def test_stderr_of_github_annotations_is_one_line_each(rendered: Rendered) -> None:
    err = rendered.outcomes["check github"].err
    lines = err.splitlines()
    assert lines and all(line.startswith("::error title=fusion-cost ") for line in lines), err


def test_html_escapes_everything(rendered: Rendered) -> None:
    html = rendered.outputs["report"][1]
    assert XSS_IMG not in html and XSS_SCRIPT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == 2  # the template's own: the what-if data and its code


def test_report_in_the_browser_shows_names_as_text(rendered: Rendered, browser) -> None:  # noqa: F811
    page = Page(browser, rendered.files["report"])
    try:
        assert page.dialogs == []
        assert page.errors == []
        own = page.page.url
        assert [url for url in page.requests if url != own] == []
        counts = page.page.evaluate(
            """() => ({img: document.querySelectorAll('img').length,
                      script: document.querySelectorAll('script').length,
                      b: document.querySelectorAll('b').length,
                      onerror: document.querySelectorAll('[onerror]').length})"""
        )
        assert counts == {"img": 0, "script": 2, "b": 0, "onerror": 0}
        text = page.page.inner_text("body")
        for visible in (XSS_IMG, XSS_SCRIPT, FUSION, SCENARIO_NAME[:30], *FORMULAS):
            assert visible in text, visible
        # the what-if controls still recompute with these names (no script error)
        page.page.eval_on_selector(
            "#wi-volume",
            "el => { el.value = el.max; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        )
        assert page.errors == [] and page.dialogs == []
    finally:
        page.close()


def extreme_payload(price: str) -> dict[str, Any]:
    document = json.loads(PAYLOAD.read_bytes())
    base = next(row for row in document["data"] if row["id"] == BASE_ROW)
    row = copy.deepcopy(base)
    row.update(id="acme/dearest", name="Dearest", canonical_slug="acme/dearest-1")
    row["pricing"] = {k: price for k in ("prompt", "completion", "request", "web_search")}
    # no context limit: 10**12-token requests must run (requests that cannot are not billed)
    row["context_length"] = None
    row["top_provider"] = {**(row.get("top_provider") or {}), "context_length": None}
    document["data"].append(row)
    return document


def test_prices_up_to_the_cap_stay_finite_everywhere(tmp_path: Path) -> None:
    """1e9 USD per unit (the gate's cap) with 10**12 tokens and 1e15 requests: finite numbers."""
    payload = tmp_path / "dear-2026-11-20.json"
    payload.write_text(json.dumps(extreme_payload("1000000000")))
    cache = str(tmp_path / "cache")
    assert run_cli(*["prices", "import", str(payload), "--cache-dir", cache]).code == 0
    spec = {
        "workload": {
            "requests_per_month": 1e15,
            "input_tokens": 10**12,
            "output_tokens": 10**12,
            "reasoning_tokens": 10**12,
        },
        "strategies": [
            {"name": "single", "single": {"model": "acme/dearest"}},
            {
                "name": "fusion",
                "fusion": {
                    "analysis_models": ["acme/dearest"] * 8,
                    "model": "acme/dearest",
                    "max_tool_calls": 16,
                    "tool_steps": 16,
                    "analyst_tool_steps": 16,
                    "search": {"engine": "native", "results": 25, "tokens_per_result": 10**12},
                    "fetches_per_step": 1e15,
                    "max_completion_tokens": 10**12,
                },
            },
        ],
        "decision": {"cost_per_error_usd": 1e15, "error_rate": {"single": 1, "fusion": 0}},
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    done = run_cli(
        *["estimate", str(path), "--format", "json", "--samples", "50", "--cache-dir", cache]
    )
    assert done.code == 0, done.describe()

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON")

    estimate = json.loads(done.out, parse_constant=refuse)
    assert estimate["strategies"][1]["monthly_usd"] > 1e40


@pytest.mark.parametrize("price", ["1e400", "1000000000.01", "9E+999999", "NaN", "-2", "1,5"])
def test_the_gate_refuses_prices_past_the_cap(tmp_path: Path, price: str) -> None:
    cache = tmp_path / "cache"
    good = tmp_path / "good-2026-11-20.json"
    good.write_text(json.dumps(extreme_payload("0.5")))
    assert run_cli(*["prices", "import", str(good), "--cache-dir", str(cache)]).code == 0
    before = {p.name: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    bad = tmp_path / "bad-2026-11-21.json"
    bad.write_text(json.dumps(extreme_payload(price)))
    done = run_cli(*["prices", "import", str(bad), "--cache-dir", str(cache)])
    assert done.code == 2, done.describe()
    assert "(acme/dearest): pricing." in done.err and repr(price) in done.err, done.err
    assert {p.name: p.read_bytes() for p in cache.rglob("*") if p.is_file()} == before
