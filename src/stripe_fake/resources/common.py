"""Helpers shared by resources: ordered object stores and list rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from ..http.errors import resource_missing

T = TypeVar("T")


class ObjectTable(Generic[T]):
    """Objects by id, in creation order (lists are served newest first)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # used in "No such <kind>: '<id>'"
        self._items: dict[str, T] = {}

    def add(self, object_id: str, item: T) -> T:
        self._items[object_id] = item
        return item

    def get(self, object_id: str) -> T | None:
        return self._items.get(object_id)

    def require(self, object_id: str, *, param: str = "id", status: int = 404) -> T:
        found = self._items.get(object_id)
        if found is None:
            raise resource_missing(self.kind, object_id, param=param, status=status)
        return found

    def remove(self, object_id: str) -> T | None:
        return self._items.pop(object_id, None)

    def newest_first(self, keep: Callable[[T], bool] | None = None) -> list[T]:
        items = reversed(self._items.values())
        return [item for item in items if keep is None or keep(item)]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._items


def apply_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """Merge a validated metadata update (``UNSET`` clears a key; whole ``UNSET`` clears all)."""
    from ..http.schema import UNSET

    if update is UNSET:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value is UNSET:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > 50:
        from ..http.errors import invalid_request

        raise invalid_request(
            f"Invalid metadata: metadata can have at most 50 keys, but the update would leave {len(merged)}.",
            param="metadata",
        )
    return merged
