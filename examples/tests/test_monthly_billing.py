"""The search API bills its calls monthly: usage -> invoice at the period end -> paid -> webhook."""

from __future__ import annotations

from datetime import datetime, timezone

import stripe
from freezegun import freeze_time
from metered_app.app import create_app
from metered_app.webhooks import create_webhook_app

from stripe_fake import StripeFake

BASE = "http://shop.test"


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())  # type: ignore[misc]


def test_calls_of_a_month_are_invoiced_paid_and_announced(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-03-31 09:00:00") as frozen:
        client = stripe.StripeClient("sk_test_example")
        endpoint = client.v1.webhook_endpoints.create(
            {"url": f"{BASE}/webhooks/stripe", "enabled_events": ["invoice.paid"]}
        )
        receiver, state = create_webhook_app(client, endpoint.secret)
        stripe_fake.mount(BASE, receiver)
        api = create_app(client).test_client()
        signup = api.post("/signup", json={"email": "dev@example.com", "payment_method": "pm_card_visa"})
        customer, subscription = signup.get_json()["customer"], signup.get_json()["subscription"]
        for day in range(1, 31):
            frozen.move_to(datetime(2025, 4, day, 12, tzinfo=timezone.utc))
            for _ in range(day % 4):  # 0, 1, 2 or 3 calls a day
                api.get("/search?q=meter", headers={"X-Customer": customer})
        # April 30's calls come after the 09:00 period end: they belong to the next invoice.
        calls = sum(day % 4 for day in range(1, 30))
        frozen.move_to("2025-04-30 10:00:01")  # the April 30 period end (clamped from March 31) + 1 hour
        stripe_fake.run_due()
        [invoice] = client.v1.invoices.list({"customer": customer}).data
        assert invoice.created == ts(2025, 4, 30, 9)
        assert invoice.status == "paid"
        assert invoice.amount_paid == 2 * calls
        assert invoice.lines.data[0].quantity == calls
        assert state.paid_invoices == {invoice.id: (customer, 2 * calls)}
        stripe_fake.assert_delivered("invoice.paid", status=200)
        item = client.v1.subscriptions.retrieve(subscription)["items"].data[0]
        assert (item.current_period_start, item.current_period_end) == (
            ts(2025, 4, 30, 9),
            ts(2025, 5, 31, 9),
        )
