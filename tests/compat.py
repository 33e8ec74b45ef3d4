"""Small helpers that let one test body run on every supported ``stripe`` SDK major (11 to 16).

Older SDKs differ in API surface, not in what they send: stripe 11 has no ``StripeClient.v1`` and no
``parse_event_notification`` (only ``parse_thin_event``); stripe 11 and 13 deprecate
``StripeObject.to_dict()`` (a warning, fatal under ``filterwarnings = error``) and the ``request``
attribute of a StripeObject is a (deprecated) method there; neither has
``WebhookSignature.generate_signature_header``. Tests exercising a feature an old SDK lacks entirely
are skipped with ``requires_event_notifications``.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
import stripe

from stripe_fake.delivery import sign as _sign

#: ``StripeClient.parse_event_notification`` and the ``...EventNotification`` classes (stripe >= 13).
HAS_EVENT_NOTIFICATIONS = hasattr(stripe.StripeClient, "parse_event_notification")
#: Skip a test that exercises ``EventNotification`` itself (``fetch_event``, typed notification classes).
requires_event_notifications = pytest.mark.skipif(
    not HAS_EVENT_NOTIFICATIONS,
    reason=f"stripe {stripe.VERSION} has no parse_event_notification / EventNotification classes",
)


def _sends_request_trigger() -> bool:
    """Whether ``EventNotification.fetch_event`` sends ``Stripe-Request-Trigger`` (not stripe 13)."""
    if not HAS_EVENT_NOTIFICATIONS:
        return False
    from stripe.v2.core._event import EventNotification

    return "Stripe-Request-Trigger" in inspect.getsource(EventNotification.fetch_event)


#: Skip a test of the ``Stripe-Request-Trigger`` header that newer SDKs send on notification fetches.
requires_request_trigger = pytest.mark.skipif(
    not _sends_request_trigger(),
    reason=f"stripe {stripe.VERSION} sends no Stripe-Request-Trigger when fetching from a notification",
)


def v1(client: stripe.StripeClient) -> Any:
    """``client.v1`` where the SDK has it (stripe >= 12), else the client's top-level v1 services."""
    return getattr(client, "v1", client)


def as_dict(obj: Any) -> Any:
    """A StripeObject as plain JSON data (recursively), without the SDK's deprecated ``to_dict``."""
    return json.loads(str(obj))


def sign(payload: str | bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` (now unless ``timestamp``), as the fake signs."""
    import time

    return _sign(payload, secret, int(time.time()) if timestamp is None else timestamp)


def parse_notification(client: stripe.StripeClient, raw: str | bytes, header: str, secret: str) -> Any:
    """Verify and parse a thin event notification with whatever the SDK offers.

    ``parse_event_notification`` (stripe >= 13) or ``parse_thin_event`` (stripe 11/12); both check
    the signature and expose ``id``, ``type``, ``context`` and ``related_object``.
    """
    if HAS_EVENT_NOTIFICATIONS:
        return client.parse_event_notification(raw, header, secret)
    return client.parse_thin_event(raw, header, secret)  # type: ignore[attr-defined]



def fetch_event(client: stripe.StripeClient, notification: Any) -> Any:
    """The full v2 event behind a parsed notification, in the notification's account context."""
    if hasattr(notification, "fetch_event"):
        return notification.fetch_event()
    options = {"stripe_context": notification.context} if notification.context else {}
    return client.v2.core.events.retrieve(notification.id, {}, options)


def fetch_related_object(client: stripe.StripeClient, notification: Any) -> Any:
    """The object a parsed notification is about (stripe 11: through the fetched typed event)."""
    if hasattr(notification, "fetch_related_object"):
        return notification.fetch_related_object()
    event = fetch_event(client, notification)
    if hasattr(event, "fetch_related_object"):
        return event.fetch_related_object()
    # stripe 11 has no typed class for this event type: GET ``related_object.url`` as newer SDKs do
    options = {"stripe_context": notification.context} if notification.context else {}
    response = client.raw_request("get", notification.related_object.url, **options)
    return client.deserialize(response, api_mode="V2")
