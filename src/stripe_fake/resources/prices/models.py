"""Prices: state and rules of every pricing model (reference §4), and the account's price store.

:func:`build_price` checks a validated set of creation parameters against Stripe's rules and
returns an unsaved :class:`Price`; nothing is written until every check passed. The store keeps
three indexes so no request walks every price: user-created prices per product (product delete,
``product=`` list filter), prices per lookup key, and the count of prices per meter.

Searchable fields (for ``/v1/prices/search``) are plain attributes: ``active``, ``currency``,
``lookup_key``, ``metadata``, ``product``, ``type`` (and ``created``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from ...http.errors import StripeError, parameter_missing, resource_missing
from ...http.schema import Arr, Bool, Enum, Field, Int, Metadata, Obj, Str
from ...ids import new_id
from ..base import ResourceStore, StripeObject
from ..common import apply_metadata
from ..meters.models import MeterStore
from .fields import DecimalStr, ObjMap, UpTo, decimal_string, integral
from .pricing import PricingTerms, Tier

if TYPE_CHECKING:
    from ...state import AccountState

__all__ = [
    "CURRENCIES",
    "ONE_TIME_PRICE_DATA",
    "PRICE_DATA",
    "RECURRING_PRICE_DATA",
    "CurrencyOption",
    "Price",
    "PriceStore",
    "Recurring",
    "Tier",
    "build_price",
]

#: Stripe's presentment currencies (lower case ISO 4217).
_CURRENCY_CODES = """
    usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd
    cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd
    hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad
    mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln
    pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs
    uah ugx uyu uzs vnd vuv wst xaf xcd xcg xof xpf yer zar zmw
