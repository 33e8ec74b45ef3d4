"""Billing alerts: usage thresholds that fire ``billing.alert.triggered``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..meter_events.models import UsageCounted
from .models import AlertStore

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Scheduler
    from ...state import AccountState


def _watched(account: AccountState) -> bool:
    """Only accounts that ever had alerts hear of usage (the common case costs nothing per event)."""
    return account.find(AlertStore) is not None


def _on_usage(account: AccountState, message: UsageCounted) -> None:
    store = account.find(AlertStore)
    if store is not None:
        store.on_usage(account, message)


def install(bus: Bus, scheduler: Scheduler) -> None:
    bus.subscribe(UsageCounted, _on_usage, interested=_watched)
