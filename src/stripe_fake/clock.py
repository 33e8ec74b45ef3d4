"""Where the fake gets the time from.

:class:`SystemClock` reads ``time.time()`` on every call, so freezegun and time-machine drive it.
:class:`ManualClock` is a clock of the fake's own (the standalone server uses it: freezegun
cannot reach another process).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    """The process clock (``time.time()``), as seen by freezegun and time-machine."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that follows real time until frozen, and can be set or advanced."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: float | None = None) -> None:
        with self._lock:
            current = self._frozen_at if self._frozen_at is not None else time.time() + self._offset
            self._frozen_at = current if at is None else float(at)

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def set(self, at: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = float(at)
            else:
                self._offset = float(at) - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
