"""Subscriptions and subscription items: state, statuses, renewals (scheduler jobs).

Time-driven work is four job kinds, one pending job of each at most per subscription
(``Subscription.jobs``):

- ``subscriptions.period_end`` at the earliest item ``current_period_end``: ends a trial, or
  closes the items' periods and bills them (metered usage of the closed window in arrears, licensed
  quantities for the next period in advance), or cancels at period end with a final usage invoice;
  then schedules the next one. A long clock jump runs them one after another, each at its own time.
- ``subscriptions.trial_will_end`` three days before the trial ends (at once when less remains).
- ``subscriptions.cancel_at`` at a ``cancel_at`` that is not a period end.
- ``subscriptions.incomplete_expiry`` 23 hours after creation while the first invoice is unpaid.

Models never read the clock: every operation takes ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...http.errors import StripeError
from ...http.expand import register_expandable
from ...ids import new_id
from ..base import ResourceStore
from . import links, periods
from .links import ItemCharge, PriceLike

if TYPE_CHECKING:
    from ...state import AccountState

register_expandable("subscription", "customer", "latest_invoice", "default_payment_method", "test_clock")
register_expandable("subscription_item", "price.product")

PERIOD_END_JOB = "subscriptions.period_end"
TRIAL_WILL_END_JOB = "subscriptions.trial_will_end"
CANCEL_AT_JOB = "subscriptions.cancel_at"
INCOMPLETE_EXPIRY_JOB = "subscriptions.incomplete_expiry"
INCOMPLETE_WINDOW = 23 * 3600

#: Statuses after which nothing changes any more (only metadata and cancellation details).
ENDED = ("canceled", "incomplete_expired")
#: Statuses that renew at period ends.
RENEWING = ("active", "past_due", "unpaid", "trialing")


@dataclass
class SubscriptionItem:
    """One price on a subscription, with its own billing period (items carry periods since basil)."""

    id: str
    subscription: str
    price: str
    quantity: int | None  # None for metered prices
    created: int
    current_period_start: int
    current_period_end: int
    #: Metered usage counts from here in the current period (a mid-period add or re-price).
    usage_from: int
    metadata: dict[str, str] = field(default_factory=dict)

    def render(self, account: AccountState) -> dict[str, Any]:
        price = links.price(account, self.price)
        rendered_price = price.render()
        return {
            "id": self.id,
            "object": "subscription_item",
            "billed_until": None,
            "billing_thresholds": None,
            "created": self.created,
            "current_period_end": self.current_period_end,
            "current_period_start": self.current_period_start,
            "current_trial": None,
            "discounts": [],
            "metadata": dict(self.metadata),
            "plan": plan_of(rendered_price),
            "price": rendered_price,
            "quantity": self.quantity,
            "subscription": self.subscription,
            "tax_rates": [],
        }


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy ``plan`` view of a recurring price (``plan.id`` is the price id)."""
    recurring = price.get("recurring") or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price.get("unit_amount"),
        "amount_decimal": price.get("unit_amount_decimal"),
        "billing_scheme": price.get("billing_scheme"),
        "created": price.get("created"),
        "currency": price.get("currency"),
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": price.get("livemode", False),
        "metadata": dict(price.get("metadata") or {}),
        "meter": recurring.get("meter"),
        "nickname": price.get("nickname"),
        "product": price.get("product"),
        "tiers_mode": price.get("tiers_mode"),
        "transform_usage": price.get("transform_quantity"),
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type"),
    }


def is_metered(price: PriceLike) -> bool:
    return price.recurring is not None and price.recurring.usage_type == "metered"


