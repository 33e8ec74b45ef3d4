"""Wire-level request and response values shared by the interceptor and the server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# One encoder for every response body. Bodies are trees the fake just built, so the circular-reference
# bookkeeping of ``json.dumps`` (about half its cost on a small body) is skipped; a cycle would still
# fail (RecursionError), never loop forever. Same bytes as ``json.dumps``.
_ENCODER = json.JSONEncoder(check_circular=False)


@dataclass
class FakeRequest:
    """One HTTP request as the fake sees it, independent of transport."""

    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class FakeResponse:
    """One HTTP response: status, headers and a JSON body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: When set, the transport raises a connection error with this message instead of answering
    #: (the SDK sees ``APIConnectionError``).
    network_error: str | None = None
    #: The fake does not implement what was asked (Stripe's 404 "Unrecognized request URL", whether
    #: no route matched or a route's handler refused): listed in ``unimplemented_requests``.
    unimplemented: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> FakeResponse:
        return cls(status, _ENCODER.encode(payload).encode(), headers or {})

    def payload(self) -> Any:
        return json.loads(self.body)
