"""The metered search API (Flask).

``POST /signup``  {"email", "payment_method"?} -> {"customer", "subscription"?}: creates the Stripe
customer; with a payment method, also its monthly subscription to the metered search price; with
``promo_code`` ``WELCOME``, a promotional billing credit for its usage (``credit_grant``).
``GET /search?q=...`` with ``X-Customer`` (and optionally ``X-Request-Id``): answers and bills one call.
``GET /usage?start=&end=&window=`` with ``X-Customer``: the customer's usage, read from Stripe.
``GET /pricing?calls=N``: the price list (Stripe prices by lookup key) and what N calls cost on each.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import Flask, jsonify, request

from . import billing, catalog, settings
from .usage import UsageReporter

CATALOG = ["stripe meters", "meter events", "usage based billing", "summaries", "alerts"]


def create_app(client: stripe.StripeClient) -> Flask:
    """Build the app around a Stripe client (tests pass one created inside the fake)."""
    app = Flask(__name__)
    app.extensions["stripe_client"] = client
    reporter = UsageReporter(client)
    meter_id = billing.ensure_meter(client)
    app.config["METER_ID"] = meter_id
    prices = catalog.ensure_catalog(client, meter_id)
    app.config["CATALOG"] = prices

    @app.post("/signup")
    def signup() -> Any:
        body = request.get_json(silent=True) or {}
        email = body.get("email")
        if not email:
            return jsonify(error="email is required"), 400
        promo = body.get("promo_code")
        if promo is not None and promo != settings.WELCOME_PROMO_CODE:
            return jsonify(error=f"unknown promo code {promo!r}"), 400
        existing = billing.find_customer(client, email)
        customer = existing or billing.create_customer(
            client, email, body.get("name"), payment_method=body.get("payment_method")
        )
        answer: dict[str, str] = {"customer": customer}
        if not existing and body.get("payment_method"):
            price = billing.ensure_price(client, meter_id)
            answer["subscription"] = billing.subscribe(client, customer, price)
        if not existing and promo is not None:
            answer["credit_grant"] = billing.grant_welcome_credit(client, customer)
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

    @app.get("/pricing")
    def pricing() -> Any:
        try:
            calls = int(request.args.get("calls", "0"))
        except ValueError:
            return jsonify(error="calls must be an integer"), 400
        metered = [key for key in prices.prices if key != catalog.BASE_FEE]
        return jsonify(
            product=prices.product,
            prices=prices.prices,
            estimates={key: catalog.estimate(client, prices.prices[key], calls) for key in metered},
        )

    return app
