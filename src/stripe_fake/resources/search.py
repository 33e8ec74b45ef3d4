"""Stripe's search query language: a parser, a checker against a resource's fields, an evaluator.

Pure, and generic over a per-resource :class:`SearchSpec` (which fields can be searched, of which
type, and how to read them from a stored object), so customers, products, prices and later
subscriptions and invoices share it. The language (Stripe's search docs):

- a clause is ``field<op>value``: ``:`` exact match (every type), ``~`` substring (string fields, at
  least 3 characters), ``>``, ``<``, ``>=``, ``<=`` (numeric fields); ``metadata['key']:'value'``;
- values are quoted with ``'`` or ``"`` (``\\`` escapes a quote or a backslash); numbers, ``true``,
  ``false`` and ``null`` (``field:null``: the field is empty) may go unquoted;
- ``-`` before a clause negates it; clauses are joined by spaces or ``AND`` (implicit AND), or by
  ``OR``; ``AND`` and ``OR`` (case-insensitive) cannot be mixed in one query.

:func:`search` pages through results (newest first) with an opaque ``page`` token and can use a
store's :class:`SearchIndex` for exact-match clauses, so a search for one email among 10,000
customers does not evaluate 10,000 objects. Results are immediately consistent (Stripe's are not).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from ..http.errors import StripeError
from .common import ObjectTable

T = TypeVar("T")

STRING = "string"  # exact (case-insensitive) and substring matching
TOKEN = "token"  # exact matching only (ids, enums, currencies)
NUMERIC = "numeric"  # exact matching and comparisons (timestamps, amounts)
BOOLEAN = "boolean"  # exact matching on true/false
METADATA = "metadata"

MIN_SUBSTRING = 3
_COMPARISONS = (">=", "<=", ">", "<")
_NULL: Any = None


class SearchQueryError(StripeError):
    """A query Stripe would refuse: 400 ``invalid_request_error``, param ``query``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, param="query")


@dataclass(frozen=True)
class Clause:
    """One clause: ``[-]field op value``; ``key`` is the metadata key; ``value`` None means ``null``."""

    field: str
    op: str
    value: str | Decimal | bool | None
    negated: bool = False
    key: str | None = None
    quoted: bool = True


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    conjunction: str = "and"  # "and" | "or"


# -- parsing -------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> SearchQueryError:
        return SearchQueryError(f"Invalid search query: {what} (at position {self.pos}).")

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def skip_space(self) -> bool:
        start = self.pos
        while not self.at_end() and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos > start

    def name(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] in "_."):
            self.pos += 1
        if self.pos == start:
            raise self.error("expected a field name")
        return text[start : self.pos]

    def quoted(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while True:
            if self.at_end():
                raise self.error("unterminated quoted string")
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] in ("'", '"', "\\"):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if char == quote:
                return "".join(out)
            out.append(char)

    def bare(self) -> str:
        start = self.pos
        while not self.at_end() and not self.text[self.pos].isspace():
            self.pos += 1
        return self.text[start : self.pos]


def _number(text: str) -> Decimal | None:
    body = text[1:] if text[:1] == "-" else text
    if not body or not all(c.isdigit() or c == "." for c in body) or body.count(".") > 1 or body == ".":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - excluded by the checks above
        return None


def _clause(reader: _Reader) -> Clause:
    negated = False
    if reader.peek() == "-":
        negated = True
        reader.pos += 1
    name = reader.name()
    key = None
    if reader.peek() == "[":
        if name != "metadata":
            raise reader.error(f"only metadata takes a [key], not {name}")
        reader.pos += 1
        if reader.peek() not in ("'", '"'):
            raise reader.error("expected a quoted metadata key")
        key = reader.quoted()
        if reader.peek() != "]":
            raise reader.error("expected ] after the metadata key")
        reader.pos += 1
    op = next((o for o in (*_COMPARISONS, ":", "~") if reader.peek(len(o)) == o), None)
    if op is None:
        raise reader.error(f"expected one of : ~ > < >= <= after {name}")
    reader.pos += len(op)
    if reader.at_end() or reader.text[reader.pos].isspace():
        raise reader.error(f"expected a value after {name}{op}")
    value: str | Decimal | bool | None
    quoted = reader.peek() in ("'", '"')
    if quoted:
        value = reader.quoted()
    else:
        start = reader.pos
        word = reader.bare()
        number = _number(word)
        if number is not None:
            value = number
        elif word in ("null", "true", "false"):
            value = None if word == "null" else word == "true"
        else:
            reader.pos = start
            raise reader.error(f"the value {word} must be quoted")
    return Clause(name, op, value, negated, key, quoted)


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Query:
    """Parse a query; raise :class:`SearchQueryError` with Stripe's 400 for malformed ones.

    Queries are immutable, so the last 1,024 distinct texts are kept parsed (apps repeat queries).
    """
    reader = _Reader(text)
    reader.skip_space()
    if reader.at_end():
        raise SearchQueryError("Invalid search query: the query is empty.")
    clauses = [_clause(reader)]
    conjunction: str | None = None
    while True:
        spaced = reader.skip_space()
        if reader.at_end():
            break
        if not spaced:
            raise reader.error("expected a space between clauses")
        word = reader.text[reader.pos : reader.pos + 4]
        for keyword in ("and", "or"):
            size = len(keyword)
            if word[:size].lower() == keyword and reader.text[reader.pos + size : reader.pos + size + 1] in (
                "",
                " ",
                "\t",
                "\n",
                "\r",
            ):
                if conjunction is not None and conjunction != keyword:
                    raise SearchQueryError(
                        "Invalid search query: AND and OR cannot be combined in one query."
                    )
                conjunction = keyword
                reader.pos += size
                reader.skip_space()
                break
        else:
            if conjunction == "or":
                raise SearchQueryError("Invalid search query: AND and OR cannot be combined in one query.")
            conjunction = conjunction or "and"
        if reader.at_end():
            raise reader.error("expected a clause after the conjunction")
        clauses.append(_clause(reader))
    return Query(tuple(clauses), conjunction or "and")


