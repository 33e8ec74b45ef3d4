"""Billing alerts: lifecycle rules, the 25-per-(meter, customer) limit, and triggering.

Triggering is driven by the bus: after each counted meter event the meter-event store publishes
``UsageCounted`` and ``alerts.install`` hands it to :meth:`AlertStore.on_usage` (for accounts that
have an alert store) with the customer's lifetime aggregate, so a check never rescans
stored events. Active alerts of a meter live in :class:`Ladder` objects (one for alerts without a
customer filter, one per filtered customer), sorted by ``gte``; each customer keeps a *frontier* below
which every active alert has already fired for them, so an event costs ``O(log n + fired)``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError
from ...ids import new_id
from ..base import ResourceStore, StripeObject
from ..events.models import emit_event
from ..meter_events.usage import Number, as_json_number

if TYPE_CHECKING:
    from ...state import AccountState
    from ..meter_events.models import UsageCounted

MAX_ALERTS_PER_PAIR = 25

Key = tuple[int, int]  # (gte, creation sequence): the order of alerts on a ladder


@dataclass
class Alert(StripeObject):
    object: ClassVar[str] = "billing.alert"
    id_prefix: ClassVar[str] = "alrt"
    expandable: ClassVar[tuple[str, ...]] = ("usage_threshold.meter", "usage_threshold.filters.customer")

    id: str
    seq: int
    title: str
    meter_id: str
    gte: int
    customer: str | None  # the customer filter, if any
    livemode: bool
    status: str = "active"  # active | inactive | archived
    fired: set[str] = field(default_factory=set)  # customers this alert has triggered for

    @property
    def key(self) -> Key:
        return (self.gte, self.seq)

    @property
    def scope(self) -> tuple[str, str | None]:
        return (self.meter_id, self.customer)

    def render(self) -> dict[str, Any]:
        filters = [{"customer": self.customer, "type": "customer"}] if self.customer is not None else None
        return {
            "id": self.id,
            "object": "billing.alert",
            "alert_type": "usage_threshold",
            "livemode": self.livemode,
            "status": self.status,
            "title": self.title,
            "usage_threshold": {
                "filters": filters,
                "gte": self.gte,
                "meter": self.meter_id,
                "recurrence": "one_time",
            },
        }


class Ladder:
    """The active alerts of one scope, sorted by ``gte``, and each customer's progress through them."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.alerts: dict[Key, Alert] = {}
        # customer -> every active alert with key <= frontier has fired for that customer
        self.frontier: dict[str, Key] = {}

    def add(self, alert: Alert) -> None:
        key = alert.key
        insort(self.keys, key)
        self.alerts[key] = alert
        index = bisect_left(self.keys, key)
        below = self.keys[index - 1] if index else None
        for customer, frontier in list(self.frontier.items()):
            if frontier >= key and customer not in alert.fired:
                if below is None:
                    del self.frontier[customer]
                else:
                    self.frontier[customer] = below

    def remove(self, alert: Alert) -> None:
        key = alert.key
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            del self.keys[index]
            del self.alerts[key]

    def due(self, customer: str, value: Number) -> list[Alert]:
        """Alerts with ``gte <= value`` that have not fired for ``customer`` yet (advances the frontier)."""
        frontier = self.frontier.get(customer)
        index = 0 if frontier is None else bisect_right(self.keys, frontier)
        due: list[Alert] = []
        last: Key | None = None
        while index < len(self.keys) and self.keys[index][0] <= value:
            key = self.keys[index]
            alert = self.alerts[key]
            if customer not in alert.fired:
                due.append(alert)
            last = key
            index += 1
        if last is not None:
            self.frontier[customer] = last
        return due


class AlertStore(ResourceStore[Alert]):
    """The account's alerts, their per-scope limits and the trigger ladders."""

    kind = "billing alert"
    id_prefixes = ("alrt",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.open_count: dict[tuple[str, str | None], int] = {}  # non-archived alerts per (meter, customer)
        self.ladders: dict[tuple[str, str | None], Ladder] = {}
        self._seq = 0

    # -- lifecycle ----------------------------------------------------------------------------------

    def create(self, *, title: str, meter_id: str, gte: int, customer: str | None) -> Alert:
        scope = (meter_id, customer)
        if self.open_count.get(scope, 0) >= MAX_ALERTS_PER_PAIR:
            target = f"customer '{customer}'" if customer is not None else "all customers"
            raise StripeError(
                f"You can create a maximum of {MAX_ALERTS_PER_PAIR} alerts for each combination of a meter "
                f"and customer. Meter '{meter_id}' already has {MAX_ALERTS_PER_PAIR} alerts for {target}; "
                "archive one before creating another.",
                param="usage_threshold",
            )
        self._seq += 1
        alert = Alert(
            id=new_id("alrt"),
            seq=self._seq,
            title=title,
            meter_id=meter_id,
            gte=gte,
            customer=customer,
            livemode=self.account.livemode,
        )
        self.table.add(alert.id, alert)
        self.open_count[scope] = self.open_count.get(scope, 0) + 1
        self._ladder(scope).add(alert)
        return alert

    def activate(self, alert: Alert) -> None:
        self._check_not_archived(alert, "activate")
        if alert.status == "inactive":
            alert.status = "active"
            self._ladder(alert.scope).add(alert)

    def deactivate(self, alert: Alert) -> None:
        self._check_not_archived(alert, "deactivate")
        if alert.status == "active":
            alert.status = "inactive"
            self._ladder(alert.scope).remove(alert)

    def archive(self, alert: Alert) -> None:
        self._check_not_archived(alert, "archive")
        if alert.status == "active":
            self._ladder(alert.scope).remove(alert)
        alert.status = "archived"
        self.open_count[alert.scope] -= 1

    @staticmethod
    def _check_not_archived(alert: Alert, action: str) -> None:
        if alert.status == "archived":
            raise StripeError(
                f"You cannot {action} the alert '{alert.id}' because it has been archived. Archiving an "
                "alert is not reversible.",
                param="id",
            )

    def _ladder(self, scope: tuple[str, str | None]) -> Ladder:
        ladder = self.ladders.get(scope)
        if ladder is None:
            ladder = self.ladders[scope] = Ladder()
        return ladder

    # -- triggering ---------------------------------------------------------------------------------

    def on_usage(self, account: AccountState, counted: UsageCounted) -> None:
        """A meter event was counted: fire every active alert it newly satisfies for its customer,
        stamped at the time it counted (a delayed event: its receipt plus the processing delay)."""
        meter, customer = counted.meter, counted.customer
        general = self.ladders.get((meter.id, None))
        own = self.ladders.get((meter.id, customer))
        if (general is None or not general.keys) and (own is None or not own.keys):
            return  # the common case: no active alert watches this customer
        value = counted.usage.total.value(meter.formula)
        due: list[Alert] = []
        for ladder in (general, own):
            if ladder is not None and ladder.keys:
                due.extend(ladder.due(customer, value))
        if not due:
            return
        now = counted.now
        for alert in sorted(due, key=lambda a: a.seq) if len(due) > 1 else due:
            alert.fired.add(customer)
            triggered = {
                "object": "billing.alert_triggered",
                "alert": alert.render(),
                "created": now,
                "customer": customer,
                "livemode": account.livemode,
                "value": as_json_number(value),
            }
            emit_event(account, "billing.alert.triggered", triggered, now=now, fresh=True)
