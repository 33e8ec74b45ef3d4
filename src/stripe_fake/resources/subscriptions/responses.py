"""Subscriptions and subscription items over HTTP: ``/v1/subscriptions``, ``/v1/subscription_items``.

Each handler validates every parameter (and every referenced object) before it changes anything,
then makes one store operation and renders the result.
"""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing, resource_missing
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import (
    UNSET,
    Arr,
    Bool,
    Enum,
    Field,
    Int,
    Metadata,
    Obj,
    Range,
    Str,
    Unsupported,
    in_range,
    validate,
)
from ..common import apply_metadata
from ..prices.models import RECURRING_PRICE_DATA
from . import links, periods
from .models import ENDED, NewItem, Subscription, SubscriptionItem, SubscriptionStore, is_metered

MAX_SUBSCRIPTIONS_PER_CUSTOMER = 500

# -- schemas ------------------------------------------------------------------------------------------


def _unsupported(endpoint: str, *names: str) -> dict[str, Field]:
    return {name: Unsupported(endpoint) for name in names}


_PRICE_DATA = Obj(RECURRING_PRICE_DATA)


def _item_fields(endpoint: str) -> dict[str, Field]:
    return {
        "price": Str(),
        "price_data": _PRICE_DATA,
        "quantity": Int(minimum=0),
        "metadata": Metadata(),
        **_unsupported(endpoint, "billing_thresholds", "current_trial", "discounts", "plan", "tax_rates"),
    }


_CREATE_EP = "POST /v1/subscriptions"
_UPDATE_EP = "POST /v1/subscriptions/:id"
_PRORATION = Enum(["always_invoice", "create_prorations", "none"])
_CANCEL_AT = Str()  # a timestamp, or min_period_end / max_period_end

CREATE: dict[str, Field] = {
    "customer": Str(required=True),
    "items": Arr(Obj(_item_fields(_CREATE_EP)), max_items=20),
    "metadata": Metadata(),
    "description": Str(max_length=500),
    "default_payment_method": Str(),
    "collection_method": Enum(["charge_automatically", "send_invoice"]),
    "days_until_due": Int(minimum=0),
    "billing_cycle_anchor": Int(),
    "billing_cycle_anchor_config": Obj(
        {
            "day_of_month": Int(minimum=1, maximum=31, required=True),
            "hour": Int(minimum=0, maximum=23),
            "minute": Int(minimum=0, maximum=59),
            "second": Int(minimum=0, maximum=59),
            "month": Int(minimum=1, maximum=12),
        }
    ),
    "billing_mode": Obj(
        {
            "type": Enum(["classic", "flexible"], required=True),
            "flexible": Obj({"proration_discounts": Enum(["included", "itemized"])}),
        }
    ),
    "trial_end": Str(),
    "trial_period_days": Int(minimum=0, maximum=730),
    "trial_from_plan": Bool(),
    "trial_settings": Obj(
        {
            "end_behavior": Obj(
                {"missing_payment_method": Enum(["cancel", "create_invoice", "pause"], required=True)},
                required=True,
            )
        }
    ),
    "cancel_at": _CANCEL_AT,
    "cancel_at_period_end": Bool(),
    "payment_behavior": Enum(["allow_incomplete", "default_incomplete", "error_if_incomplete"]),
    "proration_behavior": _PRORATION,
    "off_session": Bool(),
    **_unsupported(
        _CREATE_EP,
        "add_invoice_items",
        "application_fee_percent",
        "automatic_tax",
        "backdate_start_date",
        "billing_schedules",
        "billing_thresholds",
        "currency",
        "customer_account",
        "default_source",
        "default_tax_rates",
        "discounts",
        "invoice_settings",
        "on_behalf_of",
        "payment_settings",
        "pending_invoice_item_interval",
        "transfer_data",
    ),
}

