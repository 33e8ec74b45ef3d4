"""The app's Stripe webhook receiver (Flask): verifies every delivery and reacts to billing events.

``POST /webhooks/stripe``: v1 events (signed with the webhook endpoint's secret). A
``billing.alert.triggered`` marks the customer as over quota; an ``invoice.paid`` is recorded.
``POST /webhooks/stripe/thin``: v2 thin event notifications (signed with the event destination's
secret). A meter error report is fetched in full and its summary kept for the operators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import stripe
from flask import Flask, jsonify, request


@dataclass
class WebhookState:
    """What the receiver learned (a database in a real app)."""

    over_quota: set[str] = field(default_factory=set)
    seen_events: set[str] = field(default_factory=set)
    meter_errors: list[str] = field(default_factory=list)
    #: Paid invoices: invoice id -> (customer, amount paid in cents).
    paid_invoices: dict[str, tuple[str, int]] = field(default_factory=dict)


def create_webhook_app(
    client: stripe.StripeClient, endpoint_secret: str, thin_secret: str | None = None
) -> tuple[Flask, WebhookState]:
    """Build the receiver; the secrets come from the webhook endpoint and event destination."""
    app = Flask(__name__)
    state = WebhookState()

    @app.post("/webhooks/stripe")
    def stripe_webhook() -> Any:
        payload = request.get_data(as_text=True)
        try:
            event = stripe.Webhook.construct_event(
                payload, request.headers.get("Stripe-Signature"), endpoint_secret
            )
        except (ValueError, stripe.SignatureVerificationError):
            return jsonify(error="invalid signature"), 400
        if event.id in state.seen_events:  # Stripe may deliver an event more than once
            return jsonify(received=True, duplicate=True)
        state.seen_events.add(event.id)
        if event.type == "billing.alert.triggered":
            state.over_quota.add(event.data.object.customer)
        elif event.type == "invoice.paid":
            invoice = event.data.object
            state.paid_invoices[invoice.id] = (invoice.customer, invoice.amount_paid)
        return jsonify(received=True)

    @app.post("/webhooks/stripe/thin")
    def stripe_thin_webhook() -> Any:
        if thin_secret is None:
            return jsonify(error="thin events are not configured"), 404
        try:
            notification = client.parse_event_notification(
                request.get_data(), request.headers.get("Stripe-Signature"), thin_secret
            )
        except (ValueError, stripe.SignatureVerificationError):
            return jsonify(error="invalid signature"), 400
        if notification.type == "v1.billing.meter.error_report_triggered":
            event = notification.fetch_event()
            state.meter_errors.append(event.data.developer_message_summary)
        return jsonify(received=True)

    return app, state
