"""Customers: state and rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...ids import new_id, random_hex
from ..common import ObjectTable

if TYPE_CHECKING:
    from ...state import AccountState

_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def render_address(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {key: value.get(key) for key in _ADDRESS_KEYS}


@dataclass
class Customer:
    id: str
    created: int
    livemode: bool
    fields: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)
    deleted: bool = False

    def render(self) -> dict[str, Any]:
        if self.deleted:
            return {"id": self.id, "object": "customer", "deleted": True}
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


class CustomerStore:
    """The account's customers. Deleted customers stay, rendered as ``{id, object, deleted}``."""

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.table: ObjectTable[Customer] = ObjectTable("customer")
        #: Customer ids by the email they were given (creation or update); entries may be stale (the
        #: email changed since), :meth:`with_email` checks and drops those. ``list(email=)`` reads it.
        self.by_email: dict[str, list[str]] = {}

    def create(self, fields: dict[str, Any], metadata: dict[str, str], now: int) -> Customer:
        fields.setdefault("invoice_prefix", new_invoice_prefix())
        customer = Customer(new_id("cus", 14), now, self.account.livemode, fields, metadata)
        self.table.add(customer.id, customer)
        self.index_email(customer)
        return customer

    def index_email(self, customer: Customer) -> None:
        """Note the customer's current email in :attr:`by_email` (call after the email may have changed)."""
        email = customer.fields.get("email")
        if isinstance(email, str):
            self.by_email.setdefault(email, []).append(customer.id)

    def with_email(self, email: str) -> list[str]:
        """Ids of the customers whose email is ``email`` now, in creation order (deleted ones included)."""
        listed = self.by_email.get(email)
        if not listed:
            return []
        table = self.table
        current = {i for i in listed if (c := table.get(i)) is not None and c.fields.get("email") == email}
        ids = sorted(current, key=lambda i: table.position(i) or 0)
        self.by_email[email] = ids  # stale entries and repeats dropped
        return ids

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Stores pickled before the email index existed get one on load."""
        self.__dict__.update(state)
        if "by_email" not in state:
            self.by_email = {}
            for customer in self.table:
                self.index_email(customer)

    def exists(self, customer_id: str) -> bool:
        """A customer that exists and is not deleted (meter events and alerts need one)."""
        found = self.table.get(customer_id)
        return found is not None and not found.deleted

    def render_by_id(self, object_id: str) -> dict[str, Any] | None:
        found = self.table.get(object_id)
        return found.render() if found is not None else None
