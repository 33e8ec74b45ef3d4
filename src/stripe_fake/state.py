"""Per-account state. Each resource keeps its own store; an account creates stores on first use.

Connected accounts (``Stripe-Account``) get their own :class:`AccountState`, fully isolated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .backend import Backend

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

    def store(self, cls: type[S]) -> S:
        """The account's store of type ``cls``, created on first use."""
        found = self._stores.get(cls)
        if found is None:
            found = cls(self)
            self._stores[cls] = found
        return found

    def lookup(self, object_id: str) -> dict[str, Any] | None:
        """Render the object with this id (for ``expand``), or ``None``."""
        for store in list(self._stores.values()):
            render = getattr(store, "render_by_id", None)
            if render is not None:
                found = render(object_id)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        return None
