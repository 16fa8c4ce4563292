"""The blind review page: for each prompt, the strategies' answers side by side in a shuffled
order, names hidden; the reviewer marks each wrong, acceptable or best; "Export grades"
downloads them as JSON; progress stays in the page's local storage. Static and offline.

Which strategy wrote which answer is kept apart, in `review-key.json` beside the records (an
opaque token per answer), so the page cannot reveal it; `fusion-cost grade` joins the two.
"""

from __future__ import annotations

import html
import json
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

KEY = "review-key.json"
PAGE = "review.html"

SCRIPT = "review.js"  # beside this module, read once per page
CSP = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data: blob:\">"
)
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 0 auto; padding: 20px; }
.prompt { border-top: 2px solid #ccc; margin-top: 24px; padding-top: 8px; }
.answers { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
.answer { border: 1px solid #ccc; border-radius: 6px; padding: 10px; white-space: pre-wrap; }
button.on { background: #0072B2; color: #fff; }
#bar { position: sticky; top: 0; background: #fff; padding: 8px 0; border-bottom: 1px solid #ddd; }
"""


def _previous(directory: Path) -> tuple[str, dict[str, str]]:
    """The key of an earlier page of this pilot: its id and each answer's token, so grades
    exported before a resumed run still count."""
    try:
        found = json.loads((directory / KEY).read_text(encoding="utf-8"))
        return str(found["pilot"]), dict(found.get("tokens") or {})
    except (OSError, ValueError, KeyError, TypeError):
        return secrets.token_hex(8), {}


def write_review(directory: Path, rows: list[dict[str, Any]], prompts: dict[str, str]) -> Path:
    """The page and its key from the records with answers; returns the page's path."""
    pilot, tokens = _previous(directory)
    rng = secrets.SystemRandom()  # an order nobody can recompute from the page
    by_prompt: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("answer"):
            by_prompt.setdefault(row["prompt_id"], []).append(row)
    key: dict[str, str] = {}
    blocks = []
    answers = 0
    for prompt_id, found in by_prompt.items():
        rng.shuffle(found)
        cells = []
        for n, row in enumerate(found):
            pair = json.dumps([prompt_id, row["strategy"]])
            token = tokens.setdefault(pair, secrets.token_hex(6))
            key[token] = row["strategy"]
            answers += 1
            buttons = "".join(
                f'<button type="button" data-grade="{g}">{g}</button> '
                for g in ("wrong", "acceptable", "best")
            )
            cells.append(
                f'<div class="answer" data-token="{token}" data-prompt="{html.escape(prompt_id)}">'
                f"<strong>Answer {chr(65 + n)}</strong><br>{html.escape(str(row['answer']))}"
                f"<p>{buttons}</p></div>"
            )
        blocks.append(
            f'<section class="prompt"><h3>Prompt {html.escape(prompt_id)}</h3>'
            f"<p>{html.escape(prompts.get(prompt_id, ''))}</p>"
            f'<div class="answers">{"".join(cells)}</div></section>'
        )
    data = json.dumps({"pilot": pilot, "answers": answers}).replace("</", "<\\/")
    script = (resources.files("estimator.pilot") / SCRIPT).read_text(encoding="utf-8")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        + CSP
        + f"<title>fusion-cost blind review</title><style>{STYLE}</style></head><body>"
        "<h1>Blind review</h1><p>Answers are shuffled and their strategies hidden. Mark each "
        "answer; your marks stay in this browser. Export them and run "
        "<code>fusion-cost grade DIR grades.json</code>.</p>"
        '<div id="bar"><span id="progress"></span> <button type="button" id="export">'
        "Export grades</button></div>"
        + "".join(blocks)
        + f'<script type="application/json" id="review-data">{data}</script>'
        + f"<script>{script}</script></body></html>"
    )
    saved = {"pilot": pilot, "answers": key, "tokens": tokens}
    (directory / KEY).write_text(json.dumps(saved, indent=1))
    path = directory / PAGE
    path.write_text(page, encoding="utf-8")
    return path
