"""Opaque Stripe-like ids (``<prefix>_<base62 characters>``, random or derived) and UUID-like identifiers."""

from __future__ import annotations

import hashlib
import os
import random
import string

_ALPHABET = string.ascii_letters + string.digits
_random = random.Random(os.urandom(16))
# Random bytes map to base62 characters through a 256-entry table: one C call per id instead of a
# Python-level choice per character (ids are opaque; the slight skew towards the first 8 characters of
# the alphabet does not matter for a fake).
_TABLE = bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "_" + _random.randbytes(length).translate(_TABLE).decode("ascii")


def stable_id(prefix: str, seed: str, length: int = 24) -> str:
    """``<prefix>_<length base62 characters>`` derived from ``seed``: the same seed, the same id."""
    digest = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=16).digest(), "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return prefix + "_" + "".join(chars)


def random_hex(count: int) -> str:
    """``count`` random upper-case hexadecimal digits."""
    return "".join(_random.choices("0123456789ABCDEF", k=count))


def _uuid_format(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid() -> str:
    """A UUID-like identifier (used for generated meter event identifiers)."""
    return _uuid_format(_random.randbytes(16).hex())


def new_uuids(count: int) -> list[str]:
    """``count`` UUID-like identifiers at once (a meter event stream request), formatted like
    :func:`new_uuid`: 96 random bits shared by the batch, then a 32-bit counter from a random start."""
    prefix = _uuid_format(_random.randbytes(12).hex())
    start = _random.getrandbits(32)
    return [f"{prefix}{(start + index) & 0xFFFFFFFF:08x}" for index in range(count)]
