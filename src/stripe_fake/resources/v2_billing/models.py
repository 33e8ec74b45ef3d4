"""Meter event sessions: short-lived tokens that authenticate the high-throughput event stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...ids import new_id
from ..v2_events.timefmt import rfc3339

if TYPE_CHECKING:
    from ...backend import Backend
    from ...state import AccountState

#: "Authentication tokens are only valid for 15 minutes."
SESSION_TTL = 15 * 60


@dataclass
class MeterEventSession:
    id: str
    token: str
    created: int
    expires_at: int
    livemode: bool

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "v2.billing.meter_event_session",
            "authentication_token": self.token,
            "created": rfc3339(self.created),
            "expires_at": rfc3339(self.expires_at),
            "livemode": self.livemode,
        }


class MeterEventSessionStore:
    """The account's sessions, by authentication token."""

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.by_token: dict[str, MeterEventSession] = {}

    def create(self, now: int) -> MeterEventSession:
        session = MeterEventSession(
            id=new_id("mes", 24),
            token=new_id("mes_tok", 40),
            created=now,
            expires_at=now + SESSION_TTL,
            livemode=self.account.livemode,
        )
        self.by_token[session.token] = session
        return session


def find_session(backend: Backend, token: str) -> tuple[AccountState, MeterEventSession] | None:
    """The account and session a stream token belongs to (the token, not ``Stripe-Account``, decides)."""
    for account in list(backend.accounts.values()):
        found = account.store(MeterEventSessionStore).by_token.get(token)
        if found is not None:
            return account, found
    return None
