"""What tests read back: the events the fake emitted and the requests it answered, with assertions."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .http.decoding import decode_params
from .http.errors import StripeError
from .http.messages import FakeRequest
from .patterns import match_event_type

_MISSING = object()
_UNDECODED: Any = object()


@dataclass
class RecordedRequest:
    """One request the app sent, as the fake answered it."""

    method: str
    host: str
    path: str
    headers: dict[str, str]
    status: int
    route: str | None
    request_id: str
    #: The response body as sent; :attr:`response` decodes it on first access (logging stays cheap).
    body: bytes = field(default=b"", repr=False)
    #: The raw query string and request body; :attr:`params` decodes them on first access, so the log
    #: keeps no per-parameter objects alive (a 100-event stream call would keep hundreds).
    query: str = field(default="", repr=False)
    request_body: bytes = field(default=b"", repr=False)
    _decoded: Any = field(default=_UNDECODED, repr=False, compare=False)
    _params: Any = field(default=_UNDECODED, repr=False, compare=False)

    @property
    def params(self) -> dict[str, Any]:
        """The decoded request parameters (``{}`` if they could not be decoded)."""
        if self._params is _UNDECODED:
            raw = FakeRequest(self.method, self.host, self.path, self.query, self.headers, self.request_body)
            try:
                self._params = decode_params(raw)
            except StripeError:
                self._params = {}
        return self._params  # type: ignore[no-any-return]

    @property
    def response(self) -> Any:
        """The decoded JSON response body (``None`` if it was not JSON)."""
        if self._decoded is _UNDECODED:
            try:
                self._decoded = json.loads(self.body)
            except ValueError:
                self._decoded = None
        return self._decoded

    @property
    def error(self) -> dict[str, Any] | None:
        """The ``error`` object of an error response, else ``None``."""
        body = self.response
        if self.status >= 400 and isinstance(body, dict):
            found = body.get("error")
            return found if isinstance(found, dict) else None
        return None

    @property
    def implemented(self) -> bool:
        return self.route is not None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


def lookup_path(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``alert.id``, ``usage_threshold.filters.0.customer``) or a sentinel."""
    node = obj
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def matches_value(actual: Any, expected: Any) -> bool:
    """Equality, where an object with an ``id`` (e.g. a ``stripe.Customer``) also matches its id string."""
    if actual is _MISSING:
        return False
    if actual == expected:
        return True
    if isinstance(actual, str) and not isinstance(expected, (str, int, float, bool, type(None))):
        return bool(_object_id(expected) == actual)
    return False


def _object_id(value: Any) -> Any:
    """The ``id`` of a dict or SDK object (``stripe.Customer``), else ``None``."""
    if isinstance(value, Mapping):
        return value.get("id")
    return getattr(value, "id", None)


def _fields(filters: Mapping[str, Any]) -> dict[str, str]:
    """Keyword filters use ``__`` or ``.`` for nesting: ``alert__id`` and ``**{"alert.id": ...}`` agree."""
    return {name: name.replace("__", ".") for name in filters}


