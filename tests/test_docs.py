"""The documentation stays in step with the code: every route is in the fidelity endpoint table."""

from __future__ import annotations

import re
from pathlib import Path

from stripe_fake import Backend
from stripe_fake.config import FakeConfig

ROOT = Path(__file__).resolve().parent.parent


def _endpoint_table() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "fidelity.md").read_text()
    table = text.split("## Endpoint table", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(GET|POST|DELETE) ([^`]+)` \| `([^`]+)`", table, re.M)
    return {(method, name) for method, _path, name in rows}


def test_every_route_is_in_the_fidelity_endpoint_table() -> None:
    documented = _endpoint_table()
    missing = [
        f"{route.method} {route.pattern} ({route.name})"
        for route in Backend().router.routes
        if (route.method, route.name) not in documented
    ]
    assert not missing, f"routes missing from docs/fidelity.md's endpoint table: {missing}"


def test_every_option_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    options = FakeConfig.__dataclass_fields__
    undocumented = [name for name in options if f"| `{name}` |" not in readme]
    assert not undocumented, f"FakeConfig options missing from the README options table: {undocumented}"
