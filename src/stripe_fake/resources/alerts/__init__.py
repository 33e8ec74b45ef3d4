"""Billing alerts (``/v1/billing/alerts``) and the ``billing.alert.triggered`` events they emit."""
