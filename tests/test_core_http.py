"""The HTTP layer: auth, connected accounts, decoding, typed errors, pagination, expand, request log."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import stripe

from stripe_fake import StripeFake


def v1(client: stripe.StripeClient) -> Any:
    """``client.v1`` (stripe >= 12); stripe 11 exposes the v1 services on the client itself."""
    return getattr(client, "v1", client)


# -- auth ----------------------------------------------------------------------------------------------


def test_no_key_is_refused_by_the_sdk_before_any_request(
    stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "api_key", None)
    with pytest.raises(stripe.AuthenticationError, match="No API key provided"):
        stripe.Customer.list()
    assert stripe_fake.requests == []


@pytest.mark.parametrize("key", ["not_a_key", "sk_live_1234567890abcdef", "pk_test_1234567890", "sk_test_"])
def test_bad_key_is_a_401_from_the_fake(
    stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setattr(stripe, "api_key", key)
    with pytest.raises(stripe.AuthenticationError) as info:
        stripe.Customer.create(email="nope@example.com")
    assert info.value.http_status == 401
    assert info.value.user_message is not None
    assert info.value.user_message.startswith("Invalid API Key provided: ")
    assert stripe_fake.requests[-1].status == 401
    monkeypatch.setattr(stripe, "api_key", "sk_test_fake_123")
    assert stripe.Customer.list().data == []  # nothing was created


def test_live_key_is_masked_in_the_message(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.AuthenticationError) as info:
        stripe.Customer.list(api_key="sk_live_abcdefghijkl1234")
    # Prefix and last four characters shown, the rest masked.
    assert info.value.user_message == "Invalid API Key provided: sk_live_************1234"


def test_restricted_test_key_works(stripe_fake: StripeFake) -> None:
    client = stripe.StripeClient("rk_test_restricted_abc")
    customer = v1(client).customers.create(params={"name": "restricted"})
    assert v1(client).customers.retrieve(customer.id).name == "restricted"


def test_connected_accounts_have_isolated_state(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    platform = stripe.Customer.create(name="platform")
    connected = stripe.Customer.create(name="connected", stripe_account="acct_1")
    other = v1(client).customers.create(params={"name": "other"}, options={"stripe_account": "acct_2"})
    assert [c.id for c in stripe.Customer.list().data] == [platform.id]
    assert [c.id for c in stripe.Customer.list(stripe_account="acct_1").data] == [connected.id]
    assert [c.id for c in v1(client).customers.list(options={"stripe_account": "acct_2"}).data] == [other.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Customer.retrieve(connected.id)
    assert info.value.http_status == 404
    # Meters (and so event names) are per account too.
    for account in (None, "acct_1"):
        stripe.billing.Meter.create(
            display_name="m",
            event_name="same_name",
            default_aggregation={"formula": "sum"},
            stripe_account=account,
        )
    assert stripe_fake.events.last("customer.created")["account"] == "acct_2"


# -- decoding and typed errors ------------------------------------------------------------------------------


def test_bracket_nesting_is_decoded(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(
        address={"city": "Paris", "country": "FR"},
        preferred_locales=["fr", "en"],
        metadata={"plan": "pro", "seats": 3},
        invoice_settings={"custom_fields": [{"name": "VAT", "value": "FR123"}]},
    )
    assert customer.address.city == "Paris"
    assert customer.address.line1 is None
    assert customer.preferred_locales == ["fr", "en"]
    assert json.loads(str(customer.metadata)) == {"plan": "pro", "seats": "3"}
    assert customer.invoice_settings.custom_fields[0].name == "VAT"
    assert stripe_fake.requests[-1].params["invoice_settings"] == {
        "custom_fields": [{"name": "VAT", "value": "FR123"}]
    }


def _invalid(call: object, *args: object, **kwargs: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


def test_unknown_parameter(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.Customer.create, foo="bar")
    assert (err.http_status, err.code, err.param) == (400, "parameter_unknown", "foo")
    assert err.user_message == "Received unknown parameter: foo"
    nested = _invalid(stripe.Customer.create, address={"town": "Paris"})
    assert nested.param == "address[town]"
    assert nested.user_message == "Received unknown parameter: address[town]"
    assert stripe.Customer.list().data == []


def test_missing_parameter(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.billing.Meter.create, event_name="x", default_aggregation={"formula": "sum"})
    assert (err.http_status, err.code, err.param) == (400, "parameter_missing", "display_name")
    assert err.user_message == "Missing required param: display_name."
    nested = _invalid(
        stripe.billing.Meter.create,
        display_name="x",
        event_name="x",
        default_aggregation={"formula": "sum"},
        customer_mapping={"type": "by_id"},
    )
    assert nested.param == "customer_mapping[event_payload_key]"
    assert nested.user_message == "Missing required param: customer_mapping[event_payload_key]."


def test_invalid_integer(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.Customer.list, limit="ten")
    assert (err.http_status, err.code, err.param) == (400, "parameter_invalid_integer", "limit")
    assert err.user_message == "Invalid integer: ten"
    assert _invalid(stripe.Customer.create, balance="1.5").code == "parameter_invalid_integer"


def test_invalid_enum(stripe_fake: StripeFake) -> None:
    err = _invalid(
        stripe.billing.Meter.create, display_name="x", event_name="x", default_aggregation={"formula": "avg"}
    )
    assert (err.http_status, err.param) == (400, "default_aggregation[formula]")
    assert err.user_message == "Invalid default_aggregation[formula]: must be one of count, last, or sum"
    assert stripe.billing.Meter.list().data == []


@pytest.mark.parametrize(
    ("limit", "message"), [(0, "greater than or equal to 1"), (101, "less than or equal to 100")]
)
def test_limit_bounds(stripe_fake: StripeFake, limit: int, message: str) -> None:
    err = _invalid(stripe.Customer.list, limit=limit)
    assert (err.http_status, err.param) == (400, "limit")
    assert err.user_message is not None and message in err.user_message


def test_limit_default_and_maximum(stripe_fake: StripeFake) -> None:
    for i in range(12):
        stripe.Customer.create(name=str(i))
    page = stripe.Customer.list()
    assert len(page.data) == 10 and page.has_more
    assert [c.name for c in stripe.Customer.list(limit=100).data] == [str(i) for i in reversed(range(12))]


def test_both_cursors_rejected(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    err = _invalid(stripe.Customer.list, starting_after=customer.id, ending_before=customer.id)
    assert err.http_status == 400
    assert err.user_message == "You may only specify one of these parameters: ending_before, starting_after."


def test_unknown_cursor(stripe_fake: StripeFake) -> None:
    err = _invalid(stripe.Customer.list, starting_after="cus_missing")
    assert (err.http_status, err.code, err.param) == (400, "resource_missing", "starting_after")


def test_cursor_pages(stripe_fake: StripeFake) -> None:
    ids = [stripe.Customer.create(name=str(i)).id for i in range(5)]  # oldest first
    after = stripe.Customer.list(limit=2, starting_after=ids[4])
    assert ([c.id for c in after.data], after.has_more) == ([ids[3], ids[2]], True)
    last = stripe.Customer.list(limit=2, starting_after=ids[2])
    assert ([c.id for c in last.data], last.has_more) == ([ids[1], ids[0]], False)
    before = stripe.Customer.list(limit=2, ending_before=ids[0])
    assert ([c.id for c in before.data], before.has_more) == ([ids[2], ids[1]], True)
    first = stripe.Customer.list(limit=2, ending_before=ids[2])
    assert ([c.id for c in first.data], first.has_more) == ([ids[4], ids[3]], False)


def test_expand_of_a_non_expandable_field_is_rejected(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    err = _invalid(stripe.Customer.retrieve, customer.id, expand=["email"])
    assert (err.http_status, err.param) == (400, "expand")
    assert err.user_message == "This property cannot be expanded (email)."
    listed = _invalid(stripe.Customer.list, expand=["data.email"])
    assert listed.user_message == "This property cannot be expanded (data.email)."


def test_request_id_on_every_response(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    assert customer.last_response.request_id.startswith("req_")
    err = _invalid(stripe.Customer.retrieve, "cus_missing")
    assert err.request_id is not None and err.request_id.startswith("req_")
    assert [r.request_id for r in stripe_fake.requests] == [customer.last_response.request_id, err.request_id]
    assert err.json_body is not None
    assert err.json_body["error"]["request_log_url"].endswith(err.request_id)


def test_request_log_contents(stripe_fake: StripeFake) -> None:
    stripe.Customer.create(email="log@example.com", metadata={"k": "v"}, idempotency_key="idem-1")
    _invalid(stripe.Customer.list, limit=0)
    created, failed = stripe_fake.requests
    assert (created.method, created.host, created.path, created.status) == (
        "POST",
        "api.stripe.com",
        "/v1/customers",
        200,
    )
    assert created.params == {"email": "log@example.com", "metadata": {"k": "v"}}
    assert created.headers["authorization"] == "Bearer sk_test_fake_123"
    assert created.headers["idempotency-key"] == "idem-1"
    assert created.route == "customers.create" and created.implemented
    assert created.response["email"] == "log@example.com"
    assert (failed.method, failed.status, failed.params) == ("GET", 400, {"limit": "0"})
    assert failed.error is not None and failed.error["param"] == "limit"


def test_record_requests_can_be_switched_off() -> None:
    with StripeFake(record_requests=False) as fake:
        stripe.Customer.create()
        assert fake.requests == []


@pytest.mark.stripe_fake(record_requests=False)
def test_marker_options_reach_the_fake(stripe_fake: StripeFake) -> None:
    stripe.Customer.create()
    assert stripe_fake.config.record_requests is False
    assert stripe_fake.requests == []


def test_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Unknown StripeFake option"):
        StripeFake(no_such_option=True)


@pytest.mark.parametrize("query", ["types=a.b&types=c.d", "types=a.b", "types[0]=a.b&types[1]=c.d"])
def test_v2_query_arrays_in_every_sdk_encoding(stripe_fake: StripeFake, query: str) -> None:
    """stripe < 16 sends v2 query arrays exploded (``types=a&types=b``), newer SDKs with indexes."""
    response = httpx.get(
        f"https://api.stripe.com/v2/core/events?{query}", headers={"Authorization": "Bearer sk_test_fake_123"}
    )
    assert response.status_code == 200, response.text
    assert isinstance(stripe_fake.requests[-1].params["types"], list) or query == "types=a.b"


@pytest.mark.parametrize("raw", ["true", "True", "TRUE"])
def test_booleans_in_any_case(stripe_fake: StripeFake, raw: str) -> None:
    """stripe 11 encodes Python booleans as ``True``/``False``."""
    response = httpx.get(
        f"https://api.stripe.com/v1/events?delivery_success={raw}",
        headers={"Authorization": "Bearer sk_test_fake_123"},
    )
    assert response.status_code == 200, response.text
    bad = httpx.get(
        "https://api.stripe.com/v1/events?delivery_success=yes",
        headers={"Authorization": "Bearer sk_test_fake_123"},
    )
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "delivery_success")
