"""v1 list envelopes with ``limit``/``starting_after``/``ending_before`` cursors."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .errors import StripeError, resource_missing
from .schema import Field, Int, Str

if TYPE_CHECKING:
    from ..resources.common import ObjectTable

T = TypeVar("T")

LIST_PARAMS: dict[str, Field] = {
    "limit": Int(minimum=1, maximum=100),
    "starting_after": Str(),
    "ending_before": Str(),
}


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A v1 list envelope (``object: list``): list endpoints and embedded sub-lists (invoice ``lines``,
    subscription ``items``) render through this one function."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def paginate(
    items: Sequence[T],
    params: dict[str, Any],
    url: str,
    *,
    key: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
    kind: str = "object",
) -> dict[str, Any]:
    """Slice ``items`` (already newest first) into a Stripe list page.

    ``kind`` names the object in the ``No such ...`` error for an unknown cursor.
    """
    limit: int = params.get("limit", 10)
    after = params.get("starting_after")
    before = params.get("ending_before")
    if after is not None and before is not None:
        raise StripeError(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    lazy = getattr(items, "page", None)  # a table's NewestFirst view: walk only what the page needs
    if lazy is not None:
        found = lazy(limit, after, before)
        if found is None:
            param = "starting_after" if after is not None else "ending_before"
            cursor = after if after is not None else before
            raise resource_missing(kind, str(cursor), param=param, status=400)
        page, has_more = found
        return list_object(url, [render(item) for item in page], has_more)
    if after is not None:
        index = _index_of(items, after, key, kind, "starting_after")
        page = items[index + 1 : index + 1 + limit]
        has_more = index + 1 + limit < len(items)
    elif before is not None:
        index = _index_of(items, before, key, kind, "ending_before")
        start = max(0, index - limit)
        page = items[start:index]
        has_more = start > 0
    else:
        page = items[:limit]
        has_more = limit < len(items)
    return list_object(url, [render(item) for item in page], has_more)


def _index_of(items: Sequence[T], object_id: str, key: Callable[[T], str], kind: str, param: str) -> int:
    for index, item in enumerate(items):
        if key(item) == object_id:
            return index
    raise resource_missing(kind, object_id, param=param, status=400)


class Subset(Sequence[T]):
    """The objects of ``table`` whose ids an index lists (``ids``, in creation order), that ``keep``
    accepts, newest first: a filtered list served from an index instead of a scan of the table.

    Like the table's own ``NewestFirst`` view, :func:`paginate` asks for :meth:`page`: it walks the
    index from the newest id or from the cursor (found by bisection): O(limit + skipped + log n),
    whatever the table holds. Ids no longer in the table (a stale index entry) are skipped. Any
    other use (``len``, indexing) builds the whole list once.
    """

    def __init__(self, table: ObjectTable[T], ids: Sequence[str], keep: Callable[[T], bool] | None = None):
        self.table = table
        self.ids = ids
        self.keep = keep
        self._list: list[T] | None = None

    def _walk(self, start: int, step: int) -> Iterator[T]:
        ids = self.ids
        get = self.table.get
        index = start
        while 0 <= index < len(ids):
            item = get(ids[index])
            if item is not None and (self.keep is None or self.keep(item)):
                yield item
            index += step

    def _take(self, start: int, step: int, count: int) -> list[T]:
        found: list[T] = []
        for item in self._walk(start, step):
            found.append(item)
            if len(found) >= count:
                break
        return found

    def _index(self, object_id: str) -> int | None:
        """Where ``object_id`` stands in :attr:`ids`, if the index lists it and ``keep`` accepts it."""
        position = self.table.position
        pos = position(object_id)
        item = self.table.get(object_id)
        if pos is None or item is None or (self.keep is not None and not self.keep(item)):
            return None
        index = bisect.bisect_left(self.ids, pos, key=lambda i: _position(position, i))
        if index < len(self.ids) and self.ids[index] == object_id:
            return index
        try:  # only if the index is out of creation order (it never is for the stores using it)
            return self.ids.index(object_id)
        except ValueError:
            return None

    def page(self, limit: int, after: str | None, before: str | None) -> tuple[list[T], bool] | None:
        """A page of ``limit`` objects and whether more follow, or ``None`` if a cursor is not here."""
        if after is not None:
            index = self._index(after)
            if index is None:
                return None
            found = self._take(index - 1, -1, limit + 1)
            return found[:limit], len(found) > limit
        if before is not None:
            index = self._index(before)
            if index is None:
                return None
            found = self._take(index + 1, 1, limit + 1)
            return found[:limit][::-1], len(found) > limit
        found = self._take(len(self.ids) - 1, -1, limit + 1)
        return found[:limit], len(found) > limit

    def _all(self) -> list[T]:
        if self._list is None:
            self._list = list(self._walk(len(self.ids) - 1, -1))
        return self._list

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


def _position(position: Callable[[str], int | None], object_id: str) -> int:
    found = position(object_id)
    return -1 if found is None else found


def merged_ids(table: ObjectTable[Any], lists: Sequence[Sequence[str]]) -> Sequence[str]:
    """Several index lists (each in creation order) as one, in creation order."""
    if len(lists) == 1:
        return lists[0]
    position = table.position
    merged = [object_id for ids in lists for object_id in ids]
    merged.sort(key=lambda i: _position(position, i))
    return merged
