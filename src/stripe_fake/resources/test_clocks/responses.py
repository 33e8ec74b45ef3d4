"""Test clocks over HTTP: ``/v1/test_helpers/test_clocks``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Field, Int, Str, Unsupported, validate
from .models import TestClock, TestClockStore, check_advance

_BASE = "/v1/test_helpers/test_clocks"
CREATE: dict[str, Field] = {
    "frozen_time": Int(required=True, minimum=0),
    "name": Str(max_length=300),
    "customer": Unsupported(f"POST {_BASE}"),
}
ADVANCE: dict[str, Field] = {"frozen_time": Int(required=True, minimum=0)}


def create_clock(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    store = ctx.store(TestClockStore)
    clock = store.create(
        frozen_time=params["frozen_time"], name=params.get("name"), now=ctx.now, cause=ctx.cause
    )
    return clock.render()


def _clock(ctx: RequestContext) -> TestClock:
    return ctx.store(TestClockStore).live(ctx.path["id"])


def retrieve_clock(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _clock(ctx).render()


def list_clocks(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST_PARAMS, ctx.params)
    items = ctx.store(TestClockStore).table.newest_first(lambda clock: not clock.deleted)
    return paginate(items, params, _BASE, key=lambda c: c.id, render=TestClock.render, kind="test_clock")


def delete_clock(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    clock = _clock(ctx)
    return ctx.store(TestClockStore).delete(clock, now=ctx.now, cause=ctx.cause)


def advance_clock(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ADVANCE, ctx.params)
    clock = _clock(ctx)
    target = params["frozen_time"]
    check_advance(clock, target, latest_advance(ctx, clock))
    return ctx.store(TestClockStore).advance(clock, target, now=ctx.now, cause=ctx.cause)


def latest_advance(ctx: RequestContext, clock: TestClock) -> int | None:
    """Two intervals of the shortest subscription interval on the clock after its time, or ``None``."""
    return None
