"""Customer balance transactions (``/v1/customers/{id}/balance_transactions``) through the real SDK."""

from __future__ import annotations

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time

from stripe_fake import StripeFake

T0 = "2026-03-01T00:00:00Z"
T0_TS = 1772323200


def test_create_moves_the_balance_and_records_ending_balance(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    with freeze_time(T0):
        credit = stripe.Customer.create_balance_transaction(
            customer.id, amount=-500, currency="USD", description="Goodwill", metadata={"ticket": "42"}
        )
    assert credit.id.startswith("cbtxn_") and credit.object == "customer_balance_transaction"
    assert (credit.amount, credit.currency, credit.ending_balance, credit.type) == (
        -500,
        "usd",
        -500,
        "adjustment",
    )
    assert credit.created == T0_TS and credit.customer == customer.id and credit.description == "Goodwill"
    assert credit.invoice is None and credit.credit_note is None
    debit = stripe.Customer.create_balance_transaction(customer.id, amount=200, currency="usd")
    assert debit.ending_balance == -300
    assert stripe.Customer.retrieve(customer.id).balance == -300
    event = stripe_fake.events.last("customer.updated")
    assert event["data"]["object"]["balance"] == -300
    assert event["data"]["previous_attributes"] == {"balance": -500}


def test_retrieve_update_and_list(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = v1(client).customers.create()
    other = v1(client).customers.create()
    ids = [
        v1(client).customers.balance_transactions.create(customer.id, {"amount": -i, "currency": "usd"}).id
        for i in (1, 2, 3)
    ]
    v1(client).customers.balance_transactions.create(other.id, {"amount": -9, "currency": "usd"})
    found = v1(client).customers.balance_transactions.retrieve(customer.id, ids[1])
    assert found.amount == -2 and found.ending_balance == -3
    updated = v1(client).customers.balance_transactions.update(
        customer.id, ids[1], {"description": "fixed", "metadata": {"a": "b"}}
    )
    assert updated.description == "fixed" and as_dict(updated.metadata) == {"a": "b"}
    assert updated.amount == -2  # amounts never change
    page = v1(client).customers.balance_transactions.list(customer.id, {"limit": 2})
    assert [t.id for t in page.data] == [ids[2], ids[1]] and page.has_more
    rest = v1(client).customers.balance_transactions.list(customer.id, {"starting_after": ids[1]})
    assert [t.id for t in rest.data] == [ids[0]]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        v1(client).customers.balance_transactions.retrieve(other.id, ids[0])
    assert raised.value.http_status == 404


def test_list_filters_by_created(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0) as frozen:
        early = stripe.Customer.create_balance_transaction(customer.id, amount=-1, currency="usd")
        frozen.tick(100)
        late = stripe.Customer.create_balance_transaction(customer.id, amount=-1, currency="usd")
    listed = stripe.Customer.list_balance_transactions(customer.id, created={"gt": T0_TS})
    assert [t.id for t in listed.data] == [late.id]
    listed = stripe.Customer.list_balance_transactions(customer.id, created={"lte": T0_TS})
    assert [t.id for t in listed.data] == [early.id]


def test_deleted_customer_has_no_balance_transactions(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    stripe.Customer.delete(customer.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Customer.create_balance_transaction(customer.id, amount=-1, currency="usd")
    assert raised.value.http_status == 404 and raised.value.code == "resource_missing"
