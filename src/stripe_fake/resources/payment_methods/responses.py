"""Payment methods over HTTP: ``/v1/payment_methods`` and ``/v1/customers/{id}/payment_methods``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing, resource_missing
from ...http.expand import register_expandable
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Enum, Field, Int, Metadata, Obj, Str, Unsupported, validate
from ..common import apply_metadata
from ..customers.models import CustomerStore
from ..events.models import emit_from_request
from .cards import card_for_token
from .models import PaymentMethod, PaymentMethodStore, not_attached

register_expandable("payment_method", "customer")
register_expandable("customer", "default_source", "invoice_settings.default_payment_method", "test_clock")

_OTHER_TYPES = [
    "acss_debit",
    "affirm",
    "afterpay_clearpay",
    "alipay",
    "alma",
    "amazon_pay",
    "au_becs_debit",
    "bacs_debit",
    "bancontact",
    "billie",
    "bizum",
    "blik",
    "boleto",
    "cashapp",
    "crypto",
    "custom",
    "customer_balance",
    "eps",
    "fpx",
    "giropay",
    "grabpay",
    "ideal",
    "interac_present",
    "kakao_pay",
    "klarna",
    "konbini",
    "kr_card",
    "link",
    "mb_way",
    "mobilepay",
    "multibanco",
    "naver_pay",
    "nz_bank_account",
    "oxxo",
    "p24",
    "pay_by_bank",
    "payco",
    "paynow",
    "paypal",
    "paypay",
    "payto",
    "pix",
    "promptpay",
    "revolut_pay",
    "samsung_pay",
    "satispay",
    "scalapay",
    "sepa_debit",
    "sequra",
    "sofort",
    "sunbit",
    "swish",
    "twint",
    "upi",
    "us_bank_account",
    "wechat_pay",
    "zip",
]
_CREATE_EP = "POST /v1/payment_methods"
_ADDRESS = Obj(
    {k: Str(unsettable=True) for k in ("city", "country", "line1", "line2", "postal_code", "state")},
    unsettable=True,
)
_BILLING_DETAILS = Obj(
    {
        "address": _ADDRESS,
        "email": Str(unsettable=True),
        "name": Str(unsettable=True),
        "phone": Str(unsettable=True),
        "tax_id": Str(unsettable=True),
    }
)
_REDISPLAY = Enum(["always", "limited", "unspecified"])
CREATE: dict[str, Field] = {
    "type": Enum(["card", *_OTHER_TYPES], required=True),
    "card": Obj(
        {
            "token": Str(),
            **{
                name: Unsupported(_CREATE_EP)
                for name in ("number", "exp_month", "exp_year", "cvc", "networks")
            },
        }
    ),
    "billing_details": _BILLING_DETAILS,
    "metadata": Metadata(),
    "allow_redisplay": _REDISPLAY,
    **{
        name: Unsupported(_CREATE_EP)
        for name in ("customer", "payment_method", "radar_options", *_OTHER_TYPES)
    },
}
UPDATE: dict[str, Field] = {
    "billing_details": _BILLING_DETAILS,
    "metadata": Metadata(),
    "allow_redisplay": _REDISPLAY,
    "card": Obj(
        {
            "exp_month": Int(minimum=1, maximum=12),
            "exp_year": Int(minimum=2000, maximum=2100),
            "networks": Unsupported("POST /v1/payment_methods/:id"),
        }
    ),
    "us_bank_account": Unsupported("POST /v1/payment_methods/:id"),
}
ATTACH: dict[str, Field] = {
    "customer": Str(required=True),
    "customer_account": Unsupported("POST /v1/payment_methods/:id/attach"),
}
_LIST_FILTERS: dict[str, Field] = {
    **LIST_PARAMS,
    "type": Enum(["card", *_OTHER_TYPES]),
    "allow_redisplay": _REDISPLAY,
}
LIST: dict[str, Field] = {
    **_LIST_FILTERS,
    "customer": Str(),
    "customer_account": Unsupported("GET /v1/payment_methods"),
}


def _store(ctx: RequestContext) -> PaymentMethodStore:
    return ctx.store(PaymentMethodStore)


def _clean(value: Any) -> Any:
    if value is UNSET:
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def create_payment_method(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    if params["type"] != "card":
        raise StripeError(
            f"stripe-fake does not implement payment methods of type {params['type']} (only card)",
            param="type",
        )
    card_params = params.get("card")
    if card_params is None:
        raise parameter_missing("card")
    token = card_params.get("token")
    if token is None:
        raise parameter_missing("card[token]")
    card = card_for_token(token)
    if card is None:
        raise resource_missing("token", token, param="card[token]", status=400)
    metadata = apply_metadata({}, params.get("metadata", {}))
    pm = _store(ctx).materialize(
        card,
        now=ctx.now,
        billing_details=_clean(params.get("billing_details", {})),
        metadata=metadata,
        allow_redisplay=params.get("allow_redisplay"),
    )
    return pm.render()


def _payment_method(ctx: RequestContext) -> PaymentMethod:
    """The path's payment method (a test id is cloned: each use is a new object, as on Stripe)."""
    store = _store(ctx)
    return store.materialize(store.lookup(ctx.path["id"], param="payment_method"), now=ctx.now)


