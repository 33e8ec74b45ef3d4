"""``/v1/webhook_endpoints``: where v1 events are delivered (see :mod:`stripe_fake.delivery`)."""