"""
CURRENCIES = frozenset(_CURRENCY_CODES.split())
INTERVALS = ("day", "month", "week", "year")
#: The longest billing interval is three years [SDK `interval_count` docstring].
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}
TAX_BEHAVIORS = ("exclusive", "inclusive", "unspecified")


# -- objects -------------------------------------------------------------------------------------


@dataclass
class Recurring:
    interval: str
    interval_count: int = 1
    usage_type: str = "licensed"
    meter: str | None = None
    trial_period_days: int | None = None

    def render(self) -> dict[str, Any]:
        return {
            "interval": self.interval,
            "interval_count": self.interval_count,
            "meter": self.meter,
            "trial_period_days": self.trial_period_days,
            "usage_type": self.usage_type,
        }


def render_tier(tier: Tier) -> dict[str, Any]:
    return {
        "flat_amount": integral(tier.flat_amount_decimal),
        "flat_amount_decimal": decimal_string(tier.flat_amount_decimal),
        "unit_amount": integral(tier.unit_amount_decimal),
        "unit_amount_decimal": decimal_string(tier.unit_amount_decimal),
        "up_to": tier.up_to,
    }


def render_custom(custom: dict[str, Any] | None) -> dict[str, Any] | None:
    if custom is None:
        return None
    return {key: custom.get(key) for key in ("maximum", "minimum", "preset")}


@dataclass
class CurrencyOption:
    """The price in another currency (``currency_options[<cur>]``)."""

    unit_amount_decimal: Decimal | None = None
    tiers: list[Tier] = field(default_factory=list)
    tax_behavior: str = "unspecified"
    custom_unit_amount: dict[str, Any] | None = None

    def render(self, tiered: bool) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "custom_unit_amount": render_custom(self.custom_unit_amount),
            "tax_behavior": self.tax_behavior,
            "unit_amount": integral(self.unit_amount_decimal),
            "unit_amount_decimal": decimal_string(self.unit_amount_decimal),
        }
        if tiered:
            rendered["tiers"] = [render_tier(t) for t in self.tiers]
        return rendered


@dataclass
class Price(StripeObject):
    """A price. ``inline`` prices come from ``price_data``: inactive, unlisted, not updatable."""

    object: ClassVar[str] = "price"
    id_prefix: ClassVar[str] = "price"
    #: ``tiers`` and ``currency_options`` are includable: the handlers render them when asked.
    expandable: ClassVar[tuple[str, ...]] = ("product", "tiers", "currency_options")

    id: str
    product: str
    currency: str
    created: int
    livemode: bool
    active: bool = True
    type: str = "one_time"
    billing_scheme: str = "per_unit"
    unit_amount_decimal: Decimal | None = None
    tiers_mode: str | None = None
    tiers: list[Tier] = field(default_factory=list)
    transform_quantity: dict[str, Any] | None = None
    recurring: Recurring | None = None
    custom_unit_amount: dict[str, Any] | None = None
    currency_options: dict[str, CurrencyOption] = field(default_factory=dict)
    lookup_key: str | None = None
    nickname: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tax_behavior: str = "unspecified"
    inline: bool = False

    @property
    def unit_amount(self) -> int | None:
        """``unit_amount`` as Stripe renders it: set when the decimal amount is a whole number."""
        return integral(self.unit_amount_decimal) if self.billing_scheme == "per_unit" else None

    @property
    def meter(self) -> str | None:
        return self.recurring.meter if self.recurring is not None else None

    def terms(self, currency: str | None = None) -> PricingTerms:
        """The pricing terms in ``currency`` (the price's own, or one of its ``currency_options``).

        ``KeyError`` if the price is not available in that currency.
        """
        if currency is None or currency == self.currency:
            option = CurrencyOption(self.unit_amount_decimal, self.tiers)
        else:
            option = self.currency_options[currency]
        return PricingTerms(
            billing_scheme=self.billing_scheme,
            unit_amount_decimal=option.unit_amount_decimal,
            tiers_mode=self.tiers_mode,
            tiers=list(option.tiers),
            transform_quantity=dict(self.transform_quantity) if self.transform_quantity else None,
        )

    def render(self, *, expand_tiers: bool = False, expand_currency_options: bool = False) -> dict[str, Any]:
        """The price object; ``tiers`` / ``currency_options`` only when asked for (includable)."""
        per_unit = self.billing_scheme == "per_unit"
        rendered: dict[str, Any] = {
            "id": self.id,
            "object": "price",
            "active": self.active,
            "billing_scheme": self.billing_scheme,
            "created": self.created,
            "currency": self.currency,
            "custom_unit_amount": render_custom(self.custom_unit_amount),
            "livemode": self.livemode,
            "lookup_key": self.lookup_key,
            "metadata": dict(self.metadata),
            "nickname": self.nickname,
            "product": self.product,
            "recurring": self.recurring.render() if self.recurring is not None else None,
            "tax_behavior": self.tax_behavior,
            "tiers_mode": self.tiers_mode,
            "transform_quantity": dict(self.transform_quantity) if self.transform_quantity else None,
            "type": self.type,
            "unit_amount": self.unit_amount,
            "unit_amount_decimal": decimal_string(self.unit_amount_decimal) if per_unit else None,
        }
        if expand_tiers:
            rendered["tiers"] = [render_tier(t) for t in self.tiers] if not per_unit else None
        if expand_currency_options:
            rendered["currency_options"] = self.render_currency_options()
        return rendered

    def render_currency_options(self) -> dict[str, Any]:
        """Every currency the price is in, its own first (as Stripe lists it when expanded)."""
        tiered = self.billing_scheme == "tiered"
        own = CurrencyOption(
            self.unit_amount_decimal, list(self.tiers), self.tax_behavior, self.custom_unit_amount
        )
        options = {self.currency: own.render(tiered)}
        for currency, option in self.currency_options.items():
            options[currency] = option.render(tiered)
        return options


# -- parameters ------------------------------------------------------------------------------------


def _tier_fields() -> dict[str, Field]:
    return {
        "flat_amount": Int(minimum=0),
        "flat_amount_decimal": DecimalStr(),
        "unit_amount": Int(minimum=0),
        "unit_amount_decimal": DecimalStr(),
        "up_to": UpTo(required=True),
    }


def _custom_unit_amount() -> Obj:
    return Obj(
        {
            "enabled": Bool(required=True),
            "maximum": Int(minimum=0),
            "minimum": Int(minimum=0),
            "preset": Int(minimum=0),
        }
    )


TIERS = Arr(Obj(_tier_fields()), max_items=250)
CURRENCY_OPTION = Obj(
    {
        "custom_unit_amount": _custom_unit_amount(),
        "tax_behavior": Enum(TAX_BEHAVIORS),
        "tiers": TIERS,
        "unit_amount": Int(minimum=0),
        "unit_amount_decimal": DecimalStr(),
    }
)
PRODUCT_DATA = Obj(
    {
        "active": Bool(),
        "id": Str(max_length=5000),
        "metadata": Metadata(),
        "name": Str(max_length=5000, required=True),
        "statement_descriptor": Str(max_length=22),
        "tax_code": Str(max_length=5000),
        "tax_details": Obj({"performance_location": Str(), "tax_code": Str(unsettable=True)}),
        "unit_label": Str(max_length=12),
    }
)
#: ``POST /v1/prices`` parameters (besides ``expand``).
CREATE: dict[str, Field] = {
    "active": Bool(),
    "billing_scheme": Enum(["per_unit", "tiered"]),
    "currency": Str(max_length=5000, required=True),
    "currency_options": ObjMap(CURRENCY_OPTION),
    "custom_unit_amount": _custom_unit_amount(),
    "lookup_key": Str(max_length=200),
    "metadata": Metadata(),
    "nickname": Str(max_length=5000),
    "product": Str(max_length=5000),
    "product_data": PRODUCT_DATA,
    "recurring": Obj(
        {
            "interval": Enum(INTERVALS, required=True),
            "interval_count": Int(minimum=1),
            "meter": Str(max_length=5000),
            "trial_period_days": Int(minimum=0, maximum=730),
            "usage_type": Enum(["licensed", "metered"]),
        }
    ),
    "tax_behavior": Enum(TAX_BEHAVIORS),
    "tiers": TIERS,
    "tiers_mode": Enum(["graduated", "volume"]),
    "transfer_lookup_key": Bool(),
    "transform_quantity": Obj(
        {"divide_by": Int(minimum=1, required=True), "round": Enum(["down", "up"], required=True)}
    ),
    "unit_amount": Int(minimum=0),
    "unit_amount_decimal": DecimalStr(),
}
_PRICE_DATA_COMMON: dict[str, Field] = {
    "currency": Str(max_length=5000, required=True),
    "product": Str(max_length=5000, required=True),
    "tax_behavior": Enum(TAX_BEHAVIORS),
    "unit_amount": Int(minimum=0),
    "unit_amount_decimal": DecimalStr(),
}
_PRICE_DATA_RECURRING = Obj({"interval": Enum(INTERVALS, required=True), "interval_count": Int(minimum=1)})
#: ``price_data`` of subscription items (``items[i][price_data]``): ``recurring`` required.
RECURRING_PRICE_DATA: dict[str, Field] = {
    **_PRICE_DATA_COMMON,
    "recurring": Obj(_PRICE_DATA_RECURRING.fields, required=True),
}
#: ``price_data`` of invoice items and ``add_invoice_items``: one-time, no ``recurring``.
ONE_TIME_PRICE_DATA: dict[str, Field] = dict(_PRICE_DATA_COMMON)
#: Either kind (``recurring`` optional): what :meth:`PriceStore.create_from_data` accepts.
PRICE_DATA: dict[str, Field] = {**_PRICE_DATA_COMMON, "recurring": _PRICE_DATA_RECURRING}


# -- rules -----------------------------------------------------------------------------------------


def at(prefix: str, *parts: str) -> str:
    """The request path of a parameter: ``at("", "tiers", "0")`` is ``tiers[0]``,
    ``at("price_data", "currency")`` is ``price_data[currency]``."""
    if not prefix:
        head, *rest = parts
        return head + "".join(f"[{part}]" for part in rest)
    return prefix + "".join(f"[{part}]" for part in parts)


def exclusive(prefix: str, *names: str) -> StripeError:
    return StripeError(
        f"You may only specify one of these parameters: {', '.join(names)}.",
        code="parameters_exclusive",
        param=at(prefix, names[0]),
    )


def check_currency(value: str, param: str) -> str:
    currency = value.lower()
    if currency not in CURRENCIES:
        raise StripeError(
            f"Invalid currency: {value}. Stripe currently supports these currencies: "
            + ", ".join(sorted(CURRENCIES)),
            param=param,
        )
    return currency


def _amount(params: dict[str, Any], prefix: str) -> Decimal | None:
    """``unit_amount`` or ``unit_amount_decimal`` (never both) as a decimal."""
    if "unit_amount" in params and "unit_amount_decimal" in params:
        raise exclusive(prefix, "unit_amount", "unit_amount_decimal")
    if "unit_amount" in params:
        return Decimal(params["unit_amount"])
    value: Decimal | None = params.get("unit_amount_decimal")
    return value


def build_tiers(raw: list[dict[str, Any]], prefix: str) -> list[Tier]:
    """Tiers in ascending ``up_to`` order, the last one ``inf``, each with an amount."""
    tiers: list[Tier] = []
    previous = 0
    for index, item in enumerate(raw):
        here = at(prefix, "tiers", str(index))
        unit = _amount(item, here)
        if "flat_amount" in item and "flat_amount_decimal" in item:
            raise exclusive(here, "flat_amount", "flat_amount_decimal")
        flat: Decimal | None = (
            Decimal(item["flat_amount"]) if "flat_amount" in item else item.get("flat_amount_decimal")
        )
        if flat is not None and flat != flat.to_integral_value():
            raise StripeError(
                "flat_amount_decimal must be a whole number of the currency's minor units.",
                param=at(here, "flat_amount_decimal"),
            )
        if unit is None and flat is None:
            raise StripeError("An entry in the tiers array is missing an amount.", param=at(prefix, "tiers"))
        up_to = item["up_to"]
        last = index == len(raw) - 1
        if up_to is None and not last:
            raise StripeError("Only the last tier can have up_to set to inf.", param=at(here, "up_to"))
        if up_to is not None and last:
            raise StripeError(
                "The last tier must have up_to set to inf (a tier for every quantity).",
                param=at(here, "up_to"),
            )
        if up_to is not None and up_to <= previous:
            raise StripeError(
                "The tiers must be sorted by up_to in ascending order, each up_to greater than the "
                "previous one.",
                param=at(here, "up_to"),
            )
        if up_to is not None:
            previous = up_to
        tiers.append(Tier(up_to=up_to, unit_amount_decimal=unit, flat_amount_decimal=flat))
    return tiers


def check_custom_unit_amount(custom: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``custom_unit_amount``: enabled, and ``minimum <= preset <= maximum``."""
    name = at(prefix, "custom_unit_amount")
    if not custom["enabled"]:
        raise StripeError(
            "custom_unit_amount[enabled] must be true: to price without a custom amount, omit "
            "custom_unit_amount.",
            param=at(name, "enabled"),
        )
    low, high, preset = custom.get("minimum"), custom.get("maximum"), custom.get("preset")
    if low is not None and high is not None and low > high:
        raise StripeError(
            "custom_unit_amount[minimum] must be less than or equal to custom_unit_amount[maximum].",
            param=at(name, "minimum"),
        )
    if preset is not None and ((low is not None and preset < low) or (high is not None and preset > high)):
        raise StripeError(
            "custom_unit_amount[preset] must be between custom_unit_amount[minimum] and "
            "custom_unit_amount[maximum].",
            param=at(name, "preset"),
        )
    return {"maximum": high, "minimum": low, "preset": preset}


def build_recurring(raw: dict[str, Any], account: AccountState, prefix: str) -> Recurring:
    """The ``recurring`` hash: interval limits, and metered prices backed by an active meter."""
    interval = raw["interval"]
    count = raw.get("interval_count", 1)
    if count > MAX_INTERVAL_COUNT[interval]:
        raise StripeError(
            "The maximum billing interval is three years (3 years, 36 months, 156 weeks or 1095 days).",
            param=at(prefix, "recurring", "interval_count"),
        )
    usage_type = raw.get("usage_type", "licensed")
    meter_id = raw.get("meter")
    meter_param = at(prefix, "recurring", "meter")
    if usage_type == "metered":
        if meter_id is None:
            raise StripeError(
                "Metered prices must be backed by a billing meter: set recurring[meter] to the id of an "
                "active meter.",
                param=meter_param,
            )
        meter = account.store(MeterStore).table.get(meter_id)
        if meter is None:
            raise resource_missing("billing meter", meter_id, param=meter_param, status=400)
        if not meter.active:
            raise StripeError("You can't attach a deactivated meter to a price.", param=meter_param)
    elif meter_id is not None:
        raise StripeError(
            "recurring[meter] can only be set on prices with recurring[usage_type]=metered.",
            param=meter_param,
        )
    return Recurring(
        interval=interval,
        interval_count=count,
        usage_type=usage_type,
        meter=meter_id,
        trial_period_days=raw.get("trial_period_days"),
    )


def _currency_options(
    raw: dict[str, dict[str, Any]], currency: str, tiers: list[Tier] | None, prefix: str
) -> dict[str, CurrencyOption]:
    options: dict[str, CurrencyOption] = {}
    for key, item in raw.items():
        here = at(prefix, "currency_options", key)
        code = check_currency(key, here)
        if code == currency:
            raise StripeError(
                f"currency_options cannot repeat the price's own currency ({currency}).", param=here
            )
        option = CurrencyOption(tax_behavior=item.get("tax_behavior", "unspecified"))
        if tiers is None:
            if "tiers" in item:
                raise StripeError(
                    "tiers can only be set on prices with billing_scheme=tiered.", param=at(here, "tiers")
                )
            option.unit_amount_decimal = _amount(item, here)
            if "custom_unit_amount" in item:
                if option.unit_amount_decimal is not None:
                    raise exclusive(here, "custom_unit_amount", "unit_amount")
                option.custom_unit_amount = check_custom_unit_amount(item["custom_unit_amount"], here)
            elif option.unit_amount_decimal is None:
                raise parameter_missing(at(here, "unit_amount"))
        else:
            for name in ("unit_amount", "unit_amount_decimal", "custom_unit_amount"):
                if name in item:
                    raise StripeError(
                        f"{name} cannot be set on prices with billing_scheme=tiered: set the amounts in "
                        "tiers.",
                        param=at(here, name),
                    )
            if "tiers" not in item:
                raise parameter_missing(at(here, "tiers"))
            option.tiers = build_tiers(item["tiers"], here)
            if [t.up_to for t in option.tiers] != [t.up_to for t in tiers]:
                raise StripeError(
                    "The tiers of each currency option must have the same up_to bounds as the price's tiers.",
                    param=at(here, "tiers"),
                )
        options[code] = option
    return options


def build_price(
    params: dict[str, Any],
    account: AccountState,
    *,
    product: str,
    now: int,
    prefix: str = "",
    inline: bool = False,
) -> Price:
    """An unsaved price from validated ``params`` (the fields of :data:`CREATE`), or Stripe's error.

    ``prefix`` is where the parameters sit in the request (``"default_price_data"``), for error
    params; ``product`` is the (already checked) product id. Reads the account (meters), writes nothing.
    """
    currency = check_currency(params["currency"], at(prefix, "currency"))
    scheme = params.get("billing_scheme", "per_unit")
    unit: Decimal | None = None
    tiers: list[Tier] = []
    custom: dict[str, Any] | None = None
    if scheme == "per_unit":
        for name in ("tiers", "tiers_mode"):
            if name in params:
                raise StripeError(
                    f"{name} can only be set on prices with billing_scheme=tiered.", param=at(prefix, name)
                )
        unit = _amount(params, prefix)
        if "custom_unit_amount" in params:
            if unit is not None:
                name = "unit_amount" if "unit_amount" in params else "unit_amount_decimal"
                raise exclusive(prefix, "custom_unit_amount", name)
            if "recurring" in params:
                raise StripeError(
                    "custom_unit_amount is not supported for recurring prices.",
                    param=at(prefix, "custom_unit_amount"),
                )
            custom = check_custom_unit_amount(params["custom_unit_amount"], prefix)
        elif unit is None:
            raise parameter_missing(at(prefix, "unit_amount"))
    else:
        for name in ("unit_amount", "unit_amount_decimal", "custom_unit_amount"):
            if name in params:
                raise StripeError(
                    f"{name} cannot be set on prices with billing_scheme=tiered: set the amounts in tiers.",
                    param=at(prefix, name),
                )
        if "tiers" in params and "transform_quantity" in params:
            raise exclusive(prefix, "tiers", "transform_quantity")
        if "tiers_mode" not in params:
            raise parameter_missing(at(prefix, "tiers_mode"))
        if not params.get("tiers"):
            raise parameter_missing(at(prefix, "tiers"))
        tiers = build_tiers(params["tiers"], prefix)
    recurring = build_recurring(params["recurring"], account, prefix) if "recurring" in params else None
    options = _currency_options(
        params.get("currency_options", {}), currency, tiers if scheme == "tiered" else None, prefix
    )
    transform = params.get("transform_quantity")
    return Price(
        id=new_id("price", 24),
        product=product,
        currency=currency,
        created=now,
        livemode=account.livemode,
        active=False if inline else params.get("active", True),
        type="recurring" if recurring is not None else "one_time",
        billing_scheme=scheme,
        unit_amount_decimal=unit,
        tiers_mode=params.get("tiers_mode") if scheme == "tiered" else None,
        tiers=tiers,
        transform_quantity=(
            {"divide_by": transform["divide_by"], "round": transform["round"]} if transform else None
        ),
        recurring=recurring,
        custom_unit_amount=custom,
        currency_options=options,
        lookup_key=params.get("lookup_key"),
        nickname=params.get("nickname"),
        metadata=apply_metadata({}, params.get("metadata", {})),
        tax_behavior=params.get("tax_behavior", "unspecified"),
        inline=inline,
    )


# -- store -----------------------------------------------------------------------------------------


class PriceStore(ResourceStore[Price]):
    """The account's prices and their indexes (by product, lookup key)."""

    kind: ClassVar[str] = "price"
    id_prefixes: ClassVar[tuple[str, ...]] = ("price",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        #: product id -> its user-created (not inline) price ids, oldest first
        self.by_product: dict[str, list[str]] = {}
        #: lookup key -> the price that holds it
        self.by_lookup_key: dict[str, str] = {}

    def require(self, object_id: str, *, param: str = "price", status: int = 400) -> Price:
        """The price named in a parameter: Stripe's 400 "No such price: 'x'" if unknown."""
        found = self.table.get(object_id)
        if found is None:
            raise resource_missing("price", object_id, param=param, status=status)
        return found

    def check_lookup_key(
        self, lookup_key: str | None, transfer: bool, *, param: str = "lookup_key", owner: str | None = None
    ) -> None:
        """A lookup key another price holds needs ``transfer_lookup_key=true``."""
        if lookup_key is None:
            return
        holder = self.by_lookup_key.get(lookup_key)
        if holder is not None and holder != owner and not transfer:
            raise StripeError(
                f"A price (`{holder}`) already uses that lookup key. Pass transfer_lookup_key=true to move "
                "it to this price.",
                param=param,
            )

    def set_lookup_key(self, price: Price, lookup_key: str | None) -> Price | None:
        """Give ``lookup_key`` to ``price`` (taking it from its holder); returns the former holder."""
        if price.lookup_key is not None and self.by_lookup_key.get(price.lookup_key) == price.id:
            del self.by_lookup_key[price.lookup_key]
        price.lookup_key = lookup_key
        if lookup_key is None:
            return None
        former_id = self.by_lookup_key.get(lookup_key)
        self.by_lookup_key[lookup_key] = price.id
        former = self.table.get(former_id) if former_id is not None and former_id != price.id else None
        if former is not None:
            former.lookup_key = None
        return former

    def add(self, price: Price) -> Price | None:
        """Store a built price; returns the price its lookup key was transferred from, if any."""
        self.table.add(price.id, price)
        if not price.inline:
            self.by_product.setdefault(price.product, []).append(price.id)
        lookup_key, price.lookup_key = price.lookup_key, None
        return self.set_lookup_key(price, lookup_key)

    def has_prices(self, product_id: str) -> bool:
        """Whether the product has user-created prices (then it cannot be deleted)."""
        return bool(self.by_product.get(product_id))

    def of_product(self, product_id: str) -> list[Price]:
        """The product's user-created prices, newest first."""
        return [self.table._items[pid] for pid in reversed(self.by_product.get(product_id, []))]

    def create_from_data(self, price_data: dict[str, Any], *, now: int, param: str = "price_data") -> Price:
        """An inline price from ``price_data`` (subscription items, invoice items): stored, inactive.

        ``price_data`` may be raw request values or already validated by :data:`PRICE_DATA` (or
        :data:`RECURRING_PRICE_DATA` / :data:`ONE_TIME_PRICE_DATA`); ``param`` is where it sits in
        the request (``items[0][price_data]``), for error params.
        """
        from ..products.models import ProductStore

        params: dict[str, Any] = Obj(PRICE_DATA).parse(price_data, param)
        product = self.account.store(ProductStore).require(params["product"], param=at(param, "product"))
        if not product.active:
            raise StripeError(
                f"The product {product.id} is archived: price_data needs an active product.",
                param=at(param, "product"),
            )
        terms = {key: value for key, value in params.items() if key != "product"}
        price = build_price(terms, self.account, product=product.id, now=now, prefix=param, inline=True)
        self.add(price)
        return price
