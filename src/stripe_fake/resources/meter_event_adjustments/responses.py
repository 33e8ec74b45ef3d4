"""``POST /v1/billing/meter_event_adjustments``: cancel one meter event by identifier."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing
from ...http.schema import Enum, Obj, Str, validate
from .models import CancelRejected, cancel, find_cancellable

CREATE = {
    "event_name": Str(max_length=100, required=True),
    "type": Enum(["cancel"], required=True),
    "cancel": Obj({"identifier": Str(max_length=100, required=True)}),
}


def create_adjustment(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    if "cancel" not in params:
        error = parameter_missing("cancel")
        error.validation = True
        raise error
    event_name = params["event_name"]
    identifier = params["cancel"]["identifier"]
    try:
        index = find_cancellable(ctx.account, event_name, identifier, ctx.now)
    except CancelRejected as rejected:
        raise StripeError(rejected.message, code=rejected.code, param="cancel[identifier]") from None
    cancel(ctx.account, index)
    return {
        "object": "billing.meter_event_adjustment",
        "cancel": {"identifier": identifier},
        "event_name": event_name,
        "livemode": ctx.account.livemode,
        "status": "pending",
        "type": "cancel",
    }
