"""Saving and loading a backend's state (``stripe-fake serve --state FILE``).

The state is every account's stores, the recorded v1 and thin events, the scheduler's pending jobs,
and where the server's
:class:`~stripe_fake.clock.ManualClock` stands relative to real time.

File format (version 3): one header line ``stripe-fake-state 3\\n``, one line of JSON (format,
version, when it was saved), then a pickle of the state in one piece (objects shared between stores
stay shared). The backend and its clock are written as references and re-attached on load, so
nothing that belongs to the running process (locks, routes, listeners) is saved.

Loading cannot run code: the header is checked before anything is unpickled, and the unpickler only
admits stripe-fake's own state classes (defined in its own modules, never a function, never the
process machinery such as the backend or the server) and a few builtin value types and containers.
Anything else (``os.system``, ``builtins.getattr``, ...) is refused with :class:`StateError`.

Files are written atomically (a temporary file in the same folder, then ``os.replace``); temporary
files left by a process killed during a save are removed by :func:`remove_temporary_files`.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime
import decimal
import importlib
import io
import json
import os
import pickle
import re
import sys
import tempfile
import time
from collections import OrderedDict, defaultdict, deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import ManualClock
from .scheduler import Job

if TYPE_CHECKING:
    from .backend import Backend

FORMAT = "stripe-fake-state"
VERSION = 3  # 2: meter events stored column-wise (RecordTable); 3: header line, restricted loading
MAGIC = FORMAT.encode() + b" "
#: Longest header (magic + version + JSON line) read before refusing a file.
_HEADER_LIMIT = 4096

#: Builtin and standard-library types a state may contain (values and containers, nothing that acts).
_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("builtins", name): getattr(builtins, name)
    for name in (
        "set",
        "frozenset",
        "list",
        "dict",
        "tuple",
        "bytes",
        "bytearray",
        "int",
        "float",
        "str",
        "bool",
        "complex",
        "slice",
        "range",
    )
}
_SAFE_GLOBALS.update(
    {
        ("decimal", "Decimal"): decimal.Decimal,
        ("collections", "OrderedDict"): OrderedDict,
        ("collections", "defaultdict"): defaultdict,
        ("collections", "deque"): deque,
        ("datetime", "datetime"): datetime.datetime,
        ("datetime", "date"): datetime.date,
        ("datetime", "timedelta"): datetime.timedelta,
        ("datetime", "timezone"): datetime.timezone,
    }
)
_OWN_MODULE = re.compile(r"stripe_fake(\.[a-z_][a-z0-9_]*)+")
#: stripe-fake modules whose classes are process machinery, never state.
_PROCESS_MODULES = frozenset(
    {
        "stripe_fake.backend",
        "stripe_fake.server",
        "stripe_fake.cli",
        "stripe_fake.persistence",
        "stripe_fake.delivery",
        "stripe_fake.fake",
        "stripe_fake.interceptor",
        "stripe_fake.plugin",
        "stripe_fake.strict",
        "stripe_fake.clock",
        "stripe_fake.context",
    }
)


class StateError(Exception):
    """The state could not be saved or loaded (the message says why)."""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, backend: Backend) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._backend = backend

    def persistent_id(self, obj: Any) -> str | None:
        if obj is self._backend:
            return "backend"
        if obj is self._backend.clock:
            return "clock"
        return None


class _Unpickler(pickle.Unpickler):
    """Admits stripe-fake's own state classes and a few value types; refuses every other global."""

    def __init__(self, file: io.BytesIO, backend: Backend) -> None:
        super().__init__(file)
        self._backend = backend

    def persistent_load(self, pid: Any) -> Any:
        if pid == "backend":
            return self._backend
        if pid == "clock":
            return self._backend.clock
        raise pickle.UnpicklingError(f"unknown reference {pid!r} in state file")

    def find_class(self, module: str, name: str) -> Any:
        found = _SAFE_GLOBALS.get((module, name))
        if found is not None:
            return found
        if _OWN_MODULE.fullmatch(module) and module not in _PROCESS_MODULES and "." not in name:
            loaded = sys.modules.get(module)
            if loaded is None:
                try:
                    loaded = importlib.import_module(module)
                except ImportError:
                    loaded = None
            candidate = getattr(loaded, name, None)
            # A class defined in that very module (not a function, not something it imported).
            if isinstance(candidate, type) and candidate.__module__ == module:
                return candidate
        raise pickle.UnpicklingError(f"state file refers to {module}.{name}, which a state cannot contain")


def _clock_state(backend: Backend) -> dict[str, Any]:
    clock = backend.clock
    now = clock.now()
    return {
        "now": now,
        "offset": now - time.time(),
        "frozen": bool(getattr(clock, "frozen", False)),
    }


