"""The --state file (issue 19): a crafted file runs nothing, a non-state file is refused clearly,
temporary files of an interrupted save are removed at the next start, pending work survives."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from compat import v1
from conftest import client_for

import stripe_fake.cli
import stripe_fake.persistence
from stripe_fake.backend import Backend
from stripe_fake.clock import ManualClock
from stripe_fake.persistence import VERSION, StateError, load_state, save_state
from stripe_fake.server import StripeFakeServer

Live = Callable[..., StripeFakeServer]


def _header() -> bytes:
    meta = {"format": "stripe-fake-state", "version": VERSION, "saved_at": 0}
    return f"stripe-fake-state {VERSION}\n".encode() + json.dumps(meta).encode() + b"\n"


class _Call:
    """Pickles as "call ``func(*args)``" (what an attacker writes into a pickle)."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.func, self.args


def _crafted(payload: Any) -> bytes:
    state = {"accounts": payload, "events": [], "thin_events": [], "clock": {"offset": 0, "now": 0}}
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def _payloads(marker: Path) -> dict[str, Any]:
    return {
        "os.system": _Call(os.system, f"touch {marker}"),
        "builtins.exec": _Call(exec, f"open({str(marker)!r}, 'w').close()"),
        "builtins.getattr": _Call(getattr, _Call(Path, str(marker)), "touch"),
        "stripe-fake function": _Call(stripe_fake.persistence.remove_temporary_files, str(marker)),
        "stripe-fake process class": _Call(StripeFakeServer, "127.0.0.1", 0),
        "stripe-fake cli": _Call(stripe_fake.cli.main, ["--version"]),
        "re-exported import": _Call(stripe_fake.persistence.Path, str(marker)),
    }


@pytest.mark.parametrize("name", list(_payloads(Path("x"))))
@pytest.mark.parametrize("framing", ["v3 header", "old bare pickle"])
def test_a_crafted_state_file_runs_nothing(tmp_path: Path, name: str, framing: str) -> None:
    marker = tmp_path / "pwned"
    body = _crafted(_payloads(marker)[name])
    state = tmp_path / "state.bin"
    state.write_bytes(_header() + body if framing == "v3 header" else body)
    backend = Backend(clock=ManualClock())
    with pytest.raises(StateError) as refused:
        load_state(backend, state)
    assert "is not a stripe-fake state file" in str(refused.value) or "state version" in str(refused.value)
    assert not marker.exists()
    assert backend.accounts == {}


