"""Event destinations (``ed_test_...``): where thin v2 events (and optionally v1 snapshots) are sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError, v2_error
from ...http.timefmt import rfc3339
from ...ids import new_id
from ..base import ResourceStore, StripeObject
from ..webhook_endpoints.models import new_secret, type_enabled

if TYPE_CHECKING:
    pass


def not_found(object_id: str) -> StripeError:
    """The v2 ``not_found`` error for an unknown event destination id."""
    return v2_error("not_found", f"Unrecognized event destination: {object_id}", status=404)


@dataclass
class EventDestination(StripeObject):
    object: ClassVar[str] = "v2.core.event_destination"
    id_prefix: ClassVar[str] = "ed"

    id: str
    created: int
    updated: int
    name: str
    type: str  # webhook_endpoint | amazon_eventbridge
    event_payload: str  # thin | snapshot
    enabled_events: list[str]
    events_from: list[str]
    livemode: bool
    secret: str
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    snapshot_api_version: str | None = None
    url: str | None = None
    aws_account_id: str | None = None
    aws_region: str | None = None
    status: str = "enabled"

    def accepts(self, event_type: str, *, payload: str, from_self: bool) -> bool:
        """Whether this destination should be sent an event of ``event_type`` now."""
        if self.status != "enabled" or self.type != "webhook_endpoint" or self.event_payload != payload:
            return False
        if ("self" if from_self else "other_accounts") not in self.events_from:
            return False
        return type_enabled(self.enabled_events, event_type)

    def render(self, include: list[str] | None = None) -> dict[str, Any]:
        include = include or []
        body: dict[str, Any] = {
            "id": self.id,
            "object": "v2.core.event_destination",
            "created": rfc3339(self.created),
            "description": self.description,
            "enabled_events": list(self.enabled_events),
            "event_payload": self.event_payload,
            "events_from": list(self.events_from),
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "name": self.name,
            "status": self.status,
            "type": self.type,
            "updated": rfc3339(self.updated),
        }
        # Optional fields are left out when they do not apply (the spec makes none of them nullable).
        if self.snapshot_api_version is not None:
            body["snapshot_api_version"] = self.snapshot_api_version
        if self.status == "disabled":
            body["status_details"] = {"disabled": {"reason": "user"}}
        if self.type == "webhook_endpoint":
            webhook: dict[str, Any] = {}
            if "webhook_endpoint.signing_secret" in include:
                webhook["signing_secret"] = self.secret
            if "webhook_endpoint.url" in include:
                webhook["url"] = self.url
            body["webhook_endpoint"] = webhook
        else:
            body["amazon_eventbridge"] = {
                "aws_account_id": self.aws_account_id,
                "aws_event_source_arn": (
                    f"arn:aws:events:{self.aws_region}::event-source/aws.partner/stripe.com/{self.id}"
                ),
                "aws_event_source_status": "pending",
            }
        return body


class EventDestinationStore(ResourceStore[EventDestination]):
    """The account's event destinations, oldest first (a v2 resource: never expanded)."""

    kind = "event destination"

    def require(self, object_id: str, *, param: str = "id", status: int = 404) -> EventDestination:
        """The destination, or the v2 ``not_found`` error."""
        found = self.table.get(object_id)
        if found is None:
            raise not_found(object_id)
        return found

    def add(self, **fields: Any) -> EventDestination:
        destination = EventDestination(
            id=new_id("ed_test", 46), livemode=self.account.livemode, secret=new_secret(), **fields
        )
        self.table.add(destination.id, destination)
        return destination
