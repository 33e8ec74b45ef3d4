"""Filtered lists served from indexes (customers by email, events by type) answer exactly what a scan
of the table would, including after updates, with cursors both ways; idempotency results expire from a
queue of due items whatever the clock did."""

from __future__ import annotations

import freezegun
import pytest
import stripe

from stripe_fake import StripeFake
from stripe_fake.http.idempotency import KEY_TTL, IdempotencyStore
from stripe_fake.resources.meter_events.models import MeterEventStore


def _ids(page: stripe.ListObject) -> list[str]:  # type: ignore[type-arg]
    return [item.id for item in page.data]


def test_customer_email_index_follows_updates_and_deletes(stripe_fake: StripeFake) -> None:
    a = stripe.Customer.create(email="x@example.com")
    b = stripe.Customer.create(email="y@example.com")
    c = stripe.Customer.create(email="x@example.com")
    stripe.Customer.modify(b.id, email="x@example.com")  # an older customer takes the email later
    stripe.Customer.modify(c.id, email="z@example.com")  # and one leaves it
    stripe.Customer.modify(a.id, name="renamed")  # other updates keep it
    assert _ids(stripe.Customer.list(email="x@example.com")) == [b.id, a.id]  # newest first by creation
    assert _ids(stripe.Customer.list(email="z@example.com")) == [c.id]
    assert stripe.Customer.list(email="y@example.com").data == []
    stripe.Customer.delete(b.id)
    assert _ids(stripe.Customer.list(email="x@example.com")) == [a.id]
    stripe.Customer.modify(a.id, email="")  # cleared
    assert stripe.Customer.list(email="x@example.com").data == []


def test_customer_email_index_pages_with_cursors(stripe_fake: StripeFake) -> None:
    wanted = [stripe.Customer.create(email="p@example.com").id for _ in range(7)]
    for _ in range(5):
        stripe.Customer.create(email="other@example.com")
    newest_first = wanted[::-1]
    first = stripe.Customer.list(email="p@example.com", limit=3)
    assert _ids(first) == newest_first[:3] and first.has_more
    assert [c.id for c in first.auto_paging_iter()] == newest_first
    middle = stripe.Customer.list(email="p@example.com", limit=2, starting_after=newest_first[2])
    assert _ids(middle) == newest_first[3:5] and middle.has_more
    back = stripe.Customer.list(email="p@example.com", limit=2, ending_before=newest_first[4])
    assert _ids(back) == newest_first[2:4] and back.has_more
    other = stripe.Customer.list(email="other@example.com", limit=1).data[0].id
    with pytest.raises(stripe.InvalidRequestError) as info:  # a cursor outside the filtered list
        stripe.Customer.list(email="p@example.com", starting_after=other)
    assert info.value.param == "starting_after"


def test_event_type_index_matches_a_scan(stripe_fake: StripeFake) -> None:
    customers = [stripe.Customer.create(name=f"c{n}") for n in range(4)]
    for customer in customers:
        stripe.Customer.modify(customer.id, name="changed")
    stripe.Customer.delete(customers[0].id)
    every = list(stripe.Event.list(limit=100).auto_paging_iter())
    for pattern in ("customer.updated", "customer.*", "*.deleted", "customer.created"):
        expected = [e.id for e in every if _glob(pattern, e.type)]
        assert [e.id for e in stripe.Event.list(type=pattern, limit=2).auto_paging_iter()] == expected
    expected = [e.id for e in every if e.type in ("customer.deleted", "customer.created")]
    listed = stripe.Event.list(types=["customer.deleted", "customer.created"], limit=2)
    assert [e.id for e in listed.auto_paging_iter()] == expected
    updated = [e.id for e in every if e.type == "customer.updated"]
    back = stripe.Event.list(type="customer.updated", limit=2, ending_before=updated[-1])
    assert _ids(back) == updated[1:3]
    with pytest.raises(stripe.InvalidRequestError):  # a cursor of another type
        stripe.Event.list(type="customer.updated", starting_after=expected[0])


def _glob(pattern: str, name: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name, pattern)


