"""Control endpoints cannot be driven by a web page (issue 19): JSON bodies only, loopback Origin and
Host only, an optional token; clock values finite and in range; deep JSON answered 400."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from compat import v1
from conftest import client_for, json_body, raw, status_of

from stripe_fake.server import CLOCK_MAX, StripeFakeServer

Live = Callable[..., StripeFakeServer]


def _customers(server: StripeFakeServer) -> int:
    return len(v1(client_for(server)).customers.list().data)


@pytest.mark.parametrize(
    ("headers", "content", "status", "words"),
    [
        (
            {"Origin": "https://evil.example"},
            b'{"keep_clock": true}',
            403,
            "refuse requests from the web page",
        ),
        ({"Origin": "null"}, b"", 403, "refuse requests from the web page"),
        ({"Sec-Fetch-Site": "cross-site"}, b"", 403, "refuse cross-site requests"),
        ({"Content-Type": "text/plain"}, b'{"keep_clock": true}', 415, "JSON bodies only"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"keep_clock=true", 415, "JSON bodies only"),
        ({}, b'{"keep_clock": true}', 415, "no Content-Type"),
    ],
)
def test_cross_site_reset_is_refused_and_changes_nothing(
    live: Live, headers: dict[str, str], content: bytes, status: int, words: str
) -> None:
    server = live()
    v1(client_for(server)).customers.create()
    response = httpx.post(f"{server.url}/_stripe_fake/reset", content=content, headers=headers)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert _customers(server) == 1  # nothing was reset


def test_a_page_on_this_machine_may_call_the_control_endpoints(live: Live) -> None:
    server = live()
    v1(client_for(server)).customers.create()
    for origin in ("http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"):
        ok = httpx.post(f"{server.url}/_stripe_fake/clock", json={"advance": 1}, headers={"Origin": origin})
        assert ok.status_code == 200, ok.text
    assert httpx.post(f"{server.url}/_stripe_fake/reset", json={}).status_code == 200
    assert _customers(server) == 0


@pytest.mark.parametrize("path", ["/_stripe_fake/events", "/v1/customers"])
def test_dns_rebinding_host_is_refused(live: Live, path: str) -> None:
    """A page on attacker.example rebound to 127.0.0.1 sends Host: attacker.example: nothing is read."""
    server = live()
    v1(client_for(server)).customers.create({"email": "secret@example.com"})
    response = raw(
        server,
        f"GET {path} HTTP/1.1\r\nHost: attacker.example:{server.port}\r\n"
        "Authorization: Bearer sk_test_x1\r\n\r\n".encode(),
    )
    assert status_of(response) == 403
    assert b"secret@example.com" not in response
    assert "refuses the Host 'attacker.example'" in json_body(response)["error"]["message"]


def test_duplicate_host_headers_are_refused(live: Live) -> None:
    server = live()
    response = raw(
        server, b"GET /_stripe_fake/events HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n"
    )
    assert status_of(response) in (400, 403)
    assert json_body(response)["error"]["type"] == "invalid_request_error"


def test_control_token(live: Live) -> None:
    server = live(control_token="s3cret")
    url = f"{server.url}/_stripe_fake"
    assert httpx.get(f"{url}/health").status_code == 200  # readiness probes need no token
    refused = httpx.post(f"{url}/reset", json={})
    assert refused.status_code == 401
    assert "--control-token" in refused.json()["error"]["message"]
    assert httpx.post(f"{url}/reset", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(f"{url}/reset", json={}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert httpx.get(f"{url}/events", headers={"Authorization": "Bearer s3cret"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'{"set": NaN}',
        b'{"set": Infinity}',
        b'{"advance": -Infinity}',
        b'{"set": 1e400}',
        b'{"set": -1}',
        b'{"set": 99999999999999999999}',
        b'{"advance": 1e300}',
        b'{"set": ' + b"9" * 5000 + b"}",
        b'{"freeze": "yes"}',
    ],
)
def test_bad_clock_values_are_refused_and_the_api_keeps_working(live: Live, body: bytes) -> None:
    server = live()
    before = httpx.get(f"{server.url}/_stripe_fake/clock").json()
    response = httpx.post(
        f"{server.url}/_stripe_fake/clock", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]
    after = httpx.get(f"{server.url}/_stripe_fake/clock").json()
    assert abs(after["offset"] - before["offset"]) < 2 and after["frozen"] == before["frozen"]
    assert v1(client_for(server)).customers.create().id.startswith("cus_")


def test_the_clock_range_ends_are_accepted(live: Live) -> None:
    server = live()
    top = httpx.post(f"{server.url}/_stripe_fake/clock", json={"freeze": True, "set": CLOCK_MAX})
    assert top.json()["now"] == CLOCK_MAX
    assert httpx.post(f"{server.url}/_stripe_fake/clock", json={"advance": 1}).status_code == 400
    assert httpx.post(f"{server.url}/_stripe_fake/clock", json={"set": 1_800_000_000}).status_code == 200
    assert v1(client_for(server)).customers.create().created == 1_800_000_000


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
def test_deep_json_is_answered_400(live: Live, depth: int) -> None:
    server = live()
    body = b"[" * depth + b"]" * depth
    for name in ("clock", "reset"):
        response = httpx.post(
            f"{server.url}/_stripe_fake/{name}", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert "error" in response.json()
    nested = b'{"advance": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
    response = httpx.post(
        f"{server.url}/_stripe_fake/clock", content=nested, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert httpx.get(f"{server.url}/_stripe_fake/health").json() == {"ok": True}


def test_save_writes_only_the_state_file(live: Live, tmp_path: Path) -> None:
    state = tmp_path / "state.bin"
    elsewhere = tmp_path / "sub" / "evil.bin"
    server = live(state_path=state)
    response = httpx.post(f"{server.url}/_stripe_fake/state/save", json={"path": str(elsewhere)})
    assert response.status_code == 400
    assert "only to the --state file" in response.json()["error"]["message"]
    assert not elsewhere.parent.exists()
    assert httpx.post(f"{server.url}/_stripe_fake/state/save").json() == {"saved": str(state)}
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_every_control_answer_is_json(live: Live) -> None:
    server = live()
    for method, name in (("GET", "nope"), ("POST", "health"), ("DELETE", "reset")):
        response = httpx.request(method, f"{server.url}/_stripe_fake/{name}")
        assert response.status_code == 404
        assert json.loads(response.text)["error"]["message"].startswith("No control endpoint")
