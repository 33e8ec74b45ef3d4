"""Sign-up with the welcome promo code: a promotional credit pays for the first month's calls first."""

from __future__ import annotations

from datetime import datetime, timezone

import stripe
from freezegun import freeze_time
from metered_app import settings
from metered_app.app import create_app
from metered_app.billing import credit_left

from stripe_fake import StripeFake


def test_the_welcome_credit_pays_for_part_of_the_first_invoice(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-03-31 09:00:00") as frozen:
        client = stripe.StripeClient("sk_test_example")
        api = create_app(client).test_client()
        signup = api.post(
            "/signup",
            json={"email": "dev@example.com", "payment_method": "pm_card_visa", "promo_code": "WELCOME"},
        )
        assert signup.status_code == 201
        customer = signup.get_json()["customer"]
        grant = client.v1.billing.credit_grants.retrieve(signup.get_json()["credit_grant"])
        assert (grant.category, grant.customer) == ("promotional", customer)
        assert credit_left(client, customer) == settings.WELCOME_CREDIT_CENTS
        calls = 0
        for day in range(1, 30):
            frozen.move_to(datetime(2025, 4, day, 12, tzinfo=timezone.utc))
            for _ in range(day % 3 + 2):
                api.get("/search?q=meter", headers={"X-Customer": customer})
                calls += 1
        frozen.move_to(
            "2025-04-30 10:00:01"
        )  # the period end (April 30, 09:00) + the hour before finalization
        stripe_fake.run_due()
        [invoice] = client.v1.invoices.list({"customer": customer}).data
        usage = settings.CENTS_PER_CALL * calls
        assert usage > settings.WELCOME_CREDIT_CENTS
        assert invoice.status == "paid"
        assert invoice.subtotal == usage
        assert [c.amount for c in invoice.total_pretax_credit_amounts or []] == [
            settings.WELCOME_CREDIT_CENTS
        ]
        assert invoice.amount_paid == usage - settings.WELCOME_CREDIT_CENTS
        assert credit_left(client, customer) == 0


def test_an_unknown_promo_code_is_refused_before_anything_is_created(stripe_fake: StripeFake) -> None:
    client = stripe.StripeClient("sk_test_example")
    api = create_app(client).test_client()
    answer = api.post("/signup", json={"email": "dev@example.com", "promo_code": "FREE"})
    assert answer.status_code == 400
    assert client.v1.customers.list().data == []
    assert client.v1.billing.credit_grants.list().data == []
