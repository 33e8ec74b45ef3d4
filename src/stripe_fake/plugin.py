"""The pytest plugin: the ``stripe_fake`` fixture and the ``stripe_fake`` marker."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from .fake import StripeFake

#: Where the outcome of a test's call phase is kept for its ``stripe_fake`` fixture's teardown.
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "stripe_fake(**options): options for the stripe_fake fixture (see stripe_fake.FakeConfig); "
        "closer markers override module and class ones.",
    )


def marker_options(node: pytest.Item) -> dict[str, Any]:
    """Options from every ``stripe_fake`` marker on the test, the closest winning."""
    options: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("stripe_fake"))):
        if marker.args:
            raise TypeError("@pytest.mark.stripe_fake takes keyword options only")
        options.update(marker.kwargs)
    return options


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed


@pytest.fixture
def stripe_fake(request: pytest.FixtureRequest) -> Iterator[StripeFake]:
    """An active :class:`StripeFake`: every Stripe request in the test is answered in-process.

    At teardown, calls to unimplemented endpoints fail the test (``unimplemented="fail"``), unless
    the test already failed: then each is reported once, by the test's own failure (the SDK raised
    the 404 there, or the failure has another cause worth seeing first). Internal errors always fail.
    """
    fake = StripeFake(**marker_options(request.node))
    fake.start()
    try:
        yield fake
    finally:
        fake.stop(verify=not request.node.stash.get(_CALL_FAILED, False))
