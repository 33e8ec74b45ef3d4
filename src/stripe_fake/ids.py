"""Opaque Stripe-like ids: ``<prefix>_<24 random base62 characters>``."""

from __future__ import annotations

import os
import random
import string

_ALPHABET = string.ascii_letters + string.digits
_random = random.Random(os.urandom(16))


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "_" + "".join(_random.choices(_ALPHABET, k=length))


def new_uuid() -> str:
    """A UUID-like identifier (used for generated meter event identifiers)."""
    h = f"{_random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
