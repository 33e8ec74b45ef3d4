"""What a handler gets: the request, its decoded parameters, the account and the time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .state import AccountState, Store

if TYPE_CHECKING:
    from .backend import Backend
    from .http.messages import FakeRequest
    from .http.routing import Route

S = TypeVar("S", bound=Store)


@dataclass(frozen=True)
class RequestCause:
    """What caused an event: the API request (its id and idempotency key). ``None`` in place of a
    cause means scheduled work (the event's ``request.id`` is null)."""

    request_id: str | None
    idempotency_key: str | None = None


@dataclass
class RequestContext:
    backend: Backend
    account: AccountState
    request: FakeRequest
    route: Route
    params: dict[str, Any]
    path: dict[str, str]
    now: int
    request_id: str
    idempotency_key: str | None
    api_key: str
    api_version: str

    def store(self, cls: type[S]) -> S:
        return self.account.store(cls)

    @property
    def cause(self) -> RequestCause:
        """This request as the cause of the events it emits."""
        return RequestCause(self.request_id, self.idempotency_key)