def retrieve_payment_method(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _payment_method(ctx).render()


def update_payment_method(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    store = _store(ctx)
    found = store.lookup(ctx.path["id"], param="payment_method")
    if not isinstance(found, PaymentMethod) or found.customer is None:
        raise StripeError("You must save this PaymentMethod to a customer before you can update it.")
    metadata = apply_metadata(found.metadata, params["metadata"]) if "metadata" in params else found.metadata
    before = found.render()
    if "billing_details" in params:
        details = dict(found.billing_details)
        for key, value in _clean(params["billing_details"]).items():
            if key == "address" and isinstance(value, dict):
                details["address"] = {**(details.get("address") or {}), **value}
            else:
                details[key] = value
        found.billing_details = details
    card = params.get("card", {})
    found.exp_month = card.get("exp_month", found.exp_month)
    found.exp_year = card.get("exp_year", found.exp_year)
    found.allow_redisplay = params.get("allow_redisplay", found.allow_redisplay)
    found.metadata = metadata
    after = found.render()
    previous = {key: before[key] for key in after if before.get(key) != after.get(key)}
    if previous:
        emit_from_request(ctx, "payment_method.updated", after, previous)
    return after


def attach_payment_method(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ATTACH, ctx.params)
    store = _store(ctx)
    found = store.lookup(ctx.path["id"], param="payment_method")
    customer = ctx.store(CustomerStore).require_active(params["customer"])
    store.check_attach(found, customer.id)
    pm = store.materialize(found, now=ctx.now)
    if store.attach(pm, customer.id):
        emit_from_request(ctx, "payment_method.attached", pm.render())
    return pm.render()


def detach_payment_method(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    store = _store(ctx)
    found = store.lookup(ctx.path["id"], param="payment_method")
    if not isinstance(found, PaymentMethod):
        raise not_attached()  # a test id names a fresh clone, never attached
    customer_id = store.detach(found)
    rendered = found.render()
    emit_from_request(ctx, "payment_method.detached", rendered)
    customer = ctx.store(CustomerStore).table.get(customer_id)
    if customer is not None and customer.default_payment_method == found.id and not customer.deleted:
        before = customer.render()
        customer.fields["invoice_settings"] = {
            **(customer.fields.get("invoice_settings") or {}),
            "default_payment_method": None,
        }
        after = customer.render()
        emit_from_request(ctx, "customer.updated", after, {"invoice_settings": before["invoice_settings"]})
    return rendered


def _keep(params: dict[str, Any]) -> Any:
    kind = params.get("type")
    redisplay = params.get("allow_redisplay")

    def keep(pm: PaymentMethod) -> bool:
        if kind is not None and kind != "card":
            return False
        return redisplay is None or pm.allow_redisplay == redisplay

    return keep


def list_payment_methods(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    store = _store(ctx)
    keep = _keep(params)
    customer_id = params.get("customer")
    items: Any
    if customer_id is not None:
        ctx.store(CustomerStore).require_active(customer_id)
        items = [pm for pm in store.of_customer(customer_id) if keep(pm)]
    else:
        items = store.table.newest_first(keep)
    return paginate(
        items,
        params,
        "/v1/payment_methods",
        key=lambda p: p.id,
        render=PaymentMethod.render,
        kind="PaymentMethod",
    )


def _path_customer(ctx: RequestContext) -> str:
    customer = ctx.store(CustomerStore).table.require(ctx.path["customer"])
    if customer.deleted:
        raise resource_missing("customer", customer.id)
    return customer.id


def list_customer_payment_methods(ctx: RequestContext) -> dict[str, Any]:
    params = validate(_LIST_FILTERS, ctx.params)
    customer_id = _path_customer(ctx)
    keep = _keep(params)
    items = [pm for pm in _store(ctx).of_customer(customer_id) if keep(pm)]
    return paginate(
        items,
        params,
        f"/v1/customers/{customer_id}/payment_methods",
        key=lambda p: p.id,
        render=PaymentMethod.render,
        kind="PaymentMethod",
    )


def retrieve_customer_payment_method(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    customer_id = _path_customer(ctx)
    found = _store(ctx).table.get(ctx.path["id"])
    if found is None or found.customer != customer_id:
        raise resource_missing("PaymentMethod", ctx.path["id"], param="payment_method")
    return found.render()
