"""The blind review page: for each prompt, the strategies' answers side by side in a shuffled
order, names hidden; the reviewer marks each wrong, acceptable or best; "Export grades"
downloads them as JSON; progress stays in the page's local storage. Static and offline.

Which strategy wrote which answer is kept apart, in `review-key.json` beside the records (an
opaque token per answer), so the page cannot reveal it; `fusion-cost grade` joins the two.
The key keeps the page's id across runs: a key that exists but cannot be read is an error,
never a silent new id (grades exported from the old page would then be refused).

`review_files` only builds the two documents; `evidence` writes them through the one writer.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from estimator.errors import UserError
from estimator.pricing.payload import loads_strict, read_text

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


MAX_KEY_BYTES = 64 * 1024 * 1024
PILOT_ID = re.compile(r"[0-9a-f]{16}")


def shown(text: str) -> str:
    """Text as a page can carry it: a lone surrogate (an API may return one) becomes U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def previous_key(directory: Path) -> tuple[str, dict[str, str]]:
    """The key of an earlier page of this pilot: its id and each answer's token, so grades
    exported before a resumed run still count. A new id only when there is no key yet."""
    path = directory / KEY
    if not path.exists() and not path.is_symlink():
        return secrets.token_hex(8), {}
    try:
        found = loads_strict(read_text(path, "the review key", MAX_KEY_BYTES))
        pilot, tokens = found["pilot"], found.get("tokens") or {}
        if not isinstance(pilot, str) or not PILOT_ID.fullmatch(pilot):
            raise ValueError("no page id")
        if not isinstance(tokens, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tokens.items()
        ):
            raise ValueError("bad tokens")
    except UserError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path}: not a review key ({exc}); it says which strategy wrote each answer of "
            "the review page and keeps the page's id: restore it, or move it away to start a "
            "new page (grades exported from the old page are then refused)"
        ) from None
    return pilot, dict(tokens)


def review_files(
    directory: Path, rows: list[dict[str, Any]], prompts: dict[str, tuple[str, str]]
) -> tuple[str, str]:
    """The page and its key (as text) from the records with answers. `prompts`: each
    prompt id's title and text."""
    pilot, tokens = previous_key(directory)
    rng = secrets.SystemRandom()  # an order nobody can recompute from the page
    by_prompt: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if isinstance(row.get("answer"), str) and row["answer"]:
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
                f'<div class="answer" data-token="{token}" '
                f'data-prompt="{html.escape(shown(prompt_id))}">'
                f"<strong>Answer {_letter(n)}</strong><br>{html.escape(shown(row['answer']))}"
                f"<p>{buttons}</p></div>"
            )
        title, text = prompts.get(prompt_id, (prompt_id, ""))
        blocks.append(
            f'<section class="prompt"><h3>Prompt {html.escape(shown(title))}</h3>'
            f"<p>{html.escape(shown(text))}</p>"
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
    return page, json.dumps(saved, indent=1, ensure_ascii=True) + "\n"


def _letter(n: int) -> str:
    """Answer A, B, ... Z, then AA, AB (a scenario may have more than 26 strategies)."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
