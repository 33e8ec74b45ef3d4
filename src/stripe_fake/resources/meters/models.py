"""Billing meters: state and rules (``event_name`` unique, only ``display_name`` mutable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError
from ...ids import new_id
from ..base import ResourceStore, StripeObject

if TYPE_CHECKING:
    from ...state import AccountState


@dataclass
class Meter(StripeObject):
    object: ClassVar[str] = "billing.meter"
    id_prefix: ClassVar[str] = "mtr"

    id: str
    created: int
    updated: int
    display_name: str
    event_name: str
    formula: str  # sum | count | last
    customer_key: str
    value_key: str
    event_time_window: str | None  # None (raw), "hour" or "day"
    livemode: bool
    status: str = "active"
    deactivated_at: int | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "billing.meter",
            "created": self.created,
            "customer_mapping": {"event_payload_key": self.customer_key, "type": "by_id"},
            "default_aggregation": {"formula": self.formula},
            "display_name": self.display_name,
            "event_name": self.event_name,
            "event_time_window": self.event_time_window,
            "livemode": self.livemode,
            "status": self.status,
            "status_transitions": {"deactivated_at": self.deactivated_at},
            "updated": self.updated,
            "value_settings": {"event_payload_key": self.value_key},
        }


class MeterStore(ResourceStore[Meter]):
    """The account's meters, and the index from ``event_name`` to meter."""

    kind = "billing meter"
    id_prefixes = ("mtr",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.by_event_name: dict[str, Meter] = {}

    def create(
        self,
        *,
        display_name: str,
        event_name: str,
        formula: str,
        customer_key: str,
        value_key: str,
        event_time_window: str | None,
        now: int,
    ) -> Meter:
        if event_name in self.by_event_name:
            raise StripeError(
                f"A meter with the event_name '{event_name}' already exists. Event names must be unique "
                "across meters.",
                param="event_name",
            )
        meter = Meter(
            id=new_id("mtr", 24),
            created=now,
            updated=now,
            display_name=display_name,
            event_name=event_name,
            formula=formula,
            customer_key=customer_key,
            value_key=value_key,
            event_time_window=event_time_window,
            livemode=self.account.livemode,
        )
        self.table.add(meter.id, meter)
        self.by_event_name[event_name] = meter
        return meter
