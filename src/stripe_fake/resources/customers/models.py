"""Customers: state and rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import resource_missing
from ...ids import new_id, random_hex
from ..base import ResourceStore, StripeObject
from ..search import NUMERIC, STRING, SearchField, SearchIndex, SearchSpec

if TYPE_CHECKING:
    from ...state import AccountState

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
            "currency": f.get("currency"),
            "default_source": f.get("default_source"),
            "delinquent": False,
            "description": f.get("description"),
            "discount": None,
            "email": f.get("email"),
            "invoice_prefix": f["invoice_prefix"],
            "invoice_settings": {
                "custom_fields": copy.deepcopy(invoice_settings.get("custom_fields")),
                "default_payment_method": invoice_settings.get("default_payment_method"),
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
            "test_clock": f.get("test_clock"),
        }

    # -- billing fields other streams read and write (CONTRACTS.md) -------------------------------------

    @property
    def default_payment_method(self) -> str | None:
        """``invoice_settings.default_payment_method``."""
        value = (self.fields.get("invoice_settings") or {}).get("default_payment_method")
        return value if isinstance(value, str) else None

    @property
    def default_source(self) -> str | None:
        value = self.fields.get("default_source")
        return value if isinstance(value, str) else None

    @property
    def currency(self) -> str | None:
        value = self.fields.get("currency")
        return value if isinstance(value, str) else None

    def set_currency(self, currency: str) -> None:
        """Fix the customer's currency (the first invoice or subscription does); later calls keep it."""
        self.fields.setdefault("currency", None)
        if self.fields["currency"] is None:
            self.fields["currency"] = currency

    @property
    def balance(self) -> int:
        """Credit (negative) or amount owed (positive), in the customer's currency's minor units."""
        return int(self.fields.get("balance") or 0)

    @balance.setter
    def balance(self, value: int) -> None:
        self.fields["balance"] = value

    @property
    def test_clock(self) -> str | None:
        value = self.fields.get("test_clock")
        return value if isinstance(value, str) else None

    @property
    def invoice_prefix(self) -> str:
        return str(self.fields["invoice_prefix"])

    @property
    def next_invoice_sequence(self) -> int:
        return int(self.fields.get("next_invoice_sequence") or 1)

    @next_invoice_sequence.setter
    def next_invoice_sequence(self, value: int) -> None:
        self.fields["next_invoice_sequence"] = value


def new_invoice_prefix() -> str:
    return random_hex(8)


#: Customer search (``GET /v1/customers/search``): the query fields of Stripe's search docs.
SEARCH: SearchSpec[Customer] = SearchSpec(
    resource="customers",
    url="/v1/customers/search",
    fields={
        "created": SearchField(NUMERIC, lambda c: c.created),
        "email": SearchField(STRING, lambda c: c.fields.get("email")),
        "name": SearchField(STRING, lambda c: c.fields.get("name")),
        "phone": SearchField(STRING, lambda c: c.fields.get("phone")),
    },
    metadata=lambda c: c.metadata,
)
SEARCH_INDEXED = frozenset({"email", "name", "phone"})


class CustomerStore(ResourceStore[Customer]):
    """The account's customers. Deleted customers stay, rendered as ``{id, object, deleted}``.

    ``search_index`` holds exact values of the searchable text fields and metadata of live customers
    (kept by :meth:`reindex` after every write), so an exact search does not scan the account.
    """

    kind = "customer"
    id_prefixes = ("cus",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.search_index = SearchIndex()
        #: Customer ids by the email they were given (creation or update); entries may be stale (the
        #: email changed since), :meth:`with_email` checks and drops those. ``list(email=)`` reads it.
        self.by_email: dict[str, list[str]] = {}

    def create(self, fields: dict[str, Any], metadata: dict[str, str], now: int) -> Customer:
        fields.setdefault("invoice_prefix", new_invoice_prefix())
        customer = Customer(new_id("cus", 14), now, self.account.livemode, fields, metadata)
        self.table.add(customer.id, customer)
        self.reindex(customer)
        self.index_email(customer)
        return customer

    def reindex(self, customer: Customer) -> None:
        """Bring the search index up to date with ``customer`` (deleted ones leave it)."""
        if customer.deleted:
            self.search_index.drop(customer.id)
            return
        values = [(name, customer.fields.get(name)) for name in SEARCH_INDEXED]
        values += [(f"metadata[{key}]", value) for key, value in customer.metadata.items()]
        self.search_index.put(customer.id, values)

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

    def require_active(self, customer_id: str, *, param: str = "customer") -> Customer:
        """A customer that exists and is not deleted, else Stripe's 400 ``No such customer``."""
        found = self.table.get(customer_id)
        if found is None or found.deleted:
            raise resource_missing("customer", customer_id, param=param, status=400)
        return found
