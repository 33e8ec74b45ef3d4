"""``stripe-fake serve --processing-delay / --error-report-window``: delayed usage and batched error
reports follow the server clock, are applied (and forwarded) as soon as the clock endpoint moves it,
and survive ``--state`` save and resume.

Like ``test_server.py`` these run the server as a subprocess (no ``stripe_fake`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from compat import v1
from test_server import ServerProcess, _Receiver, serve  # noqa: F401 (serve is a fixture)

from stripe_fake.cli import main

#: A frozen start, aligned to the hour so error-report windows are predictable.
T0 = 1_800_000_000


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.close()


def _setup(server: ServerProcess) -> tuple[str, str]:
    """Freeze the clock at T0; a customer, a sum meter and a one-time alert at 5; returns their ids."""
    server.control("POST", "clock", {"freeze": True, "set": T0})
    client = server.client()
    customer = v1(client).customers.create()
    meter = v1(client).billing.meters.create(
        {"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "sum"}}
    )
    v1(client).billing.alerts.create(
        {
            "alert_type": "usage_threshold",
            "title": "Five calls",
            "usage_threshold": {"gte": 5, "meter": meter.id, "recurrence": "one_time"},
        }
    )
    return customer.id, meter.id


def _send(server: ServerProcess, customer_id: str, event_name: str = "calls", value: str = "7") -> None:
    v1(server.client()).billing.meter_events.create(
        {"event_name": event_name, "payload": {"stripe_customer_id": customer_id, "value": value}}
    )


def _total(server: ServerProcess, meter_id: str, customer_id: str) -> int:
    start = T0 - T0 % 86400
    summaries = v1(server.client()).billing.meters.event_summaries.list(
        meter_id, {"customer": customer_id, "start_time": start, "end_time": start + 2 * 86400}
    )
    return sum(int(s.aggregated_value) for s in summaries.data)


def _event_types(server: ServerProcess) -> list[str]:
    return [e["type"] for e in server.control("GET", "events")["data"]]


def test_processing_delay_counts_usage_once_the_clock_passes_it(
    serve: Callable[..., ServerProcess], receiver: _Receiver
) -> None:
    server = serve("--processing-delay", "60", "--forward-to", receiver.url, "--events", "billing.alert.*")
    customer_id, meter_id = _setup(server)
    _send(server, customer_id)
    assert _total(server, meter_id, customer_id) == 0  # accepted, not counted yet
    server.control("POST", "clock", {"advance": 59})
    assert _total(server, meter_id, customer_id) == 0
    assert "billing.alert.triggered" not in _event_types(server)

    server.control("POST", "clock", {"advance": 1})
    # The clock endpoint itself applied the due usage: the alert is forwarded without another request.
    receiver.wait(1)
    assert len(receiver.received) == 1
    assert b'"billing.alert.triggered"' in receiver.received[0][0]
    assert _total(server, meter_id, customer_id) == 7
    assert _event_types(server).count("billing.alert.triggered") == 1


def test_error_report_window_batches_until_the_clock_passes_it(
    serve: Callable[..., ServerProcess], receiver: _Receiver
) -> None:
    server = serve("--error-report-window", "3600", "--forward-thin-to", receiver.url)
    customer_id, _ = _setup(server)
    for _ in range(2):
        _send(server, customer_id, event_name="no_such_meter")  # accepted: errors are asynchronous
    assert server.control("GET", "events")["thin_events"] == []
    server.control("POST", "clock", {"advance": 3599})
    assert server.control("GET", "events")["thin_events"] == []

    server.control("POST", "clock", {"advance": 1})
    receiver.wait(1)  # forwarded because the clock moved, no API request needed
    assert len(receiver.received) == 1
    thin = server.control("GET", "events")["thin_events"]
    assert [e["type"] for e in thin] == ["v1.billing.meter.no_meter_found"]
    assert thin[0]["data"]["reason"]["error_count"] == 2
    assert thin[0]["data"]["validation_start"] == "2027-01-15T08:00:00.000Z"
    assert thin[0]["data"]["validation_end"] == "2027-01-15T09:00:00.000Z"


def test_pending_usage_and_reports_resume_from_the_state_file(
    serve: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    state = tmp_path / "session.pickle"
    options = ("--processing-delay", "600", "--error-report-window", "3600", "--state", str(state))
    first = serve(*options)
    customer_id, meter_id = _setup(first)
    _send(first, customer_id)
    _send(first, customer_id, event_name="no_such_meter")
    assert first.stop() == 0

    second = serve(*options)
    second.wait_line("Resumed")
    assert second.control("GET", "clock")["now"] == T0  # still frozen where it was saved
    assert _total(second, meter_id, customer_id) == 0
    second.control("POST", "clock", {"advance": 600})
    assert _total(second, meter_id, customer_id) == 7
    assert _event_types(second).count("billing.alert.triggered") == 1
    assert second.control("GET", "events")["thin_events"] == []
    second.control("POST", "clock", {"advance": 3000})  # the window has ended, the delay not yet
    assert second.control("GET", "events")["thin_events"] == []
    second.control("POST", "clock", {"advance": 600})  # a report is due at window end + delay
    thin = second.control("GET", "events")["thin_events"]
    assert [e["type"] for e in thin] == ["v1.billing.meter.no_meter_found"]


def test_without_options_usage_counts_at_once(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    customer_id, meter_id = _setup(server)
    _send(server, customer_id)
    assert _total(server, meter_id, customer_id) == 7
    assert "billing.alert.triggered" in _event_types(server)


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--processing-delay SECONDS" in out
    assert "--error-report-window SECONDS" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--processing-delay", "-1"], "must be 0 or more, not -1"),
        (["--error-report-window", "1.5"], "expected a whole number of seconds, not '1.5'"),
    ],
)
def test_bad_option_values(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
