"""Saving and loading a backend's state (``stripe-fake serve --state FILE``).

The state is every account's stores, the recorded v1 and thin events, the scheduler's pending
jobs, and where the server's
:class:`~stripe_fake.clock.ManualClock` stands relative to real time. It is pickled in one piece (so
objects shared between stores stay shared); the backend itself and its clock are written as
references and re-attached on load, so nothing that belongs to the running process (locks, routes,
listeners registered on the backend) is saved. Files are written atomically: a crash never leaves a
half-written state file. Only load files you wrote yourself: unpickling runs code.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import ManualClock

if TYPE_CHECKING:
    from .backend import Backend

FORMAT = "stripe-fake-state"
VERSION = 2  # 2: meter events stored column-wise (RecordTable)


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
    def __init__(self, file: io.BytesIO, backend: Backend) -> None:
        super().__init__(file)
        self._backend = backend

    def persistent_load(self, pid: Any) -> Any:
        if pid == "backend":
            return self._backend
        if pid == "clock":
            return self._backend.clock
        raise pickle.UnpicklingError(f"unknown reference {pid!r} in state file")


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
            "format": FORMAT,
            "version": VERSION,
            "saved_at": time.time(),
            "accounts": backend.accounts,
            "events": list(backend.events),
            "thin_events": list(backend.thin_events),
            "scheduler": backend.scheduler.dump(),  # pending jobs (plain data)
            "clock": _clock_state(backend),
        }
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, backend).dump(state)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise StateError(f"the fake's state cannot be saved: {exc}") from exc
    return buffer.getvalue()


def save_state(backend: Backend, path: str | os.PathLike[str]) -> Path:
    """Write the state to ``path`` atomically (temporary file in the same folder, then ``os.replace``)."""
    target = Path(path)
    data = dump_state(backend)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
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


def load_state(backend: Backend, path: str | os.PathLike[str]) -> bool:
    """Replace the backend's state with the one saved in ``path``; ``False`` if there is no such file."""
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return False
    try:
        state = _Unpickler(io.BytesIO(data), backend).load()
    except Exception as exc:
        raise StateError(f"{target} is not a stripe-fake state file: {exc}") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise StateError(f"{target} is not a stripe-fake state file")
    if state.get("version") != VERSION:
        found = state.get("version")
        raise StateError(f"{target} has state version {found}; this stripe-fake reads {VERSION}")
    with backend.lock:
        backend.reset()
        backend.accounts.update(state["accounts"])
        backend.events.extend(state["events"])
        backend.thin_events.extend(state["thin_events"])
        backend.scheduler.load(state.get("scheduler", {}))  # due work runs at the next request
        _restore_clock(backend, state["clock"])
    return True


def _restore_clock(backend: Backend, saved: dict[str, Any]) -> None:
    clock = backend.clock
    if not isinstance(clock, ManualClock):
        return  # the process clock cannot be moved
    clock.unfreeze()
    clock.set(time.time() + float(saved["offset"]))
    if saved.get("frozen"):
        clock.freeze(at=float(saved["now"]))
