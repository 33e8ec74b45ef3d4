"""The metered search API (Flask).

``POST /signup``  {"email", "payment_method"?} -> {"customer", "subscription"?}: creates the Stripe
customer; with a payment method, also its monthly subscription to the metered search price.
``GET /search?q=...`` with ``X-Customer`` (and optionally ``X-Request-Id``): answers and bills one call.
``GET /usage?start=&end=&window=`` with ``X-Customer``: the customer's usage, read from Stripe.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import Flask, jsonify, request

from . import billing
from .usage import UsageReporter

CATALOG = ["stripe meters", "meter events", "usage based billing", "summaries", "alerts"]


def create_app(client: stripe.StripeClient) -> Flask:
    """Build the app around a Stripe client (tests pass one created inside the fake)."""
    app = Flask(__name__)
    app.extensions["stripe_client"] = client
    reporter = UsageReporter(client)
    meter_id = billing.ensure_meter(client)
    app.config["METER_ID"] = meter_id

    @app.post("/signup")
    def signup() -> Any:
        body = request.get_json(silent=True) or {}
        email = body.get("email")
        if not email:
            return jsonify(error="email is required"), 400
        existing = billing.find_customer(client, email)
        customer = existing or billing.create_customer(
            client, email, body.get("name"), payment_method=body.get("payment_method")
        )
        answer: dict[str, str] = {"customer": customer}
        if not existing and body.get("payment_method"):
            price = billing.ensure_price(client, meter_id)
            answer["subscription"] = billing.subscribe(client, customer, price)
        return jsonify(answer), 200 if existing else 201

    @app.get("/search")
    def search() -> Any:
        customer = request.headers.get("X-Customer")
        if not customer:
            return jsonify(error="X-Customer header is required"), 401
        query = request.args.get("q", "").lower()
        results = [item for item in CATALOG if query in item]
        billed = reporter.report(customer, request_id=request.headers.get("X-Request-Id"))
        return jsonify(results=results, billed=billed)

    @app.get("/usage")
    def usage() -> Any:
        customer = request.headers.get("X-Customer")
        if not customer:
            return jsonify(error="X-Customer header is required"), 401
        try:
            windows = billing.usage(
                client,
                meter_id,
                customer,
                int(request.args["start"]),
                int(request.args["end"]),
                request.args.get("window"),
            )
        except (KeyError, ValueError):
            return jsonify(error="start and end (unix seconds) are required"), 400
        except stripe.InvalidRequestError as err:
            return jsonify(error=err.user_message, param=err.param), 400
        return jsonify(usage=[{"start": w.start, "end": w.end, "calls": w.calls} for w in windows])

    return app
