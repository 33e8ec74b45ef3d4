"""Load on ``stripe-fake serve``: 8 clients x 2,000 meter events each, with an alert.

Run ``python benchmarks/server_load.py`` (the installed stripe-fake) or
``python benchmarks/server_load.py --src OTHER/src`` (another checkout's code, e.g. the previous
server). Prints one JSON line: totals (must be exact), alerts fired (must be one), errors, and the
per-call latency percentiles seen by the SDK (keep-alive connections, one StripeClient per client).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import stripe

KEY = "sk_test_load_123"
CLIENTS = 8
EVENTS = 2_000


def _start(src: str | None) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    proc = subprocess.Popen(
        [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = lines.get(timeout=30)
        if line.startswith("stripe-fake listening on "):
            return proc, line.split()[3]
    raise RuntimeError("server did not start")


def run(src: str | None, clients: int, events: int) -> dict[str, Any]:
    proc, url = _start(src)
    try:
        admin = stripe.StripeClient(KEY, base_addresses={"api": url, "meter_events": url})
        meter = admin.v1.billing.meters.create(
            {"display_name": "Load", "event_name": "load", "default_aggregation": {"formula": "sum"}}
        )
        customers = [admin.v1.customers.create().id for _ in range(clients)]
        admin.v1.billing.alerts.create(
            {
                "alert_type": "usage_threshold",
                "title": "Half way",
                "usage_threshold": {
                    "gte": events // 2,
                    "meter": meter.id,
                    "recurrence": "one_time",
                    "filters": [{"type": "customer", "customer": customers[0]}],
                },
            }
        )
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[str] = []
        barrier = threading.Barrier(clients)

        def work(slot: int) -> None:
            client = stripe.StripeClient(KEY, base_addresses={"api": url, "meter_events": url})
            barrier.wait()
            for _ in range(events):
                start = time.perf_counter()
                try:
                    client.v1.billing.meter_events.create(
                        {
                            "event_name": "load",
                            "payload": {"stripe_customer_id": customers[slot], "value": "1"},
                        }
                    )
                except stripe.StripeError as exc:
                    errors.append(repr(exc))
                latencies[slot].append(time.perf_counter() - start)

        threads = [threading.Thread(target=work, args=(slot,)) for slot in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        now = int(time.time())
        totals = []
        for customer in customers:
            summaries = admin.v1.billing.meters.event_summaries.list(
                meter.id,
                {
                    "customer": customer,
                    "start_time": now - now % 86400 - 86400,
                    "end_time": now - now % 86400 + 86400,
                },
            )
            totals.append(sum(int(s.aggregated_value) for s in summaries.data))
        fired = [
            e
            for e in httpx.get(f"{url}/_stripe_fake/events").json()["data"]
            if e["type"] == "billing.alert.triggered"
        ]
        every = sorted(x for slot in latencies for x in slot)
        ticks = os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        server_cpu = (int(fields[11]) + int(fields[12])) / ticks
        return {
            "server": src or "installed",
            "clients": clients,
            "events_per_client": events,
            "totals_exact": totals == [events] * clients,
            "alerts_fired": len(fired),
            "errors": len(errors),
            "p50_ms": round(statistics.median(every) * 1000, 2),
            "p99_ms": round(every[int(len(every) * 0.99) - 1] * 1000, 2),
            "max_ms": round(every[-1] * 1000, 2),
            "throughput_per_s": round(len(every) / wall),
            "wall_s": round(wall, 2),
            "server_cpu_s": round(server_cpu, 2),
        }
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", help="PYTHONPATH for the server (another checkout's src folder)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    print(json.dumps(run(args.src, args.clients, args.events)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
