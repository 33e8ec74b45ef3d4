"""stripe-fake: a faithful, in-memory Stripe Billing for tests, driven through the real SDK."""

from __future__ import annotations

from .backend import Backend
from .clock import ManualClock, SystemClock
from .config import FakeConfig
from .delivery import Delivery, DeliveryLog
from .fake import StripeFake, StripeFakeInternalError, UnimplementedEndpointError, active
from .faults import Fault
from .http.errors import StripeError
from .recording import EventRecorder, RecordedRequest, RequestLog, ThinEventLog

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
    "ThinEventLog",
    "UnimplementedEndpointError",
    "active",
]

__version__ = "0.1.0"