def test_idempotency_results_expire_in_due_order_also_when_the_clock_went_back(
    stripe_fake: StripeFake,
) -> None:
    with freezegun.freeze_time("2026-03-01 12:00:00") as frozen:
        first = stripe.Customer.create(name="first", idempotency_key="k1")
        frozen.move_to("2026-02-28 12:00:00")  # back one day: this result expires before k1's
        early = stripe.Customer.create(name="early", idempotency_key="k2")
        frozen.move_to("2026-03-01 12:00:01")  # k2 is 24 h + 1 s old, k1 only 1 s
        assert stripe.Customer.create(name="early", idempotency_key="k2").id != early.id  # executed again
        assert stripe.Customer.create(name="first", idempotency_key="k1").id == first.id  # replayed
        store = stripe_fake.account().store(IdempotencyStore)
        assert len(store.results) == 2  # k1, and k2's new result
        frozen.tick(KEY_TTL)
        stripe.Customer.list()  # GETs do not prune; a POST does
        stripe.Customer.create(name="later")
        assert len(store.results) == 1  # only the last create's


def test_summary_ids_are_stable_and_cursors_decode_to_their_window(stripe_fake: StripeFake) -> None:
    meter = stripe.billing.Meter.create(
        display_name="Calls", event_name="calls", default_aggregation={"formula": "sum"}
    )
    customer, other = stripe.Customer.create(), stripe.Customer.create()
    now = stripe_fake.backend.now()
    day = now - now % 86400 - 86400
    for hour in range(0, 24, 2):  # every other hour of yesterday has usage
        for who in (customer, other):
            stripe.billing.MeterEvent.create(
                event_name="calls",
                payload={"stripe_customer_id": who.id, "value": str(hour + 1)},
                timestamp=day + hour * 3600 + 60,
            )

    def summaries(who: stripe.Customer, **extra: object) -> stripe.ListObject:  # type: ignore[type-arg]
        return stripe.billing.Meter.list_event_summaries(
            meter.id,
            customer=who.id,
            start_time=day,
            end_time=day + 86400,
            value_grouping_window="hour",
            **extra,
        )

    every = summaries(customer, limit=100).data
    assert [s.aggregated_value for s in every] == [hour + 1 for hour in range(22, -1, -2)]  # newest first
    assert len({s.id for s in every}) == 12
    paged = [s.id for s in summaries(customer, limit=5).auto_paging_iter()]
    assert paged == [s.id for s in every]  # same ids page by page
    back = summaries(customer, limit=3, ending_before=every[7].id).data
    assert [s.id for s in back] == [s.id for s in every[4:7]]
    whole = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=day, end_time=day + 86400
    )
    assert whole.data[0].id not in {s.id for s in every}  # another window, another id
    with pytest.raises(stripe.InvalidRequestError) as info:
        summaries(customer, starting_after=summaries(other, limit=1).data[0].id)  # another customer's
    assert (info.value.http_status, info.value.param) == (400, "starting_after")
    with pytest.raises(stripe.InvalidRequestError):
        summaries(customer, starting_after="mtrusg_notarealone")


def test_large_request_bodies_are_kept_as_a_digest_and_still_replay(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    from stripe_fake.http.idempotency import LARGE_BODY

    stripe.billing.Meter.create(
        display_name="Calls", event_name="calls", default_aggregation={"formula": "sum"}
    )
    customer = stripe.Customer.create()
    session = client.v2.billing.meter_event_session.create()
    stream = stripe.StripeClient(session.authentication_token)
    events = [{"event_name": "calls", "payload": {"stripe_customer_id": customer.id, "value": "1"}}] * 100
    options = {"idempotency_key": "stream-1"}
    stream.v2.billing.meter_event_stream.create(params={"events": events}, options=options)  # type: ignore[typeddict-item]
    assert len(stripe_fake.requests[-1].request_body) > LARGE_BODY
    stream.v2.billing.meter_event_stream.create(params={"events": events}, options=options)  # type: ignore[typeddict-item]
    assert stripe_fake.requests[-1].headers.get("idempotency-key") == "stream-1"
    store = stripe_fake.account().store(IdempotencyStore)
    assert all(len(saved[3]) <= LARGE_BODY for saved in store.results.values())  # nothing large is kept
    with pytest.raises(stripe.IdempotencyError):
        stream.v2.billing.meter_event_stream.create(params={"events": events[:99]}, options=options)  # type: ignore[typeddict-item]
    assert (
        len(stripe_fake.account().store(MeterEventStore).by_identifier) == 100
    )  # the replay stored nothing twice
