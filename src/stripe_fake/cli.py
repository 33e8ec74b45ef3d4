"""The ``stripe-fake`` command: ``stripe-fake serve`` runs the fake as a standalone HTTP server."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from . import __version__
from .asgi import DEFAULT_MAX_BODY, is_loopback_host
from .config import FakeConfig
from .persistence import StateError
from .ratelimit import SANDBOX_RATE_LIMIT
from .server import CONTROL_HELP, Forwarder, StripeFakeServer

SERVE_DESCRIPTION = """\
Serve stripe-fake over HTTP so that any Stripe SDK (Node, Go, Ruby, PHP, Java, Python in another
process) can use it. v1 is served on /v1, v2 on /v2 and the meter-event stream on the same port.
Any test-mode key (sk_test_..., rk_test_...) is accepted. Point your SDK at it, for example
Python: stripe.api_base = stripe.meter_events_api_base = "http://127.0.0.1:12111";
Node: new Stripe(key, {host: "127.0.0.1", port: 12111, protocol: "http"}).

The server has its own clock (freezegun cannot reach another process); move it with the control
endpoints. Every time-based rule (24h identifier window, 35-day timestamp limit, expiries) follows it."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stripe-fake", description="A faithful, in-memory Stripe Billing.")
    parser.add_argument("--version", action="version", version=f"stripe-fake {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    serve = commands.add_parser(
        "serve",
        help="run the fake as an HTTP server",
        description=SERVE_DESCRIPTION,
        epilog=CONTROL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: %(default)s; 0.0.0.0 for every one)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=12111,
        help="port to listen on (default: %(default)s; 0 picks a free port, printed on the ready line)",
    )
    serve.add_argument(
        "--forward-to",
        metavar="URL",
        help="deliver every event, signed, to this webhook URL of your app "
        "(like `stripe listen --forward-to`); one line is printed per delivery",
    )
    serve.add_argument(
        "--forward-thin-to",
        metavar="URL",
        help="deliver every thin v2 event notification (v2.core.event, e.g. "
        "v1.billing.meter.error_report_triggered), signed, to this URL "
        "(like `stripe listen --forward-thin-to`)",
    )
    serve.add_argument(
        "--webhook-secret",
        metavar="WHSEC",
        help="signing secret for --forward-to and --forward-thin-to (whsec_...), so your app's config "
        "stays the same between runs "
        "(default: a new random secret, printed at start)",
    )
    serve.add_argument(
        "--events",
        metavar="TYPES",
        help="comma-separated event types to forward, e.g. customer.created,billing.alert.triggered; "
        "a trailing * matches a prefix (billing.*) (default: every event)",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        help="load the state from FILE at start (if it exists) and save it there at shutdown and on "
        "POST /_stripe_fake/state/save, so a manual session can be resumed; written atomically (its folder "
        "must exist); only stripe-fake state files are loaded, and loading never runs code",
    )
    serve.add_argument(
        "--processing-delay",
        metavar="SECONDS",
        type=_seconds,
        default=0,
        help="seconds a meter event waits before it counts in summaries and alerts, like Stripe's "
        "eventual consistency; applied as the server clock passes (default: %(default)s, at once)",
    )
    serve.add_argument(
        "--error-report-window",
        metavar="SECONDS",
        type=_seconds,
        default=0,
        help="seconds of clock time batched into one asynchronous meter-event error report (thin "
        "event) per meter (default: %(default)s, one report per failing request)",
    )
    serve.add_argument(
        "--max-body",
        metavar="BYTES",
        type=_positive_int,
        default=DEFAULT_MAX_BODY,
        help="largest request body accepted; a larger one gets a 413 before it is read "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on the control endpoints (except health)",
    )
    serve.add_argument(
        "--rate-limit",
        metavar="OPS",
        nargs="?",
        type=_positive_int,
        const=SANDBOX_RATE_LIMIT,
        default=None,
        help="answer Stripe's 429 rate_limit error beyond OPS read and OPS write operations per second "
        f"per account (without OPS: Stripe's sandbox limit, {SANDBOX_RATE_LIMIT}) (default: no limit)",
    )
    serve.add_argument(
        "--quiet", "-q", action="store_true", help="do not log one line per request (errors are still logged)"
    )
    return parser


def _seconds(text: str) -> int:
    """A whole, non-negative number of seconds (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive_int(text: str) -> int:
    """A whole number of 1 or more (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stripe-fake`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM, then save ``--state`` and exit 0."""
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # deliveries get their own lines
    logging.getLogger("uvicorn").setLevel(logging.WARNING)  # one stripe-fake line per request instead
    if args.webhook_secret is not None and not args.webhook_secret.startswith("whsec_"):
        print("stripe-fake: --webhook-secret must start with whsec_", file=sys.stderr)
        return 2
    forwarding = args.forward_to is not None or args.forward_thin_to is not None
    for option, value in (("--webhook-secret", args.webhook_secret), ("--events", args.events)):
        if value is not None and not forwarding:
            print(f"stripe-fake: {option} needs --forward-to or --forward-thin-to", file=sys.stderr)
            return 2
    forwarder = None
    if forwarding:
        event_types = [t.strip() for t in args.events.split(",") if t.strip()] if args.events else None
        forwarder = Forwarder(
            args.forward_to, args.webhook_secret, event_types, echo=_echo, thin_url=args.forward_thin_to
        )
    if not is_loopback_host(args.host):
        print(
            f"stripe-fake: warning: listening on {args.host}, not only on this machine; the server has no "
            "authentication (any sk_test_ key works, and the control endpoints are open"
            + ("" if args.control_token else "; consider --control-token")
            + "): use it only on a network you trust",
            file=sys.stderr,
            flush=True,
        )
    try:
        config = FakeConfig(
            record_requests=False,
            processing_delay=args.processing_delay,
            error_report_window=args.error_report_window,
        )
        server = StripeFakeServer(
            args.host,
            args.port,
            state_path=args.state,
            forwarder=forwarder,
            config=config,
            max_body=args.max_body,
            control_token=args.control_token,
            rate_limit=args.rate_limit,
        )
    except StateError as exc:
        print(f"stripe-fake: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"stripe-fake: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server.start()
    except OSError as exc:
        print(f"stripe-fake: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    for temporary in server.removed_temporary:
        _echo(f"Removed {temporary}, left by an interrupted save")
    if server.loaded_state:
        _echo(f"Resumed the state saved in {args.state}")
    if forwarder is not None:
        targets = [url for url in (forwarder.url, forwarder.thin_url) if url]
        secret = forwarder.secret
        _echo(f"Forwarding events to {' and '.join(targets)}; your webhook signing secret is {secret}")
    _echo(f"stripe-fake listening on {server.url} (control endpoints under {server.url}/_stripe_fake/)")
    while not stop.wait(0.5):
        pass
    _echo("Shutting down")
    try:
        server.stop()
    except (StateError, OSError) as exc:
        print(f"stripe-fake: could not save the state: {exc}", file=sys.stderr)
        return 1
    if args.state:
        _echo(f"State saved to {args.state}")
    return 0


def _echo(line: str) -> None:
    print(line, flush=True)
