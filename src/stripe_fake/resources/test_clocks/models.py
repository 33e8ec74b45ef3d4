"""Test clocks: state and rules.

``advance`` answers like Stripe (the clock as ``advancing``), but does the work at once: every job
of the clock due by the target runs in due order, the clock's ``frozen_time`` stepping to each job's
due time before it runs (so anything reading :func:`clock_now` sees the simulated time), then the
clock is ``ready`` at the target. The caller's next request already sees ``ready``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError, resource_missing
from ...ids import new_id
from ..base import ResourceStore, StripeObject
from ..events.models import emit_event

if TYPE_CHECKING:
    from ...context import RequestCause
    from ...state import AccountState

#: Stripe deletes a clock 30 days after it was created (its guide; the reference example shows 7).
DELETES_AFTER = 30 * 86_400
#: Without subscriptions on the clock, one advance may move at most two years.
TWO_YEARS = 2 * 365 * 86_400
#: Customers one clock may hold (Stripe's "Limitations").
MAX_CUSTOMERS = 3


@dataclass(frozen=True)
class TestClockDeleted:
    """Bus topic: a clock was deleted; its customers (and their subscriptions) go with it."""

    clock: str
    customers: tuple[str, ...]
    now: int


@dataclass
class TestClock(StripeObject):
    """One clock. ``customers`` are the ids attached to it (at most three)."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name
    object: ClassVar[str] = "test_helpers.test_clock"
    id_prefix: ClassVar[str] = "clock"

    id: str
    created: int
    frozen_time: int
    name: str | None
    livemode: bool
    status: str = "ready"
    target: int | None = None
    deleted: bool = False
    customers: tuple[str, ...] = ()

    def render(self) -> dict[str, Any]:
        if self.deleted:
            return self.render_deleted()
        details: dict[str, Any] = {}
        if self.status == "advancing" and self.target is not None:
            details = {"advancing": {"target_frozen_time": self.target}}
        return {
            "id": self.id,
            "object": self.object,
            "created": self.created,
            "deletes_after": self.created + DELETES_AFTER,
            "frozen_time": self.frozen_time,
            "livemode": self.livemode,
            "name": self.name,
            "status": self.status,
            "status_details": details,
        }


class TestClockStore(ResourceStore[TestClock]):
    """The account's test clocks (deleted ones stay, rendered as ``{id, object, deleted}``)."""

    __test__: ClassVar[bool] = False
    kind: ClassVar[str] = "test clock"
    id_prefixes: ClassVar[tuple[str, ...]] = ("clock",)

    def live(self, clock_id: str, *, param: str = "id", status: int = 404) -> TestClock:
        """The clock, not deleted, or Stripe's "No such test clock"."""
        clock = self.require(clock_id, param=param, status=status)
        if clock.deleted:
            raise resource_missing(self.kind, clock_id, param=param, status=status)
        return clock

    def create(
        self, *, frozen_time: int, name: str | None, now: int, cause: RequestCause | None
    ) -> TestClock:
        clock = TestClock(new_id("clock"), now, frozen_time, name, self.account.livemode)
        self.table.add(clock.id, clock)
        emit_event(self.account, "test_helpers.test_clock.created", clock.render(), now=now, cause=cause)
        return clock

    def check_attach(self, clock: TestClock, param: str) -> None:
        """Refuse a fourth customer on ``clock`` (before anything is written)."""
        if len(clock.customers) >= MAX_CUSTOMERS:
            raise StripeError(
                f"A test clock can have at most {MAX_CUSTOMERS} customers. The test clock {clock.id} "
                f"already has {len(clock.customers)}.",
                param=param,
            )

    def attach(self, clock: TestClock, customer_id: str) -> None:
        """Put ``customer_id`` on ``clock`` (the caller ran :meth:`check_attach`)."""
        if customer_id not in clock.customers:
            clock.customers = (*clock.customers, customer_id)

    def advance(
        self, clock: TestClock, target: int, *, now: int, cause: RequestCause | None
    ) -> dict[str, Any]:
        """Move ``clock`` to ``target`` running its due work; returns the clock as the call answers it
        (``advancing``). The caller has checked ``target`` (:func:`check_advance`)."""
        account = self.account
        clock.status, clock.target = "advancing", target
        answered = clock.render()
        emit_event(account, "test_helpers.test_clock.advancing", answered, now=now, cause=cause)
        scheduler = account.scheduler
        while True:
            due = scheduler.next_due(clock=clock.id)
            if due is None or due > target:
                break
            clock.frozen_time = max(clock.frozen_time, due)
            scheduler.run_due(due, clock=clock.id)
        clock.frozen_time = target
        clock.status, clock.target = "ready", None
        emit_event(account, "test_helpers.test_clock.ready", clock.render(), now=now)
        return answered

    def delete(self, clock: TestClock, *, now: int, cause: RequestCause | None) -> dict[str, Any]:
        last = clock.render()
        clock.deleted = True
        emit_event(self.account, "test_helpers.test_clock.deleted", last, now=now, cause=cause)
        self.account.bus.publish(self.account, TestClockDeleted(clock.id, clock.customers, now))
        for job in self.account.scheduler.pending(clock=clock.id):
            self.account.scheduler.cancel(job)
        return clock.render()


def check_advance(clock: TestClock, target: int, latest: int | None) -> None:
    """Stripe's limits on ``frozen_time`` of an advance (400, param ``frozen_time``).

    ``latest`` is two intervals of the shortest subscription interval on the clock after its current
    time, or ``None`` when it has no subscriptions (then the limit is two years).
    """
    if clock.status == "advancing":
        raise StripeError(
            f"The test clock {clock.id} is currently advancing; wait until it is ready.",
            param="frozen_time",
        )
    if target <= clock.frozen_time:
        raise StripeError(
            f"The frozen_time ({target}) must be later than the test clock's current frozen_time "
            f"({clock.frozen_time}).",
            param="frozen_time",
        )
    if latest is None:
        if target - clock.frozen_time > TWO_YEARS:
            raise StripeError(
                "Cannot advance a test clock without subscriptions by more than two years at a time "
                f"(at most {clock.frozen_time + TWO_YEARS}).",
                param="frozen_time",
            )
        return
    if target > latest:
        raise StripeError(
            "Cannot advance a test clock by more than two intervals of the shortest subscription "
            f"interval on it (at most {latest}).",
            param="frozen_time",
        )


def clock_now(account: AccountState, clock_id: str | None, default: int) -> int:
    """The time of ``clock_id`` (its ``frozen_time``), or ``default`` (the account clock) when the
    object is on no clock, or the clock is gone."""
    if clock_id is None:
        return default
    store = account.find(TestClockStore)
    clock = store.get(clock_id) if store is not None else None
    if clock is None or clock.deleted:
        return default
    return clock.frozen_time
