"""Test clocks through the real SDK: create, retrieve, list, delete, advance, limits and errors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from fidelity_rows import error_rows
from freezegun import freeze_time

from stripe_fake import StripeFake

T0 = "2026-03-01T00:00:00Z"
T0_TS = 1772323200
DAY = 86400


def _clock(**kwargs: Any) -> stripe.test_helpers.TestClock:
    kwargs.setdefault("frozen_time", T0_TS)
    return stripe.test_helpers.TestClock.create(**kwargs)


def test_create_renders_stripes_shape(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        clock = _clock(name="Annual renewal")
    assert clock.id.startswith("clock_")
    assert clock.frozen_time == T0_TS  # in the past: allowed
    assert clock.status == "ready"
    assert clock.status_details.to_dict() == {}
    assert clock.name == "Annual renewal"
    assert clock.created == 1780272000
    assert clock.deletes_after == clock.created + 30 * DAY
    assert clock.livemode is False
    stripe_fake.assert_event("test_helpers.test_clock.created", id=clock.id)


def test_retrieve_list_and_delete(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    first, second = _clock(name="a"), _clock(name="b")
    assert stripe.test_helpers.TestClock.retrieve(first.id).name == "a"
    listed = client.v1.test_helpers.test_clocks.list({"limit": 1})
    assert [c.id for c in listed.data] == [second.id]
    assert listed.has_more is True
    deleted = stripe.test_helpers.TestClock.delete(first.id)
    assert deleted.deleted is True
    assert [c.id for c in stripe.test_helpers.TestClock.list().data] == [second.id]
    stripe_fake.assert_event("test_helpers.test_clock.deleted", id=first.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.test_helpers.TestClock.retrieve(first.id)
    assert raised.value.http_status == 404


def test_advance_answers_advancing_then_is_ready(stripe_fake: StripeFake) -> None:
    clock = _clock()
    answered = stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 40 * DAY)
    assert answered.status == "advancing"
    assert answered.status_details.advancing.target_frozen_time == T0_TS + 40 * DAY  # type: ignore[union-attr]
    assert answered.frozen_time == T0_TS
    now = stripe.test_helpers.TestClock.retrieve(clock.id)
    assert (now.status, now.frozen_time, now.status_details.to_dict()) == ("ready", T0_TS + 40 * DAY, {})
    types = [e["type"] for e in stripe_fake.events if e["type"].startswith("test_helpers")]
    assert types == [
        "test_helpers.test_clock.created",
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]
    ready = stripe_fake.events.last("test_helpers.test_clock.ready")
    assert ready is not None
    assert ready["data"]["object"]["frozen_time"] == T0_TS + 40 * DAY
    assert ready["request"]["id"] is None


def test_advance_runs_the_clocks_jobs_in_order_at_clock_time(stripe_fake: StripeFake) -> None:
    """The clock's own jobs run at advance, each seeing the clock at its due time; other clocks' and
    the account clock's jobs do not run."""
    clock, other = _clock(), _clock()
    account = stripe_fake.backend.account()
    seen: list[tuple[str, int, int]] = []

    def record(acct: Any, job: Any) -> None:
        from stripe_fake.resources.test_clocks.models import clock_now

        seen.append((job.ref, job.due, clock_now(acct, job.clock, -1)))
        if job.ref == "first":  # a job may schedule a later one on the same clock
            acct.scheduler.at(job.due + DAY, "tests.record", acct, "chained", clock=job.clock)

    account.scheduler.register("tests.record", record)
    account.scheduler.at(T0_TS + 5 * DAY, "tests.record", account, "second", clock=clock.id)
    account.scheduler.at(T0_TS + 2 * DAY, "tests.record", account, "first", clock=clock.id)
    account.scheduler.at(T0_TS + 9 * DAY, "tests.record", account, "later", clock=clock.id)
    account.scheduler.at(T0_TS + DAY, "tests.record", account, "elsewhere", clock=other.id)
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 6 * DAY)
    assert seen == [
        ("first", T0_TS + 2 * DAY, T0_TS + 2 * DAY),
        ("chained", T0_TS + 3 * DAY, T0_TS + 3 * DAY),
        ("second", T0_TS + 5 * DAY, T0_TS + 5 * DAY),
    ]
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 9 * DAY)
    assert seen[-1] == ("later", T0_TS + 9 * DAY, T0_TS + 9 * DAY)


def test_advance_by_exactly_two_years_is_allowed(stripe_fake: StripeFake) -> None:
    clock = _clock()
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 730 * DAY)
    assert stripe.test_helpers.TestClock.retrieve(clock.id).frozen_time == T0_TS + 730 * DAY


def test_unimplemented_parameter_is_refused_loudly(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.test_helpers.TestClock.create(frozen_time=T0_TS, bogus="x")
    assert raised.value.param == "bogus"


# -- every error row of docs/fidelity.md, and nothing changes -----------------------------------------

ROWS = error_rows("Errors (test clocks)")
Ctx = dict[str, str]


def _new(ctx: Ctx) -> None:
    ctx["clock"] = _clock().id


def _deleted(ctx: Ctx) -> None:
    _new(ctx)
    stripe.test_helpers.TestClock.delete(ctx["clock"])


CASES: dict[str, tuple[Callable[[Ctx], None] | None, Callable[[Ctx], Any]]] = {
    "create: `frozen_time` missing": (None, lambda c: stripe.test_helpers.TestClock.create()),
    "create: `name` over 300 characters": (None, lambda c: _clock(name="x" * 301)),
    "unknown clock": (None, lambda c: stripe.test_helpers.TestClock.retrieve("clock_missing")),
    "deleted clock": (_deleted, lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=1)),
    "advance: `frozen_time` missing": (
        _new,
        lambda c: stripe.test_helpers.TestClock._static_request(
            "post", f"/v1/test_helpers/test_clocks/{c['clock']}/advance"
        ),
    ),
    "advance: to the clock's time or before": (
        _new,
        lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=T0_TS),
    ),
    "advance: more than two years without subscriptions": (
        _new,
        lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=T0_TS + 730 * DAY + 1),
    ),
}


def test_every_error_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _state() -> Any:
    clocks = [c.to_dict() for c in stripe.test_helpers.TestClock.list(limit=100).data]
    return clocks, [e.id for e in stripe.Event.list(limit=100).data]


@pytest.mark.parametrize("situation", sorted(CASES))
def test_error_rows(stripe_fake: StripeFake, situation: str) -> None:
    setup, call = CASES[situation]
    ctx: Ctx = {}
    if setup is not None:
        setup(ctx)
    before = copy.deepcopy(_state())
    with pytest.raises(stripe.InvalidRequestError) as raised:
        call(ctx)
    assert _state() == before
    status, type_, code, param, message = ROWS[situation]
    for name, value in ctx.items():
        message = message.replace(f"<{name}>", value)
    error = raised.value.error
    assert error is not None
    assert (raised.value.http_status, error.type, error.code, error.param, error.message) == (
        status,
        type_,
        code,
        param,
        message,
    )
