"""``expand[]``: replace id strings by the objects they name, for expandable fields only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import StripeError

Resolver = Callable[[str], "dict[str, Any] | None"]

# object type -> dotted paths that may be expanded (lists are walked transparently)
EXPANDABLE: dict[str, set[str]] = {}


def register_expandable(object_type: str, *paths: str) -> None:
    EXPANDABLE.setdefault(object_type, set()).update(paths)


def _too_deep(path: str) -> StripeError:
    return StripeError(
        f"You cannot expand more than 4 levels of a property. Property: {path}", param="expand"
    )


def _not_expandable(path: str) -> StripeError:
    return StripeError(f"This property cannot be expanded ({path}).", param="expand")


def apply_expand(body: dict[str, Any], paths: list[str], resolve: Resolver) -> dict[str, Any]:
    """Expand ``paths`` in ``body`` (a single object, or a list envelope with ``data.`` paths)."""
    listing = body.get("object") in ("list", "search_result")
    for path in paths:
        if path == "total_count" and body.get("object") == "search_result":
            continue  # a search handler already added it (resources/search.py)
        parts = path.split(".")
        if len(parts) > 4 + (1 if listing else 0):
            raise _too_deep(path)
        if listing:
            if parts[0] != "data" or len(parts) < 2:
                raise _not_expandable(path)
            for item in body.get("data", []):
                _expand_in(item, parts[1:], path, resolve)
        else:
            _expand_in(body, parts, path, resolve)
    return body


def _expand_in(obj: dict[str, Any], parts: list[str], full: str, resolve: Resolver) -> None:
    object_type = obj.get("object")
    allowed = EXPANDABLE.get(str(object_type), set())
    # Find the longest allowed prefix of parts for this object.
    for cut in range(len(parts), 0, -1):
        field = ".".join(parts[:cut])
        if field in allowed:
            _replace(obj, parts[:cut], resolve, parts[cut:], full)
            return
    raise _not_expandable(full)


def _replace(node: Any, parts: list[str], resolve: Resolver, rest: list[str], full: str) -> None:
    if isinstance(node, list):
        for item in node:
            _replace(item, parts, resolve, rest, full)
        return
    if not isinstance(node, Mapping) or not parts:
        return
    head, tail = parts[0], parts[1:]
    if head not in node:
        return
    if tail:
        _replace(node[head], tail, resolve, rest, full)
        return
    value = node[head]
    targets = value if isinstance(value, list) else [value]
    expanded = []
    for target in targets:
        if isinstance(target, str):
            found = resolve(target)
            target = found if found is not None else target
        if rest and isinstance(target, dict):
            _expand_in(target, rest, full, resolve)
        expanded.append(target)
    node[head] = expanded if isinstance(value, list) else expanded[0]  # type: ignore[index]


_SEGMENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def check_expand_paths(paths: Any, object_type: str | None = None) -> None:
    """Reject ``expand`` paths the returned object cannot expand, before a write executes.

    Runs before the handler of a POST/DELETE so a bad ``expand`` never leaves a half-done write
    behind. A path passes if it is well formed and some prefix of it (after an optional ``data.``)
    is registered as expandable for ``object_type`` (for any object type when the route does not
    say what it returns); the full check happens on rendering.
    """
    if not isinstance(paths, list):
        return  # the endpoint's schema reports the type error
    if object_type is not None:
        known = EXPANDABLE.get(object_type, set())
    else:
        known = set().union(*EXPANDABLE.values()) if EXPANDABLE else set()
    for path in paths:
        if not isinstance(path, str):
            return
        parts = path.split(".")
        if object_type is None and parts[0] == "data" and len(parts) > 1:
            parts = parts[1:]
        well_formed = all(part and set(part) <= _SEGMENT_CHARS for part in parts)
        error = None
        if len(parts) > 4:
            error = _too_deep(path)
        elif not well_formed or not any(".".join(parts[:cut]) in known for cut in range(1, len(parts) + 1)):
            error = _not_expandable(path)
        if error is not None:
            error.validation = True
            raise error
