"""Helpers shared by resources: ordered object stores and list rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from ..http.errors import resource_missing
from ..http.pagination import list_object

__all__ = ["NewestFirst", "ObjectTable", "apply_metadata", "changed", "list_object"]

T = TypeVar("T")


class ObjectTable(Generic[T]):
    """Objects by id, in creation order (lists are served newest first).

    Besides the dict, the table keeps the ids in creation order (a removed id leaves a ``None`` hole,
    compacted once holes outnumber objects) and each id's position, so a list page walks from the
    newest object, or from its cursor, and costs O(limit) rather than O(table).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind  # used in "No such <kind>: '<id>'"
        self._items: dict[str, T] = {}
        self._order: list[str | None] = []
        self._pos: dict[str, int] = {}
        self._holes = 0

    def add(self, object_id: str, item: T) -> T:
        if object_id not in self._items:  # replacing an object keeps its place, as a dict does
            self._pos[object_id] = len(self._order)
            self._order.append(object_id)
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
        found = self._items.pop(object_id, None)
        pos = self._pos.pop(object_id, None)
        if pos is not None:
            self._order[pos] = None
            self._holes += 1
            if self._holes > len(self._items):
                self._compact()
        return found

    def _compact(self) -> None:
        self._order = list[str | None](self._items)
        self._pos = {object_id: index for index, object_id in enumerate(self._items)}
        self._holes = 0

    def newest_first(self, keep: Callable[[T], bool] | None = None) -> NewestFirst[T]:
        """The objects ``keep`` accepts, newest first, as a lazy sequence (see :class:`NewestFirst`)."""
        return NewestFirst(self, keep)

    def position(self, object_id: str) -> int | None:
        """Where ``object_id`` stands in creation order (``None`` if it is not in the table)."""
        return self._pos.get(object_id)

    def walk(self, start: int, step: int) -> Iterator[T]:
        """Objects from position ``start`` towards older (``step=-1``) or newer (``step=1``) ones."""
        order = self._order
        items = self._items
        index = start
        end = len(order)
        while 0 <= index < end:
            object_id = order[index]
            if object_id is not None:
                yield items[object_id]
            index += step

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._items


class NewestFirst(Sequence[T]):
    """A table's objects that ``keep`` accepts, newest first, computed only as far as needed.

    :func:`~stripe_fake.http.pagination.paginate` asks for :meth:`page`, which walks from the newest
    object or from the cursor's position (O(limit) plus the objects ``keep`` skips). Any other use
    (``len``, indexing, slicing) builds the whole list once.
    """

    def __init__(self, table: ObjectTable[T], keep: Callable[[T], bool] | None) -> None:
        self.table = table
        self.keep = keep
        self._list: list[T] | None = None

    def _all(self) -> list[T]:
        if self._list is None:
            self._list = self._take(self.table.walk(len(self.table._order) - 1, -1), None)
        return self._list

    def _take(self, objects: Iterator[T], count: int | None) -> list[T]:
        keep = self.keep
        found: list[T] = []
        for item in objects:
            if keep is None or keep(item):
                found.append(item)
                if count is not None and len(found) >= count:
                    break
        return found

    def accepts(self, object_id: str) -> int | None:
        """The position of ``object_id`` if it is in the table and ``keep`` accepts it, else ``None``."""
        pos = self.table.position(object_id)
        if pos is None:
            return None
        item = self.table._items[object_id]
        return pos if self.keep is None or self.keep(item) else None

    def page(self, limit: int, after: str | None, before: str | None) -> tuple[list[T], bool] | None:
        """A page of ``limit`` objects and whether more follow, or ``None`` if a cursor is not here.

        ``after``: older than that object; ``before``: newer than it (nearest first, then
        returned newest first); neither: the newest.
        """
        table = self.table
        if after is not None:
            pos = self.accepts(after)
            if pos is None:
                return None
            found = self._take(table.walk(pos - 1, -1), limit + 1)
            return found[:limit], len(found) > limit
        if before is not None:
            pos = self.accepts(before)
            if pos is None:
                return None
            found = self._take(table.walk(pos + 1, 1), limit + 1)
            return found[:limit][::-1], len(found) > limit
        found = self._take(table.walk(len(table._order) - 1, -1), limit + 1)
        return found[:limit], len(found) > limit

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())


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


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """An update event's ``previous_attributes``: the old value of each top-level field of ``after``
    (two renders of one object) that changed; a field new in ``after`` had the value ``None``."""
    return {key: before.get(key) for key in after if before.get(key) != after.get(key)}
