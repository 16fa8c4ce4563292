"""Reading scenarios: YAML/JSON files, the built-in example, and quick command-line flags.

Errors come out as `file:line: field: message` (one line, exit 2): pydantic's error location
is mapped back to the YAML node it came from with `yaml.compose`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from estimator.errors import UserError
from estimator.pricing.payload import read_text
from estimator.scenario.paths import field_path
from estimator.scenario.spec import Scenario

EXAMPLE = "support.yaml"
MAX_SCENARIO_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 100_000  # YAML values, counted through aliases: bounds parse, validation and memory


def example_path() -> Path:
    return Path(str(resources.files("estimator") / "examples" / EXAMPLE))


def template_path() -> Path:
    """The annotated scenario `fusion-cost init` writes: every field explained in place."""
    return Path(str(resources.files("estimator") / "examples" / "template.yaml"))


def read_text_file(source: Path, what: str, limit: int = MAX_SCENARIO_BYTES) -> str:
    """A small UTF-8 file, with one-line errors naming the file (pricing/payload.read_text)."""
    return read_text(source, what, limit)


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file (the built-in example when `path` is None)."""
    source = Path(path) if path is not None else example_path()
    return parse_scenario(read_text_file(source, "scenario"), str(source))


def load_yaml(text: str, label: str) -> tuple[Any, Any]:
    """Safe YAML under the same limits as scenarios (size, aliases, values, duplicate keys):
    the data and its node tree (for line numbers)."""
    import yaml

    loader = None
    try:
        loader = _bounded_loader()(text, label)
        node = loader.get_single_node()  # parsed once, construction reuses the node tree
        _check_aliases(node, label)
        _check_size(node, label)
        _check_duplicates(node, label)
        data = None if node is None else loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise UserError(
            f"{label}:{line}: YAML error: character #x{exc.character:04x} is not allowed"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{label}:{mark.line + 1}" if mark else label
        raise UserError(f"{at}: YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{label}: YAML error: {exc}") from None
    except RecursionError:
        raise UserError(f"{label}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def parse_scenario(text: str, label: str) -> Scenario:
    data, node = load_yaml(text, label)
    if not isinstance(data, dict):
        raise UserError(f"{label}:1: a scenario is a mapping with workload and strategies")
    return validate_scenario(data, label, node)


# Errors that only say "this union branch does not fit": shown last, after the real problem.
_BRANCH_MISMATCH = frozenset(
    {
        "int_type",
        "float_type",
        "string_type",
        "bool_type",
        "list_type",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "literal_error",
        "none_required",
        "tuple_type",
    }
)


# errors raised by checks across fields, and the field each one points at
_RELOCATED = {
    "missing_error_rates": lambda data: (
        "decision",
        "accuracy" if "accuracy" in (data.get("decision") or {}) else "error_rate",
    ),
}


MAX_PROBLEMS = 20  # on one line; a file with more has one mistake repeated


def _meaningful(errors: list[Any]) -> list[Any]:
    """One error per field at least: "this union branch does not fit" only where nothing
    better was said about that field (a bad value of a number-or-mapping field); and where one
    branch of a union took the value's shape (`{wrong: 250, of: 200}` is graded answers), only
    what that branch says (not that `wrong` is unknown to a range)."""
    errors = _best_branches(errors)
    kept, covered = [], set()
    for error in errors:
        if error["type"] not in _BRANCH_MISMATCH:
            kept.append(error)
            covered.add(_field(error))
    for error in errors:
        if error["type"] in _BRANCH_MISMATCH and _field(error) not in covered:
            kept.append(error)
            covered.add(_field(error))
    return kept


# the tags pydantic puts in an error's path for the union branch it tried
_BRANCH_TAG = re.compile(
    r"^(constrained-|function-|json-or-python|[A-Z]|(int|float|str|bool)$|(list|dict|tuple|literal)\[)"
)


_SHAPE = frozenset({"missing", "extra_forbidden"}) | _BRANCH_MISMATCH  # "not this branch"


def _branch(error: Any) -> tuple[tuple[Any, ...], str] | None:
    """(the field, the union branch) an error was raised in, or None outside unions."""
    loc = list(error["loc"])
    for i, part in enumerate(loc):
        if isinstance(part, str) and i and _BRANCH_TAG.match(part):
            return tuple(loc[:i]), part
    return None


def _best_branches(errors: list[Any]) -> list[Any]:
    """Per union field: when some branch fits the value's shape (its errors are about the
    values, not missing or unknown keys or types), the other branches' errors are noise."""
    shaped: dict[tuple[Any, ...], set[str]] = {}
    seen: dict[tuple[Any, ...], set[str]] = {}
    for error in errors:
        found = _branch(error)
        if found is not None:
            seen.setdefault(found[0], set()).add(found[1])
    for field, branches in seen.items():
        shaped[field] = {
            b
            for b in branches
            if all(e["type"] not in _SHAPE for e in errors if _branch(e) == (field, b))
        }
    kept = []
    for error in errors:
        found = _branch(error)
        if found is not None and shaped.get(found[0]) and found[1] not in shaped[found[0]]:
            continue
        kept.append(error)
    return kept


def _field(error: Any) -> tuple[Any, ...]:
    """The field an error is about: its path without union-branch tags
    ('constrained-int', 'function-after[_shape(), TokenSpec]')."""
    loc = list(error["loc"])
    while len(loc) > 1 and isinstance(loc[-1], str) and _BRANCH_TAG.match(loc[-1]):
        loc.pop()
    return tuple(loc)


def _more(problems: list[str]) -> str:
    extra = len(problems) - MAX_PROBLEMS
    return f"; and {extra} more like these" if extra > 0 else ""


def _problem(locate: Any, data: dict[str, Any], error: Any) -> str:
    if error["type"] in _RELOCATED:  # a check across fields: point at the field to fix
        error = {**error, "loc": _RELOCATED[error["type"]](data)}
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field" + did_you_mean(list(error["loc"]))
    elif _percentage(error):
        value = float(error["input"])
        message = f"{value:g} looks like a percentage: write {value / 100:g} (a share, 0 to 1)"
    return f"{locate(list(error['loc']), error['type'])}: {message}"


def _percentage(error: Any) -> bool:
    """A share or a rate written as a percentage (`8` for 8%; 1.5 could be 150% as well)."""
    value = error.get("input")
    le = (error.get("ctx") or {}).get("le")
    return (
        error["type"] == "less_than_equal"
        and le == 1
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 2 <= value <= 100
    )


def did_you_mean(loc: list[Any]) -> str:
    """` (did you mean requests_per_month?)` for a mistyped field, else ` (typo?)`."""
    import difflib

    name = loc[-1]
    known = _known_fields(
        [p for p in loc[:-1] if not (isinstance(p, str) and _BRANCH_TAG.match(p))]
    )
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6) if known else []
    if not close:
        return " (typo?)" if not known else f" (known here: {', '.join(sorted(known))})"
    return f" (did you mean {close[0]}?)"


def _known_fields(path: list[Any]) -> list[str]:
    """The field names the scenario schema allows at `path` (walked through the schema's
    references, unions, lists and mappings)."""
    schema = _schema()
    nodes = [schema]
    for part in path:
        nodes = [n for node in nodes for n in _into(schema, node, part)]
    names: set[str] = set()
    for node in nodes:
        for option in _options(schema, node):
            names.update(option.get("properties", {}))
    return sorted(names)


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = Scenario.model_json_schema()
    return schema


def _options(root: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema node with its references resolved and its unions spread out."""
    if "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    found = [node]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            found += _options(root, option)
    return found


def _into(root: dict[str, Any], node: dict[str, Any], part: Any) -> list[dict[str, Any]]:
    out = []
    for option in _options(root, node):
        if isinstance(part, int) and "items" in option:
            out.append(option["items"])
        elif isinstance(part, str) and part in option.get("properties", {}):
            out.append(option["properties"][part])
        elif isinstance(part, str) and isinstance(option.get("additionalProperties"), dict):
            out.append(option["additionalProperties"])
    return out


def locator(data: Any, label: str, node: Any) -> Any:
    """A function from an error location to `file:line: field`."""

    def locate(loc: list[Any], kind: str = "") -> str:
        line = _line_of(node, loc)
        where = f"{label}:{line}" if line else label
        return f"{where}: {field_path(data, loc, kind) or 'scenario'}"

    return locate


def _not_a_scenario(data: dict[str, Any], label: str) -> None:
    """fusion-cost's own JSON output given where a scenario belongs: say so."""
    if "schema_version" in data and "tool_version" in data:
        source = data.get("scenario")
        made_from = source.get("name") if isinstance(source, dict) else None
        named = f" (made from the scenario {made_from!r})" if isinstance(made_from, str) else ""
        raise UserError(
            f"{label}:1: this is fusion-cost's JSON output{named}, not a scenario: give the "
            "scenario file itself (`fusion-cost init` writes one to start from)"
        )


def validate_scenario(data: dict[str, Any], label: str, node: Any = None) -> Scenario:
    _not_a_scenario(data, label)
    locate = locator(data, label, node)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # a typo first: it explains the "Field required" that usually comes with it
        errors = sorted(
            exc.errors(),
            key=lambda e: (e["type"] != "extra_forbidden", e["type"] in _BRANCH_MISMATCH),
        )
        problems = list(dict.fromkeys(_problem(locate, data, e) for e in _meaningful(errors)))
        # every problem, on one line: the first, then "; also" each other (file:line each)
        raise UserError("; also ".join(problems[:MAX_PROBLEMS]) + _more(problems)) from None
    except RecursionError:
        raise UserError(f"{label}: nested too deeply") from None
    scenario._origin = locate
    return scenario


@cache
def _bounded_loader() -> Any:
    """A SafeLoader that stops composing after MAX_NODES values and reports bad scalars
    (a 5,000-digit integer, `2026-13-45`) as YAML errors with their line, not a traceback."""
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def __init__(self, text: str, label: str) -> None:
            super().__init__(text)
            self.label, self.nodes = label, 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise UserError(f"{self.label}: more than {MAX_NODES:,} YAML values")
            return super().compose_node(parent, index)

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (ValueError, OverflowError) as exc:
                problem = f"cannot read this value ({str(exc).split(';')[0]})"
                raise yaml.constructor.ConstructorError(
                    None, None, problem, node.start_mark
                ) from None

    return BoundedLoader


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    return [part for item in value for part in (item if isinstance(item, tuple) else (item,))]


def _check_size(root: Any, label: str) -> None:
    """Refuse documents whose values, expanded through aliases, exceed MAX_NODES (or loop)."""
    size: dict[int, int] = {}
    open_: set[int] = set()  # entered, not finished: the ancestors of the node being visited
    stack = [(root, False)] if root is not None else []
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_.discard(key)
            size[key] = min(MAX_NODES + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in open_:
            raise UserError(f"{label}: a YAML alias refers to itself")
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if root is not None and size[id(root)] > MAX_NODES:
        raise UserError(f"{label}: more than {MAX_NODES:,} YAML values once aliases are expanded")


def _check_duplicates(root: Any, label: str) -> None:
    """A key given twice in one mapping is an error naming both lines (YAML would keep the
    last silently: a second `workload:` replaced 200,000 requests with 5)."""
    import yaml

    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                    continue
                line = key.start_mark.line + 1
                if key.value in first:
                    raise UserError(
                        f"{label}:{line}: duplicate key {key.value!r} "
                        f"(first given at line {first[key.value]})"
                    )
                first[key.value] = line
        stack.extend(_children(node))


def _check_aliases(node: Any, label: str) -> None:
    """Refuse YAML alias bombs: a handful of anchors is fine, exponential fan-out is not."""
    seen = 0
    stack = [node]
    visited: set[int] = set()
    while stack:
        current = stack.pop()
        if current is None:
            continue
        if id(current) in visited:
            seen += 1
            if seen > MAX_ALIASES:
                raise UserError(f"{label}: too many YAML aliases (more than {MAX_ALIASES})")
            continue
        visited.add(id(current))
        value = getattr(current, "value", None)
        if isinstance(value, list):
            for item in value:
                stack.extend(item if isinstance(item, tuple) else (item,))


def _line_of(node: Any, loc: list[Any]) -> int | None:
    """The 1-based line of the deepest YAML node on the error's path."""
    import yaml

    if node is None:
        return None
    line = int(node.start_mark.line) + 1
    current = node
    for part in loc:
        nxt = None
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            for key, value in current.value:
                if key.value == part:
                    nxt = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and part < len(current.value)
        ):
            nxt = current.value[part]
            line = int(nxt.start_mark.line) + 1
        if nxt is None:
            continue
        current = nxt
    return line
