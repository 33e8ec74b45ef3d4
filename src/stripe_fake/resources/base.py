"""The base of every resource: a model (``StripeObject``) and a per-account store (``ResourceStore``).

A model is a ``@dataclass`` subclass of :class:`StripeObject` naming its ``object`` (``"price"``),
its ``id_prefix`` (``"price"``) and its ``expandable`` fields; it renders itself with ``render()``.
A store subclasses :class:`ResourceStore` with its ``kind`` (the noun of "No such <kind>: '<id>'")
and ``id_prefixes``; it gets ``get``, ``require`` and ``render_by_id`` (defined here once), and the
objects in ``self.table`` (an :class:`~stripe_fake.resources.common.ObjectTable`, served newest first).

Defining the subclasses is the whole registration: a model's ``expandable`` fields are registered
for ``expand[]`` and a store's ``id_prefixes`` let ``AccountState.lookup`` find an object by its id
prefix (``price_...`` -> the price store) instead of asking every store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ..http.expand import register_expandable
from .common import ObjectTable

if TYPE_CHECKING:
    from ..state import AccountState


class StripeObject:
    """Base of the ``@dataclass`` models: what Stripe calls the object and how it renders."""

    object: ClassVar[str]  # the ``object`` field: "price", "billing.meter", ...
    id_prefix: ClassVar[str]  # "price" for ids like "price_1Nx..."
    expandable: ClassVar[tuple[str, ...]] = ()  # dotted paths ``expand[]`` may replace by the object

    id: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("object")
        if isinstance(name, str) and cls.__dict__.get("expandable"):
            register_expandable(name, *cls.__dict__["expandable"])

    def render(self) -> dict[str, Any]:
        """The object as the API returns it."""
        raise NotImplementedError(f"{type(self).__name__}.render")

    def render_deleted(self) -> dict[str, Any]:
        """What ``DELETE`` answers (and what a deleted object expands to)."""
        return {"id": self.id, "object": self.object, "deleted": True}


M = TypeVar("M")

#: id prefix ("price") -> the store classes holding objects with that prefix (see ``lookup_stores``).
STORES_BY_PREFIX: dict[str, list[type[ResourceStore[Any]]]] = {}


class ResourceStore(Generic[M]):
    """An account's objects of one kind, by id, in creation order."""

    kind: ClassVar[str]  # "price": used in "No such price: 'price_123'"
    id_prefixes: ClassVar[tuple[str, ...]] = ()  # ids this store answers ``expand`` lookups for

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for prefix in cls.__dict__.get("id_prefixes", ()):
            found = STORES_BY_PREFIX.setdefault(prefix, [])
            if cls not in found:
                found.append(cls)

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.table: ObjectTable[M] = ObjectTable(self.kind)

    def get(self, object_id: str) -> M | None:
        return self.table.get(object_id)

    def require(self, object_id: str, *, param: str = "id", status: int = 404) -> M:
        """The object, or Stripe's ``resource_missing`` ("No such <kind>: '<id>'")."""
        return self.table.require(object_id, param=param, status=status)

    def render_by_id(self, object_id: str) -> dict[str, Any] | None:
        """The rendered object with this id (for ``expand``), or ``None``."""
        found = self.find_object(object_id)
        return self.render_object(found) if found is not None else None

    def find_object(self, object_id: str) -> Any:
        """The stored object with this id for ``render_by_id`` (override for stores of two kinds)."""
        return self.table.get(object_id)

    def render_object(self, obj: M) -> dict[str, Any]:
        """How ``render_by_id`` renders a stored object (default: its ``render()``)."""
        render = getattr(obj, "render", None)
        if render is None:
            raise TypeError(f"{type(self).__name__} must override render_object for {type(obj).__name__}")
        return render()  # type: ignore[no-any-return]


def lookup_stores(object_id: str) -> list[type[ResourceStore[Any]]]:
    """The store classes that may hold ``object_id``, from its prefix (the part before the first ``_``)."""
    cut = object_id.find("_")
    if cut <= 0:
        return []
    return STORES_BY_PREFIX.get(object_id[:cut], [])
