"""v1 list envelopes with ``limit``/``starting_after``/``ending_before`` cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import StripeError, resource_missing
from .schema import Field, Int, Str

T = TypeVar("T")

LIST_PARAMS: dict[str, Field] = {
    "limit": Int(minimum=1, maximum=100),
    "starting_after": Str(),
    "ending_before": Str(),
}


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
        return {"object": "list", "data": [render(item) for item in page], "has_more": has_more, "url": url}
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
    return {"object": "list", "data": [render(item) for item in page], "has_more": has_more, "url": url}


def _index_of(items: Sequence[T], object_id: str, key: Callable[[T], str], kind: str, param: str) -> int:
    for index, item in enumerate(items):
        if key(item) == object_id:
            return index
    raise resource_missing(kind, object_id, param=param, status=400)
