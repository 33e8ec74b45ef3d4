"""Meter event sessions: short-lived tokens that authenticate the high-throughput event stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...http.timefmt import rfc3339
from ...ids import new_id

if TYPE_CHECKING:
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
        self.account.platform.store(SessionTokens).accounts[session.token] = self.account
        return session


class SessionTokens:
    """Which account each session token belongs to (kept on the platform account: one dict lookup)."""

    def __init__(self, account: AccountState) -> None:
        self.accounts: dict[str, AccountState] = {}


def find_session(account: AccountState, token: str) -> tuple[AccountState, MeterEventSession] | None:
    """The account and session a stream token belongs to (the token, not ``Stripe-Account``, decides)."""
    tokens = account.platform.find(SessionTokens)
    owner = tokens.accounts.get(token) if tokens is not None else None
    if owner is None:
        return None
    found = owner.store(MeterEventSessionStore).by_token.get(token)
    return (owner, found) if found is not None else None
