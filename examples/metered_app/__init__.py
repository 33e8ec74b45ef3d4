"""A tiny metered API: customers sign up, every search call is billed through a Stripe meter.

* ``settings.py`` — names shared by every part of the app (meter event name, payload keys);
* ``billing.py`` — Stripe setup (customer, meter) and usage read-back (meter event summaries);
* ``usage.py`` — reporting usage as meter events (one per API call, idempotent on retries);
* ``app.py`` — the Flask API (``create_app``) wiring them together;
* ``nightly_sync.py`` — a nightly job reporting a usage ledger.

Each module talks to Stripe through a ``stripe.StripeClient`` it is given, so tests build the app
inside a ``stripe_fake`` fixture and every call is answered in-process.
"""
