"""The pytest plugin: the ``stripe_fake`` fixture and the ``stripe_fake`` marker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .fake import StripeFake


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


@pytest.fixture
def stripe_fake(request: pytest.FixtureRequest) -> Iterator[StripeFake]:
    """An active :class:`StripeFake`: every Stripe request in the test is answered in-process."""
    fake = StripeFake(**marker_options(request.node))
    with fake:
        yield fake
