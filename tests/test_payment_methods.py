"""Payment methods, Stripe's test cards and customers' payment fields, through the SDK."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.resources.payment_methods.models import charge


def _error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> stripe.StripeError:
    with pytest.raises(stripe.StripeError) as caught:
        call(*args, **kwargs)
    return caught.value


def _charge(fake: StripeFake, customer: str, *candidates: str | None) -> Any:
    return charge(fake.account(), customer, list(candidates), 1000, "usd", now=0)


# -- test ids are cloned ----------------------------------------------------------------------------


def test_each_use_of_a_test_id_is_a_new_payment_method(stripe_fake: StripeFake, customer: Any) -> None:
    first = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    second = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    assert first.id != second.id and first.id.startswith("pm_") and first.id != "pm_card_visa"
    assert (first.customer, first.type, first.card.brand, first.card.last4) == (
        customer.id,
        "card",
        "visa",
        "4242",
    )
    assert first.card.fingerprint == second.card.fingerprint
    listed = stripe.Customer.list_payment_methods(customer.id)
    assert [pm.id for pm in listed.data] == [second.id, first.id]
    assert stripe_fake.events.types() == [
        "customer.created",
        "payment_method.attached",
        "payment_method.attached",
    ]


def test_client_style_attach_and_list(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = v1(client).customers.create()
    pm = v1(client).payment_methods.attach("pm_card_amex", {"customer": customer.id})
    assert (pm.card.brand, pm.card.last4, pm.card.display_brand) == ("amex", "0005", "american_express")
    page = v1(client).customers.payment_methods.list(customer.id, {"type": "card"})
    assert [p.id for p in page.data] == [pm.id]
    assert v1(client).customers.payment_methods.retrieve(customer.id, pm.id).id == pm.id
    assert v1(client).payment_methods.list({"customer": customer.id}).data[0].id == pm.id


@pytest.mark.parametrize(
    ("test_id", "code", "decline_code", "message"),
    [
        ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
        ("pm_card_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", None),
        ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card", "Your card was declined."),
        ("pm_card_chargeDeclinedLostCard", "card_declined", "lost_card", None),
        ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card", "Your card was declined."),
        ("pm_card_chargeDeclinedStolenCard", "card_declined", "stolen_card", None),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", None, "Your card has expired."),
        (
            "pm_card_chargeDeclinedIncorrectCvc",
            "incorrect_cvc",
            None,
            "Your card's security code is incorrect.",
        ),
        (
            "pm_card_chargeDeclinedProcessingError",
            "processing_error",
            None,
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined", "card_velocity_exceeded", None),
    ],
)
def test_declining_cards_fail_to_attach_and_change_nothing(
    stripe_fake: StripeFake,
    customer: Any,
    test_id: str,
    code: str,
    decline_code: str | None,
    message: str | None,
) -> None:
    err = _error(stripe.PaymentMethod.attach, test_id, customer=customer.id)
    assert isinstance(err, stripe.CardError)
    assert (err.http_status, err.code, err.error.type) == (402, code, "card_error")
    assert err.error.decline_code == decline_code
    if message is not None:
        assert err.user_message == message
    assert stripe.Customer.list_payment_methods(customer.id).data == []
    assert stripe.PaymentMethod.list().data == []
    assert stripe_fake.events.types() == ["customer.created"]
    # The same card given at customer creation: refused the same way, no customer created.
    err = _error(stripe.Customer.create, payment_method=test_id)
    assert (err.http_status, err.code) == (402, code)
    assert len(stripe.Customer.list().data) == 1


# -- charge(...) outcomes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test_id", "outcome", "code", "decline_code"),
    [
        ("pm_card_visa", "succeeded", None, None),
        ("pm_card_mastercard", "succeeded", None, None),
        ("pm_card_discover", "succeeded", None, None),
        ("pm_card_chargeCustomerFail", "declined", "card_declined", "generic_decline"),
        (
            "pm_card_authenticationRequired",
            "requires_action",
            "authentication_required",
            "authentication_required",
        ),
        ("pm_card_authenticationRequiredOnSetup", "requires_action", "authentication_required", None),
        ("pm_card_threeDSecure2Required", "requires_action", "authentication_required", None),
        ("pm_card_authenticationRequiredSetupForOffSession", "succeeded", None, None),
        (
            "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
            "declined",
            "card_declined",
            "insufficient_funds",
        ),
    ],
)
def test_charge_outcome_of_each_attached_test_card(
    stripe_fake: StripeFake, test_id: str, outcome: str, code: str | None, decline_code: str | None
) -> None:
    customer = stripe.Customer.create(
        payment_method=test_id, invoice_settings={"default_payment_method": test_id}
    )
    pm_id = customer.invoice_settings.default_payment_method
    assert pm_id is not None and pm_id.startswith("pm_") and pm_id != test_id
    result = _charge(stripe_fake, customer.id, None)
    assert (result.outcome, result.payment_method, result.code) == (outcome, pm_id, code)
    if decline_code is not None:
        assert result.decline_code == decline_code


def test_charge_order_and_sources(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(source="tok_visa")
    assert customer.default_source is not None and customer.default_source.startswith("card_")
    assert _charge(stripe_fake, customer.id).payment_method == customer.default_source
    failing = stripe.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    # An explicit candidate (invoice's, subscription's) comes first, and no fallback on decline.
    result = _charge(stripe_fake, customer.id, None, failing.id)
    assert (result.outcome, result.payment_method) == ("declined", failing.id)
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": failing.id})
    assert _charge(stripe_fake, customer.id).payment_method == failing.id
    nobody = stripe.Customer.create()
    none = _charge(stripe_fake, nobody.id)
    assert (none.outcome, none.payment_method) == ("declined", None)


def test_set_payment_outcome_overrides_the_card(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    stripe_fake.set_payment_outcome(customer, "decline")
    assert (_charge(stripe_fake, customer.id).outcome, _charge(stripe_fake, customer.id).decline_code) == (
        "declined",
        "generic_decline",
    )
    stripe_fake.set_payment_outcome(customer.id, "authenticate")
    assert _charge(stripe_fake, customer.id).outcome == "requires_action"
    bare = stripe.Customer.create()
    stripe_fake.set_payment_outcome(bare.id, "succeed")
    assert _charge(stripe_fake, bare.id).outcome == "succeeded"
    stripe_fake.set_payment_outcome(customer.id, None)
    assert _charge(stripe_fake, customer.id).outcome == "succeeded"
    with pytest.raises(ValueError, match="succeed, decline, authenticate"):
        stripe_fake.set_payment_outcome(customer.id, "maybe")


# -- detach, update, attach rules --------------------------------------------------------------------


@freeze_time("2026-03-10 12:00:00")
def test_detach_clears_the_default_and_cannot_be_reused(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    pm_id = customer.invoice_settings.default_payment_method
    detached = stripe.PaymentMethod.detach(pm_id)
    assert detached.customer is None
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert stripe_fake.events.types()[-2:] == ["payment_method.detached", "customer.updated"]
    updated = stripe_fake.events.last("customer.updated")
    assert updated["data"]["previous_attributes"]["invoice_settings"]["default_payment_method"] == pm_id
    again = _error(stripe.PaymentMethod.attach, pm_id, customer=customer.id)
    assert (again.http_status, again.code) == (400, None)
    assert "may not be used again" in str(again.user_message)
    twice = _error(stripe.PaymentMethod.detach, pm_id)
    assert twice.user_message == (
        "The payment method you provided is not attached to a customer so detachment is impossible."
    )


def test_attach_to_a_second_customer_is_refused(stripe_fake: StripeFake, customer: Any) -> None:
    pm = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    other = stripe.Customer.create()
    err = _error(stripe.PaymentMethod.attach, pm.id, customer=other.id)
    assert (err.http_status, err.code) == (400, "payment_method_unexpected_state")
    assert stripe.PaymentMethod.retrieve(pm.id).customer == customer.id
    same = stripe.PaymentMethod.attach(pm.id, customer=customer.id)  # same customer: unchanged, no event
    assert same.customer == customer.id
    assert stripe_fake.events.types().count("payment_method.attached") == 1


def test_update_billing_details_and_metadata(stripe_fake: StripeFake, customer: Any) -> None:
    pm = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    updated = stripe.PaymentMethod.modify(
        pm.id,
        billing_details={"name": "Jenny Rosen", "address": {"city": "Paris"}},
        metadata={"k": "v"},
        card={"exp_month": 3, "exp_year": 2031},
    )
    assert (updated.billing_details.name, updated.billing_details.address.city) == ("Jenny Rosen", "Paris")
    assert (updated.card.exp_month, updated.card.exp_year, updated.metadata["k"]) == (3, 2031, "v")
    event = stripe_fake.events.last("payment_method.updated")
    assert event["data"]["previous_attributes"]["billing_details"]["name"] is None
    loose = stripe.PaymentMethod.create(type="card", card={"token": "tok_visa"})
    err = _error(stripe.PaymentMethod.modify, loose.id, metadata={"k": "v"})
    assert err.user_message == "You must save this PaymentMethod to a customer before you can update it."
    assert as_dict(stripe.PaymentMethod.retrieve(loose.id))["metadata"] == {}


def test_create_from_token_then_attach(stripe_fake: StripeFake, customer: Any) -> None:
    pm = stripe.PaymentMethod.create(type="card", card={"token": "tok_mastercard"}, metadata={"a": "1"})
    assert (pm.customer, pm.card.brand, pm.card.last4) == (None, "mastercard", "4444")
    assert stripe.PaymentMethod.attach(pm.id, customer=customer.id).id == pm.id
    declining = stripe.PaymentMethod.create(type="card", card={"token": "tok_chargeDeclined"})
    err = _error(stripe.PaymentMethod.attach, declining.id, customer=customer.id)
    assert (err.http_status, err.code) == (402, "card_declined")
    assert stripe.PaymentMethod.retrieve(declining.id).customer is None


# -- customers' payment fields -----------------------------------------------------------------------


def test_customer_source_token_becomes_default_source(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(source="tok_visa")
    expanded = stripe.Customer.retrieve(customer.id, expand=["default_source"])
    assert (expanded.default_source.object, expanded.default_source.brand, expanded.default_source.last4) == (
        "card",
        "Visa",
        "4242",
    )
    replaced = stripe.Customer.modify(customer.id, source="tok_amex")
    assert replaced.default_source != customer.default_source
    assert stripe_fake.events.types() == [
        "customer.created",
        "customer.source.created",
        "customer.source.deleted",
        "customer.source.created",
        "customer.updated",
    ]
    err = _error(stripe.Customer.modify, customer.id, default_source=customer.default_source)
    assert (err.http_status, err.code, err.param) == (400, "resource_missing", "default_source")


def test_default_payment_method_must_be_attached(stripe_fake: StripeFake, customer: Any) -> None:
    other = stripe.Customer.create()
    foreign = stripe.PaymentMethod.attach("pm_card_visa", customer=other.id)
    err = _error(stripe.Customer.modify, customer.id, invoice_settings={"default_payment_method": foreign.id})
    assert (err.http_status, err.param) == (400, "invoice_settings[default_payment_method]")
    assert err.user_message == (
        f"The customer does not have a payment method with the ID {foreign.id}. The payment method must be "
        "attached to the customer."
    )
    mine = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    updated = stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": mine.id})
    assert updated.invoice_settings.default_payment_method == mine.id
    # A partial update of invoice_settings keeps the default; "" clears it.
    kept = stripe.Customer.modify(customer.id, invoice_settings={"footer": "Thanks"})
    assert (kept.invoice_settings.default_payment_method, kept.invoice_settings.footer) == (mine.id, "Thanks")
    expanded = stripe.Customer.retrieve(customer.id, expand=["invoice_settings.default_payment_method"])
    assert expanded.invoice_settings.default_payment_method.id == mine.id
    cleared = stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": ""})
    assert cleared.invoice_settings.default_payment_method is None
    event = stripe_fake.events.last("customer.updated")
    assert event["data"]["previous_attributes"]["invoice_settings"]["default_payment_method"] == mine.id


# -- error rows (docs/fidelity.md, payments section) -------------------------------------------------


ERRORS: list[tuple[str, Callable[[], Any], int, str, str | None, str | None, str]] = [
    (
        "unknown payment method",
        lambda: stripe.PaymentMethod.retrieve("pm_missing"),
        404,
        "invalid_request_error",
        "resource_missing",
        "payment_method",
        "No such PaymentMethod: 'pm_missing'",
    ),
    (
        "attach: unknown customer",
        lambda: stripe.PaymentMethod.attach("pm_card_visa", customer="cus_missing"),
        400,
        "invalid_request_error",
        "resource_missing",
        "customer",
        "No such customer: 'cus_missing'",
    ),
    (
        "attach: customer missing",
        lambda: stripe.PaymentMethod.attach("pm_card_visa"),
        400,
        "invalid_request_error",
        "parameter_missing",
        "customer",
        "Missing required param: customer.",
    ),
    (
        "detach a test id",
        lambda: stripe.PaymentMethod.detach("pm_card_visa"),
        400,
        "invalid_request_error",
        None,
        None,
        "The payment method you provided is not attached to a customer so detachment is impossible.",
    ),
    (
        "customer source: unknown token",
        lambda: stripe.Customer.create(source="tok_nope"),
        400,
        "invalid_request_error",
        "resource_missing",
        "source",
        "No such token: 'tok_nope'",
    ),
    (
        "customer source: declining token",
        lambda: stripe.Customer.create(source="tok_chargeDeclined"),
        402,
        "card_error",
        "card_declined",
        None,
        "Your card was declined.",
    ),
    (
        "customer test clock",
        lambda: stripe.Customer.create(test_clock="clock_missing"),
        400,
        "invalid_request_error",
        "resource_missing",
        "test_clock",
        "No such test clock: 'clock_missing'",
    ),
    (
        "customer default payment method not attached",
        lambda: stripe.Customer.create(invoice_settings={"default_payment_method": "pm_card_visa"}),
        400,
        "invalid_request_error",
        "resource_missing",
        "invoice_settings[default_payment_method]",
        "The customer does not have a payment method with the ID pm_card_visa. The payment method must be "
        "attached to the customer.",
    ),
    (
        "create: card number",
        lambda: stripe.PaymentMethod.create(type="card", card={"number": "4242424242424242"}),
        400,
        "invalid_request_error",
        None,
        "card[number]",
        "stripe-fake does not implement the parameter card[number] of POST /v1/payment_methods",
    ),
    (
        "create: unknown token",
        lambda: stripe.PaymentMethod.create(type="card", card={"token": "tok_nope"}),
        400,
        "invalid_request_error",
        "resource_missing",
        "card[token]",
        "No such token: 'tok_nope'",
    ),
    (
        "create: other type",
        lambda: stripe.PaymentMethod.create(type="sepa_debit"),
        400,
        "invalid_request_error",
        None,
        "type",
        "stripe-fake does not implement payment methods of type sepa_debit (only card)",
    ),
    (
        "customer payment methods: unknown customer",
        lambda: stripe.Customer.list_payment_methods("cus_missing"),
        404,
        "invalid_request_error",
        "resource_missing",
        "id",
        "No such customer: 'cus_missing'",
    ),
]


@pytest.mark.parametrize(
    ("call", "status", "type_", "code", "param", "message"),
    [row[1:] for row in ERRORS],
    ids=[row[0] for row in ERRORS],
)
def test_error_rows(
    stripe_fake: StripeFake,
    call: Callable[[], Any],
    status: int,
    type_: str,
    code: str | None,
    param: str | None,
    message: str,
) -> None:
    err = _error(call)
    assert (err.http_status, err.error.type, err.code, err.error.param, err.user_message) == (
        status,
        type_,
        code,
        param,
        message,
    )
    assert stripe.Customer.list().data == []
    assert stripe.PaymentMethod.list().data == []
    assert stripe_fake.events == []
