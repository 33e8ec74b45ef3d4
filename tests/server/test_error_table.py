"""Every row of docs/fidelity.md's "Errors (standalone server)" table is answered as written."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import KEY, connect, json_body, post, raw, read_response, status_of

from stripe_fake.server import StripeFakeServer

ROOT = Path(__file__).resolve().parents[2]
Live = Callable[..., StripeFakeServer]
#: (status, error object) from a started server.
Probe = Callable[[Live, Path], tuple[int, dict[str, Any]]]


def _rows() -> dict[str, dict[str, str]]:
    text = (ROOT / "docs" / "fidelity.md").read_text()
    table = text.split("### Errors (standalone server)", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] not in ("id", "---") and not cells[0].startswith("-"):
            rows[cells[0]] = dict(
                zip(("status", "type", "code", "param", "message", "source"), cells[1:], strict=True)
            )
    return rows


def _control(server: StripeFakeServer, method: str, name: str, **options: Any) -> tuple[int, dict[str, Any]]:
    response = httpx.request(method, f"{server.url}/_stripe_fake/{name}", **options)
    return response.status_code, response.json()["error"]


def _json(body: bytes) -> dict[str, Any]:
    return {"content": body, "headers": {"Content-Type": "application/json"}}


def _raw(response: bytes) -> tuple[int, dict[str, Any]]:
    return status_of(response), json_body(response)["error"]


def _head_timeout(live: Live, tmp: Path) -> tuple[int, dict[str, Any]]:
    server = live(header_timeout=0.3)
    with connect(server) as sock:
        sock.sendall(b"GET /v1/customers HTTP/1.1\r\n")
        return _raw(read_response(sock))


def _rate_limited(live: Live, tmp: Path) -> tuple[int, dict[str, Any]]:
    server = live(rate_limit=1)
    headers = {"Authorization": f"Bearer {KEY}"}
    httpx.post(f"{server.url}/v1/customers", headers=headers)
    response = httpx.post(f"{server.url}/v1/customers", headers=headers)
    return response.status_code, response.json()["error"]


def _save_failed(live: Live, tmp: Path) -> tuple[int, dict[str, Any]]:
    folder = tmp / "state"
    folder.mkdir()
    server = live(state_path=folder / "state.bin")
    folder.rmdir()
    try:
        return _control(server, "POST", "state/save")
    finally:
        folder.mkdir()  # the save at teardown works again


def _internal(live: Live, tmp: Path) -> tuple[int, dict[str, Any]]:
    server = live()

    def broken(data: dict[str, Any], query: dict[str, list[str]]) -> Any:
        raise KeyError("boom")

    server._reset = broken  # type: ignore[method-assign]
    return _control(server, "POST", "reset")


PROBES: dict[str, Probe] = {
    "body-too-large": lambda live, tmp: _raw(raw(live(max_body=10), post("/v1/customers", b"x" * 11))),
    "body-timeout": lambda live, tmp: _raw(raw(live(body_timeout=0.3), post("/v1/customers", b"", length=5))),
    "head-timeout": _head_timeout,
    "malformed": lambda live, tmp: _raw(raw(live(), b"NOT HTTP\r\n\r\n")),
    "host-refused": lambda live, tmp: _raw(
        raw(live(), b"GET /v1/customers HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    ),
    "rate-limited": _rate_limited,
    "control-origin": lambda live, tmp: _control(
        live(), "GET", "events", headers={"Origin": "https://x.example"}
    ),
    "control-cross-site": lambda live, tmp: _control(
        live(), "GET", "events", headers={"Sec-Fetch-Site": "cross-site"}
    ),
    "control-token": lambda live, tmp: _control(live(control_token="t"), "GET", "events"),
    "control-json-only": lambda live, tmp: _control(live(), "POST", "reset", content=b"{}"),
    "control-not-object": lambda live, tmp: _control(live(), "POST", "reset", **_json(b"[]")),
    "control-not-finite": lambda live, tmp: _control(live(), "POST", "clock", **_json(b'{"set": NaN}')),
    "control-too-deep": lambda live, tmp: _control(
        live(), "POST", "clock", **_json(b"[" * 100_000 + b"]" * 100_000)
    ),
    "control-unknown-key": lambda live, tmp: _control(live(), "POST", "clock", json={"rewind": 1}),
    "control-not-found": lambda live, tmp: _control(live(), "GET", "nope"),
    "clock-not-number": lambda live, tmp: _control(live(), "POST", "clock", json={"advance": "1"}),
    "clock-not-bool": lambda live, tmp: _control(live(), "POST", "clock", json={"freeze": 1}),
    "clock-both": lambda live, tmp: _control(
        live(), "POST", "clock", json={"freeze": True, "unfreeze": True}
    ),
    "clock-out-of-range": lambda live, tmp: _control(live(), "POST", "clock", json={"set": -5}),
    "save-path": lambda live, tmp: _control(live(), "POST", "state/save", json={"path": str(tmp / "x")}),
    "save-no-state": lambda live, tmp: _control(live(), "POST", "state/save"),
    "save-failed": _save_failed,
    "control-internal": _internal,
}


def test_the_table_and_the_probes_are_in_step() -> None:
    assert sorted(_rows()) == sorted(PROBES)


def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]+>", message)
    return re.compile(".*".join(re.escape(part) for part in parts) + r"\Z", re.S)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_error_row(live: Live, tmp_path: Path, name: str) -> None:
    row = _rows()[name]
    started = time.monotonic()
    status, error = PROBES[name](live, tmp_path)
    assert time.monotonic() - started < 3
    assert status == int(row["status"])
    assert error["type"] == row["type"]
    assert error.get("code") == (row["code"] or None)
    assert error.get("param") == (row["param"] or None)
    assert _pattern(row["message"]).match(error["message"]), (row["message"], error["message"])
