"""Customers: state and rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...ids import new_id, random_hex
from ..base import ResourceStore, StripeObject

if TYPE_CHECKING:
    pass

_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def render_address(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {key: value.get(key) for key in _ADDRESS_KEYS}


@dataclass
class Customer(StripeObject):
    object: ClassVar[str] = "customer"
    id_prefix: ClassVar[str] = "cus"

    id: str
    created: int
    livemode: bool
    fields: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)
    deleted: bool = False

    def render(self) -> dict[str, Any]:
        if self.deleted:
            return self.render_deleted()
        f = self.fields
        invoice_settings = f.get("invoice_settings") or {}
        rendering = invoice_settings.get("rendering_options") or {}
        shipping = f.get("shipping")
        return {
            "id": self.id,
            "object": "customer",
            "address": render_address(f.get("address")),
            "balance": f.get("balance", 0),
            "created": self.created,
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": f.get("description"),
            "discount": None,
            "email": f.get("email"),
            "invoice_prefix": f["invoice_prefix"],
            "invoice_settings": {
                "custom_fields": copy.deepcopy(invoice_settings.get("custom_fields")),
                "default_payment_method": None,
                "footer": invoice_settings.get("footer"),
                "rendering_options": (
                    {
                        "amount_tax_display": rendering.get("amount_tax_display"),
                        "template": rendering.get("template"),
                    }
                    if invoice_settings.get("rendering_options")
                    else None
                ),
            },
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "name": f.get("name"),
            "next_invoice_sequence": f.get("next_invoice_sequence", 1),
            "phone": f.get("phone"),
            "preferred_locales": list(f.get("preferred_locales") or []),
            "shipping": (
                {
                    "address": render_address(shipping.get("address")),
                    "name": shipping.get("name"),
                    "phone": shipping.get("phone"),
                }
                if shipping
                else None
            ),
            "tax_exempt": f.get("tax_exempt", "none"),
            "test_clock": None,
        }


def new_invoice_prefix() -> str:
    return random_hex(8)


class CustomerStore(ResourceStore[Customer]):
    """The account's customers. Deleted customers stay, rendered as ``{id, object, deleted}``."""

    kind = "customer"
    id_prefixes = ("cus",)

    def create(self, fields: dict[str, Any], metadata: dict[str, str], now: int) -> Customer:
        fields.setdefault("invoice_prefix", new_invoice_prefix())
        customer = Customer(new_id("cus", 14), now, self.account.livemode, fields, metadata)
        return self.table.add(customer.id, customer)

    def exists(self, customer_id: str) -> bool:
        """A customer that exists and is not deleted (meter events and alerts need one)."""
        found = self.table.get(customer_id)
        return found is not None and not found.deleted
