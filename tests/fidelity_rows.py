"""Error tables of ``docs/fidelity.md`` as test data: each row becomes a parametrized case.

A table has the columns situation | status | type | code | param | message | source, with ``—`` for
no code (or no param). Every resource's error test reads its own table through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: situation -> (status, type, code or None, param as written, message)
ErrorRow = tuple[int, str, str | None, str, str]


@dataclass(frozen=True)
class Row:
    """One row, with ``—`` read as ``None`` for both code and param."""

    case: str
    status: int
    type: str
    code: str | None
    param: str | None
    message: str


def _section(heading: str, within: str | None) -> str:
    text = (ROOT / "docs" / "fidelity.md").read_text()
    if within is not None:
        marker = f"## {within}\n"
        if marker not in text:
            raise LookupError(f"docs/fidelity.md has no section {marker.strip()!r}")
        text = re.split(r"\n## ", text.split(marker, 1)[1], maxsplit=1)[0]
    marker = f"### {heading}\n"
    if marker not in text:
        raise LookupError(f"docs/fidelity.md has no section {marker.strip()!r}")
    return re.split(r"\n#{2,3} ", text.split(marker, 1)[1], maxsplit=1)[0]


def error_table(heading: str, *, within: str | None = None) -> dict[str, Row]:
    """The rows of the table under ``### <heading>`` (inside ``## <within>`` when given)."""
    rows: dict[str, Row] = {}
    for line in _section(heading, within).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"\d{3}", cells[1]):
            code = None if cells[3] == "—" else cells[3]
            param = None if cells[4] == "—" else cells[4]
            rows[cells[0]] = Row(cells[0], int(cells[1]), cells[2], code, param, cells[5])
    return rows


def error_rows(heading: str) -> dict[str, ErrorRow]:
    """The rows under ``### <heading>`` as ``(status, type, code, param, message)`` tuples."""
    return {
        case: (row.status, row.type, row.code, "—" if row.param is None else row.param, row.message)
        for case, row in error_table(heading).items()
    }
