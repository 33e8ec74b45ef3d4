"""Credit notes over HTTP: ``/v1/credit_notes`` (preview, create, retrieve, update, list, void, lines)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.expand import register_expandable
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Arr, Enum, Field, Int, Metadata, Obj, Range, Str, Unsupported, in_range, validate
from ..common import apply_metadata
from ..events.models import emit_from_request
from .models import CreditNote, CreditNoteLine, CreditNoteStore

register_expandable("credit_note", "customer", "invoice", "customer_balance_transaction")
register_expandable("credit_note_line_item", "invoice_line_item")


class DecimalStr(Field):
    """A decimal amount (at most 12 decimal places) sent as a string."""

    def convert(self, value: Any, name: str) -> Decimal:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise StripeError(f"Invalid decimal: {value}", param=name) from None
        if not number.is_finite() or number.as_tuple().exponent < -12:  # type: ignore[operator]
            raise StripeError(f"Invalid decimal: {value}", param=name)
        return number


def _fields(endpoint: str) -> dict[str, Field]:
    line = Obj(
        {
            "type": Enum(["custom_line_item", "invoice_line_item"], required=True),
            "amount": Int(minimum=0),
            "description": Str(),
            "invoice_line_item": Str(),
            "metadata": Metadata(),
            "quantity": Int(minimum=1),
            "unit_amount": Int(minimum=0),
            "unit_amount_decimal": DecimalStr(),
            "tax_amounts": Unsupported(endpoint),
            "tax_rates": Unsupported(endpoint),
        }
    )
    return {
        "invoice": Str(required=True),
        "amount": Int(minimum=0),
        "credit_amount": Int(minimum=0),
        "effective_at": Int(minimum=0),
        "email_type": Enum(["credit_note", "none"]),
        "lines": Arr(line),
        "memo": Str(max_length=5000),
        "metadata": Metadata(),
        "out_of_band_amount": Int(minimum=0),
        "reason": Enum(["duplicate", "fraudulent", "order_change", "product_unsatisfactory"]),
        "refund_amount": Int(minimum=0),
        "refunds": Unsupported(endpoint),
        "shipping_cost": Unsupported(endpoint),
    }


CREATE = _fields("POST /v1/credit_notes")
PREVIEW = _fields("GET /v1/credit_notes/preview")
PREVIEW_LINES = {**_fields("GET /v1/credit_notes/preview/lines"), **LIST_PARAMS}
UPDATE: dict[str, Field] = {"memo": Str(max_length=5000), "metadata": Metadata()}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "created": Range(),
    "customer": Str(),
    "customer_account": Unsupported("GET /v1/credit_notes"),
    "invoice": Str(),
}


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    if "metadata" in params:
        params["metadata"] = apply_metadata({}, params["metadata"])
    for line in params.get("lines", []):
        if "metadata" in line:
            line["metadata"] = apply_metadata({}, line["metadata"])
    return params


def create_credit_note(ctx: RequestContext) -> dict[str, Any]:
    params = _clean(validate(CREATE, ctx.params))
    store = ctx.store(CreditNoteStore)
    draft = store.build(params, now=ctx.now)
    return store.issue(draft, now=ctx.now, cause=ctx.cause).render()


def preview_credit_note(ctx: RequestContext) -> dict[str, Any]:
    params = _clean(validate(PREVIEW, ctx.params))
    return ctx.store(CreditNoteStore).build(params, now=ctx.now).note.render()


def preview_lines(ctx: RequestContext) -> dict[str, Any]:
    params = _clean(validate(PREVIEW_LINES, ctx.params))
    note = ctx.store(CreditNoteStore).build(params, now=ctx.now).note
    return paginate(
        note.lines,
        params,
        "/v1/credit_notes/preview/lines",
        key=lambda line: line.id,
        render=CreditNoteLine.render,
        kind="credit note line item",
    )


def _note(ctx: RequestContext) -> CreditNote:
    return ctx.store(CreditNoteStore).table.require(ctx.path["id"])


def retrieve_credit_note(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _note(ctx).render()


def update_credit_note(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    note = _note(ctx)
    before = note.render()
    if "memo" in params:
        note.memo = params["memo"]
    if "metadata" in params:
        note.metadata = apply_metadata(note.metadata, params["metadata"])
    after = note.render()
    previous = {key: before[key] for key in after if before[key] != after[key]}
    if previous:
        emit_from_request(ctx, "credit_note.updated", after, previous)
    return after


def void_credit_note(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    note = _note(ctx)
    return ctx.store(CreditNoteStore).void(note, now=ctx.now, cause=ctx.cause).render()


def list_credit_notes(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    created = params.get("created")
    notes = ctx.store(CreditNoteStore).of(customer=params.get("customer"), invoice=params.get("invoice"))
    items = [n for n in notes if in_range(n.created, created)] if created else notes
    return paginate(
        items, params, "/v1/credit_notes", key=lambda n: n.id, render=CreditNote.render, kind="credit note"
    )


def list_lines(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST_PARAMS, ctx.params)
    note = _note(ctx)
    return paginate(
        note.lines,
        params,
        f"/v1/credit_notes/{note.id}/lines",
        key=lambda line: line.id,
        render=CreditNoteLine.render,
        kind="credit note line item",
    )
