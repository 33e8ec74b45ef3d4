"""stripe-fake: a faithful, in-memory Stripe Billing for tests, driven through the real SDK."""

from __future__ import annotations

from .backend import Backend, RecordedRequest
from .clock import ManualClock, SystemClock
from .config import FakeConfig
from .delivery import Delivery, DeliveryLog
from .fake import StripeFake, StripeFakeInternalError, UnimplementedEndpointError, active
from .faults import Fault
from .http.errors import StripeError
from .recording import EventRecorder, RequestLog

__all__ = [
    "Backend",
    "Delivery",
    "DeliveryLog",
    "EventRecorder",
    "FakeConfig",
    "Fault",
    "ManualClock",
    "RecordedRequest",
    "RequestLog",
    "StripeError",
    "StripeFake",
    "StripeFakeInternalError",
    "SystemClock",
    "UnimplementedEndpointError",
    "active",
]

__version__ = "0.1.0"