def dump_state(backend: Backend) -> bytes:
    """The backend's state as bytes (raises :class:`StateError` if something cannot be saved)."""
    with backend.lock:
        state = {
            "accounts": backend.accounts,
            "events": list(backend.events),
            "thin_events": list(backend.thin_events),
            "scheduler": backend.scheduler.dump(),  # pending jobs (plain data)
            "clock": _clock_state(backend),
        }
        header = {"format": FORMAT, "version": VERSION, "saved_at": time.time()}
        buffer = io.BytesIO()
        buffer.write(MAGIC + str(VERSION).encode() + b"\n" + json.dumps(header).encode() + b"\n")
        try:
            _Pickler(buffer, backend).dump(state)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise StateError(f"the fake's state cannot be saved: {exc}") from exc
    return buffer.getvalue()


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def save_state(backend: Backend, path: str | os.PathLike[str]) -> Path:
    """Write the state to ``path`` atomically (temporary file in the same folder, then ``os.replace``).

    The folder must exist: nothing is created but the file itself.
    """
    target = Path(path)
    data = dump_state(backend)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return target


def remove_temporary_files(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files an interrupted :func:`save_state` of ``path`` left behind."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    removed: list[Path] = []
    prefix = _temporary_prefix(target)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in folder.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp") and entry.is_file():
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def _split_header(target: Path, data: bytes) -> bytes:
    """Check the header lines; the pickled body after them."""
    not_state = f"{target} is not a stripe-fake state file"
    if not data.startswith(MAGIC):
        raise StateError(not_state)
    first_end = data.find(b"\n", 0, _HEADER_LIMIT)
    second_end = data.find(b"\n", first_end + 1, _HEADER_LIMIT) if first_end > 0 else -1
    if second_end < 0:
        raise StateError(f"{not_state} (its header is incomplete)")
    version = data[len(MAGIC) : first_end].decode("ascii", "replace")
    if version != str(VERSION):
        raise StateError(f"{target} has state version {version}; this stripe-fake reads {VERSION}")
    try:
        header = json.loads(data[first_end + 1 : second_end])
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise StateError(f"{not_state} (its header is damaged)")
    return data[second_end + 1 :]


def load_state(backend: Backend, path: str | os.PathLike[str]) -> bool:
    """Replace the backend's state with the one saved in ``path``; ``False`` if there is no such file."""
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        raise StateError(f"{target} is a folder, not a stripe-fake state file") from None
    if data.startswith(b"\x80") and data[:64].find(b"stripe-fake-state") >= 0:
        raise StateError(
            f"{target} has state version 2 or older (an unchecked pickle); this stripe-fake reads {VERSION}"
            " and will not load older files (unpickling them could run code): start without it"
        )
    body = _split_header(target, data)
    try:
        state = _Unpickler(io.BytesIO(body), backend).load()
    except Exception as exc:
        raise StateError(f"{target} is not a stripe-fake state file: {exc}") from exc
    if not isinstance(state, dict) or not {"accounts", "events", "thin_events", "clock"} <= set(state):
        raise StateError(f"{target} is not a stripe-fake state file (its content is damaged)")
    if not _jobs_look_right(state.get("scheduler", {})):
        raise StateError(f"{target} is not a stripe-fake state file (its pending jobs are damaged)")
    with backend.lock:
        backend.reset()
        backend.accounts.update(state["accounts"])
        backend.events.extend(state["events"])
        backend.thin_events.extend(state["thin_events"])
        backend.scheduler.load(state.get("scheduler", {}))  # due work runs at the next request
        _restore_clock(backend, state["clock"])
    return True


def _jobs_look_right(saved: Any) -> bool:
    """Whether the saved scheduler data is what :meth:`Scheduler.dump` writes (jobs with int times)."""
    if not isinstance(saved, dict):
        return False
    heaps = [saved.get("jobs", [])]
    clocks = saved.get("clocks", {})
    if not isinstance(clocks, dict):
        return False
    heaps.extend(clocks.values())
    for heap in heaps:
        if not isinstance(heap, list):
            return False
        for job in heap:
            fields = (getattr(job, "due", None), getattr(job, "seq", None), getattr(job, "kind", None))
            if not isinstance(job, Job) or not (
                isinstance(fields[0], int) and isinstance(fields[1], int) and isinstance(fields[2], str)
            ):
                return False
    return isinstance(saved.get("seq", 0), int)


def _restore_clock(backend: Backend, saved: dict[str, Any]) -> None:
    clock = backend.clock
    if not isinstance(clock, ManualClock):
        return  # the process clock cannot be moved
    clock.unfreeze()
    clock.set(time.time() + float(saved["offset"]))
    if saved.get("frozen"):
        clock.freeze(at=float(saved["now"]))
