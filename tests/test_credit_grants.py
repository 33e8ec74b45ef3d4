"""Billing credit grants, the balance summary and balance transactions, through the real SDK."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from fidelity_rows import error_rows
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.fake import active

T0 = "2026-03-01T00:00:00Z"
T0_TS = 1772323200
DAY = 86400
METERED = {"scope": {"price_type": "metered"}}


def usd(value: int) -> dict[str, Any]:
    return {"type": "monetary", "monetary": {"currency": "usd", "value": value}}


def grant(customer: str, value: int = 500, **kwargs: Any) -> stripe.billing.CreditGrant:
    kwargs.setdefault("applicability_config", METERED)
    return stripe.billing.CreditGrant.create(customer=customer, amount=usd(value), **kwargs)


def summary(customer: str, **filt: Any) -> list[tuple[str, int, int]]:
    if not filt:
        filt = {"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}}
    found = stripe.billing.CreditBalanceSummary.retrieve(customer=customer, filter=filt)
    return [
        (
            b.ledger_balance.monetary.currency,  # type: ignore[union-attr]
            b.available_balance.monetary.value,  # type: ignore[union-attr]
            b.ledger_balance.monetary.value,  # type: ignore[union-attr]
        )
        for b in found.balances
    ]


def transactions(customer: str, **kwargs: Any) -> list[tuple[str, str, int]]:
    found = stripe.billing.CreditBalanceTransaction.list(customer=customer, **kwargs)
    out = []
    for t in found.data:
        detail = t.credit if t.type == "credit" else t.debit
        assert detail is not None
        out.append((t.type or "", detail.type, detail.amount.monetary.value))  # type: ignore[union-attr]
    return out


# -- create, retrieve, list, update ---------------------------------------------------------------------


def test_create_renders_every_field_and_defaults(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0):
        created = grant(customer.id, 1000, name="Welcome credit", metadata={"k": "v"})
    assert created.id.startswith("credgr_")
    assert created.amount.monetary is not None and created.amount.monetary.value == 1000
    assert created.amount.monetary.currency == "usd"
    assert created.applicability_config.scope.price_type == "metered"
    assert created.category == "paid" and created.priority == 50
    assert created.effective_at == T0_TS and created.created == T0_TS and created.updated == T0_TS
    assert created.expires_at is None and created.voided_at is None
    assert created.customer == customer.id and created.name == "Welcome credit"
    assert as_dict(created.metadata) == {"k": "v"}
    assert as_dict(stripe.billing.CreditGrant.retrieve(created.id)) == as_dict(created)


def test_create_emits_grant_and_transaction_events(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    created = grant(customer.id, 300, category="promotional")
    assert stripe_fake.events.types()[-2:] == [
        "billing.credit_grant.created",
        "billing.credit_balance_transaction.created",
    ]
    event = stripe_fake.events.last("billing.credit_grant.created")
    assert event["data"]["object"]["id"] == created.id
    assert event["request"]["id"] is not None
    txn = stripe_fake.events.last("billing.credit_balance_transaction.created")["data"]["object"]
    assert txn["credit"]["type"] == "credits_granted" and txn["credit_grant"] == created.id


def needs_prices(fake: StripeFake) -> None:
    if fake.backend.router.match("POST", "/v1/prices") is None:
        pytest.skip("POST /v1/prices is not implemented yet")


def metered_price(event_name: str = "api_call", unit_amount: int = 1) -> stripe.Price:
    """A metered price backed by a (new) meter."""
    meter = stripe.billing.Meter.create(
        display_name=event_name, event_name=event_name, default_aggregation={"formula": "sum"}
    )
    return stripe.Price.create(
        currency="usd",
        unit_amount=unit_amount,
        product_data={"name": f"{event_name} usage"},
        recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
    )


def scope(*prices: str) -> dict[str, Any]:
    return {"scope": {"prices": [{"id": p} for p in prices]}}


def test_prices_scope_and_expand_customer(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    needs_prices(stripe_fake)
    a, b = metered_price("a"), metered_price("b")
    created = grant(customer.id, applicability_config=scope(a.id, b.id), expand=["customer"])
    assert [p.id for p in created.applicability_config.scope.prices or []] == [a.id, b.id]
    assert created.applicability_config.scope.price_type is None
    assert isinstance(created.customer, stripe.Customer) and created.customer.id == customer.id


def test_list_by_customer_newest_first_with_pagination(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    a = stripe.Customer.create()
    b = stripe.Customer.create()
    mine = [grant(a.id, 100 + i).id for i in range(3)]
    other = grant(b.id).id
    page = stripe.billing.CreditGrant.list(customer=a.id, limit=2)
    assert [g.id for g in page.data] == [mine[2], mine[1]] and page.has_more
    rest = stripe.billing.CreditGrant.list(customer=a.id, starting_after=mine[1])
    assert [g.id for g in rest.data] == [mine[0]] and not rest.has_more
    everything = v1(client).billing.credit_grants.list()
    assert [g.id for g in everything.data] == [other, *reversed(mine)]


def test_update_expires_at_and_metadata(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0) as frozen:
        created = grant(customer.id, metadata={"a": "1"})
        frozen.tick(60)
        updated = stripe.billing.CreditGrant.modify(
            created.id, expires_at=T0_TS + 30 * DAY, metadata={"b": "2"}
        )
        cleared = stripe.billing.CreditGrant.modify(created.id, expires_at="")
    assert cleared.expires_at is None
    assert updated.expires_at == T0_TS + 30 * DAY
    assert as_dict(updated.metadata) == {"a": "1", "b": "2"}
    assert updated.updated == T0_TS + 60
    first, second = stripe_fake.events.of_type("billing.credit_grant.updated")
    assert second["data"]["previous_attributes"]["expires_at"] == T0_TS + 30 * DAY
    assert first["data"]["previous_attributes"] == {
        "expires_at": None,
        "metadata": {"a": "1"},
        "updated": T0_TS,
    }


# -- balances, expiry, voiding ------------------------------------------------------------------------


def test_summary_sums_grants_per_currency(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    grant(customer.id, 500)
    grant(customer.id, 250)
    stripe.billing.CreditGrant.create(
        customer=customer.id,
        amount={"type": "monetary", "monetary": {"currency": "EUR", "value": 70}},
        applicability_config=METERED,
    )
    assert summary(customer.id) == [("usd", 750, 750), ("eur", 70, 70)]
    assert (
        stripe.billing.CreditBalanceSummary.retrieve(
            customer=customer.id,
            filter={"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}},
        ).customer
        == customer.id
    )


def test_summary_filters_by_grant_and_by_prices(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    needs_prices(stripe_fake)
    x, y = metered_price("x"), metered_price("y")
    general = grant(customer.id, 100)
    scoped = grant(customer.id, 40, applicability_config=scope(x.id))
    assert summary(customer.id, type="credit_grant", credit_grant=scoped.id) == [("usd", 40, 40)]
    assert summary(customer.id, type="credit_grant", credit_grant=general.id) == [("usd", 100, 100)]
    by_x = {"type": "applicability_scope", "applicability_scope": scope(x.id)["scope"]}
    by_y = {"type": "applicability_scope", "applicability_scope": scope(y.id)["scope"]}
    assert summary(customer.id, **by_x) == [("usd", 140, 140)]
    assert summary(customer.id, **by_y) == [("usd", 100, 100)]
    assert summary(stripe.Customer.create().id) == []


def test_pending_grant_counts_once_effective(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0) as frozen:
        grant(customer.id, 500, effective_at=T0_TS + DAY)
        assert summary(customer.id) == [("usd", 0, 0)]
        frozen.move_to("2026-03-02T00:00:00Z")
        assert summary(customer.id) == [("usd", 500, 500)]


def test_grant_expires_at_its_time(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0) as frozen:
        created = grant(customer.id, 500, expires_at=T0_TS + DAY)
        frozen.tick(DAY - 1)
        assert summary(customer.id) == [("usd", 500, 500)]
        frozen.tick(5 * DAY)
        assert summary(customer.id) == [("usd", 0, 0)]
        listed = stripe.billing.CreditBalanceTransaction.list(customer=customer.id)
    assert transactions(customer.id) == [
        ("debit", "credits_expired", 500),
        ("credit", "credits_granted", 500),
    ]
    expiry = listed.data[0]
    assert expiry.effective_at == T0_TS + DAY and expiry.created == T0_TS + DAY
    event = stripe_fake.events.last("billing.credit_grant.updated")
    assert event["created"] == T0_TS + DAY and event["request"]["id"] is None
    assert event["data"]["object"]["id"] == created.id
    # the expired grant no longer counts as unused and can neither be expired nor voided
    with pytest.raises(stripe.InvalidRequestError):
        stripe.billing.CreditGrant.expire(created.id)


def test_moved_expiry_runs_at_the_new_time(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0) as frozen:
        created = grant(customer.id, 500, expires_at=T0_TS + DAY)
        stripe.billing.CreditGrant.modify(created.id, expires_at=T0_TS + 3 * DAY)
        frozen.tick(2 * DAY)
        assert summary(customer.id) == [("usd", 500, 500)]
        frozen.tick(2 * DAY)
        assert summary(customer.id) == [("usd", 0, 0)]
    assert [t[1] for t in transactions(customer.id)].count("credits_expired") == 1


def test_expire_now(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with freeze_time(T0):
        created = grant(customer.id, 500)
        expired = stripe.billing.CreditGrant.expire(created.id)
    assert expired.expires_at == T0_TS
    assert summary(customer.id) == [("usd", 0, 0)]
    assert transactions(customer.id)[0] == ("debit", "credits_expired", 500)
    event = stripe_fake.events.last("billing.credit_grant.updated")
    assert event["data"]["previous_attributes"] == {"expires_at": None, "updated": T0_TS}


def test_void_unapplied_grant(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = v1(client).customers.create()
    created = grant(customer.id, 500)
    with freeze_time(T0):
        voided = v1(client).billing.credit_grants.void_grant(created.id)
    assert voided.voided_at == T0_TS
    assert summary(customer.id) == [("usd", 0, 0)]
    assert transactions(customer.id)[0] == ("debit", "credits_voided", 500)
    assert transactions(customer.id, credit_grant=created.id)[0] == ("debit", "credits_voided", 500)


def test_transactions_retrieve_and_filter_by_grant(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    first = grant(customer.id, 100)
    second = grant(customer.id, 200)
    listed = stripe.billing.CreditBalanceTransaction.list(customer=customer.id, credit_grant=second.id)
    assert [t.credit_grant for t in listed.data] == [second.id]
    one = stripe.billing.CreditBalanceTransaction.retrieve(listed.data[0].id, expand=["credit_grant"])
    assert isinstance(one.credit_grant, stripe.billing.CreditGrant) and one.credit_grant.id == second.id
    assert len(stripe.billing.CreditBalanceTransaction.list(customer=customer.id).data) == 2
    assert first.id != second.id


def test_hundred_unused_grants_per_customer(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    grants = [grant(customer.id, 1) for _ in range(100)]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        grant(customer.id, 1)
    assert "at most 100 unused credit grants" in str(raised.value.user_message)
    assert len(stripe.billing.CreditGrant.list(customer=customer.id, limit=100).data) == 100
    grant(stripe.Customer.create().id)  # another customer is not limited
    stripe.billing.CreditGrant.void_grant(grants[0].id)
    grant(customer.id, 1)  # a voided grant frees a place


# -- errors: every row of the fidelity table, and nothing changes ----------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _error_rows() -> dict[str, tuple[int, str, str | None, str, str]]:
    return error_rows("Errors (billing credits)")


ROWS = _error_rows()
Setup = dict[str, str]


def _expired(ctx: Setup) -> None:
    with freeze_time(T0):
        created = grant(ctx["customer"])
        stripe.billing.CreditGrant.expire(created.id)
    ctx["grant"] = created.id


def _voided(ctx: Setup) -> None:
    created = grant(ctx["customer"])
    stripe.billing.CreditGrant.void_grant(created.id)
    ctx["grant"] = created.id


def _full(ctx: Setup) -> None:
    for _ in range(100):
        grant(ctx["customer"], 1)


def _licensed(ctx: Setup) -> None:
    fake = active()
    assert fake is not None
    needs_prices(fake)
    ctx["price"] = stripe.Price.create(currency="usd", unit_amount=100, product_data={"name": "Seat"}).id


def _usd_balance(ctx: Setup) -> None:
    stripe.Customer.create_balance_transaction(ctx["customer"], amount=-100, currency="usd")


CG = stripe.billing.CreditGrant
SUMMARY = stripe.billing.CreditBalanceSummary
METERED_FILTER = {"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}}
CASES: dict[str, tuple[Callable[[Setup], None] | None, Callable[[Setup], Any]]] = {
    "grant: `amount` missing": (
        None,
        lambda c: CG.create(customer=c["customer"], applicability_config=METERED),
    ),
    "grant: `applicability_config` missing": (
        None,
        lambda c: CG.create(customer=c["customer"], amount=usd(1)),
    ),
    "grant: `amount[monetary]` missing": (
        None,
        lambda c: CG.create(
            customer=c["customer"], amount={"type": "monetary"}, applicability_config=METERED
        ),
    ),
    "grant: `amount[monetary][value]` 0": (None, lambda c: grant(c["customer"], 0)),
    "grant: bad currency": (
        None,
        lambda c: CG.create(
            customer=c["customer"],
            amount={"type": "monetary", "monetary": {"currency": "dollars", "value": 5}},
            applicability_config=METERED,
        ),
    ),
    "grant: both `price_type` and `prices`": (
        None,
        lambda c: grant(
            c["customer"],
            applicability_config={"scope": {"price_type": "metered", "prices": [{"id": "price_a"}]}},
        ),
    ),
    "grant: 21 prices": (
        None,
        lambda c: grant(
            c["customer"],
            applicability_config={"scope": {"prices": [{"id": f"price_{i}"} for i in range(21)]}},
        ),
    ),
    "grant: unknown price in scope": (
        None,
        lambda c: grant(c["customer"], applicability_config=scope("price_missing")),
    ),
    "grant: licensed price in scope": (
        _licensed,
        lambda c: grant(c["customer"], applicability_config=scope(c["price"])),
    ),
    "grant: `customer` missing": (None, lambda c: CG.create(amount=usd(1), applicability_config=METERED)),
    "grant: unknown customer": (None, lambda c: grant("cus_missing")),
    "grant: `priority` 101": (None, lambda c: grant(c["customer"], priority=101)),
    "grant: bad `category`": (None, lambda c: grant(c["customer"], category="free")),
    "grant: `expires_at` not after `effective_at`": (
        None,
        lambda c: grant(c["customer"], effective_at=T0_TS + 10 * DAY, expires_at=T0_TS + 10 * DAY),
    ),
    "grant: `expires_at` in the past": (
        None,
        lambda c: grant(c["customer"], effective_at=T0_TS - 10 * DAY, expires_at=T0_TS - DAY),
    ),
    "grant: 101st unused grant": (_full, lambda c: grant(c["customer"], 1)),
    "grant: unknown id": (None, lambda c: CG.retrieve("credgr_missing")),
    "grant: update `expires_at` of an expired grant": (
        _expired,
        lambda c: CG.modify(c["grant"], expires_at=T0_TS + 100 * DAY),
    ),
    "grant: expire an expired grant": (_expired, lambda c: CG.expire(c["grant"])),
    "grant: void a voided grant": (_voided, lambda c: CG.void_grant(c["grant"])),
    "grant: void an expired grant": (_expired, lambda c: CG.void_grant(c["grant"])),
    "grant: `customer_account`": (None, lambda c: grant(c["customer"], customer_account="acct_1")),
    "summary: `filter` missing": (None, lambda c: SUMMARY.retrieve(customer=c["customer"])),
    "summary: `customer` missing": (None, lambda c: SUMMARY.retrieve(filter=METERED_FILTER)),
    "summary: `filter[credit_grant]` missing": (
        None,
        lambda c: SUMMARY.retrieve(customer=c["customer"], filter={"type": "credit_grant"}),
    ),
    "summary: unknown `filter[credit_grant]`": (
        None,
        lambda c: SUMMARY.retrieve(
            customer=c["customer"], filter={"type": "credit_grant", "credit_grant": "credgr_missing"}
        ),
    ),
    "summary: `filter[applicability_scope]` missing": (
        None,
        lambda c: SUMMARY.retrieve(customer=c["customer"], filter={"type": "applicability_scope"}),
    ),
    "transactions: `customer` missing": (None, lambda c: stripe.billing.CreditBalanceTransaction.list()),
    "transactions: unknown `credit_grant`": (
        None,
        lambda c: stripe.billing.CreditBalanceTransaction.list(
            customer=c["customer"], credit_grant="credgr_missing"
        ),
    ),
    "transactions: unknown id": (
        None,
        lambda c: stripe.billing.CreditBalanceTransaction.retrieve("cbtxn_missing"),
    ),
    "balance: `amount` missing": (
        None,
        lambda c: stripe.Customer.create_balance_transaction(c["customer"], currency="usd"),  # type: ignore[call-arg]
    ),
    "balance: `currency` missing": (
        None,
        lambda c: stripe.Customer.create_balance_transaction(c["customer"], amount=5),  # type: ignore[call-arg]
    ),
    "balance: unknown customer": (
        None,
        lambda c: stripe.Customer.create_balance_transaction("cus_missing", amount=5, currency="usd"),
    ),
    "balance: another currency": (
        _usd_balance,
        lambda c: stripe.Customer.create_balance_transaction(c["customer"], amount=5, currency="eur"),
    ),
    "balance: unknown transaction": (
        None,
        lambda c: stripe.Customer.retrieve_balance_transaction(c["customer"], "cbtxn_missing"),
    ),
}


def test_every_error_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _state() -> Any:
    """What a user can see of the credit state (events, every customer's grants and transactions)."""
    seen = []
    for customer in stripe.Customer.list(limit=100).auto_paging_iter():
        grants = [as_dict(g) for g in stripe.billing.CreditGrant.list(customer=customer.id, limit=100).data]
        txns = stripe.billing.CreditBalanceTransaction.list(customer=customer.id, limit=100).data
        balance = stripe.Customer.list_balance_transactions(customer.id, limit=100).data
        seen.append((as_dict(customer), grants, [t.id for t in txns], [as_dict(b) for b in balance]))
    return seen, [e.id for e in stripe.Event.list(limit=100).data]


@pytest.mark.parametrize("situation", sorted(CASES))
def test_error_rows(stripe_fake: StripeFake, situation: str) -> None:
    setup, call = CASES[situation]
    ctx: Setup = {"customer": stripe.Customer.create().id}
    with freeze_time(T0):
        if setup is not None:
            setup(ctx)
        before = _state()
        with pytest.raises(stripe.InvalidRequestError) as raised:
            call(ctx)
        after = _state()
    status, type_, code, param, message = ROWS[situation]
    for name, value in ctx.items():
        message = message.replace(f"<{name}>", value)
    error = raised.value
    assert error.http_status == status
    assert error.json_body is not None and error.json_body["error"]["type"] == type_
    assert error.code == code
    assert error.param == param
    assert error.user_message == message
    assert after == before
