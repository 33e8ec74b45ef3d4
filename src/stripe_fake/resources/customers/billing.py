"""Customers' payment fields: ``payment_method``, ``source``, ``default_source``,
``invoice_settings.default_payment_method`` and ``test_clock``.

A create or update first builds a :class:`BillingPlan` (every check, nothing changed), then applies
it after the customer's own fields are written. That keeps rejected requests free of side effects
even though a test payment method id is cloned, and a token becomes a card source, on success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, resource_missing
from ...http.schema import UNSET
from ..events.models import emit_from_request
from ..payment_methods.cards import TestCard, card_for_token
from ..payment_methods.models import PaymentMethod, PaymentMethodStore, card_error
from ..test_clocks.models import TestClockStore
from .models import Customer

_KEEP = object()  # "leave the field as it is"


@dataclass
class BillingPlan:
    """What a customer write will do to payment methods and sources (checked, not yet applied)."""

    attach: PaymentMethod | TestCard | None = None  # ``payment_method`` (create only)
    source_card: TestCard | None = None  # ``source`` token -> new default card source
    default_payment_method: Any = _KEEP  # an id, None (cleared), the attached one, or _KEEP
    default_payment_method_is_attached: bool = False  # it names the ``payment_method`` of this request
    default_source: Any = _KEEP  # an existing source id, or _KEEP
    test_clock: str | None = None


def plan_billing(ctx: RequestContext, customer: Customer | None, params: dict[str, Any]) -> BillingPlan:
    """Check the payment fields of a create (``customer=None``) or update; raise Stripe's errors."""
    store = ctx.store(PaymentMethodStore)
    plan = BillingPlan()
    customer_id = customer.id if customer is not None else None
    clock = params.get("test_clock")
    if clock is not None:
        clocks = ctx.store(TestClockStore)
        clocks.check_attach(clocks.live(clock, param="test_clock", status=400), "test_clock")
        plan.test_clock = clock
    pm_id = params.get("payment_method")
    if pm_id is not None:
        found = store.lookup(pm_id, param="payment_method", status=400)
        store.check_attach(found, customer_id or "")
        plan.attach = found
    token = params.get("source")
    if token is not None:
        card = card_for_token(token)
        if card is None:
            raise resource_missing("token", token, param="source", status=400)
        if card.attach is not None:
            raise card_error(card.attach)
        plan.source_card = card
    settings = params.get("invoice_settings")
    default_pm = settings.get("default_payment_method") if isinstance(settings, dict) else None
    if default_pm is UNSET:
        plan.default_payment_method = None
    elif default_pm is not None:
        if pm_id is not None and default_pm == pm_id:
            plan.default_payment_method_is_attached = True
        elif customer_id is None or store.owner(default_pm) != customer_id:
            raise StripeError(
                f"The customer does not have a payment method with the ID {default_pm}. The payment method "
                "must be attached to the customer.",
                code="resource_missing",
                param="invoice_settings[default_payment_method]",
            )
        plan.default_payment_method = default_pm
    default_source = params.get("default_source")
    if default_source is not None and plan.source_card is None:
        if (
            customer_id is None
            or store.owner(default_source) != customer_id
            or default_source not in store.sources
        ):
            raise resource_missing("source", default_source, param="default_source", status=400)
        plan.default_source = default_source
    return plan


def apply_billing(
    ctx: RequestContext, customer: Customer, plan: BillingPlan
) -> list[tuple[str, dict[str, Any]]]:
    """Apply a checked plan to ``customer``; returns the events to emit after the customer's own.

    Sets the fields, so the caller renders the customer after this.
    """
    store = ctx.store(PaymentMethodStore)
    events: list[tuple[str, dict[str, Any]]] = []
    if plan.test_clock is not None:
        customer.fields["test_clock"] = plan.test_clock
        clocks = ctx.store(TestClockStore)
        clocks.attach(clocks.live(plan.test_clock), customer.id)
    attached: PaymentMethod | None = None
    if plan.attach is not None:
        attached = store.materialize(plan.attach, now=ctx.now)
        if store.attach(attached, customer.id):
            events.append(("payment_method.attached", attached.render()))
    settings = dict(customer.fields.get("invoice_settings") or {})
    if plan.default_payment_method is not _KEEP:
        value = plan.default_payment_method
        if plan.default_payment_method_is_attached and attached is not None:
            value = attached.id
        settings["default_payment_method"] = value
        customer.fields["invoice_settings"] = settings
    if plan.source_card is not None:
        old = customer.default_source
        source = store.add_source(plan.source_card, customer.id, now=ctx.now)
        if old is not None:
            old_source = store.sources.get(old)
            store.remove_source(old)
            if old_source is not None:
                events.append(("customer.source.deleted", old_source.render()))
        customer.fields["default_source"] = source.id
        events.append(("customer.source.created", source.render()))
    elif plan.default_source is not _KEEP:
        customer.fields["default_source"] = plan.default_source
    return events


def emit_all(ctx: RequestContext, events: list[tuple[str, dict[str, Any]]]) -> None:
    for event_type, data in events:
        emit_from_request(ctx, event_type, data)
