"""Clock-driven work: plain-data jobs in a heap, run in due order when the clock reaches them.

Anything that happens *later* in Stripe (a delayed meter event counts, an error report goes out, a
period ends, a draft invoice finalizes) is a :class:`Job`: its due time, a kind naming the handler
(``"<package>.<what>"``), the account and the object it is about. Resource packages register their
handlers in ``install(bus, scheduler)``; the backend calls :meth:`Scheduler.run_due` before and after
every request, so when nothing is due that costs one comparison.

A job runs with its own due time as "now" (``job.due``), never the time of the request that happened
to run it, and may schedule further jobs: one that is due by the time being run runs in the same
:meth:`Scheduler.run_due`, in due order (a three-month jump yields three renewals, in order, each
stamped at its own period end). Jobs are data, not closures, so they pickle with ``--state``.

Jobs of a test clock (``clock="clock_..."``) sit in their own heap and run only when that clock is
advanced (``run_due(frozen_time, clock=id)``); the account clock never runs them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import AccountState

JobHandler = Callable[["AccountState", "Job"], None]


@dataclass(order=True)
class Job:
    """One piece of due work. Ordered by (due, seq): ties run in the order they were scheduled."""

    due: int
    seq: int
    kind: str = field(compare=False)
    account: str | None = field(compare=False)  # the account id (None = the platform account)
    ref: str = field(compare=False)  # the object id the job is about
    clock: str | None = field(default=None, compare=False)  # a test clock id; None = the account clock
    data: dict[str, Any] = field(default_factory=dict, compare=False)  # small plain-data extras
    cancelled: bool = field(default=False, compare=False)


class UnknownJobKind(LookupError):
    """A job's kind has no registered handler (a state file from another version, or a typo)."""


class Scheduler:
    """Pending jobs, one heap per clock, and the handler of each job kind.

    ``resolve`` turns a job's account id into its :class:`AccountState`; ``on_error`` hears of a job
    that raised (the backend records it in ``internal_errors``, which fails the test) and the run goes
    on with the next job.
    """

    def __init__(
        self,
        resolve: Callable[[str | None], AccountState],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._resolve = resolve
        self._on_error = on_error
        self._handlers: dict[str, JobHandler] = {}
        self._heap: list[Job] = []  # the account clock's jobs (the hot one: checked on every request)
        self._clocks: dict[str, list[Job]] = {}  # test clock id -> its jobs
        self._seq = 0
        self._running = False

    # -- registration ------------------------------------------------------------------------------

    def register(self, kind: str, run: JobHandler) -> None:
        """Run ``run(account, job)`` for every due job of ``kind`` (one handler per kind)."""
        existing = self._handlers.get(kind)
        if existing is not None and existing is not run:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = run

    def registered(self, kind: str) -> bool:
        return kind in self._handlers

    # -- scheduling --------------------------------------------------------------------------------

    def at(
        self,
        due: int,
        kind: str,
        account: AccountState,
        ref: str,
        *,
        clock: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Job:
        """Schedule ``kind`` about ``ref`` at ``due`` (unix seconds on ``clock``); returns the job."""
        if kind not in self._handlers:
            raise UnknownJobKind(f"no handler registered for job kind {kind!r}")
        self._seq += 1
        job = Job(int(due), self._seq, kind, account.id, ref, clock, data if data is not None else {})
        heapq.heappush(self._heap if clock is None else self._clocks.setdefault(clock, []), job)
        return job

    def cancel(self, job: Job) -> None:
        """Skip ``job`` when it comes due (it stays in the heap until then: cancelling is O(1))."""
        job.cancelled = True

    # -- running -----------------------------------------------------------------------------------

    def next_due(self, *, clock: str | None = None) -> int | None:
        """When the earliest pending job of ``clock`` is due (cancelled ones included), or ``None``."""
        heap = self._heap if clock is None else self._clocks.get(clock)
        return heap[0].due if heap else None

    def run_due(self, now: int, *, clock: str | None = None) -> int:
        """Run every job of ``clock`` due at or before ``now``, in due order; how many ran.

        Each job's handler gets ``job.due`` as its time. Jobs scheduled meanwhile run too if they are
        due by ``now``. A job started from inside another job's run is left for the outer run.
        """
        heap = self._heap if clock is None else self._clocks.get(clock)
        if not heap or heap[0].due > now or self._running:
            return 0
        self._running = True
        ran = 0
        try:
            while heap and heap[0].due <= now:
                job = heapq.heappop(heap)
                if job.cancelled:
                    continue
                ran += 1
                try:
                    handler = self._handlers.get(job.kind)
                    if handler is None:
                        raise UnknownJobKind(f"no handler registered for job kind {job.kind!r}")
                    handler(self._resolve(job.account), job)
                except Exception as exc:
                    if self._on_error is None:
                        raise
                    self._on_error(exc)
        finally:
            self._running = False
        return ran

    # -- inspection and persistence ----------------------------------------------------------------

    def pending(self, *, clock: str | None = None) -> list[Job]:
        """The jobs of ``clock`` not yet run nor cancelled, in due order."""
        heap = self._heap if clock is None else self._clocks.get(clock, [])
        return sorted(job for job in heap if not job.cancelled)

    def pending_for(self, kind: str, ref: str) -> list[Job]:
        """Pending jobs of ``kind`` about ``ref`` on any clock (a scan: for tests and rare operations)."""
        found = [job for job in self._heap if job.kind == kind and job.ref == ref and not job.cancelled]
        for heap in self._clocks.values():
            found.extend(job for job in heap if job.kind == kind and job.ref == ref and not job.cancelled)
        return sorted(found)

    def clear(self) -> None:
        """Forget every pending job (handlers stay registered)."""
        self._heap.clear()
        self._clocks.clear()

    def dump(self) -> dict[str, Any]:
        """The pending jobs as plain data (what ``--state`` saves)."""
        return {
            "seq": self._seq,
            "jobs": [job for job in self._heap if not job.cancelled],
            "clocks": {key: [job for job in heap if not job.cancelled] for key, heap in self._clocks.items()},
        }

    def load(self, saved: dict[str, Any]) -> None:
        """Replace the pending jobs with ``saved`` (from :meth:`dump`)."""
        self._seq = max(self._seq, int(saved.get("seq", 0)))
        self._heap = list(saved.get("jobs", []))
        heapq.heapify(self._heap)
        self._clocks = {}
        for key, jobs in saved.get("clocks", {}).items():
            heap = list(jobs)
            heapq.heapify(heap)
            self._clocks[key] = heap