@dataclass
class Subscription:
    id: str
    customer: str
    status: str
    items: list[SubscriptionItem]
    created: int
    livemode: bool
    currency: str
    start_date: int
    billing_cycle_anchor: int
    collection_method: str = "charge_automatically"
    days_until_due: int | None = None
    default_payment_method: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    billing_cycle_anchor_config: dict[str, Any] | None = None
    billing_mode: str = "flexible"
    cancel_at: int | None = None
    cancel_at_period_end: bool = False
    canceled_at: int | None = None
    cancellation_details: dict[str, Any] = field(
        default_factory=lambda: {"comment": None, "feedback": None, "reason": None}
    )
    ended_at: int | None = None
    latest_invoice: str | None = None
    pause_collection: dict[str, Any] | None = None
    trial_start: int | None = None
    trial_end: int | None = None
    missing_payment_method: str = "create_invoice"
    test_clock: str | None = None
    #: Pending scheduler jobs by kind (plain data: they pickle with the state).
    jobs: dict[str, Any] = field(default_factory=dict)

    def render(self, account: AccountState) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": self.billing_cycle_anchor,
            "billing_cycle_anchor_config": (
                dict(self.billing_cycle_anchor_config) if self.billing_cycle_anchor_config else None
            ),
            "billing_mode": {
                "flexible": {"proration_discounts": "itemized"} if self.billing_mode == "flexible" else None,
                "type": self.billing_mode,
                "updated_at": None,
            },
            "billing_schedules": [],
            "billing_thresholds": None,
            "cancel_at": self.cancel_at,
            "cancel_at_period_end": self.cancel_at_period_end,
            "canceled_at": self.canceled_at,
            "cancellation_details": {
                "comment": self.cancellation_details.get("comment"),
                "feedback": self.cancellation_details.get("feedback"),
                "feedback_option": None,
                "reason": self.cancellation_details.get("reason"),
            },
            "collection_method": self.collection_method,
            "created": self.created,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": None,
            "days_until_due": self.days_until_due,
            "default_payment_method": self.default_payment_method,
            "default_source": None,
            "default_tax_rates": [],
            "description": self.description,
            "discounts": [],
            "ended_at": self.ended_at,
            "invoice_settings": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": {"type": "self"},
            },
            "items": {
                "object": "list",
                "data": [item.render(account) for item in self.items],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={self.id}",
            },
            "latest_invoice": self.latest_invoice,
            "livemode": self.livemode,
            "managed_payments": None,
            "metadata": dict(self.metadata),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": dict(self.pause_collection) if self.pause_collection else None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "presentment_details": None,
            "schedule": None,
            "start_date": self.start_date,
            "status": self.status,
            "status_details": None,
            "test_clock": self.test_clock,
            "transfer_data": None,
            "trial_end": self.trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": self.missing_payment_method}},
            "trial_start": self.trial_start,
        }

    # -- derived -------------------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def next_period_end(self) -> int | None:
        return min((item.current_period_end for item in self.items), default=None)

    def item(self, item_id: str) -> SubscriptionItem | None:
        return next((item for item in self.items if item.id == item_id), None)


