"""Decoding of Stripe's bracket-nested form bodies and query strings.

``usage_threshold[filters][0][customer]=cus_1`` becomes
``{"usage_threshold": {"filters": [{"customer": "cus_1"}]}}``; ``expand[]=a`` appends.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .errors import invalid_request

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 32


def parse_pairs(raw: str) -> list[tuple[str, str]]:
    """Split an urlencoded string into (key, value) pairs, keeping blanks.

    Same result as ``urllib.parse.parse_qsl(raw, keep_blank_values=True)``, without unquoting the
    (common) fields that need none.
    """
    pairs: list[tuple[str, str]] = []
    for item in raw.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        if "%" in name or "+" in name:
            name = _unquote(name)
        if "%" in value or "+" in value:
            value = _unquote(value)
        pairs.append((name, value))
    return pairs


def _unquote(text: str) -> str:
    """``unquote_plus`` (invalid bytes replaced); bracket keys (``payload%5Bvalue%5D``) without it."""
    if "+" not in text:
        simple = text.replace("%5B", "[").replace("%5D", "]")
        if "%" not in simple:
            return simple
    return unquote(text.replace("+", " "), errors="replace")


def _split_key(key: str) -> list[str]:
    if "[" not in key and "]" not in key:
        return [key]
    # The common one-level key ``name[sub]`` without the regexes (same result as below).
    opening = key.find("[")
    if opening > 0 and key[-1] == "]" and key.count("[") == 1 and key.count("]") == 1:
        return [key[:opening], key[opening + 1 : -1]]
    match = _KEY.match(key)
    if match is None:
        return [key]
    parts = [match.group(1)]
    parts.extend(_PART.findall(match.group(2)))
    return parts


def _display(parts: list[str]) -> str:
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def decode_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Build the nested parameter tree from bracket keys; indexed maps become lists."""
    root: dict[str, Any] = {}
    nested = False
    for key, value in pairs:
        parts = _split_key(key)
        if len(parts) == 1 and key:
            if isinstance(root.get(key), dict):
                raise invalid_request(
                    f"Invalid value for {key}: it was sent both as a value and as an object.", param=key
                )
            root[key] = value
            continue
        nested = True
        if len(parts) > MAX_DEPTH:
            raise invalid_request(f"Parameter nesting is too deep: {key[:100]}", param=parts[0])
        node: dict[str, Any] = root
        for depth, part in enumerate(parts[:-1]):
            if part == "":
                part = str(_next_index(node))
            child = node.get(part)
            if child is None:
                child = {}
                node[part] = child
            elif not isinstance(child, dict):
                raise invalid_request(
                    f"Invalid value for {_display(parts[: depth + 1])}: it was sent both as a value and as "
                    "an object.",
                    param=_display(parts[: depth + 1]),
                )
            node = child
        last = parts[-1]
        if last == "":
            last = str(_next_index(node))
        if isinstance(node.get(last), dict):
            raise invalid_request(
                f"Invalid value for {_display(parts)}: it was sent both as a value and as an object.",
                param=_display(parts),
            )
        node[last] = value
    if not nested and not (root and all(k.isdigit() and len(k) < 6 for k in root)):
        return root  # nothing to turn into lists
    # the top level is always an object
    return {key: _listify(value) if isinstance(value, dict) else value for key, value in root.items()}


def _next_index(node: dict[str, Any]) -> int:
    return len(node)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) if isinstance(v, dict) else v for k, v in node.items()}
    if converted and all(k.isascii() and k.isdigit() and len(k) < 6 for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


class ExplodedValue(str):
    """A v2 query value sent without brackets (``types=a``): a string, or a one-element array.

    stripe < 16 encodes v2 query arrays "exploded" (``types=a&types=b``), newer ones with indexes
    (``types[0]=a``); :class:`~stripe_fake.http.schema.Arr` accepts this as ``[value]``.
    """


def decode_form(raw: str, *, exploded: bool = False) -> dict[str, Any]:
    """Decode an urlencoded body or query string into nested parameters.

    With ``exploded`` (v2 queries), a plain key repeated (``types=a&types=b``) becomes a list and a
    plain key given once an :class:`ExplodedValue`.
    """
    if not raw:
        return {}
    pairs = parse_pairs(raw)
    if not exploded:
        return decode_pairs(pairs)
    plain: dict[str, list[str]] = {}
    nested: list[tuple[str, str]] = []
    for key, value in pairs:
        if "[" in key:
            nested.append((key, value))
        else:
            plain.setdefault(key, []).append(value)
    decoded = decode_pairs(nested)
    for key, values in plain.items():
        if key in decoded:
            raise invalid_request(
                f"Invalid value for {key}: it was sent both as a value and as an object.", param=key
            )
        decoded[key] = values if len(values) > 1 else ExplodedValue(values[0])
    return decoded