_UPDATE_ITEM = Obj(
    {
        "id": Str(),
        "deleted": Bool(),
        "clear_usage": Bool(),
        **_item_fields(_UPDATE_EP),
    }
)
UPDATE: dict[str, Field] = {
    "items": Arr(_UPDATE_ITEM, max_items=20),
    "metadata": Metadata(),
    "description": Str(max_length=500, unsettable=True),
    "default_payment_method": Str(unsettable=True),
    "collection_method": Enum(["charge_automatically", "send_invoice"]),
    "days_until_due": Int(minimum=0),
    "billing_cycle_anchor": Obj({"type": Enum(["now", "unchanged"], required=True)}),
    "cancel_at": Str(unsettable=True),
    "cancel_at_period_end": Bool(),
    "cancellation_details": Obj(
        {
            "comment": Str(max_length=5000, unsettable=True),
            "feedback": Enum(
                [
                    "customer_service",
                    "low_quality",
                    "missing_features",
                    "other",
                    "switched_service",
                    "too_complex",
                    "too_expensive",
                    "unused",
                ],
                unsettable=True,
            ),
        }
    ),
    "pause_collection": Obj(
        {
            "behavior": Enum(["keep_as_draft", "mark_uncollectible", "void"], required=True),
            "resumes_at": Int(),
        },
        unsettable=True,
    ),
    "trial_end": Str(),
    "payment_behavior": Enum(
        ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"]
    ),
    "proration_behavior": _PRORATION,
    "off_session": Bool(),
    **_unsupported(
        _UPDATE_EP,
        "add_invoice_items",
        "application_fee_percent",
        "automatic_tax",
        "billing_schedules",
        "billing_thresholds",
        "default_source",
        "default_tax_rates",
        "discounts",
        "invoice_settings",
        "on_behalf_of",
        "payment_settings",
        "pending_invoice_item_interval",
        "proration_date",
        "transfer_data",
        "trial_from_plan",
        "trial_settings",
    ),
}
CANCEL: dict[str, Field] = {
    "invoice_now": Bool(),
    "prorate": Bool(),
    "cancellation_details": UPDATE["cancellation_details"],
}
PAUSE: dict[str, Field] = {
    "type": Enum(["subscription"]),
    **_unsupported("POST /v1/subscriptions/:id/pause", "bill_for", "invoicing_behavior"),
}
RESUME: dict[str, Field] = {
    "billing_cycle_anchor": Enum(["now", "unchanged"]),
    "proration_behavior": _PRORATION,
    **_unsupported("POST /v1/subscriptions/:id/resume", "payment_behavior", "proration_date"),
}
_STATUSES = [
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
]
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "customer": Str(),
    "price": Str(),
    "status": Enum(_STATUSES),
    "collection_method": Enum(["charge_automatically", "send_invoice"]),
    "created": Range(),
    "current_period_end": Range(),
    "current_period_start": Range(),
    "test_clock": Str(),
    **_unsupported("GET /v1/subscriptions", "automatic_tax", "customer_account", "plan"),
}

_ITEM_EP = "POST /v1/subscription_items"
ITEM_CREATE: dict[str, Field] = {
    "subscription": Str(required=True),
    "proration_behavior": _PRORATION,
    "payment_behavior": Enum(
        ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"]
    ),
    **_item_fields(_ITEM_EP),
    **_unsupported(_ITEM_EP, "proration_date"),
}
ITEM_UPDATE: dict[str, Field] = {
    "proration_behavior": _PRORATION,
    "payment_behavior": ITEM_CREATE["payment_behavior"],
    "off_session": Bool(),
    **_item_fields("POST /v1/subscription_items/:id"),
    **_unsupported("POST /v1/subscription_items/:id", "proration_date"),
}
ITEM_DELETE: dict[str, Field] = {
    "clear_usage": Bool(),
    "proration_behavior": _PRORATION,
    "payment_behavior": ITEM_CREATE["payment_behavior"],
    **_unsupported("DELETE /v1/subscription_items/:id", "proration_date"),
}
ITEM_LIST: dict[str, Field] = {**LIST_PARAMS, "subscription": Str(required=True)}


# -- shared checks --------------------------------------------------------------------------------