def test_a_crafted_state_file_is_refused_by_serve(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    state = tmp_path / "state.bin"
    state.write_bytes(_header() + _crafted(_Call(os.system, f"touch {marker}")))
    result = subprocess.run(
        [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "is not a stripe-fake state file" in result.stderr
    assert "os.system" in result.stderr or "posix.system" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is not a stripe-fake state file"),
        (b"hello world\n", "is not a stripe-fake state file"),
        (b"\x89PNG\r\n\x1a\n", "is not a stripe-fake state file"),
        (b"stripe-fake-state 2\n{}\n", "has state version 2"),
        (b"stripe-fake-state 3\n", "header is incomplete"),
        (b"stripe-fake-state 3\n{not json}\n", "header is damaged"),
        (b"stripe-fake-state 3\n" + json.dumps({"format": "x", "version": 3}).encode() + b"\n", "damaged"),
        (_header() + b"garbage", "is not a stripe-fake state file"),
        (_header() + pickle.dumps([1, 2, 3]), "content is damaged"),
        (pickle.dumps({"format": "stripe-fake-state", "version": 2}), "state version 2 or older"),
    ],
)
def test_a_non_state_file_is_refused_clearly(tmp_path: Path, content: bytes, words: str) -> None:
    state = tmp_path / "state.bin"
    state.write_bytes(content)
    with pytest.raises(StateError) as refused:
        load_state(Backend(clock=ManualClock()), state)
    assert words in str(refused.value)
    assert str(state) in str(refused.value)


def test_damaged_pending_jobs_are_refused(tmp_path: Path) -> None:
    state = {
        "accounts": {},
        "events": [],
        "thin_events": [],
        "clock": {"offset": 0, "now": 0},
        "scheduler": {"jobs": ["not a job"]},
    }
    path = tmp_path / "state.bin"
    path.write_bytes(_header() + pickle.dumps(state))
    with pytest.raises(StateError, match="pending jobs are damaged"):
        load_state(Backend(clock=ManualClock()), path)


def test_round_trip_keeps_objects_and_pending_jobs(tmp_path: Path) -> None:
    from stripe_fake.config import FakeConfig

    first = StripeFakeServer("127.0.0.1", 0, config=FakeConfig(record_requests=False, processing_delay=60))
    first.clock.freeze(at=1_800_000_000)
    first.start()
    try:
        client = client_for(first)
        customer = v1(client).customers.create({"email": "keep@example.com"})
        meter = v1(client).billing.meters.create(
            {"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "sum"}}
        )
        v1(client).billing.meter_events.create(
            {"event_name": "calls", "payload": {"stripe_customer_id": customer.id, "value": "4"}}
        )
        pending = len(first.backend.scheduler.pending())
        assert pending >= 1
        path = save_state(first.backend, tmp_path / "state.bin")
    finally:
        first.stop()
    backend = Backend(clock=ManualClock())
    assert load_state(backend, path)
    assert len(backend.scheduler.pending()) == pending
    created = [e["data"]["object"]["id"] for e in backend.events if e["type"].endswith(".created")]
    assert created[:2] == [customer.id, meter.id]


def test_temporary_files_of_an_interrupted_save_are_removed_at_start(live: Live, tmp_path: Path) -> None:
    state = tmp_path / "state.bin"
    leftovers = [tmp_path / ".state.bin.abc123.tmp", tmp_path / ".state.bin.zz.tmp"]
    for leftover in leftovers:
        leftover.write_bytes(b"half a state")
    unrelated = tmp_path / ".other.bin.abc.tmp"
    unrelated.write_bytes(b"not ours")
    server = live(state_path=state)
    assert sorted(server.removed_temporary) == sorted(leftovers)
    assert not any(p.exists() for p in leftovers)
    assert unrelated.exists()
    assert httpx.post(f"{server.url}/_stripe_fake/state/save").status_code == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.bin.abc.tmp", "state.bin"]


def test_serve_reports_removed_temporary_files(tmp_path: Path) -> None:
    from test_server import ServerProcess

    state = tmp_path / "state.bin"
    (tmp_path / ".state.bin.x1.tmp").write_bytes(b"half")
    server = ServerProcess("--state", str(state))
    try:
        assert "left by an interrupted save" in server.wait_line("Removed")
    finally:
        assert server.stop() == 0
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_state_folder_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "state.bin"
    result = subprocess.run(
        [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", "--state", str(missing)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "folder of the --state file does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_billing_objects_round_trip_through_the_restricted_loader(live: Live, tmp_path: Path) -> None:
    """Every store the billing half adds loads under the restricted unpickler (nothing is refused)."""
    state = tmp_path / "state.bin"
    first = live(state_path=state)
    client = client_for(first)
    customer = v1(client).customers.create({"email": "bill@example.com"})
    product = v1(client).products.create({"name": "Plan"})
    price = v1(client).prices.create(
        {"product": product.id, "currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}}
    )
    v1(client).invoice_items.create({"customer": customer.id, "amount": 500, "currency": "usd"})
    invoice = v1(client).invoices.create({"customer": customer.id})
    assert httpx.post(f"{first.url}/_stripe_fake/state/save").status_code == 200
    second = live(state_path=state)
    assert second.loaded_state
    again = client_for(second)
    assert v1(again).prices.retrieve(price.id).unit_amount == 1000
    assert v1(again).invoices.retrieve(invoice.id).customer == customer.id
    assert v1(again).customers.retrieve(customer.id).email == "bill@example.com"
