"""Webhook endpoints (``we_...``): where v1 events are delivered, and with which signing secret."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError
from ...ids import new_id
from ...patterns import match_event_type
from ..base import ResourceStore, StripeObject

if TYPE_CHECKING:
    pass

#: Stripe allows this many webhook endpoints per account.
MAX_ENDPOINTS = 16


def new_secret() -> str:
    """A fresh ``whsec_...`` signing secret."""
    return "whsec_" + secrets.token_hex(16)


def type_enabled(enabled_events: list[str], event_type: str) -> bool:
    """Whether ``event_type`` is selected by an ``enabled_events`` list (``*`` selects all)."""
    return any(match_event_type(pattern, event_type) for pattern in enabled_events)


@dataclass
class WebhookEndpoint(StripeObject):
    object: ClassVar[str] = "webhook_endpoint"
    id_prefix: ClassVar[str] = "we"

    id: str
    created: int
    url: str
    enabled_events: list[str]
    secret: str
    livemode: bool
    api_version: str | None = None
    description: str | None = None
    connect: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    status: str = "enabled"

    def accepts(self, event_type: str) -> bool:
        """Whether this endpoint should receive an event of ``event_type`` now."""
        return self.status == "enabled" and type_enabled(self.enabled_events, event_type)

    def render(self, *, with_secret: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "webhook_endpoint",
            "api_version": self.api_version,
            "application": None,
            "created": self.created,
            "description": self.description,
            "enabled_events": list(self.enabled_events),
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "status": self.status,
            "url": self.url,
        }
        if with_secret:
            body["secret"] = self.secret
        return body


class WebhookEndpointStore(ResourceStore[WebhookEndpoint]):
    """The account's webhook endpoints, oldest first."""

    kind = "webhook endpoint"
    id_prefixes = ("we",)

    def create(
        self,
        *,
        url: str,
        enabled_events: list[str],
        now: int,
        api_version: str | None = None,
        description: str | None = None,
        connect: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> WebhookEndpoint:
        if len(self.table) >= MAX_ENDPOINTS:
            raise StripeError(
                f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
                param="url",
            )
        endpoint = WebhookEndpoint(
            id=new_id("we"),
            created=now,
            url=url,
            enabled_events=list(enabled_events),
            secret=new_secret(),
            livemode=self.account.livemode,
            api_version=api_version,
            description=description,
            connect=connect,
            metadata=dict(metadata or {}),
        )
        self.table.add(endpoint.id, endpoint)
        return endpoint
