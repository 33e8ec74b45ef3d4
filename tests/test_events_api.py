"""``GET /v1/events`` and ``GET /v1/events/{id}`` through the real SDK."""

from __future__ import annotations

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time

from stripe_fake import StripeFake


def make_meter(name: str) -> stripe.billing.Meter:
    return stripe.billing.Meter.create(
        display_name=name, event_name=name, default_aggregation={"formula": "sum"}
    )


def test_event_shape_and_request(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="a@example.com", idempotency_key="create-jenny")
    [event] = stripe.Event.list().data
    assert isinstance(event, stripe.Event)
    assert event.id.startswith("evt_")
    assert event.type == "customer.created"
    assert event.object == "event"
    assert event.api_version
    assert event.livemode is False
    assert event.pending_webhooks == 0
    assert isinstance(event.created, int)
    assert isinstance(event.data.object, stripe.Customer)
    assert event.data.object.id == customer.id
    # ``event["request"]``: on stripe 11/13 ``event.request`` is StripeObject's (deprecated) request method
    assert event["request"] is not None
    assert event["request"]["id"] == customer.last_response.request_id
    assert event["request"]["idempotency_key"] == "create-jenny"


def test_update_events_carry_previous_attributes(stripe_fake: StripeFake) -> None:
    meter = make_meter("calls")
    stripe.billing.Meter.modify(meter.id, display_name="Calls")
    [event] = stripe.Event.list(type="billing.meter.updated").data
    assert event.data.object.display_name == "Calls"
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["display_name"] == "calls"


def test_retrieve_and_404(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    make_meter("calls")
    listed = stripe.Event.list().data[0]
    assert as_dict(stripe.Event.retrieve(listed.id)) == as_dict(listed)
    assert v1(client).events.retrieve(listed.id).id == listed.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.retrieve("evt_x")
    err = info.value
    assert (err.http_status, err.code, err.param) == (404, "resource_missing", "id")
    assert err.user_message == "No such event: 'evt_x'"


def test_newest_first_and_paging(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    for n in range(7):
        make_meter(f"m{n}")
    ids = [e["id"] for e in reversed(stripe_fake.events)]
    page = stripe.Event.list(limit=3)
    assert [e.id for e in page.data] == ids[:3]
    assert page.has_more is True
    assert page.url == "/v1/events"
    assert [e.id for e in stripe.Event.list(limit=3).auto_paging_iter()] == ids
    assert [e.id for e in v1(client).events.list({"limit": 2}).auto_paging_iter()] == ids
    after = stripe.Event.list(limit=2, starting_after=ids[4])
    assert ([e.id for e in after.data], after.has_more) == (ids[5:7], False)
    before = stripe.Event.list(limit=2, ending_before=ids[4])
    assert ([e.id for e in before.data], before.has_more) == (ids[2:4], True)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(starting_after="evt_missing")
    assert (info.value.http_status, info.value.param) == (400, "starting_after")


def test_type_filter_and_wildcard(stripe_fake: StripeFake) -> None:
    stripe.Customer.create()
    meter = make_meter("calls")
    stripe.billing.Meter.deactivate(meter.id)
    assert [e.type for e in stripe.Event.list(type="customer.created")] == ["customer.created"]
    assert [e.type for e in stripe.Event.list(type="billing.*")] == [
        "billing.meter.deactivated",
        "billing.meter.created",
    ]
    assert [e.type for e in stripe.Event.list(type="*.created")] == [
        "billing.meter.created",
        "customer.created",
    ]
    assert stripe.Event.list(type="billing.meter").data == []  # no implicit prefix match
    assert [e.type for e in stripe.Event.list(types=["customer.created", "billing.meter.deactivated"])] == [
        "billing.meter.deactivated",
        "customer.created",
    ]


def test_type_and_types_errors(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(type="customer.created", types=["customer.updated"])
    assert (info.value.http_status, info.value.param) == (400, "types")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(types=[f"t{n}.created" for n in range(21)])
    assert (info.value.http_status, info.value.param) == (400, "types")
    assert stripe.Event.list(types=[f"t{n}.created" for n in range(20)]).data == []
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(delivery_success="maybe")  # type: ignore[arg-type]
    assert info.value.param == "delivery_success"


def test_created_ranges_and_30_day_window(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-01-01 00:00:00") as frozen:
        old = make_meter("old")  # created 1767225600
        frozen.move_to("2026-01-20 00:00:00")
        make_meter("mid")  # 1768867200
        frozen.move_to("2026-01-25 00:00:00")
        make_meter("new")  # 1769299200

        def names(**params: object) -> list[str]:
            return [e.data.object.event_name for e in stripe.Event.list(**params)]  # type: ignore[arg-type]

        assert names() == ["new", "mid", "old"]
        assert names(created={"gte": 1768867200}) == ["new", "mid"]
        assert names(created={"gt": 1768867200}) == ["new"]
        assert names(created={"lt": 1768867200}) == ["old"]
        assert names(created={"gte": 1767225600, "lte": 1768867200}) == ["mid", "old"]
        assert names(created=1768867200) == ["mid"]
        frozen.move_to("2026-02-05 00:00:00")
        # "List events, going back up to 30 days": the January 1 event is no longer listed...
        assert names() == ["new", "mid"]
        # ...but can still be retrieved by id.
        old_event = stripe_fake.events.of_type("billing.meter.created")[0]
        assert stripe.Event.retrieve(old_event["id"]).data.object.id == old.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(created={"after": 1})  # type: ignore[arg-type]
    assert info.value.param == "created[after]"


def test_delivery_success(stripe_fake: StripeFake) -> None:
    make_meter("a")
    make_meter("b")
    pending = stripe_fake.events[0]
    pending["pending_webhooks"] = 1  # as if a webhook endpoint had not acknowledged it yet
    assert [e.id for e in stripe.Event.list(delivery_success=False)] == [pending["id"]]
    assert [e.id for e in stripe.Event.list(delivery_success=True)] == [stripe_fake.events[1]["id"]]


def test_events_are_per_account(stripe_fake: StripeFake) -> None:
    stripe.Customer.create()
    connected = stripe.Customer.create(stripe_account="acct_1")
    [platform_event] = stripe.Event.list().data
    [account_event] = stripe.Event.list(stripe_account="acct_1").data
    assert account_event.data.object.id == connected.id
    assert account_event.account == "acct_1"
    assert "account" not in platform_event
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Event.retrieve(account_event.id)
    assert len(stripe_fake.events) == 2  # the recorder sees every account's events


def test_unknown_list_param(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Event.list(object_id="cus_1")  # type: ignore[call-arg]
    assert (info.value.code, info.value.param) == ("parameter_unknown", "object_id")
