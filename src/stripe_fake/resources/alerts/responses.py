"""Billing alerts over HTTP: ``/v1/billing/alerts``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing, resource_missing
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Arr, Enum, Int, Obj, Str, validate
from ..customers.models import CustomerStore
from ..meters.models import MeterStore
from .models import Alert, AlertStore

FILTER = Obj({"type": Enum(["customer"], required=True), "customer": Str(required=True)})
CREATE = {
    "alert_type": Enum(["usage_threshold"], required=True),
    "title": Str(max_length=256, required=True),
    "usage_threshold": Obj(
        {
            "gte": Int(minimum=1, required=True),
            "meter": Str(required=True),
            "recurrence": Enum(["one_time"], required=True),
            "filters": Arr(FILTER),
        }
    ),
}
LIST = {**LIST_PARAMS, "alert_type": Enum(["usage_threshold"]), "meter": Str()}


def _alert(ctx: RequestContext) -> Alert:
    return ctx.store(AlertStore).table.require(ctx.path["id"])


def create_alert(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    config = params.get("usage_threshold")
    if config is None:
        raise parameter_missing("usage_threshold")
    filters = config.get("filters") or []
    if len(filters) > 1:
        raise StripeError(
            "You can only specify up to one filter at this time.", param="usage_threshold[filters]"
        )
    meter = ctx.store(MeterStore).table.get(config["meter"])
    if meter is None:
        raise resource_missing("billing meter", config["meter"], param="usage_threshold[meter]", status=400)
    if not meter.active:
        raise StripeError(
            f"The meter '{meter.id}' is inactive. Alerts can only be created for active meters.",
            param="usage_threshold[meter]",
        )
    customer = filters[0]["customer"] if filters else None
    if customer is not None and not ctx.store(CustomerStore).exists(customer):
        param = "usage_threshold[filters][0][customer]"
        raise resource_missing("customer", customer, param=param, status=400)
    alert = ctx.store(AlertStore).create(
        title=params["title"], meter_id=meter.id, gte=config["gte"], customer=customer
    )
    return alert.render()


def retrieve_alert(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _alert(ctx).render()


def list_alerts(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    meter = params.get("meter")

    def keep(alert: Alert) -> bool:
        return alert.status != "archived" and (meter is None or alert.meter_id == meter)

    items = ctx.store(AlertStore).table.newest_first(keep)
    return paginate(
        items, params, "/v1/billing/alerts", key=lambda a: a.id, render=Alert.render, kind="billing alert"
    )


def activate_alert(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    alert = _alert(ctx)
    ctx.store(AlertStore).activate(alert)
    return alert.render()


def deactivate_alert(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    alert = _alert(ctx)
    ctx.store(AlertStore).deactivate(alert)
    return alert.render()


def archive_alert(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    alert = _alert(ctx)
    ctx.store(AlertStore).archive(alert)
    return alert.render()
