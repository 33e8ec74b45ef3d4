"""The ``stripe-fake`` command line: help, options and the console script."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from stripe_fake.cli import build_parser, main
from stripe_fake.server import event_matches


def test_serve_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--forward-to",
        "--forward-thin-to",
        "--webhook-secret",
        "--events",
        "--state",
        "--quiet",
    ):
        assert option in out
    for endpoint in (
        "/_stripe_fake/reset",
        "/_stripe_fake/events",
        "/_stripe_fake/clock",
        "/_stripe_fake/state/save",
    ):
        assert endpoint in out
    assert 'protocol: "http"' in out  # how to point the Node SDK at it


def test_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.forward_to, args.state, args.quiet) == (
        "127.0.0.1",
        12111,
        None,
        None,
        False,
    )


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--webhook-secret", "whsec_x"], "--webhook-secret needs --forward-to"),
        (["serve", "--events", "customer.created"], "--events needs --forward-to"),
        (
            ["serve", "--forward-to", "http://127.0.0.1:1/", "--webhook-secret", "nope"],
            "must start with whsec_",
        ),
    ],
)
def test_inconsistent_options_are_refused(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port), "--quiet"]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_event_type_patterns() -> None:
    assert event_matches("customer.created", None)
    assert event_matches("customer.created", ["*"])
    assert event_matches("billing.alert.triggered", ["customer.created", "billing.*"])
    assert not event_matches("customer.created", ["billing.*", "customer.updated"])


def test_console_script_and_module_entry_point() -> None:
    script = shutil.which("stripe-fake")
    commands = [[sys.executable, "-m", "stripe_fake", "--version"]]
    if script is not None:
        commands.append([script, "--version"])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0
        assert result.stdout.startswith("stripe-fake ")
