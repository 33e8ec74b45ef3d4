"""Per-account state. Each resource keeps its own store; an account creates stores on first use.

Connected accounts (``Stripe-Account``) get their own :class:`AccountState`, fully isolated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .backend import Backend
    from .bus import Bus
    from .config import FakeConfig
    from .scheduler import Scheduler

PLATFORM = "platform"


class Store(Protocol):
    def __init__(self, account: AccountState) -> None: ...


S = TypeVar("S", bound=Store)


class AccountState:
    """Everything one Stripe account holds: one store per resource."""

    def __init__(self, account_id: str | None, backend: Backend) -> None:
        self.id = account_id
        self.backend = backend
        self._stores: dict[type[Any], Any] = {}

    @property
    def livemode(self) -> bool:
        return False

    # Narrow views of the backend for resources (they never import or reach into the backend).
    @property
    def bus(self) -> Bus:
        """Where resources publish what happened (``bus.publish(account, Topic(...))``)."""
        return self.backend.bus

    @property
    def scheduler(self) -> Scheduler:
        """Where resources schedule due work (``scheduler.at(due, kind, account, ref)``)."""
        return self.backend.scheduler

    @property
    def config(self) -> FakeConfig:
        return self.backend.config

    def now(self) -> int:
        """The account clock's time, for work that has no ``now`` of its own (bus messages that
        carry none). Operations take ``now`` from their caller; prefer that."""
        return self.backend.now()

    @property
    def platform(self) -> AccountState:
        """The platform account (itself, for the platform): where account-wide indexes live."""
        return self if self.id is None else self.backend.account(None)

    def find(self, cls: type[S]) -> S | None:
        """The account's store of type ``cls`` if it was ever created, else ``None`` (never creates it)."""
        return self._stores.get(cls)

    def store(self, cls: type[S]) -> S:
        """The account's store of type ``cls``, created on first use."""
        found = self._stores.get(cls)
        if found is None:
            found = cls(self)
            self._stores[cls] = found
        return found

    def lookup(self, object_id: str) -> dict[str, Any] | None:
        """Render the object with this id (for ``expand``), or ``None``.

        Stores on the resource base are found by the id's prefix (``ResourceStore.id_prefixes``);
        other stores that can render by id are asked in turn.
        """
        for cls in self.backend.stores_for(object_id):
            store = self._stores.get(cls)
            if store is not None:
                found = store.render_by_id(object_id)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        for store in list(self._stores.values()):
            if getattr(type(store), "id_prefixes", None):
                continue  # asked above if the prefix is its own
            render = getattr(store, "render_by_id", None)
            if render is not None:
                found = render(object_id)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        return None