def _show(value: Any) -> str:
    if value is _MISSING:
        return "<missing>"
    if not isinstance(value, (str, int, float, bool, type(None), list)) and _object_id(value) is not None:
        return repr(_object_id(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_matches(event_type: str, actual: str) -> bool:
    """``event_type`` (a pattern, see :func:`~stripe_fake.patterns.match_event_type`) selects ``actual``."""
    return match_event_type(event_type, actual)


class EventRecorder(list[dict[str, Any]]):
    """Every event the fake emitted (v1 ``event`` objects), oldest first."""

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        """Events whose ``type`` equals ``event_type`` (a trailing ``*`` matches a prefix)."""
        return [e for e in self if type_matches(event_type, str(e.get("type", "")))]

    def types(self) -> list[str]:
        return [str(e.get("type")) for e in self]

    def last(self, event_type: str | None = None) -> dict[str, Any]:
        found = self.of_type(event_type) if event_type else list(self)
        if not found:
            raise LookupError(f"no event of type {event_type!r} was emitted; emitted: {self.types()}")
        return found[-1]

    @staticmethod
    def subject(event: dict[str, Any]) -> Any:
        """What filters are matched against: a v1 event's ``data.object``."""
        return event.get("data", {}).get("object", {})

    def matching(self, event_type: str, **filters: Any) -> list[dict[str, Any]]:
        """Events of ``event_type`` whose :meth:`subject` has every ``filters`` value (dotted paths)."""
        paths = _fields(filters)
        return [
            event
            for event in self.of_type(event_type)
            if all(
                matches_value(lookup_path(self.subject(event), paths[name]), expected)
                for name, expected in filters.items()
            )
        ]

    def describe(self, event_type: str | None = None, filters: Mapping[str, Any] | None = None) -> str:
        """One line per recorded event: type, ids and the filtered fields (mismatches marked)."""
        if not self:
            return "  (no events were emitted)"
        paths = _fields(filters or {})
        lines = []
        for number, event in enumerate(self, 1):
            obj = self.subject(event)
            parts = [f"{number:>3}. {event.get('type')} {event.get('id')}"]
            if isinstance(obj, Mapping) and "id" in obj and obj is not event:
                parts.append(f"object={obj['id']!r}")
            if event.get("account"):
                parts.append(f"account={event['account']!r}")
            if event_type is None or type_matches(event_type, str(event.get("type", ""))):
                for name, expected in (filters or {}).items():
                    actual = lookup_path(obj, paths[name])
                    mark = "" if matches_value(actual, expected) else f" (expected {_show(expected)})"
                    parts.append(f"{paths[name]}={_show(actual)}{mark}")
            lines.append("  " + " ".join(parts))
        return "\n".join(lines)

    def assert_event(
        self, event_type: str, *, count: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Assert that events of ``event_type`` matching ``filters`` were emitted (``count``: exactly).

        Returns the matching events. On failure the message lists every recorded event with the
        fields the filters name, so a near miss (wrong customer, wrong type) is easy to spot.
        """
        __tracebackhide__ = True
        found = self.matching(event_type, **filters)
        if (count is None and found) or (count is not None and len(found) == count):
            return found
        wanted = ", ".join([repr(event_type)] + [f"{name}={_show(v)}" for name, v in filters.items()])
        expectation = "at least 1" if count is None else f"exactly {count}"
        of_type = len(self.of_type(event_type))
        raise AssertionError(
            f"Expected {expectation} event(s) matching {wanted}, but {len(found)} matched "
            f"({of_type} event(s) of type {event_type!r} were emitted).\n"
            f"Recorded events ({len(self)}):\n{self.describe(event_type, filters)}"
        )


class ThinEventLog(EventRecorder):
    """Every thin v2 event (``v2.core.event``) the fake emitted, oldest first.

    Filters match the event itself: ``related_object__id=meter.id``, ``data__reason__error_count=2``,
    ``context="acct_..."``.
    """

    @staticmethod
    def subject(event: dict[str, Any]) -> Any:
        return event

    def assert_thin_event(
        self, event_type: str, *, count: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Assert thin events of ``event_type`` matching ``filters`` were emitted (``count``: exactly)."""
        __tracebackhide__ = True
        return self.assert_event(event_type, count=count, **filters)


class RequestLog(list["RecordedRequest"]):
    """Every request the app sent (:class:`~stripe_fake.RecordedRequest`), oldest first."""

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        route: str | None = None,
        status: int | None = None,
        host: str | None = None,
    ) -> RequestLog:
        """The requests matching every given filter.

        ``path`` and ``route`` are globs (``"/v1/customers/*"``, ``"meters.*"``); ``method`` is
        case-insensitive; ``host`` is ``"api.stripe.com"`` or ``"meter-events.stripe.com"``.
        """
        wanted = method.upper() if method is not None else None
        return RequestLog(
            r
            for r in self
            if (wanted is None or r.method == wanted)
            and (path is None or fnmatch.fnmatchcase(r.path, path))
            and (route is None or (r.route is not None and fnmatch.fnmatchcase(r.route, route)))
            and (status is None or r.status == status)
            and (host is None or r.host == host)
        )

    def last(self, method: str | None = None, path: str | None = None, **filters: Any) -> RecordedRequest:
        """The most recent request matching the filters of :meth:`filter`; ``LookupError`` if none."""
        found = self.filter(method, path, **filters)
        if not found:
            raise LookupError(f"no request matched; recorded:\n{self.describe()}")
        return found[-1]

    def describe(self) -> str:
        """One line per request: method, path, status and the route that answered (or why not)."""
        if not self:
            return "  (no requests were recorded)"
        lines = []
        for number, r in enumerate(self, 1):
            answered = r.route or ("URL not implemented by stripe-fake" if r.status == 404 else "no route")
            lines.append(f"  {number:>3}. {r.method} {r.path} -> {r.status} ({answered}) {r.request_id}")
        return "\n".join(lines)
