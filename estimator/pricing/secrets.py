"""The secrets a refresh must never write, show, or send to another origin.

Two kinds: the API key (`OPENROUTER_API_KEY`) and credentials in a URL (`user:password@`).
`Secrets` knows them and every form in which they could travel and still be read back: raw,
JSON-escaped (`\\u0073`), Python-repr-escaped (`\\x73`, `\\r`, `\\\\u0073`), percent-encoded
(`%73`, `%2573`), `+` for a space, HTML character references (`&#115;`, `&amp;`), in any mix
of upper and lower case hex and any mix of forms character by character. It answers "does this
hold a secret?" for a response body, a parsed JSON document, a validator or a redirect target,
and redacts error messages.

Only the standard library: the CLI imports this module to redact its error line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote

API_KEY_VARIABLE = "OPENROUTER_API_KEY"
KEY_LABEL = "[API key]"
CREDENTIALS_LABEL = "[URL credentials]"

_BACKSLASHES = r"\\(?:\\)*"  # one escape, or an escaped escape (the repr of JSON text)
_SHORT_ESCAPES = {
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\f": "f",
    "\r": "r",
    '"': '"',
    "'": "'",
    "/": "/",
    "\\": "\\",
}
_NAMED_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
_PRINTABLE_ASCII = re.compile(r"[!-~]+")
MIN_LONE_PASSWORD = 4  # a shorter password is redacted only inside its `user:password`
_USERINFO = re.compile(r"^(?P<head>(?:[A-Za-z][A-Za-z0-9+.-]*:)?//)(?P<userinfo>[^/?#]*@)")


def _hex(value: int, width: int = 0) -> str:
    """`value` in hex as a pattern that accepts either case (`%2f` and `%2F`)."""
    digits = f"{value:0{width}x}"
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in digits)


def _char_pattern(char: str) -> str:
    code = ord(char)
    forms = [re.escape(char)]
    if code < 0x10000:
        forms.append(f"{_BACKSLASHES}u{_hex(code, 4)}")
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(f"{_BACKSLASHES}U{_hex(code, 8)}")
        forms.append(f"{_BACKSLASHES}u{_hex(high, 4)}{_BACKSLASHES}u{_hex(low, 4)}")
    if code < 0x100:
        forms.append(f"{_BACKSLASHES}x{_hex(code, 2)}")
    if char in _SHORT_ESCAPES:
        forms.append(_BACKSLASHES + re.escape(_SHORT_ESCAPES[char]))
    forms.append("".join(f"%(?:25)*{_hex(byte, 2)}" for byte in char.encode("utf-8")))
    if char == " ":
        forms.append(r"\+")
    forms.append(f"&#0*{code};")
    forms.append(f"&#[xX]0*{_hex(code)};")
    if char in _NAMED_ENTITIES:
        forms.append(f"&{_NAMED_ENTITIES[char]};")
    return "(?:" + "|".join(forms) + ")"


def secret_pattern(secret: str) -> re.Pattern[str]:
    """A pattern matching `secret` in every encoding `Secrets` knows, character by character."""
    return re.compile("".join(_char_pattern(char) for char in secret))


def url_credentials(url: str) -> str | None:
    """The `user:password` of a URL (None if it has none), tolerant of malformed URLs."""
    match = _USERINFO.match(url or "")
    return match.group("userinfo")[:-1] if match else None


def strip_userinfo(url: str) -> str:
    """`https://user:pass@host/x` -> `https://host/x`; anything else unchanged (never raises)."""
    return _USERINFO.sub(lambda m: m.group("head"), url or "", count=1)


class Secrets:
    """The secrets of one run, each with the label that replaces it in messages."""

    def __init__(self, secrets: Iterable[tuple[str, str]] = ()) -> None:
        unique = {value: label for value, label in secrets if value}
        # longest first: a secret that contains another is redacted whole
        self._patterns = [
            (secret_pattern(value), label)
            for value, label in sorted(unique.items(), key=lambda item: -len(item[0]))
        ]

    @classmethod
    def of(cls, api_key: str | None = None, *urls: str | None) -> Secrets:
        """The API key (as given and stripped) and the credentials of `urls`: the whole
        `user:password`, and the password alone when it has at least `MIN_LONE_PASSWORD`
        characters (a one-letter password redacted alone would turn every "p" of a message
        into a label, and hides nothing a reader could not guess)."""
        found: list[tuple[str, str]] = []
        if api_key:
            found += [(api_key, KEY_LABEL), (api_key.strip(), KEY_LABEL)]
        for url in urls:
            userinfo = url_credentials(url or "")
            if userinfo:
                password = userinfo.partition(":")[2]
                found += [(userinfo, CREDENTIALS_LABEL), (unquote(userinfo), CREDENTIALS_LABEL)]
                alone = [password, unquote(password)]
                found += [(p, CREDENTIALS_LABEL) for p in alone if len(p) >= MIN_LONE_PASSWORD]
        return cls(found)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def __repr__(self) -> str:  # never the secrets themselves
        return f"Secrets({len(self._patterns)} patterns)"

    def found_in(self, text: str | bytes | None) -> str | None:
        """The label of the first secret `text` holds in any encoding, else None."""
        if not text or not self._patterns:
            return None
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for pattern, label in self._patterns:
            if pattern.search(text):
                return label
        return None

    def found_in_document(self, document: Any) -> str | None:
        """The label of a secret held by any string (key or value) of a parsed JSON document."""
        if not self._patterns:
            return None
        return self.found_in("\0".join(_strings(document)))

    def redact(self, text: str) -> str:
        for pattern, label in self._patterns:
            text = pattern.sub(label, text)
        return text

    def redact_error(self, error: BaseException) -> BaseException:
        """The same exception with every secret taken out of its message (args)."""
        if self._patterns and error.args:
            error.args = tuple(
                self.redact(arg) if isinstance(arg, str) else arg for arg in error.args
            )
        return error


def _strings(document: Any) -> Iterator[str]:
    """Every string in a parsed JSON document, object keys included (iterative: no recursion)."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def clean_api_key(value: str | None) -> str | None:
    """The key with surrounding whitespace stripped (a CRLF env file), None when empty.

    Refuses a key with a control, space or non-ASCII character inside: it cannot be a valid
    key, would break the header, and must not be echoed (the message never quotes it).
    """
    if value is None:
        return None
    key = value.strip()
    if not key:
        return None
    if not _PRINTABLE_ASCII.fullmatch(key):
        from estimator.errors import UserError

        raise UserError(
            f"{API_KEY_VARIABLE} holds a control, space or non-ASCII character, so it was not "
            "sent; set it to the key alone (printable ASCII, no quotes or line breaks)"
        )
    return key
