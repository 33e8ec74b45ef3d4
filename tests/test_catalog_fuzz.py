"""Catalog-shaped fuzzing: near-valid price and product bodies (the generic fuzzer rarely reaches them).

Every answer is a Stripe-shaped 2xx/4xx, never a crash, and a rejected request leaves the state as it was.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import PROFILE, _post, _run, make_request

from stripe_fake import Backend

odd = st.one_of(
    st.sampled_from(["", "0", "-1", "1.5", "1e3", "NaN", "inf", "abc", "0.0000000000001", "1" * 25, None]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "0"]), st.integers(), max_size=2),
)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` nine times in ten, else an odd value (so most requests get past the first check)."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: odd if n == 0 else valid)


amount = mostly(st.integers(min_value=0, max_value=10**6))
decimal = mostly(st.sampled_from(["0.5", "12", "0.000000000001", "1.25"]))
tier = st.fixed_dictionaries(
    {},
    optional={
        "up_to": mostly(st.one_of(st.just("inf"), st.integers(min_value=-1, max_value=20))),
        "unit_amount": amount,
        "unit_amount_decimal": decimal,
        "flat_amount": amount,
        "flat_amount_decimal": decimal,
    },
)
recurring = st.fixed_dictionaries(
    {},
    optional={
        "interval": mostly(st.sampled_from(["day", "week", "month", "year"])),
        "interval_count": mostly(st.integers(min_value=-1, max_value=2000)),
        "usage_type": mostly(st.sampled_from(["licensed", "metered"])),
        "meter": mostly(st.sampled_from(["METER", "mtr_missing"])),
        "trial_period_days": mostly(st.integers(min_value=-1, max_value=1000)),
    },
)
price_body = st.fixed_dictionaries(
    {
        "currency": mostly(st.sampled_from(["usd", "EUR", "usd"])),
        "product": mostly(st.sampled_from(["PRODUCT", "PRODUCT", "prod_missing"])),
    },
    optional={
        "product_data": mostly(
            st.fixed_dictionaries(
                {"name": mostly(st.just("P"))},
                optional={"id": st.sampled_from(["PRODUCT", "new_id"])},
            )
        ),
        "unit_amount": amount,
        "unit_amount_decimal": decimal,
        "billing_scheme": mostly(st.sampled_from(["per_unit", "tiered"])),
        "tiers_mode": mostly(st.sampled_from(["graduated", "volume"])),
        "tiers": mostly(st.lists(tier, max_size=4)),
        "transform_quantity": mostly(
            st.fixed_dictionaries(
                {}, optional={"divide_by": amount, "round": st.sampled_from(["up", "down", "x"])}
            )
        ),
        "recurring": mostly(recurring),
        "custom_unit_amount": mostly(
            st.fixed_dictionaries(
                {}, optional={"enabled": st.booleans(), "minimum": amount, "maximum": amount}
            )
        ),
        "currency_options": mostly(
            st.dictionaries(
                st.sampled_from(["eur", "usd", "xyz"]),
                st.fixed_dictionaries(
                    {}, optional={"unit_amount": amount, "tiers": st.lists(tier, max_size=3)}
                ),
                max_size=2,
            )
        ),
        "lookup_key": mostly(st.sampled_from(["taken", "free"])),
        "transfer_lookup_key": mostly(st.booleans()),
        "tax_behavior": mostly(st.sampled_from(["inclusive", "exclusive", "unspecified"])),
        "metadata": mostly(st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["1", ""]))),
        "expand": mostly(
            st.lists(st.sampled_from(["tiers", "currency_options", "product", "bogus"]), max_size=2)
        ),
    },
)
product_body = st.fixed_dictionaries(
    {},
    optional={
        "name": mostly(st.just("P")),
        "id": mostly(st.sampled_from(["PRODUCT", "fresh"])),
        "type": mostly(st.sampled_from(["good", "service"])),
        "unit_label": mostly(st.just("unit")),
        "statement_descriptor": mostly(st.sampled_from(["OK SHOP", "1234", "<x>"])),
        "package_dimensions": mostly(
            st.fixed_dictionaries(
                {},
                optional={
                    k: mostly(st.floats(allow_nan=True)) for k in ("height", "length", "weight", "width")
                },
            )
        ),
        "default_price_data": mostly(price_body),
        "default_price": mostly(st.sampled_from(["PRICE", "price_missing"])),
        "images": mostly(st.lists(st.just("https://example.com/x.png"), max_size=10)),
        "marketing_features": mostly(
            st.lists(st.fixed_dictionaries({"name": mostly(st.just("f"))}), max_size=3)
        ),
        "active": mostly(st.booleans()),
        "metadata": mostly(st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["1", ""]))),
    },
)


def _seeded() -> tuple[Backend, dict[str, str]]:
    backend = Backend()
    meter = _post(
        backend,
        "/v1/billing/meters",
        {"display_name": "Fuzz", "event_name": "fuzz", "default_aggregation": {"formula": "sum"}},
    )
    product = _post(backend, "/v1/products", {"name": "Fuzz"})
    price = _post(
        backend,
        "/v1/prices",
        {"product": product["id"], "currency": "usd", "unit_amount": 1, "lookup_key": "taken"},
    )
    return backend, {"METER": meter["id"], "PRODUCT": product["id"], "PRICE": price["id"]}


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {key: _resolve(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, ids) for item in value]
    return value


def _send(backend: Backend, method: str, path: str, params: dict[str, Any]) -> None:
    found = backend.router.match(method, path)
    assert found is not None
    _run(backend, found[0], make_request(found[0], path, params))


@settings(PROFILE)
@given(price_body)
def test_price_create(body: dict[str, Any]) -> None:
    backend, ids = _seeded()
    _send(backend, "POST", "/v1/prices", _resolve(body, ids))


@settings(PROFILE)
@given(product_body)
def test_product_create(body: dict[str, Any]) -> None:
    backend, ids = _seeded()
    body = {k: v for k, v in body.items() if k != "default_price"}
    _send(backend, "POST", "/v1/products", _resolve(body, ids))


@settings(PROFILE)
@given(product_body, price_body)
def test_updates(product: dict[str, Any], price: dict[str, Any]) -> None:
    backend, ids = _seeded()
    allowed = (
        "active",
        "default_price",
        "images",
        "marketing_features",
        "metadata",
        "name",
        "package_dimensions",
        "statement_descriptor",
        "unit_label",
    )
    _send(
        backend,
        "POST",
        f"/v1/products/{ids['PRODUCT']}",
        _resolve({k: v for k, v in product.items() if k in allowed}, ids),
    )
    price_allowed = (
        "currency_options",
        "lookup_key",
        "metadata",
        "tax_behavior",
        "transfer_lookup_key",
        "expand",
    )
    _send(
        backend,
        "POST",
        f"/v1/prices/{ids['PRICE']}",
        _resolve({k: v for k, v in price.items() if k in price_allowed}, ids),
    )