def render(query: Query) -> str:
    """The query as text (``parse(render(q)) == q`` for queries of quoted strings)."""

    def value(c: Clause) -> str:
        if c.value is None:
            return "null"
        if isinstance(c.value, bool):
            return "true" if c.value else "false"
        if isinstance(c.value, Decimal) and not c.quoted:
            return str(c.value)
        return "'" + str(c.value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    def one(c: Clause) -> str:
        name = (
            c.field
            if c.key is None
            else f"metadata['{c.key.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}']"
        )
        return ("-" if c.negated else "") + name + c.op + value(c)

    return f" {query.conjunction.upper()} ".join(one(c) for c in query.clauses)


# -- checking against a resource ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchField(Generic[T]):
    kind: str
    get: Callable[[T], Any]


@dataclass
class SearchSpec(Generic[T]):
    """What can be searched on one resource (``resource`` names it in errors, ``url`` in results)."""

    resource: str
    url: str
    fields: dict[str, SearchField[T]]
    metadata: Callable[[T], dict[str, str]] | None = None
    key: Callable[[T], str] = field(default=lambda obj: str(obj.id))
    #: Checked queries by text (bounded), so a repeated query costs one dict lookup.
    checked: dict[str, Query] = field(default_factory=dict, repr=False, compare=False)

    def query(self, text: str) -> Query:
        """``text`` parsed and checked against these fields (Stripe's 400 if it is not valid)."""
        found = self.checked.get(text)
        if found is None:
            found = check(parse(text), self)
            if len(self.checked) >= 1024:
                self.checked.clear()
            self.checked[text] = found
        return found


def check(query: Query, spec: SearchSpec[Any]) -> Query:
    """Raise Stripe's 400 for unknown fields and operators a field's type does not support."""
    for clause in query.clauses:
        if clause.key is not None:
            if spec.metadata is None:
                raise _unknown(clause, spec)
            kind = METADATA
        else:
            found = spec.fields.get(clause.field)
            if found is None:
                raise _unknown(clause, spec)
            kind = found.kind
        name = clause.field if clause.key is None else f"metadata['{clause.key}']"
        if clause.op == "~":
            if kind != STRING:
                raise SearchQueryError(
                    f"Invalid search query: {name} does not support substring matching (~)."
                )
            if not isinstance(clause.value, (str, Decimal)) or len(str(clause.value)) < MIN_SUBSTRING:
                raise SearchQueryError(
                    f"Invalid search query: substring matching (~) needs a value of at least {MIN_SUBSTRING} "
                    f"characters, for {name}."
                )
        elif clause.op != ":":
            if kind != NUMERIC:
                raise SearchQueryError(
                    f"Invalid search query: {name} does not support comparisons ({clause.op})."
                )
            if clause.value is None:
                raise SearchQueryError(
                    f"Invalid search query: null cannot be compared ({name}{clause.op}null)."
                )
        if kind == NUMERIC and clause.value is not None and _as_number(clause.value) is None:
            raise SearchQueryError(
                f"Invalid search query: {name} is numeric, and {clause.value!r} is not a number."
            )
    return query


def _unknown(clause: Clause, spec: SearchSpec[Any]) -> SearchQueryError:
    names = sorted([*spec.fields, *(["metadata"] if spec.metadata is not None else [])])
    return SearchQueryError(
        f"Invalid search query: {clause.field} is not a searchable field of {spec.resource}. Searchable "
        f"fields: {', '.join(names)}."
    )


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return _number(value)
    return None


# -- evaluation ---------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clause_matches(clause: Clause, spec: SearchSpec[T], obj: T) -> bool:
    """Whether ``obj`` satisfies ``clause`` (negation applied)."""
    if clause.key is not None:
        assert spec.metadata is not None
        actual: Any = spec.metadata(obj).get(clause.key)
        kind = METADATA
    else:
        got = spec.fields[clause.field]
        actual, kind = got.get(obj), got.kind
    if clause.value is None:
        result = actual is None or actual == ""
    elif actual is None:
        result = False
    elif kind == NUMERIC:
        want, have = _as_number(clause.value), _as_number(actual)
        if want is None or have is None:
            result = False
        else:
            result = {
                ":": have == want,
                ">": have > want,
                "<": have < want,
                ">=": have >= want,
                "<=": have <= want,
            }[clause.op]
    else:
        have_text = (_text(actual) or "").lower()
        want_text = (_text(clause.value) or "").lower()
        result = want_text in have_text if clause.op == "~" else have_text == want_text
    return result != clause.negated


def matches(query: Query, spec: SearchSpec[T], obj: T) -> bool:
    if query.conjunction == "or":
        return any(clause_matches(c, spec, obj) for c in query.clauses)
    return all(clause_matches(c, spec, obj) for c in query.clauses)


# -- index --------------------------------------------------------------------------------------------


class SearchIndex:
    """Exact-match index a store keeps for some fields: ``(field, lowercased value) -> ids``.

    ``metadata`` pairs are indexed as field ``metadata[<key>]`` with the exact value. The store calls
    :meth:`put` whenever an object's indexed values may have changed and :meth:`drop` when it is gone
    from search.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], dict[str, None]] = {}
        self._values: dict[str, list[tuple[str, str]]] = {}

    def put(self, object_id: str, values: Iterable[tuple[str, Any]]) -> None:
        self.drop(object_id)
        keys = []
        for name, value in values:
            text = _text(value)
            if text is None or text == "":
                continue
            key = (name, text.lower())
            self._ids.setdefault(key, {})[object_id] = None
            keys.append(key)
        self._values[object_id] = keys

    def drop(self, object_id: str) -> None:
        for key in self._values.pop(object_id, ()):
            ids = self._ids.get(key)
            if ids is not None:
                ids.pop(object_id, None)
                if not ids:
                    del self._ids[key]

    def lookup(self, name: str, value: Any) -> Sequence[str]:
        return list(self._ids.get((name, (_text(value) or "").lower()), {}))


def _candidates(query: Query, index: SearchIndex | None, indexed: frozenset[str]) -> list[str] | None:
    """Ids that can match (from the index), or ``None`` when the query needs a scan."""
    if index is None or query.conjunction != "and":
        return None
    best: list[str] | None = None
    for clause in query.clauses:
        name = clause.field if clause.key is None else f"metadata[{clause.key}]"
        if clause.negated or clause.op != ":" or clause.value is None:
            continue
        if clause.key is None and clause.field not in indexed:
            continue
        found = index.lookup(name, clause.value)
        if best is None or len(found) < len(best):
            best = list(found)
    return best


# -- paging -------------------------------------------------------------------------------------------


def _token(object_id: str) -> str:
    return base64.urlsafe_b64encode(("after:" + object_id).encode()).decode().rstrip("=")


def _untoken(page: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(page + "=" * (-len(page) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("after:") or len(raw) <= len("after:"):
        raise StripeError(f"Invalid page: {page[:100]}", param="page")
    return raw[len("after:") :]


def search(
    table: ObjectTable[T],
    spec: SearchSpec[T],
    query_text: str,
    *,
    limit: int = 10,
    page: str | None = None,
    total_count: bool = False,
    visible: Callable[[T], bool] | None = None,
    render: Callable[[T], dict[str, Any]],
    index: SearchIndex | None = None,
    indexed: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """One page of ``search_result`` for ``query_text`` over ``table`` (newest first).

    ``visible`` filters objects search never returns (deleted ones); ``index`` with the ``indexed``
    field names narrows exact-match AND queries to the index's candidates.
    """
    query = spec.query(query_text)
    after = _untoken(page) if page is not None else None

    def keep(obj: T) -> bool:
        return (visible is None or visible(obj)) and matches(query, spec, obj)

    candidates = _candidates(query, index, indexed)
    found: list[T]
    counted: int | None = None
    if candidates is not None:
        positions = sorted(
            ((pos, cid) for cid in candidates if (pos := table.position(cid)) is not None), reverse=True
        )
        hits = [obj for _, cid in positions if (obj := table.get(cid)) is not None and keep(obj)]
        counted = len(hits)
        start = 0
        if after is not None:
            ids = [spec.key(obj) for obj in hits]
            start = ids.index(after) + 1 if after in ids else len(hits)
        found = hits[start : start + limit + 1]
    else:
        start_pos = len(table._order) - 1
        if after is not None:
            pos = table.position(after)
            start_pos = pos - 1 if pos is not None else -1
        found = []
        for obj in _walk(table, start_pos):
            if keep(obj):
                found.append(obj)
                if len(found) > limit:
                    break
        if total_count:
            counted = sum(1 for obj in table if keep(obj))
    has_more = len(found) > limit
    data = found[:limit]
    body: dict[str, Any] = {
        "object": "search_result",
        "data": [render(obj) for obj in data],
        "has_more": has_more,
        "next_page": _token(spec.key(data[-1])) if has_more and data else None,
        "url": spec.url,
    }
    if total_count:
        body["total_count"] = counted
    return body


def _walk(table: ObjectTable[T], start: int) -> Iterator[T]:
    return table.walk(start, -1) if start >= 0 else iter(())