@dataclass(frozen=True)
class NewItem:
    """A validated item to add: its price, quantity (None for metered) and metadata."""

    price: PriceLike
    quantity: int | None
    metadata: dict[str, str]


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``previous_attributes``: the old values of the top-level keys that changed."""
    return {key: before.get(key) for key in after if before.get(key) != after.get(key)}


class SubscriptionStore(ResourceStore[Subscription]):
    """The account's subscriptions and their items (items are also found by id)."""

    kind = "subscription"
    id_prefixes = ("sub", "si")

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.item_index: dict[str, str] = {}  # item id -> subscription id
        self.by_customer: dict[str, list[str]] = {}  # customer id -> subscription ids, oldest first

    # -- lookup ----------------------------------------------------------------------------------

    def require(
        self, subscription_id: str, *, param: str = "subscription", status: int = 404
    ) -> Subscription:
        return self.table.require(subscription_id, param=param, status=status)

    def require_item(self, item_id: str, *, param: str = "item", status: int = 404) -> SubscriptionItem:
        owner = self.item_index.get(item_id)
        sub = self.table.get(owner) if owner is not None else None
        found = sub.item(item_id) if sub is not None else None
        if found is None:
            raise StripeError(
                f"No such subscription_item: '{item_id}'", status=status, code="resource_missing", param=param
            )
        return found

    def find_object(self, object_id: str) -> Any:
        if object_id.startswith("si_"):
            owner = self.item_index.get(object_id)
            sub = self.table.get(owner) if owner is not None else None
            return sub.item(object_id) if sub is not None else None
        return self.table.get(object_id)

    def render_object(self, obj: Any) -> dict[str, Any]:
        return obj.render(self.account)  # type: ignore[no-any-return]

    def of_customer(self, customer_id: str) -> list[Subscription]:
        ids = self.by_customer.get(customer_id, [])
        return [sub for sub in (self.table.get(i) for i in ids) if sub is not None]

    # -- creation ----------------------------------------------------------------------------------

    def create(
        self,
        *,
        customer: str,
        items: list[NewItem],
        now: int,
        cause: Any = None,
        collection_method: str = "charge_automatically",
        days_until_due: int | None = None,
        default_payment_method: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        billing_cycle_anchor: int | None = None,
        billing_cycle_anchor_config: dict[str, Any] | None = None,
        billing_mode: str = "flexible",
        trial_end: int | None = None,
        missing_payment_method: str = "create_invoice",
        cancel_at: int | None = None,
        cancel_at_period_end: bool = False,
        payment_behavior: str = "allow_incomplete",
    ) -> Subscription:
        """Create and start a subscription (validated input), billing its first invoice if it has one."""
        account = self.account
        trialing = trial_end is not None and trial_end > now
        anchor = billing_cycle_anchor
        if anchor is None and billing_cycle_anchor_config is not None:
            config = billing_cycle_anchor_config
            anchor = periods.anchor_from_config(
                now,
                config["day_of_month"],
                hour=config.get("hour"),
                minute=config.get("minute"),
                second=config.get("second"),
                month=config.get("month"),
            )
        if anchor is None:
            anchor = trial_end if trialing and trial_end is not None else now
        sub = Subscription(
            id=new_id("sub", 24),
            customer=customer,
            status="trialing" if trialing else "incomplete",
            items=[],
            created=now,
            livemode=account.livemode,
            currency=items[0].price.currency,
            start_date=now,
            billing_cycle_anchor=anchor,
            collection_method=collection_method,
            days_until_due=days_until_due,
            default_payment_method=default_payment_method,
            description=description,
            metadata=dict(metadata or {}),
            billing_cycle_anchor_config=billing_cycle_anchor_config,
            billing_mode=billing_mode,
            cancel_at=cancel_at,
            cancel_at_period_end=cancel_at_period_end,
            trial_start=now if trialing else None,
            trial_end=trial_end if trialing else None,
            missing_payment_method=missing_payment_method,
            test_clock=links.customer_clock(account, customer),
        )
        for new in items:
            sub.items.append(self._new_item(sub, new, now))
        if not trialing and all(item.quantity is None for item in sub.items):
            sub.status = "active"  # flexible, metered only: no first invoice, active at once
        self.table.add(sub.id, sub)
        self.by_customer.setdefault(customer, []).append(sub.id)
        if cancel_at_period_end:
            sub.cancel_at = sub.next_period_end()
        links.emit(account, "customer.subscription.created", sub.render(account), now=now, cause=cause)
        if trialing:
            assert sub.trial_end is not None
            self._schedule(sub, TRIAL_WILL_END_JOB, periods.trial_will_end_at(sub.trial_end, now))
        else:
            self._start(sub, now=now, cause=cause, payment_behavior=payment_behavior)
        self._schedule_period_end(sub)
        self._schedule_cancel_at(sub)
        return sub

    def _new_item(self, sub: Subscription, new: NewItem, now: int) -> SubscriptionItem:
        recurring = new.price.recurring
        assert recurring is not None
        if sub.status == "trialing" and sub.trial_end is not None:
            start, end = now, sub.trial_end
        else:
            start, end = periods.first_period(
                now, sub.billing_cycle_anchor, recurring.interval, recurring.interval_count
            )
        item = SubscriptionItem(
            id=new_id("si", 14),
            subscription=sub.id,
            price=new.price.id,
            quantity=new.quantity,
            created=now,
            current_period_start=start,
            current_period_end=end,
            usage_from=start,
            metadata=dict(new.metadata),
        )
        self.item_index[item.id] = sub.id
        return item

    def _start(self, sub: Subscription, *, now: int, cause: Any, payment_behavior: str) -> None:
        """First invoice (licensed items only) and the status it leads to (flexible billing mode)."""
        account = self.account
        charges = [self._licensed_charge(item) for item in sub.items if item.quantity is not None]
        if not charges:
            self._set_status(sub, "active", now=now, cause=None, emit=False)
            return
        sub.latest_invoice = links.bill(
            account, sub, charges, billing_reason="subscription_create", now=now, cause=cause
        )
        if sub.collection_method == "send_invoice" and sub.status == "incomplete":
            self._set_status(sub, "active", now=now, cause=cause)
        if sub.status == "incomplete":
            self._schedule(sub, INCOMPLETE_EXPIRY_JOB, now + INCOMPLETE_WINDOW)

    def _restart_periods(self, sub: Subscription, now: int) -> list[ItemCharge]:
        """Start every item's first period at ``now`` (from the anchor); the licensed items' charges."""
        charges: list[ItemCharge] = []
        for item in sub.items:
            recurring = links.price(self.account, item.price).recurring
            assert recurring is not None
            start, end = periods.first_period(
                now, sub.billing_cycle_anchor, recurring.interval, recurring.interval_count
            )
            item.current_period_start, item.current_period_end, item.usage_from = start, end, start
            if item.quantity is not None:
                charges.append(self._licensed_charge(item))
        return charges

    def _licensed_charge(self, item: SubscriptionItem) -> ItemCharge:
        return ItemCharge(
            item.id, item.price, item.quantity, item.current_period_start, item.current_period_end
        )

    # -- statuses ----------------------------------------------------------------------------------

    def _set_status(self, sub: Subscription, status: str, *, now: int, cause: Any, emit: bool = True) -> None:
        if sub.status == status:
            return
        before = sub.render(self.account) if emit else None
        sub.status = status
        if status != "incomplete":
            self._cancel_job(sub, INCOMPLETE_EXPIRY_JOB)
        if before is not None:
            self._updated(sub, before, now=now, cause=cause)

    def _updated(self, sub: Subscription, before: dict[str, Any], *, now: int, cause: Any) -> dict[str, Any]:
        after = sub.render(self.account)
        previous = changed(before, after)
        if previous:
            links.emit(
                self.account,
                "customer.subscription.updated",
                after,
                now=now,
                cause=cause,
                previous_attributes=previous,
            )
        return after

    def invoice_paid(self, subscription_id: str | None, invoice_id: str, *, now: int) -> None:
        """A subscription invoice was paid: incomplete / past_due / unpaid become active."""
        sub = self.table.get(subscription_id) if subscription_id else None
        if sub is None or sub.ended:
            return
        if sub.latest_invoice is None:  # the first invoice, paid inside bill_subscription
            sub.latest_invoice = invoice_id
        if sub.status in ("incomplete", "past_due", "unpaid") and invoice_id == sub.latest_invoice:
            self._set_status(sub, "active", now=now, cause=None)

    def invoice_payment_failed(
        self, subscription_id: str | None, invoice_id: str, *, final: bool, now: int
    ) -> None:
        """A payment attempt failed: renewals go past_due; the last attempt ends dunning."""
        sub = self.table.get(subscription_id) if subscription_id else None
        if sub is None or sub.ended or sub.status == "incomplete":
            return
        now = links.clock_now(self.account, sub.test_clock) if sub.test_clock else now
        if invoice_id != sub.latest_invoice:
            return
        if sub.status in ("active", "trialing"):
            self._set_status(sub, "past_due", now=now, cause=None)
        if final and sub.status == "past_due":
            self.cancel(sub, now=now, reason="payment_failed")

    # -- renewal jobs ------------------------------------------------------------------------------

    def _schedule(self, sub: Subscription, kind: str, due: int, data: dict[str, Any] | None = None) -> None:
        self._cancel_job(sub, kind)
        sub.jobs[kind] = links.schedule(self.account, due, kind, sub.id, clock=sub.test_clock, data=data)

    def _cancel_job(self, sub: Subscription, kind: str) -> None:
        job = sub.jobs.pop(kind, None)
        if job is not None:
            links.cancel_job(self.account, job)

    def _schedule_period_end(self, sub: Subscription) -> None:
        end = sub.next_period_end()
        if end is None or sub.ended or sub.status == "paused":
            self._cancel_job(sub, PERIOD_END_JOB)
            return
        self._schedule(sub, PERIOD_END_JOB, end, {"period_end": end})

    def _schedule_cancel_at(self, sub: Subscription) -> None:
        if sub.cancel_at is None or sub.cancel_at_period_end or sub.cancel_at in self._ends(sub):
            self._cancel_job(sub, CANCEL_AT_JOB)
            return
        self._schedule(sub, CANCEL_AT_JOB, sub.cancel_at)

    def _ends(self, sub: Subscription) -> set[int]:
        return {item.current_period_end for item in sub.items}

    def run_period_end(self, sub: Subscription, at: int) -> None:
        """The job at a period end: end the trial, cancel at period end, or renew the due items."""
        sub.jobs.pop(PERIOD_END_JOB, None)
        if sub.ended or sub.status in ("paused", "incomplete") or sub.next_period_end() != at:
            return
        if sub.status == "trialing" and sub.trial_end == at:
            self.end_trial(sub, now=at)
            return
        if sub.cancel_at_period_end or sub.cancel_at == at:
            self.cancel(sub, now=at, invoice_now=True, reason="cancellation_requested")
            return
        self._renew(sub, at, billing_reason="subscription_cycle", cause=None)

    def _renew(
        self, sub: Subscription, at: int, *, billing_reason: str, cause: Any, reset_anchor: bool = False
    ) -> None:
        """Close the periods ending at ``at`` (all of them with ``reset_anchor``), bill, advance."""
        account = self.account
        before = sub.render(account)
        if reset_anchor:
            sub.billing_cycle_anchor = at
        closing = [item for item in sub.items if reset_anchor or item.current_period_end == at]
        charges: list[ItemCharge] = []
        for item in closing:
            price = links.price(account, item.price)
            recurring = price.recurring
            assert recurring is not None
            if item.quantity is None:
                charges.append(
                    ItemCharge(item.id, item.price, None, max(item.usage_from, item.current_period_start), at)
                )
            start, end = periods.following_period(
                at, sub.billing_cycle_anchor, recurring.interval, recurring.interval_count
            )
            item.current_period_start, item.current_period_end, item.usage_from = start, end, start
            if item.quantity is not None:
                charges.append(self._licensed_charge(item))
        self._updated(sub, before, now=at, cause=cause)
        if charges and sub.pause_collection is None:
            sub.latest_invoice = links.bill(
                account, sub, charges, billing_reason=billing_reason, now=at, cause=cause
            )
        self._schedule_period_end(sub)
        self._schedule_cancel_at(sub)

    def end_trial(self, sub: Subscription, *, now: int, cause: Any = None) -> None:
        """The trial is over: start the first paid period (or cancel / pause without a payment method)."""
        account = self.account
        self._cancel_job(sub, TRIAL_WILL_END_JOB)
        has_method = sub.default_payment_method is not None or links.customer_has_payment_method(
            account, sub.customer
        )
        if not has_method and sub.missing_payment_method == "cancel":
            self.cancel(sub, now=now, reason="cancellation_requested", cause=cause)
            return
        before = sub.render(account)
        if sub.billing_cycle_anchor == sub.trial_end:
            sub.billing_cycle_anchor = now  # the default anchor is the trial end, wherever it ends
        sub.trial_end = now
        if not has_method and sub.missing_payment_method == "pause":
            sub.status = "paused"
            for item in sub.items:
                item.current_period_start = item.current_period_end = now
            self._updated(sub, before, now=now, cause=cause)
            links.emit(account, "customer.subscription.paused", sub.render(account), now=now, cause=cause)
            self._cancel_job(sub, PERIOD_END_JOB)
            return
        sub.status = "active"
        charges = self._restart_periods(sub, now)
        self._updated(sub, before, now=now, cause=cause)
        if charges:
            sub.latest_invoice = links.bill(
                account, sub, charges, billing_reason="subscription_cycle", now=now, cause=cause
            )
        self._schedule_period_end(sub)
        self._schedule_cancel_at(sub)

    def run_trial_will_end(self, sub: Subscription, at: int) -> None:
        sub.jobs.pop(TRIAL_WILL_END_JOB, None)
        if sub.status == "trialing":
            links.emit(self.account, "customer.subscription.trial_will_end", sub.render(self.account), now=at)

    def run_cancel_at(self, sub: Subscription, at: int) -> None:
        sub.jobs.pop(CANCEL_AT_JOB, None)
        if not sub.ended and sub.cancel_at == at:
            self.cancel(sub, now=at, invoice_now=True, reason="cancellation_requested")

    def run_incomplete_expiry(self, sub: Subscription, at: int) -> None:
        sub.jobs.pop(INCOMPLETE_EXPIRY_JOB, None)
        if sub.status != "incomplete":
            return
        before = sub.render(self.account)
        sub.status = "incomplete_expired"
        sub.ended_at = at
        self._cancel_all_jobs(sub)
        self._updated(sub, before, now=at, cause=None)

    def _cancel_all_jobs(self, sub: Subscription) -> None:
        for kind in list(sub.jobs):
            self._cancel_job(sub, kind)

    # -- cancel, pause, resume -------------------------------------------------------------------

    def cancel(
        self,
        sub: Subscription,
        *,
        now: int,
        invoice_now: bool = False,
        reason: str = "cancellation_requested",
        comment: str | None = None,
        feedback: str | None = None,
        cause: Any = None,
    ) -> None:
        """Cancel at once; with ``invoice_now`` bill the metered usage of the cut-short periods."""
        account = self.account
        charges = [
            ItemCharge(item.id, item.price, None, max(item.usage_from, item.current_period_start), now)
            for item in sub.items
            if item.quantity is None and sub.status != "trialing"
        ]
        sub.status = "canceled"
        sub.canceled_at = now
        sub.ended_at = now
        sub.cancellation_details = {"comment": comment, "feedback": feedback, "reason": reason}
        self._cancel_all_jobs(sub)
        if invoice_now and charges:
            sub.latest_invoice = links.bill(
                account, sub, charges, billing_reason="subscription_cycle", now=now, cause=cause
            )
        links.emit(account, "customer.subscription.deleted", sub.render(account), now=now, cause=cause)

    def cancel_for_customer(self, customer_id: str, *, now: int, cause: Any = None) -> None:
        """A deleted customer's live subscriptions are canceled."""
        for sub in self.of_customer(customer_id):
            if not sub.ended:
                self.cancel(sub, now=now, cause=cause)

    def pause(self, sub: Subscription, *, now: int, cause: Any = None) -> None:
        """``POST .../pause``: status paused, metered usage so far billed, no invoices until resumed."""
        account = self.account
        before = sub.render(account)
        charges = [
            ItemCharge(item.id, item.price, None, max(item.usage_from, item.current_period_start), now)
            for item in sub.items
            if item.quantity is None
        ]
        sub.status = "paused"
        for item in sub.items:
            item.current_period_end = now
        self._cancel_job(sub, PERIOD_END_JOB)
        self._cancel_job(sub, CANCEL_AT_JOB)
        self._updated(sub, before, now=now, cause=cause)
        links.emit(account, "customer.subscription.paused", sub.render(account), now=now, cause=cause)
        if charges:
            sub.latest_invoice = links.bill(
                account, sub, charges, billing_reason="subscription_update", now=now, cause=cause
            )

    def resume(self, sub: Subscription, *, now: int, anchor_now: bool = True, cause: Any = None) -> None:
        """``POST .../resume``: active again; new periods start now (or keep the old anchor)."""
        account = self.account
        before = sub.render(account)
        sub.status = "active"
        if anchor_now:
            sub.billing_cycle_anchor = now
        charges = self._restart_periods(sub, now)
        self._updated(sub, before, now=now, cause=cause)
        links.emit(account, "customer.subscription.resumed", sub.render(account), now=now, cause=cause)
        if charges:
            sub.latest_invoice = links.bill(
                account, sub, charges, billing_reason="subscription_update", now=now, cause=cause
            )
        self._schedule_period_end(sub)
        self._schedule_cancel_at(sub)

    # -- updates ---------------------------------------------------------------------------------

    def apply_item_changes(
        self, sub: Subscription, changes: list[Any], *, now: int
    ) -> list[SubscriptionItem]:
        """Apply validated item steps (``add`` / ``set`` / ``delete``); returns the items added or set.

        Without prorations: a licensed change is billed from the next renewal; a metered item added or
        re-priced counts usage from now on (the old price's usage so far is not billed).
        """
        account = self.account
        touched: list[SubscriptionItem] = []
        for step in changes:
            if step[0] == "delete":
                item = step[1]
                sub.items = [other for other in sub.items if other.id != item.id]
                self.item_index.pop(item.id, None)
                continue
            if step[0] == "add":
                _, price, data, raw = step
                if price is None:
                    price = links.create_price_from_data(account, data, now=now)
                quantity = None if is_metered(price) else int(raw.get("quantity", 1))
                item = self._new_item(sub, NewItem(price, quantity, {}), now)
                item.metadata = _merged(item.metadata, raw.get("metadata"))
                self._align(sub, item, price, now)
                sub.items.append(item)
                touched.append(item)
                continue
            _, item, price, data, raw = step
            if price is None and data is not None:
                price = links.create_price_from_data(account, data, now=now)
            if price is not None and price.id != item.price:
                item.price = price.id
                item.usage_from = max(now, item.current_period_start)
                item.quantity = None if is_metered(price) else int(raw.get("quantity", 1))
            elif "quantity" in raw:
                item.quantity = int(raw["quantity"])
            if "metadata" in raw:
                item.metadata = _merged(item.metadata, raw["metadata"])
            touched.append(item)
        return touched

    def _align(self, sub: Subscription, item: SubscriptionItem, price: PriceLike, now: int) -> None:
        """A mid-period item's first period runs from now to the subscription's next boundary."""
        recurring = price.recurring
        assert recurring is not None
        if sub.status == "trialing" and sub.trial_end is not None:
            start, end = now, sub.trial_end
        else:
            start = now
            end = periods.next_boundary(
                sub.billing_cycle_anchor, recurring.interval, recurring.interval_count, now
            )
        item.current_period_start, item.current_period_end, item.usage_from = start, end, start

    def after_update(self, sub: Subscription, before: dict[str, Any], *, now: int, cause: Any) -> None:
        """Reschedule what an update may have moved, and emit ``customer.subscription.updated``."""
        if sub.cancel_at_period_end:
            sub.cancel_at = sub.next_period_end()
        if not sub.ended and sub.status != "paused":
            self._schedule_period_end(sub)
            self._schedule_cancel_at(sub)
        self._updated(sub, before, now=now, cause=cause)

    def extend_trial(self, sub: Subscription, trial_end: int, *, now: int, cause: Any = None) -> None:
        """Move the end of a running trial (the items' trial periods end then)."""
        before = sub.render(self.account)
        if sub.billing_cycle_anchor == sub.trial_end:
            sub.billing_cycle_anchor = trial_end
        sub.trial_end = trial_end
        for item in sub.items:
            item.current_period_end = trial_end
        self._schedule(sub, TRIAL_WILL_END_JOB, periods.trial_will_end_at(trial_end, now))
        self.after_update(sub, before, now=now, cause=cause)

    def reset_anchor(self, sub: Subscription, *, now: int, cause: Any = None) -> None:
        """``billing_cycle_anchor={type: now}``: every period ends now and is billed at once."""
        if sub.status in ("paused", "incomplete"):
            return
        if sub.status == "trialing":
            self.end_trial(sub, now=now, cause=cause)
            return
        self._renew(sub, now, billing_reason="subscription_update", cause=cause, reset_anchor=True)

    def discard(self, sub: Subscription) -> None:
        """Forget a subscription that a request refused after all (``error_if_incomplete``)."""
        self._cancel_all_jobs(sub)
        self.table.remove(sub.id)
        for item in sub.items:
            self.item_index.pop(item.id, None)
        ids = self.by_customer.get(sub.customer, [])
        if sub.id in ids:
            ids.remove(sub.id)


def _merged(current: dict[str, str], update: Any) -> dict[str, str]:
    from ..common import apply_metadata

    return apply_metadata(current, update) if update is not None else current


def two_intervals_after(store: SubscriptionStore, customers: tuple[str, ...], at: int) -> int | None:
    """For test clocks: ``at`` plus two intervals of the shortest item interval among the live
    subscriptions of ``customers`` (how far one advance may go), or ``None`` without subscriptions."""
    ends: list[int] = []
    for customer in customers:
        for sub in store.of_customer(customer):
            if sub.ended:
                continue
            for item in sub.items:
                recurring = links.price(store.account, item.price).recurring
                assert recurring is not None
                ends.append(periods.boundary(at, recurring.interval, recurring.interval_count, 2))
    return min(ends, default=None)
