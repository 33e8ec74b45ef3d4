"""Payment methods and card sources: state, attach/detach rules, and ``charge`` (what invoices call).

Every payment method here is a card made from one of Stripe's test cards (``cards.py``). A test id
(``pm_card_visa``) is accepted wherever a payment method id is and, as on Stripe, each use clones it
into a new ``pm_...`` object. Lookups return the stored object or the :class:`TestCard` still to be
cloned, so a request can check everything before it creates anything (rejected requests change
nothing). Per customer, the store keeps the ids of attached payment methods and card sources in
attach order (an index: listing a customer's cards never scans the account).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...http.errors import StripeError
from ...ids import new_id, stable_id
from ..base import ResourceStore
from ..common import ObjectTable
from .cards import AUTHENTICATION_REQUIRED, BRAND_NAMES, GENERIC, Decline, TestCard, card_for_payment_method

if TYPE_CHECKING:
    from ...state import AccountState

OUTCOMES = ("succeed", "decline", "authenticate")

_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def card_error(decline: Decline) -> StripeError:
    """The 402 ``card_error`` Stripe answers for a declined card."""
    extra = {"decline_code": decline.decline_code} if decline.decline_code else {}
    return StripeError(
        decline.message, status=402, type="card_error", code=decline.code, param=decline.param, extra=extra
    )


def _expiry(now: int) -> tuple[int, int]:
    """Test cards expire in December of next year (a guess: Stripe's clones show a future date)."""
    return 12, dt.datetime.fromtimestamp(now, dt.timezone.utc).year + 1


def _fingerprint(account_id: str | None, card: TestCard) -> str:
    """The same card number gives the same fingerprint within an account."""
    return stable_id("fp", f"{account_id}:{card.number}", 16)[3:]


def render_billing_details(details: dict[str, Any]) -> dict[str, Any]:
    address = details.get("address") or {}
    return {
        "address": {key: address.get(key) for key in _ADDRESS_KEYS},
        "email": details.get("email"),
        "name": details.get("name"),
        "phone": details.get("phone"),
        "tax_id": details.get("tax_id"),
    }


@dataclass
class PaymentMethod:
    """A ``type=card`` payment method cloned from a test card."""

    id: str
    created: int
    livemode: bool
    card: TestCard
    exp_month: int
    exp_year: int
    fingerprint: str
    customer: str | None = None
    billing_details: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    allow_redisplay: str = "unspecified"
    #: Detached from a customer (Stripe refuses to use it again).
    detached: bool = False

    def render(self) -> dict[str, Any]:
        card = self.card
        display_brand = BRAND_NAMES[card.brand][0]
        return {
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": self.allow_redisplay,
            "billing_details": render_billing_details(self.billing_details),
            "card": {
                "brand": card.brand,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "unchecked",
                },
                "country": card.country,
                "display_brand": display_brand,
                "exp_month": self.exp_month,
                "exp_year": self.exp_year,
                "fingerprint": self.fingerprint,
                "funding": card.funding,
                "generated_from": None,
                "last4": card.last4,
                "networks": {"available": [card.brand], "preferred": None},
                "regulated_status": "unregulated",
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "created": self.created,
            "customer": self.customer,
            "customer_account": None,
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "type": "card",
        }


@dataclass
class CardSource:
    """A card source (``card_...``) made from a ``tok_...`` test token, owned by one customer."""

    id: str
    customer: str
    card: TestCard
    exp_month: int
    exp_year: int
    fingerprint: str
    metadata: dict[str, str] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        card = self.card
        return {
            "id": self.id,
            "object": "card",
            "address_city": None,
            "address_country": None,
            "address_line1": None,
            "address_line1_check": None,
            "address_line2": None,
            "address_state": None,
            "address_zip": None,
            "address_zip_check": None,
            "brand": BRAND_NAMES[card.brand][1],
            "country": card.country,
            "customer": self.customer,
            "cvc_check": "pass",
            "dynamic_last4": None,
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
            "fingerprint": self.fingerprint,
            "funding": card.funding,
            "last4": card.last4,
            "metadata": dict(self.metadata),
            "name": None,
            "regulated_status": "unregulated",
            "tokenization_method": None,
        }


@dataclass(frozen=True)
class ChargeResult:
    """The outcome of one payment attempt (see :func:`charge`)."""

    outcome: str  # "succeeded" | "declined" | "requires_action"
    payment_method: str | None
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None


def _declined(payment_method: str | None, decline: Decline) -> ChargeResult:
    return ChargeResult("declined", payment_method, decline.code, decline.decline_code, decline.message)


def not_attached() -> StripeError:
    return StripeError(
        "The payment method you provided is not attached to a customer so detachment is impossible."
    )


NO_PAYMENT_METHOD = (
    "This customer has no attached payment source or default payment method. Please consider adding a "
    "default payment method."
)


class PaymentMethodStore(ResourceStore[PaymentMethod]):
    """The account's payment methods and card sources, indexed by customer."""

    kind = "PaymentMethod"
    id_prefixes = ("pm", "card")

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.sources: ObjectTable[CardSource] = ObjectTable("source")
        self.attached: dict[str, dict[str, None]] = {}  # customer -> payment method ids, attach order
        self.customer_sources: dict[str, dict[str, None]] = {}  # customer -> card source ids
        self.outcomes: dict[str, str] = {}  # customer -> forced outcome (StripeFake.set_payment_outcome)

    # -- lookups (no mutation) -------------------------------------------------------------------------

    def lookup(
        self, payment_method_id: str, *, param: str = "id", status: int = 404
    ) -> PaymentMethod | TestCard:
        """The stored payment method, or the test card a ``pm_card_...`` id names (not cloned yet)."""
        card = card_for_payment_method(payment_method_id)
        if card is not None:
            return card
        return self.table.require(payment_method_id, param=param, status=status)

    def card_of(self, object_id: str) -> TestCard | None:
        """The test card behind a payment method, card source or test id (``None`` if unknown)."""
        found = self.table.get(object_id) or self.sources.get(object_id)
        if found is not None:
            return found.card
        return card_for_payment_method(object_id)

    def owner(self, object_id: str) -> str | None:
        """The customer a payment method or card source belongs to."""
        pm = self.table.get(object_id)
        if pm is not None:
            return pm.customer
        source = self.sources.get(object_id)
        return source.customer if source is not None else None

    def of_customer(self, customer_id: str, *, newest_first: bool = True) -> list[PaymentMethod]:
        ids = list(self.attached.get(customer_id, {}))
        if newest_first:
            ids.reverse()
        return [self.table._items[pm_id] for pm_id in ids]

    def find_object(self, object_id: str) -> Any:
        return self.table.get(object_id) or self.sources.get(object_id)

    # -- rules -----------------------------------------------------------------------------------------

    def check_attach(self, found: PaymentMethod | TestCard, customer_id: str) -> None:
        """Raise Stripe's error if ``found`` cannot be attached to ``customer_id``."""
        if isinstance(found, TestCard):
            if found.attach is not None:
                raise card_error(found.attach)
            return
        if found.card.attach is not None:
            raise card_error(found.card.attach)
        if found.detached:
            raise StripeError(
                "This PaymentMethod was previously used without being attached to a Customer or was "
                "detached from a Customer, and may not be used again."
            )
        if found.customer is not None and found.customer != customer_id:
            raise StripeError(
                "The payment method you provided has already been attached to a customer.",
                code="payment_method_unexpected_state",
            )

    # -- mutations -------------------------------------------------------------------------------------

    def materialize(
        self,
        found: PaymentMethod | TestCard,
        *,
        now: int,
        billing_details: dict[str, Any] | None = None,
        metadata: dict[str, str] | None = None,
        allow_redisplay: str | None = None,
    ) -> PaymentMethod:
        """``found`` itself, or a new ``pm_...`` cloned from the test card."""
        if isinstance(found, PaymentMethod):
            return found
        exp_month, exp_year = _expiry(now)
        pm = PaymentMethod(
            id=new_id("pm"),
            created=now,
            livemode=self.account.livemode,
            card=found,
            exp_month=exp_month,
            exp_year=exp_year,
            fingerprint=_fingerprint(self.account.id, found),
            billing_details=copy.deepcopy(billing_details or {}),
            metadata=dict(metadata or {}),
            allow_redisplay=allow_redisplay or "unspecified",
        )
        return self.table.add(pm.id, pm)

    def attach(self, pm: PaymentMethod, customer_id: str) -> bool:
        """Attach (after :meth:`check_attach`); ``False`` if it was already this customer's."""
        if pm.customer == customer_id:
            return False
        pm.customer = customer_id
        self.attached.setdefault(customer_id, {})[pm.id] = None
        return True

    def detach(self, pm: PaymentMethod) -> str:
        """Detach ``pm`` from its customer (Stripe's error if it has none); returns the customer id."""
        customer_id = pm.customer
        if customer_id is None:
            raise not_attached()
        self.attached.get(customer_id, {}).pop(pm.id, None)
        pm.customer = None
        pm.detached = True
        return customer_id

    def add_source(self, card: TestCard, customer_id: str, *, now: int) -> CardSource:
        """A new card source for ``customer_id`` (the caller checked ``card.attach`` first)."""
        exp_month, exp_year = _expiry(now)
        source = CardSource(
            new_id("card"), customer_id, card, exp_month, exp_year, _fingerprint(self.account.id, card)
        )
        self.sources.add(source.id, source)
        self.customer_sources.setdefault(customer_id, {})[source.id] = None
        return source

    def remove_source(self, source_id: str) -> None:
        source = self.sources.remove(source_id)
        if source is not None:
            self.customer_sources.get(source.customer, {}).pop(source_id, None)

    def set_outcome(self, customer_id: str, outcome: str | None) -> None:
        if outcome is None:
            self.outcomes.pop(customer_id, None)
            return
        if outcome not in OUTCOMES:
            raise ValueError(f"payment outcome must be one of {', '.join(OUTCOMES)} or None, not {outcome!r}")
        self.outcomes[customer_id] = outcome


def charge(
    account: AccountState,
    customer_id: str,
    candidates: list[str | None],
    amount: int,
    currency: str,
    *,
    now: int,
) -> ChargeResult:
    """Attempt a payment of ``amount`` (minor units of ``currency``) from ``customer_id``.

    The payment method is the first of ``candidates`` that is set (the invoice's, then the
    subscription's default payment method), else the customer's
    ``invoice_settings.default_payment_method``, else its ``default_source``. A test-side override
    (``StripeFake.set_payment_outcome``) wins over the card. No payment method: declined.
    Pure with respect to the store: nothing is recorded here (invoices record their payments).
    """
    from ..customers.models import CustomerStore

    store = account.store(PaymentMethodStore)
    chosen = next((c for c in candidates if c), None)
    if chosen is None:
        customer = account.store(CustomerStore).table.get(customer_id)
        if customer is not None:
            chosen = customer.default_payment_method or customer.default_source
    forced = store.outcomes.get(customer_id)
    if forced == "succeed":
        return ChargeResult("succeeded", chosen)
    if forced == "decline":
        return _declined(chosen, GENERIC)
    if forced == "authenticate":
        return _declined_action(chosen)
    if chosen is None:
        return ChargeResult("declined", None, None, None, NO_PAYMENT_METHOD)
    card = store.card_of(chosen)
    if card is None:
        return ChargeResult(
            "declined", chosen, "resource_missing", None, f"No such PaymentMethod: '{chosen}'"
        )
    if card.attach is not None:
        return _declined(chosen, card.attach)
    if card.charge == "decline":
        return _declined(chosen, card.charge_decline or GENERIC)
    if card.charge == "authenticate":
        return _declined_action(chosen)
    return ChargeResult("succeeded", chosen)


def _declined_action(payment_method: str | None) -> ChargeResult:
    a = AUTHENTICATION_REQUIRED
    return ChargeResult("requires_action", payment_method, a.code, a.decline_code, a.message)


__all__ = [
    "CardSource",
    "ChargeResult",
    "PaymentMethod",
    "PaymentMethodStore",
    "card_error",
    "charge",
]
