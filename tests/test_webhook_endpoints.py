"""``/v1/webhook_endpoints``: CRUD through the real SDK, Stripe's errors, no events for endpoint CRUD."""

from __future__ import annotations

import pytest
import stripe
from compat import as_dict, v1

from stripe_fake import StripeFake


def _create(**overrides: object) -> stripe.WebhookEndpoint:
    params: dict[str, object] = {"url": "https://example.com/hooks", "enabled_events": ["customer.created"]}
    params.update(overrides)
    return stripe.WebhookEndpoint.create(**params)  # type: ignore[arg-type]


def test_create_returns_secret_once(stripe_fake: StripeFake) -> None:
    endpoint = _create(description="billing hooks", metadata={"team": "billing"})
    assert endpoint.id.startswith("we_")
    assert endpoint.object == "webhook_endpoint"
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.status == "enabled"
    assert endpoint.enabled_events == ["customer.created"]
    assert endpoint.url == "https://example.com/hooks"
    assert endpoint.description == "billing hooks"
    assert as_dict(endpoint.metadata) == {"team": "billing"}
    assert endpoint.livemode is False
    assert endpoint.api_version is None

    fetched = stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert "secret" not in fetched
    assert fetched.url == endpoint.url
    assert stripe_fake.endpoint_secret(endpoint.id) == endpoint.secret
    listed = stripe.WebhookEndpoint.list()
    assert [e.id for e in listed.data] == [endpoint.id]
    assert "secret" not in listed.data[0]


def test_wildcard_and_api_version(stripe_fake: StripeFake) -> None:
    endpoint = _create(enabled_events=["*"], api_version="2026-10-28.endive")
    assert endpoint.enabled_events == ["*"]
    assert endpoint.api_version == "2026-10-28.endive"


def test_update_fields_and_status(client: stripe.StripeClient) -> None:
    endpoint = v1(client).webhook_endpoints.create(
        {"url": "https://example.com/a", "enabled_events": ["customer.created"], "description": "x"}
    )
    updated = v1(client).webhook_endpoints.update(
        endpoint.id,
        {
            "url": "https://example.com/b",
            "enabled_events": ["billing.meter.created", "billing.alert.triggered"],
            "disabled": True,
            "description": "",
            "metadata": {"k": "v"},
        },
    )
    assert updated.url == "https://example.com/b"
    assert updated.enabled_events == ["billing.meter.created", "billing.alert.triggered"]
    assert updated.status == "disabled"
    assert updated.description is None
    assert as_dict(updated.metadata) == {"k": "v"}
    again = v1(client).webhook_endpoints.update(endpoint.id, {"disabled": False, "metadata": {"k": ""}})
    assert again.status == "enabled"
    assert as_dict(again.metadata) == {}
    assert "secret" not in again


def test_delete(stripe_fake: StripeFake) -> None:
    endpoint = _create()
    deleted = stripe.WebhookEndpoint.delete(endpoint.id)
    assert as_dict(deleted) == {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert info.value.param == "id"
    assert stripe.WebhookEndpoint.list().data == []


def test_list_pagination(stripe_fake: StripeFake) -> None:
    ids = [_create(url=f"https://example.com/{i}").id for i in range(3)]
    page = stripe.WebhookEndpoint.list(limit=2)
    assert [e.id for e in page.data] == ids[::-1][:2]
    assert page.has_more is True
    rest = stripe.WebhookEndpoint.list(limit=2, starting_after=page.data[-1].id)
    assert [e.id for e in rest.data] == [ids[0]]
    assert [e.id for e in stripe.WebhookEndpoint.list().auto_paging_iter()] == ids[::-1]


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"enabled_events": ["customer.created"]}, "url", "parameter_missing"),
        ({"url": "https://example.com"}, "enabled_events", "parameter_missing"),
        ({"url": "https://example.com", "enabled_events": ["customer.made_up"]}, "enabled_events[0]", None),
        ({"url": "https://example.com", "enabled_events": ["*", "nope"]}, "enabled_events[1]", None),
        ({"url": "ftp://example.com", "enabled_events": ["*"]}, "url", None),
        ({"url": "not a url", "enabled_events": ["*"]}, "url", None),
        (
            {"url": "https://example.com", "enabled_events": ["*"], "api_version": "latest"},
            "api_version",
            None,
        ),
        (
            {"url": "https://example.com", "enabled_events": ["*"], "secret": "whsec_x"},
            "secret",
            "parameter_unknown",
        ),
    ],
)
def test_create_errors_leave_nothing(
    stripe_fake: StripeFake, params: dict[str, object], param: str, code: str | None
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.WebhookEndpoint.create(**params)  # type: ignore[arg-type]
    assert info.value.http_status == 400
    assert info.value.param == param
    assert info.value.code == code
    assert stripe.WebhookEndpoint.list().data == []


def test_update_errors_leave_state(stripe_fake: StripeFake) -> None:
    endpoint = _create()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.WebhookEndpoint.modify(
            endpoint.id, url="https://example.com/new", enabled_events=["bogus.type"]
        )
    assert info.value.param == "enabled_events[0]"
    fetched = stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert fetched.url == "https://example.com/hooks"
    assert fetched.enabled_events == ["customer.created"]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.WebhookEndpoint.modify("we_missing", disabled=True)
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"


def test_endpoint_limit(stripe_fake: StripeFake) -> None:
    for i in range(16):
        _create(url=f"https://example.com/{i}")
    with pytest.raises(stripe.InvalidRequestError) as info:
        _create(url="https://example.com/17")
    assert info.value.http_status == 400
    assert len(list(stripe.WebhookEndpoint.list(limit=100).auto_paging_iter())) == 16


def test_endpoint_crud_emits_no_events(stripe_fake: StripeFake) -> None:
    endpoint = _create()
    stripe.WebhookEndpoint.modify(endpoint.id, description="changed")
    stripe.WebhookEndpoint.delete(endpoint.id)
    assert list(stripe_fake.events) == []
    assert stripe_fake.deliveries == []


def test_connected_accounts_are_isolated(stripe_fake: StripeFake) -> None:
    endpoint = _create()
    with pytest.raises(stripe.InvalidRequestError):
        stripe.WebhookEndpoint.retrieve(endpoint.id, stripe_account="acct_123")
    assert stripe.WebhookEndpoint.list(stripe_account="acct_123").data == []


def test_every_event_type_the_newest_sdk_lists_can_be_enabled() -> None:
    """``enabled_events`` accepts every type of the installed SDK's ``WebhookEndpointCreateParams``
    (invoice.overdue, invoice.will_be_due and invoice_payment.paid among them)."""
    import re
    from pathlib import Path

    from stripe_fake.resources.webhook_endpoints.event_types import KNOWN_EVENT_TYPES

    params = Path(stripe.__file__).parent / "params" / "_webhook_endpoint_create_params.py"
    if not params.exists():
        pytest.skip("this stripe SDK has no typed params module")
    text = params.read_text()
    start = text.index("enabled_events")
    block = text[start : start + text[start:].index("]\n    ]")]
    listed = set(re.findall(r'"([a-z0-9_.*]+)"', block))
    assert listed and listed <= KNOWN_EVENT_TYPES, sorted(listed - KNOWN_EVENT_TYPES)
