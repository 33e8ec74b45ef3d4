"""Customers: CRUD, list filters, metadata rules, deleted customers and customer.* events."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe
from freezegun import freeze_time

from stripe_fake import StripeFake


def as_dict(obj: object) -> Any:
    """A plain copy of an SDK object (works on every supported SDK version)."""
    return json.loads(str(obj))


def _invalid(call: object, *args: object, **kwargs: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


@freeze_time("2026-03-10 12:00:00")
def test_create_and_retrieve(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="jenny@example.com", name="Jenny", phone="+33100000000")
    assert customer.id.startswith("cus_")
    assert customer.created == 1773144000
    assert (customer.livemode, customer.balance, customer.tax_exempt, as_dict(customer.metadata)) == (
        False,
        0,
        "none",
        {},
    )
    assert len(customer.invoice_prefix) == 8
    fetched = stripe.Customer.retrieve(customer.id)
    assert fetched == customer


def test_unknown_customer_is_a_404(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.Customer.retrieve, "cus_missing")
    assert (err.http_status, err.code, err.param) == (404, "resource_missing", "id")
    assert err.user_message == "No such customer: 'cus_missing'"


def test_update_and_unset(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    updated = stripe.Customer.modify(customer.id, name="Jenny Rosen", description="VIP")
    assert (updated.name, updated.description, updated.email) == ("Jenny Rosen", "VIP", "jenny@example.com")
    cleared = stripe.Customer.modify(customer.id, description="")
    assert cleared.description is None
    assert stripe.Customer.retrieve(customer.id).name == "Jenny Rosen"


def test_rejected_update_changes_nothing(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    err = _invalid(stripe.Customer.modify, customer.id, name="New", tax_exempt="sometimes")
    assert err.param == "tax_exempt"
    assert stripe.Customer.retrieve(customer.id) == customer
    assert stripe_fake.events.types() == ["customer.created"]


def test_delete_and_deleted_shape(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    deleted = stripe.Customer.delete(customer.id)
    assert as_dict(deleted) == {"id": customer.id, "object": "customer", "deleted": True}
    again = stripe.Customer.retrieve(customer.id)
    assert as_dict(again) == {"id": customer.id, "object": "customer", "deleted": True}
    assert _invalid(stripe.Customer.modify, customer.id, name="x").http_status == 404
    assert _invalid(stripe.Customer.delete, customer.id).http_status == 404
    assert stripe.Customer.list().data == []


def test_list_filters_by_email_exactly(stripe_fake: StripeFake) -> None:
    a = stripe.Customer.create(email="a@example.com")
    stripe.Customer.create(email="b@example.com")
    a2 = stripe.Customer.create(email="a@example.com")
    stripe.Customer.create(email="A@example.com")
    assert [c.id for c in stripe.Customer.list(email="a@example.com").data] == [a2.id, a.id]
    assert stripe.Customer.list(email="nobody@example.com").data == []


def test_list_filters_by_created(stripe_fake: StripeFake) -> None:
    ids = []
    for day in (1, 2, 3):
        with freeze_time(f"2026-03-0{day} 00:00:00"):
            ids.append(stripe.Customer.create(name=str(day)).id)
    march_2 = 1772409600
    assert [c.id for c in stripe.Customer.list(created={"gte": march_2}).data] == [ids[2], ids[1]]
    assert [c.id for c in stripe.Customer.list(created={"lt": march_2}).data] == [ids[0]]
    assert [c.id for c in stripe.Customer.list(created=march_2).data] == [ids[1]]
    assert [c.id for c in stripe.Customer.list(created={"gt": march_2, "lte": march_2 + 86400}).data] == [
        ids[2]
    ]
    assert _invalid(stripe.Customer.list, created={"after": 1}).param == "created[after]"


def test_metadata_limits(stripe_fake: StripeFake) -> None:
    fifty = {f"k{i}": "v" for i in range(50)}
    assert len(as_dict(stripe.Customer.create(metadata=fifty).metadata)) == 50
    too_many = _invalid(stripe.Customer.create, metadata={**fifty, "k50": "v"})
    assert (too_many.http_status, too_many.param) == (400, "metadata")
    long_key = _invalid(stripe.Customer.create, metadata={"k" * 41: "v"})
    assert long_key.param == "metadata[" + "k" * 41 + "]"
    assert stripe.Customer.create(metadata={"k" * 40: "v" * 500}).metadata["k" * 40] == "v" * 500
    long_value = _invalid(stripe.Customer.create, metadata={"k": "v" * 501})
    assert long_value.param == "metadata[k]"
    assert len(stripe.Customer.list().data) == 2


def test_metadata_merge_and_unset(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(metadata={"a": "1", "b": "2"})
    merged = stripe.Customer.modify(customer.id, metadata={"b": "3", "c": "4"})
    assert as_dict(merged.metadata) == {"a": "1", "b": "3", "c": "4"}
    unset_one = stripe.Customer.modify(customer.id, metadata={"a": ""})
    assert as_dict(unset_one.metadata) == {"b": "3", "c": "4"}
    unset_all = stripe.Customer.modify(customer.id, metadata="")
    assert as_dict(unset_all.metadata) == {}


def test_metadata_update_beyond_fifty_keys_is_rejected(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(metadata={f"k{i}": "v" for i in range(50)})
    err = _invalid(stripe.Customer.modify, customer.id, metadata={"extra": "v"})
    assert err.param == "metadata"
    assert len(as_dict(stripe.Customer.retrieve(customer.id).metadata)) == 50


def test_unsupported_parameter_is_explicit(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.Customer.create, tax_id_data=[{"type": "eu_vat", "value": "DE123456789"}])
    assert (err.http_status, err.code, err.param) == (400, None, "tax_id_data")
    expected = "stripe-fake does not implement the parameter tax_id_data of POST /v1/customers"
    assert err.user_message == expected
    assert stripe.Customer.list().data == []


@freeze_time("2026-03-10 12:00:00")
def test_customer_events(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="e@example.com", idempotency_key="create-1")
    stripe.Customer.modify(customer.id, name="Named", metadata={"x": "1"})
    stripe.Customer.modify(customer.id, name="Named")  # no change: no event
    stripe.Customer.delete(customer.id)
    assert stripe_fake.events.types() == ["customer.created", "customer.updated", "customer.deleted"]
    created, updated, deleted = stripe_fake.events
    assert created["data"]["object"]["id"] == customer.id
    assert created["request"] == {"id": stripe_fake.requests[0].request_id, "idempotency_key": "create-1"}
    assert created["created"] == 1773144000
    assert updated["data"]["object"]["name"] == "Named"
    assert updated["data"]["previous_attributes"] == {"name": None, "metadata": {}}
    assert deleted["data"]["object"]["email"] == "e@example.com"  # the last state, not the stub
