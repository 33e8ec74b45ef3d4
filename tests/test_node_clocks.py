"""Test clocks driven by the official Node SDK against ``stripe-fake serve`` (tests/node/clocks.js)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable

from test_server import NODE_DIR, ServerProcess, _node_sdk, serve  # noqa: F401 (serve is a fixture)


def test_node_sdk_advances_a_test_clock_to_a_paid_renewal(serve: Callable[..., ServerProcess]) -> None:
    node = _node_sdk()
    server = serve("--quiet")
    env = {**os.environ, "STRIPE_FAKE_PORT": server.url.rsplit(":", 1)[1]}
    result = subprocess.run(
        [node, "clocks.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # the first invoice (seat in advance) and the renewal: seat 1000 + 500 calls x 2 cents
    assert outcome == {"ok": True, "amount_paid": 2000, "invoices": 2, "ready_events": 1}