def _error(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(message, param=param, code=code)


def _exclusive(*names: str) -> StripeError:
    return _error(
        f"You may only specify one of these parameters: {', '.join(names)}.", names[0], "parameters_exclusive"
    )


def _future(value: int, param: str, now: int) -> int:
    if value <= now:
        raise _error("Invalid timestamp: must be an integer Unix timestamp in the future.", param)
    return value


def _timestamp(value: str, param: str) -> int:
    if not value.lstrip("-").isdigit():
        raise _error(f"Invalid integer: {value}", param, "parameter_invalid_integer")
    return int(value)


def _check_proration(params: dict[str, Any]) -> None:
    """Prorations are not implemented: only ``proration_behavior=none`` is honoured explicitly."""
    behavior = params.get("proration_behavior")
    if behavior is not None and behavior != "none":
        raise _error(
            f"stripe-fake does not implement proration_behavior={behavior}; pass proration_behavior=none "
            "(or leave it out: the fake never prorates).",
            "proration_behavior",
        )


def _check_payment_behavior(params: dict[str, Any]) -> None:
    if params.get("payment_behavior") == "pending_if_incomplete":
        raise _error(
            "stripe-fake does not implement payment_behavior=pending_if_incomplete.", "payment_behavior"
        )


def _at(prefix: str, name: str) -> str:
    return f"{prefix}[{name}]" if prefix else name


def _resolve_item(
    ctx: RequestContext, raw: dict[str, Any], prefix: str, *, require_price: bool = True
) -> tuple[Any, dict[str, Any] | None]:
    """The price of an item entry (or the ``price_data`` to create once every check passed)."""
    if "price" in raw and "price_data" in raw:
        raise _exclusive(_at(prefix, "price"), _at(prefix, "price_data"))
    if "price" in raw:
        price = links.require_price(ctx.account, raw["price"], param=_at(prefix, "price"))
        if not price.active:
            raise _error(
                "The price specified is inactive. This field only accepts active prices.",
                _at(prefix, "price"),
            )
        if price.type != "recurring" or price.recurring is None:
            raise _error(
                "The price specified is set to `type=one_time` but this field only accepts prices with "
                "`type=recurring`.",
                _at(prefix, "price"),
            )
        if is_metered(price) and "quantity" in raw:
            raise _error("You cannot set the quantity for metered plans.", _at(prefix, "quantity"))
        return price, None
    if "price_data" in raw:
        return None, raw["price_data"]
    if require_price:
        raise parameter_missing(_at(prefix, "price"))
    return None, None


def _quantity(price: Any, raw: dict[str, Any], default: int | None = 1) -> int | None:
    if price is not None and is_metered(price):
        return None
    value = raw.get("quantity", default)
    return int(value) if value is not None else None


def _check_prices(prices: list[Any], prefixes: list[str], billing_mode: str) -> None:
    """Subscription-wide item rules: one currency, no price twice, one interval on classic."""
    seen: set[str] = set()
    for price, prefix in zip(prices, prefixes, strict=False):
        if price.currency != prices[0].currency:
            raise _error("All prices on a subscription must have the same `currency`.", f"{prefix}[price]")
        if price.id in seen:
            raise _error(
                f"Cannot add multiple subscription items with the same price: {price.id}", f"{prefix}[price]"
            )
        seen.add(price.id)
        first, this = prices[0].recurring, price.recurring
        if billing_mode == "classic" and (first.interval, first.interval_count) != (
            this.interval,
            this.interval_count,
        ):
            raise _error(
                "Currently, classic billing mode only supports subscription items that share the same "
                "interval.",
                f"{prefix}[price]",
            )


def _store(ctx: RequestContext) -> SubscriptionStore:
    return ctx.store(SubscriptionStore)


def _subscription(ctx: RequestContext) -> Subscription:
    return _store(ctx).require(ctx.path["id"], param="id")


def _now(ctx: RequestContext, sub: Subscription) -> int:
    """The subscription's time: its test clock's, or the account clock's."""
    return links.now_on(ctx.account, sub.test_clock, ctx.now)


def _render(ctx: RequestContext, sub: Subscription) -> dict[str, Any]:
    return sub.render(ctx.account)


# -- subscriptions ----------------------------------------------------------------------------------


#: Subscriptions one customer on a test clock may have (Stripe's test clock "Limitations").
MAX_CLOCK_SUBSCRIPTIONS = 3


def _check_clock_limit(ctx: RequestContext, customer: str, clock: str) -> None:
    """Refuse a fourth live subscription for a customer on a test clock."""
    live = [sub for sub in ctx.store(SubscriptionStore).of_customer(customer) if not sub.ended]
    if len(live) >= MAX_CLOCK_SUBSCRIPTIONS:
        raise StripeError(
            f"A customer on a test clock can have at most {MAX_CLOCK_SUBSCRIPTIONS} subscriptions. The "
            f"customer {customer} on the test clock {clock} already has {len(live)}.",
            param="customer",
        )


def create_subscription(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    customer = params["customer"]
    if not links.customer_usable(ctx.account, customer):
        raise resource_missing("customer", customer, param="customer", status=400)
    clock = links.customer_clock(ctx.account, customer)
    now = links.now_on(ctx.account, clock, ctx.now)
    if clock is not None:
        _check_clock_limit(ctx, customer, clock)
    raw_items = params.get("items") or []
    if not raw_items:
        raise parameter_missing("items")
    _check_proration(params)
    resolved = [_resolve_item(ctx, raw, f"items[{i}]") for i, raw in enumerate(raw_items)]
    if "billing_cycle_anchor" in params and "billing_cycle_anchor_config" in params:
        raise _exclusive("billing_cycle_anchor", "billing_cycle_anchor_config")
    anchor = params.get("billing_cycle_anchor")
    if anchor is not None:
        _future(anchor, "billing_cycle_anchor", now)
    trial_end = _trial_end(params, now, [price for price, _ in resolved])
    collection = params.get("collection_method", "charge_automatically")
    days = params.get("days_until_due")
    if days is not None and collection != "send_invoice":
        raise _error(
            "Invalid days_until_due: can only be set when collection_method=send_invoice.", "days_until_due"
        )
    if collection == "send_invoice" and days is None:
        raise parameter_missing("days_until_due")
    cancel_at = _cancel_at(params.get("cancel_at"), now)
    if cancel_at is not None and params.get("cancel_at_period_end"):
        raise _exclusive("cancel_at", "cancel_at_period_end")
    if params.get("payment_behavior") == "default_incomplete":
        raise _error(
            "stripe-fake does not implement payment_behavior=default_incomplete yet.", "payment_behavior"
        )
    mode = (params.get("billing_mode") or {}).get("type", "flexible")
    store = _store(ctx)
    live = [sub for sub in store.of_customer(customer) if not sub.ended]
    if len(live) >= MAX_SUBSCRIPTIONS_PER_CUSTOMER:
        raise _error(
            f"Customer {customer} already has the maximum {MAX_SUBSCRIPTIONS_PER_CUSTOMER} active or "
            "scheduled subscriptions.",
            "customer",
            "customer_max_subscriptions",
        )
    known = [(price, f"items[{i}]") for i, (price, _) in enumerate(resolved) if price is not None]
    if known:
        _check_prices([p for p, _ in known], [x for _, x in known], mode)
    # Every check passed: inline prices are created now, then the subscription.
    items: list[NewItem] = []
    for i, (price, data) in enumerate(resolved):
        if price is None and data is not None:
            price = links.create_price_from_data(ctx.account, data, now=now)
        raw = raw_items[i]
        items.append(NewItem(price, _quantity(price, raw), apply_metadata({}, raw.get("metadata", {}))))
    end_behavior = ((params.get("trial_settings") or {}).get("end_behavior")) or {}
    sub = store.create(
        customer=customer,
        items=items,
        now=now,
        cause=ctx.cause,
        collection_method=collection,
        days_until_due=days,
        default_payment_method=params.get("default_payment_method"),
        description=params.get("description"),
        metadata=apply_metadata({}, params.get("metadata", {})),
        billing_cycle_anchor=anchor,
        billing_cycle_anchor_config=params.get("billing_cycle_anchor_config"),
        billing_mode=mode,
        trial_end=trial_end,
        missing_payment_method=end_behavior.get("missing_payment_method", "create_invoice"),
        cancel_at=cancel_at,
        cancel_at_period_end=bool(params.get("cancel_at_period_end", False)),
        payment_behavior=params.get("payment_behavior", "allow_incomplete"),
    )
    if params.get("payment_behavior") == "error_if_incomplete" and sub.status == "incomplete":
        store.discard(sub)
        raise StripeError(
            "Your card was declined.", status=402, type="card_error", code="card_declined", param=None
        )
    return _render(ctx, sub)


def _trial_end(params: dict[str, Any], now: int, prices: list[Any]) -> int | None:
    if "trial_end" in params and "trial_period_days" in params:
        raise _exclusive("trial_end", "trial_period_days")
    if params.get("trial_from_plan") and "trial_end" in params:
        raise _exclusive("trial_end", "trial_from_plan")
    if "trial_end" in params:
        value = params["trial_end"]
        if value == "now":
            return None
        return _future(_timestamp(value, "trial_end"), "trial_end", now)
    days = params.get("trial_period_days")
    if days is None and params.get("trial_from_plan"):
        days = max((getattr(p.recurring, "trial_period_days", None) or 0 for p in prices if p), default=0)
    return periods.trial_end_from_days(now, days) if days else None


def _cancel_at(value: Any, now: int, sub: Subscription | None = None) -> int | None:
    if value is None or value is UNSET:
        return None
    if value in ("min_period_end", "max_period_end") and sub is not None:
        ends = [item.current_period_end for item in sub.items]
        return min(ends) if value == "min_period_end" else max(ends)
    return _future(_timestamp(value, "cancel_at"), "cancel_at", now)


def retrieve_subscription(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _render(ctx, _subscription(ctx))


_CANCELED_ALLOWED = {"metadata", "cancellation_details", "expand"}
_INCOMPLETE_ALLOWED = {"metadata", "expand", "default_payment_method", "payment_behavior"}


def update_subscription(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    sub = _subscription(ctx)
    store = _store(ctx)
    now = _now(ctx, sub)
    if sub.ended and set(params) - _CANCELED_ALLOWED:
        raise _error(
            "A canceled subscription can only update its cancellation_details and metadata.",
            sorted(set(params) - _CANCELED_ALLOWED)[0],
            "invalid_canceled_subscription_fields",
        )
    if sub.status == "incomplete" and set(params) - _INCOMPLETE_ALLOWED:
        raise _error(
            "A subscription with status `incomplete` can only update its metadata and default payment "
            "method until its first invoice is paid.",
            sorted(set(params) - _INCOMPLETE_ALLOWED)[0],
        )
    _check_proration(params)
    _check_payment_behavior(params)
    changes = _item_changes(ctx, sub, params.get("items") or [])
    collection = params.get("collection_method", sub.collection_method)
    days = params.get("days_until_due", sub.days_until_due if collection == "send_invoice" else None)
    if "days_until_due" in params and collection != "send_invoice":
        raise _error(
            "Invalid days_until_due: can only be set when collection_method=send_invoice.", "days_until_due"
        )
    if collection == "send_invoice" and days is None:
        raise parameter_missing("days_until_due")
    cancel_at: Any = "keep"
    if "cancel_at" in params:
        cancel_at = _cancel_at(params["cancel_at"], now, sub)
        if cancel_at is not None and params.get("cancel_at_period_end"):
            raise _exclusive("cancel_at", "cancel_at_period_end")
    trial_end: Any = None
    if "trial_end" in params:
        value = params["trial_end"]
        trial_end = "now" if value == "now" else _future(_timestamp(value, "trial_end"), "trial_end", now)
        if sub.status != "trialing":
            raise _error(
                "stripe-fake only changes trial_end of a subscription that is trialing.", "trial_end"
            )
    pause = params.get("pause_collection")
    if isinstance(pause, dict) and "resumes_at" in pause:
        _future(pause["resumes_at"], "pause_collection[resumes_at]", now)
    # Every check passed: apply.
    before = sub.render(ctx.account)
    if "metadata" in params:
        sub.metadata = apply_metadata(sub.metadata, params["metadata"])
    if "description" in params:
        sub.description = None if params["description"] is UNSET else params["description"]
    if "default_payment_method" in params:
        value = params["default_payment_method"]
        sub.default_payment_method = None if value is UNSET else value
    sub.collection_method, sub.days_until_due = collection, days
    if "cancellation_details" in params:
        details = params["cancellation_details"]
        for key in ("comment", "feedback"):
            if key in details:
                sub.cancellation_details[key] = None if details[key] is UNSET else details[key]
    if "pause_collection" in params:
        sub.pause_collection = (
            {"behavior": pause["behavior"], "resumes_at": pause.get("resumes_at")}
            if isinstance(pause, dict)
            else None
        )
    store.apply_item_changes(sub, changes, now=now)
    if "cancel_at_period_end" in params:
        sub.cancel_at_period_end = params["cancel_at_period_end"]
        sub.cancel_at = sub.next_period_end() if sub.cancel_at_period_end else None
    if cancel_at != "keep":
        sub.cancel_at = cancel_at
        sub.cancel_at_period_end = False
    store.after_update(sub, before, now=now, cause=ctx.cause)
    if trial_end == "now":
        store.end_trial(sub, now=now, cause=ctx.cause)
    elif trial_end is not None:
        store.extend_trial(sub, trial_end, now=now, cause=ctx.cause)
    if (params.get("billing_cycle_anchor") or {}).get("type") == "now" and not sub.ended:
        store.reset_anchor(sub, now=now, cause=ctx.cause)
    return _render(ctx, sub)


def _item_changes(ctx: RequestContext, sub: Subscription, raw_items: list[dict[str, Any]]) -> list[Any]:
    """Validate ``items[]`` of an update; a list of ("add", NewItem) / ("set", item, price, qty, meta) /
    ("delete", item) to apply."""
    planned: list[Any] = []
    prices_after: dict[str, Any] = {item.id: links.price(ctx.account, item.price) for item in sub.items}
    added: list[tuple[Any, str]] = []
    for i, raw in enumerate(raw_items):
        prefix = f"items[{i}]"
        item_id = raw.get("id")
        if item_id is None:
            price, data = _resolve_item(ctx, raw, prefix)
            planned.append(["add", price, data, raw])
            if price is not None:
                added.append((price, prefix))
            continue
        item = sub.item(item_id)
        if item is None:
            raise resource_missing("subscription_item", item_id, param=f"{prefix}[id]", status=400)
        if raw.get("deleted"):
            planned.append(["delete", item])
            prices_after.pop(item.id, None)
            continue
        price, data = _resolve_item(ctx, raw, prefix, require_price=False)
        current = price or links.price(ctx.account, item.price)
        if price is None and data is None and is_metered(current) and "quantity" in raw:
            raise _error("You cannot set the quantity for metered plans.", f"{prefix}[quantity]")
        planned.append(["set", item, price, data, raw])
        if price is not None:
            prices_after[item.id] = price
    remaining = list(prices_after.values()) + [p for p, _ in added]
    if raw_items and not remaining and not any(step[0] == "add" for step in planned):
        raise _error(
            "A subscription must have at least one active item. Cancel the subscription instead.", "items"
        )
    if remaining:
        _check_prices(
            remaining, ["items"] * (len(remaining) - len(added)) + [x for _, x in added], sub.billing_mode
        )
    return planned


def cancel_subscription(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CANCEL, ctx.params)
    sub = _subscription(ctx)
    if sub.ended:
        raise _error("This subscription has already been canceled.", None)
    if params.get("prorate"):
        raise _error(
            "stripe-fake does not implement prorate=true (prorations are not implemented).", "prorate"
        )
    details = params.get("cancellation_details") or {}
    _store(ctx).cancel(
        sub,
        now=_now(ctx, sub),
        invoice_now=bool(params.get("invoice_now")),
        comment=None if details.get("comment") is UNSET else details.get("comment"),
        feedback=None if details.get("feedback") is UNSET else details.get("feedback"),
        cause=ctx.cause,
    )
    return _render(ctx, sub)


def pause_subscription(ctx: RequestContext) -> dict[str, Any]:
    validate(PAUSE, ctx.params)
    sub = _subscription(ctx)
    if sub.status not in ("active", "past_due", "unpaid", "trialing"):
        raise _error(f"A subscription with status `{sub.status}` cannot be paused.", None)
    _store(ctx).pause(sub, now=_now(ctx, sub), cause=ctx.cause)
    return _render(ctx, sub)


def resume_subscription(ctx: RequestContext) -> dict[str, Any]:
    params = validate(RESUME, ctx.params)
    _check_proration(params)
    sub = _subscription(ctx)
    if sub.status != "paused":
        raise _error("Only a subscription with status `paused` can be resumed.", None)
    _store(ctx).resume(
        sub,
        now=_now(ctx, sub),
        anchor_now=params.get("billing_cycle_anchor", "now") == "now",
        cause=ctx.cause,
    )
    return _render(ctx, sub)


def list_subscriptions(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    store = _store(ctx)
    customer, price, status = params.get("customer"), params.get("price"), params.get("status")
    clock = params.get("test_clock")
    created = params.get("created")
    start_range, end_range = params.get("current_period_start"), params.get("current_period_end")
    collection = params.get("collection_method")

    def keep(sub: Subscription) -> bool:
        if customer is not None and sub.customer != customer:
            return False
        if clock is not None and sub.test_clock != clock:
            return False
        if customer is None and clock is None and sub.test_clock is not None:
            return False
        if status is None and sub.status == "canceled":
            return False
        if status == "ended" and sub.status not in ENDED:
            return False
        if status not in (None, "all", "ended") and sub.status != status:
            return False
        if price is not None and all(item.price != price for item in sub.items):
            return False
        if collection is not None and sub.collection_method != collection:
            return False
        if start_range and not in_range(max(i.current_period_start for i in sub.items), start_range):
            return False
        if end_range and not in_range(min(i.current_period_end for i in sub.items), end_range):
            return False
        return in_range(sub.created, created)

    if customer is not None:
        items: Any = [s for s in reversed(store.of_customer(customer)) if keep(s)]
    else:
        items = store.table.newest_first(keep)
    return paginate(
        items,
        params,
        "/v1/subscriptions",
        key=lambda s: s.id,
        render=lambda s: s.render(ctx.account),
        kind="subscription",
    )


# -- subscription items --------------------------------------------------------------------------------


def _item(ctx: RequestContext) -> tuple[Subscription, SubscriptionItem]:
    store = _store(ctx)
    item = store.require_item(ctx.path["id"], param="id")
    return store.require(item.subscription), item


def _writable(sub: Subscription) -> None:
    if sub.ended:
        raise _error(
            "A canceled subscription can only update its cancellation_details and metadata.",
            None,
            "invalid_canceled_subscription_fields",
        )


def create_item(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ITEM_CREATE, ctx.params)
    _check_proration(params)
    _check_payment_behavior(params)
    store = _store(ctx)
    sub = store.require(params["subscription"], param="subscription", status=400)
    _writable(sub)
    raw = {k: v for k, v in params.items() if k in ("price", "price_data", "quantity", "metadata")}
    price, data = _resolve_item(ctx, raw, "")
    if price is not None:
        current = [links.price(ctx.account, item.price) for item in sub.items]
        _check_prices([*current, price], ["items"] * len(current) + ["price"], sub.billing_mode)
    step = ["add", price, data, raw]
    before = sub.render(ctx.account)
    added = store.apply_item_changes(sub, [step], now=_now(ctx, sub))
    store.after_update(sub, before, now=_now(ctx, sub), cause=ctx.cause)
    return added[0].render(ctx.account)


def retrieve_item(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _item(ctx)[1].render(ctx.account)


def update_item(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ITEM_UPDATE, ctx.params)
    _check_proration(params)
    _check_payment_behavior(params)
    sub, item = _item(ctx)
    _writable(sub)
    raw = {k: v for k, v in params.items() if k in ("price", "price_data", "quantity", "metadata")}
    fake_update = [{"id": item.id, **raw}]
    changes = _item_changes(ctx, sub, fake_update)
    before = sub.render(ctx.account)
    _store(ctx).apply_item_changes(sub, changes, now=_now(ctx, sub))
    _store(ctx).after_update(sub, before, now=_now(ctx, sub), cause=ctx.cause)
    return item.render(ctx.account)


def delete_item(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ITEM_DELETE, ctx.params, expand=False)
    _check_proration(params)
    _check_payment_behavior(params)
    sub, item = _item(ctx)
    _writable(sub)
    if len(sub.items) == 1:
        raise _error(
            "A subscription must have at least one active item. Cancel the subscription instead.", None
        )
    before = sub.render(ctx.account)
    _store(ctx).apply_item_changes(sub, [["delete", item]], now=_now(ctx, sub))
    _store(ctx).after_update(sub, before, now=_now(ctx, sub), cause=ctx.cause)
    return {"id": item.id, "object": "subscription_item", "deleted": True}


def list_items(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ITEM_LIST, ctx.params)
    sub = _store(ctx).require(params["subscription"], param="subscription", status=400)
    return paginate(
        list(sub.items),
        params,
        "/v1/subscription_items",
        key=lambda i: i.id,
        render=lambda i: i.render(ctx.account),
        kind="subscription_item",
    )
