"""Options that change how the fake behaves (set on ``StripeFake(...)`` or the pytest marker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: The API version responses and events are rendered at when a request does not send ``Stripe-Version``.
DEFAULT_API_VERSION = "2026-10-28.endive"


@dataclass
class FakeConfig:
    """Behaviour switches. Every default imitates Stripe as closely as the docs allow."""

    #: Keep a log of every request in ``StripeFake.requests``.
    record_requests: bool = True
    #: Seconds a meter event waits before it counts in summaries and alerts (Stripe is eventually
    #: consistent; 0 = immediately).
    processing_delay: int = 0
    #: Failures armed when the fake starts (and again on ``reset()``): dicts of ``StripeFake.fail_next``
    #: arguments, e.g. ``[{"target": "meter_events.create", "error": "rate_limit"}]``.
    fail_next: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds of clock time batched into one asynchronous error report (thin event) per meter;
    #: 0 = one report per meter for each request that produced errors, sent when the request ends.
    error_report_window: int = 0
    #: Apps that receive webhook deliveries in-process: ``{base_url: app}`` (WSGI, ASGI, or a callable
    #: taking an ``httpx.Request``); see ``StripeFake.mount``.
    mounts: dict[str, Any] = field(default_factory=dict)
    #: Seconds a webhook receiver (mounted app or loopback server) may take before the attempt fails.
    webhook_timeout: float = 10.0
    #: How a request to an endpoint the fake does not implement is treated. Both answer Stripe's 404
    #: ("Unrecognized request URL") and list it in ``StripeFake.unimplemented_requests``; ``"fail"``
    #: also fails the test at teardown (``StripeFake.verify()``) even if the app swallowed the error.
    unimplemented: Literal["fail", "error"] = "fail"
    #: Raise what the app's own HTTP client would raise in production instead of answering: sync calls
    #: through ``HTTPXClient()`` without ``allow_sync_methods=True`` (``RuntimeError``), ``*_async``
    #: calls through a client without async support or fallback (``NotImplementedError``).
    strict_http_client: bool = True

    #: Opt-in rate limit: at most this many read and this many write operations per second per
    #: account (Stripe's sandbox limit is 25); past it a request gets Stripe's 429 ``rate_limit``
    #: error, so a suite learns it would be throttled on test mode. ``None``: no limit.
    rate_limit: int | None = None

    # -- invoices ----------------------------------------------------------------------------------
    #: Seconds a subscription invoice stays draft before it finalizes (Stripe: one hour after the
    #: ``invoice.created`` webhooks succeed). Metered usage reported meanwhile is still counted.
    invoice_finalization_delay: int = 3600
    #: Automatic payment retries after a failed charge, as days after the previous attempt.
    #: ``[]``: no automatic retry (the first failure is final).
    invoice_payment_retries: list[int] = field(default_factory=lambda: [3, 5, 7])
    #: Emit ``invoice.overdue`` at the due date and ``invoice.will_be_due`` ``invoice_will_be_due_days``
    #: before it, for open ``send_invoice`` invoices (Stripe sends them only when enabled in the
    #: Billing automation settings: off by default).
    invoice_overdue_events: bool = False
    invoice_will_be_due_days: int = 3

    def __post_init__(self) -> None:
        if self.unimplemented not in ("fail", "error"):
            raise ValueError(f"unimplemented must be 'fail' or 'error', not {self.unimplemented!r}")
