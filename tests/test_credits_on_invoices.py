"""Billing credits applied to metered usage on invoices (the worked scenarios of the credits issue).

Grants, meter events, balances and transactions go through the real SDK. Invoices are built with
the invoice store's contract (``InvoiceStore.bill_subscription`` / ``finalize`` / ``void``), as a
subscription renewal does, until the subscription and invoice routes land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.resources.invoices.models import JOB_KINDS, Invoice, InvoiceStore, ItemCharge
from stripe_fake.resources.prices.models import PriceStore, build_price
from stripe_fake.resources.products.models import ProductStore

START = 1772323200  # 2026-03-01T00:00:00Z
END = 1775001600  # 2026-04-01T00:00:00Z
DAY = 86400


def frozen(timestamp: int) -> Any:
    """``freeze_time`` at a unix timestamp."""
    return freeze_time(datetime.fromtimestamp(timestamp, timezone.utc))


@dataclass
class Sub:
    """What ``bill_subscription`` reads from a subscription."""

    id: str
    customer: str
    collection_method: str = "charge_automatically"
    days_until_due: int | None = None
    default_payment_method: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class World:
    """A customer with a metered price (1 cent per API call) and a licensed one."""

    def __init__(self, fake: StripeFake) -> None:
        self.account = fake.account()
        scheduler = fake.backend.scheduler
        for kind in JOB_KINDS:  # until the invoices package registers its jobs, they do nothing here
            if not scheduler.registered(kind):
                scheduler.register(kind, lambda account, job: None)
        with frozen(START):
            self.customer = stripe.Customer.create(email="c@example.com").id
            meter = stripe.billing.Meter.create(
                display_name="API calls", event_name="api_call", default_aggregation={"formula": "sum"}
            )
            product = self.account.store(ProductStore).create(name="API", now=START)
            prices = self.account.store(PriceStore)
            metered = build_price(
                {
                    "currency": "usd",
                    "unit_amount": 1,
                    "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
                },
                self.account,
                product=product.id,
                now=START,
            )
            licensed = build_price(
                {"currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}},
                self.account,
                product=product.id,
                now=START,
            )
            prices.add(metered)
            prices.add(licensed)
            self.metered, self.licensed = metered.id, licensed.id

    def usage(self, value: int, at: int = START + DAY) -> None:
        with frozen(at):
            stripe.billing.MeterEvent.create(
                event_name="api_call", payload={"stripe_customer_id": self.customer, "value": str(value)}
            )

    def grant(self, value: int, at: int = START, **kwargs: Any) -> stripe.billing.CreditGrant:
        with frozen(at):
            return stripe.billing.CreditGrant.create(
                customer=self.customer,
                amount={"type": "monetary", "monetary": {"currency": "usd", "value": value}},
                applicability_config={"scope": {"price_type": "metered"}},
                **kwargs,
            )

    def renewal(self, *, licensed: bool = False, at: int = END) -> Invoice:
        charges = [ItemCharge("si_metered", self.metered, None, START, END)]
        if licensed:
            charges.append(ItemCharge("si_seat", self.licensed, 1, END, END + 30 * DAY))
        return self.account.store(InvoiceStore).bill_subscription(
            Sub("sub_1", self.customer), charges, billing_reason="subscription_cycle", now=at
        )

    def finalize(self, invoice: Invoice, at: int = END + 3600) -> dict[str, Any]:
        self.account.store(InvoiceStore).finalize(invoice, now=at)
        return invoice.render()

    def balance(self) -> tuple[int, int]:
        found = stripe.billing.CreditBalanceSummary.retrieve(
            customer=self.customer,
            filter={"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}},
        )
        entry = found.balances[0]
        return entry.available_balance.monetary.value, entry.ledger_balance.monetary.value  # type: ignore[union-attr]


@pytest.fixture
def world(stripe_fake: StripeFake) -> World:
    return World(stripe_fake)


def credits_of(rendered: dict[str, Any]) -> list[int]:
    return [c["amount"] for c in rendered["total_pretax_credit_amounts"]]


def test_credits_cover_part_of_the_usage(world: World) -> None:
    world.usage(800)
    world.grant(500)
    invoice = world.finalize(world.renewal())
    assert invoice["subtotal"] == 800
    assert credits_of(invoice) == [500]
    assert invoice["total"] == 300 and invoice["amount_due"] == 300
    line = invoice["lines"]["data"][0]
    [credit] = line["pretax_credit_amounts"]
    assert credit["type"] == "credit_balance_transaction" and credit["amount"] == 500
    txn = stripe.billing.CreditBalanceTransaction.retrieve(credit["credit_balance_transaction"])
    assert txn.type == "debit" and txn.debit is not None and txn.debit.type == "credits_applied"
    assert txn.debit.credits_applied is not None
    assert txn.debit.credits_applied.invoice == invoice["id"]
    assert txn.debit.credits_applied.invoice_line_item == line["id"]
    assert txn.effective_at == END + 3600
    assert world.balance() == (0, 0)


def test_credits_cover_all_of_the_usage_and_the_rest_stays(world: World) -> None:
    world.usage(300)
    world.grant(500)
    invoice = world.finalize(world.renewal(licensed=True))
    # the licensed seat (1000) takes no credit: only the metered line (300) does
    assert invoice["subtotal"] == 1300 and credits_of(invoice) == [300] and invoice["total"] == 1000
    seat = next(line for line in invoice["lines"]["data"] if line["amount"] == 1000)
    assert seat["pretax_credit_amounts"] == []
    assert world.balance() == (200, 200)


def test_more_credit_than_usage_and_zero_due_invoice(world: World) -> None:
    world.usage(100)
    world.grant(500)
    invoice = world.finalize(world.renewal())
    assert credits_of(invoice) == [100] and invoice["total"] == 0 and invoice["amount_due"] == 0
    assert invoice["status"] == "paid"
    assert world.balance() == (400, 400)


def test_two_grants_compete_by_priority_then_expiry(world: World) -> None:
    world.usage(700)
    late = world.grant(400, name="never expires")
    soon = world.grant(400, name="expires later", expires_at=END + 10 * DAY)
    urgent = world.grant(100, name="priority", priority=10)
    invoice = world.finalize(world.renewal())
    applied = {
        stripe.billing.CreditBalanceTransaction.retrieve(c["credit_balance_transaction"]).credit_grant: c[
            "amount"
        ]
        for c in invoice["total_pretax_credit_amounts"]
    }
    assert applied == {urgent.id: 100, soon.id: 400, late.id: 200}


def test_promotional_before_paid(world: World) -> None:
    world.usage(300)
    paid = world.grant(300, category="paid")
    promo = world.grant(300, category="promotional")
    invoice = world.finalize(world.renewal())
    [credit] = invoice["total_pretax_credit_amounts"]
    assert (
        stripe.billing.CreditBalanceTransaction.retrieve(credit["credit_balance_transaction"]).credit_grant
        == promo.id
    )
    assert paid.id != promo.id


def test_grant_expiring_mid_period_does_not_apply(world: World) -> None:
    world.usage(300)
    world.grant(500, expires_at=START + 15 * DAY)
    with frozen(END):
        invoice = world.finalize(world.renewal())
    assert credits_of(invoice) == [] and invoice["total"] == 300
    assert world.balance() == (0, 0)


def test_pending_grant_applies_once_effective_before_period_end(world: World) -> None:
    world.usage(300)
    world.grant(100, effective_at=START + 10 * DAY)
    world.grant(100, effective_at=END + DAY)  # effective after this period ends
    invoice = world.finalize(world.renewal())
    assert credits_of(invoice) == [100]


def test_provisional_allocation_on_the_draft_equals_the_final_one(world: World) -> None:
    world.usage(800)
    world.grant(500)
    draft = world.renewal()
    provisional = draft.render()
    assert credits_of(provisional) == [500]
    assert provisional["total_pretax_credit_amounts"][0]["credit_balance_transaction"] is None
    with frozen(END + 60):
        assert world.balance() == (0, 500)  # held by the draft, still in the ledger
    final = world.finalize(draft)
    assert credits_of(final) == credits_of(provisional) and final["total"] == provisional["total"]


def test_the_invoice_that_finalizes_first_consumes_first(world: World) -> None:
    world.usage(400)
    world.grant(500)
    first = world.renewal()
    second = world.renewal()
    assert credits_of(first.render()) == [400] and credits_of(second.render()) == [100]
    assert credits_of(world.finalize(second)) == [400]
    assert credits_of(world.finalize(first)) == [100]


def test_void_restores_the_credit(world: World) -> None:
    world.usage(300)
    world.grant(500)
    invoice = world.renewal()
    world.finalize(invoice)
    assert world.balance() == (200, 200)
    world.account.store(InvoiceStore).void(invoice, now=END + 2 * 3600, cause=None)
    assert world.balance() == (500, 500)
    with frozen(END + 2 * 3600):
        listed = stripe.billing.CreditBalanceTransaction.list(customer=world.customer)
    restored = listed.data[0]
    assert restored.type == "credit" and restored.credit is not None
    assert restored.credit.type == "credits_application_invoice_voided"
    assert restored.credit.credits_application_invoice_voided is not None
    assert restored.credit.credits_application_invoice_voided.invoice == invoice.id
    # an applied grant can be expired but not voided
    grant_id = restored.credit_grant
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.billing.CreditGrant.void_grant(str(grant_id))
    assert "applied to an invoice" in str(raised.value.user_message)


def test_void_after_expiry_re_expires_the_restored_credit(world: World) -> None:
    world.usage(300)
    world.grant(500, expires_at=END + 2 * DAY)
    invoice = world.renewal()
    world.finalize(invoice)
    with frozen(END + 3 * DAY):
        assert world.balance() == (0, 0)
        world.account.store(InvoiceStore).void(invoice, now=END + 3 * DAY, cause=None)
        assert world.balance() == (0, 0)
        kinds = [
            (t.credit or t.debit).type  # type: ignore[union-attr]
            for t in stripe.billing.CreditBalanceTransaction.list(customer=world.customer).data
        ]
    assert kinds[:2] == ["credits_expired", "credits_application_invoice_voided"]
