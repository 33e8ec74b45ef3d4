"""Error tables of ``docs/fidelity.md`` as test data: each row becomes a parametrized case."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: situation -> (status, type, code or None, param, message)
ErrorRow = tuple[int, str, str | None, str, str]


def error_rows(heading: str) -> dict[str, ErrorRow]:
    """The rows of the table under ``### <heading>`` (columns: situation, status, type, code, param,
    message, source; ``—`` for no code)."""
    text = (ROOT / "docs" / "fidelity.md").read_text()
    marker = f"### {heading}\n"
    if marker not in text:
        raise LookupError(f"docs/fidelity.md has no section {marker.strip()!r}")
    section = re.split(r"\n#{2,3} ", text.split(marker, 1)[1], maxsplit=1)[0]
    rows: dict[str, ErrorRow] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"\d{3}", cells[1]):
            code = None if cells[3] == "—" else cells[3]
            rows[cells[0]] = (int(cells[1]), cells[2], code, cells[4], cells[5])
    return rows
