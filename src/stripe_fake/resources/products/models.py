"""Products: state and rules (caller-chosen ids unique, ``updated`` moves on every change).

Searchable fields (for ``/v1/products/search``) are plain attributes: ``active``, ``created``,
``description``, ``metadata``, ``name``, ``shippable``, ``url``, plus ``id`` and ``type``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...http.errors import StripeError, resource_missing
from ...http.schema import UNSET
from ...ids import new_id
from ..base import ResourceStore, StripeObject

#: Fields a product update may set (besides ``metadata`` and ``default_price``), with their defaults.
FIELD_DEFAULTS: dict[str, Any] = {
    "active": True,
    "description": None,
    "images": [],
    "marketing_features": [],
    "name": "",
    "package_dimensions": None,
    "shippable": None,
    "statement_descriptor": None,
    "tax_code": None,
    "tax_details": None,
    "type": "service",
    "unit_label": None,
    "url": None,
}


@dataclass
class Product(StripeObject):
    object: ClassVar[str] = "product"
    id_prefix: ClassVar[str] = "prod"
    expandable: ClassVar[tuple[str, ...]] = ("default_price",)

    id: str
    created: int
    updated: int
    livemode: bool
    name: str
    active: bool = True
    description: str | None = None
    images: list[str] = field(default_factory=list)
    marketing_features: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    package_dimensions: dict[str, float] | None = None
    shippable: bool | None = None
    statement_descriptor: str | None = None
    tax_code: str | None = None
    tax_details: dict[str, Any] | None = None
    type: str = "service"
    unit_label: str | None = None
    url: str | None = None
    default_price: str | None = None

    def render(self) -> dict[str, Any]:
        dims = self.package_dimensions
        details = self.tax_details
        return {
            "id": self.id,
            "object": "product",
            "active": self.active,
            "created": self.created,
            "default_price": self.default_price,
            "description": self.description,
            "images": list(self.images),
            "livemode": self.livemode,
            "marketing_features": [{"name": f.get("name")} for f in self.marketing_features],
            "metadata": dict(self.metadata),
            "name": self.name,
            "package_dimensions": (
                {key: dims[key] for key in ("height", "length", "weight", "width")} if dims else None
            ),
            "shippable": self.shippable,
            "statement_descriptor": self.statement_descriptor,
            "tax_code": self.tax_code,
            "tax_details": (
                {
                    "performance_location": details.get("performance_location"),
                    "tax_code": details.get("tax_code"),
                }
                if details is not None
                else None
            ),
            "type": self.type,
            "unit_label": self.unit_label,
            "updated": self.updated,
            "url": self.url,
        }


def check_service_only(product_type: str, fields: dict[str, Any], prefix: str = "") -> None:
    """``unit_label`` and ``statement_descriptor`` may only be set on ``type=service`` products."""
    if product_type == "service":
        return
    for name in ("statement_descriptor", "unit_label"):
        if fields.get(name) is not None:
            raise StripeError(
                f"The {name} parameter can only be set on products of type service.",
                param=f"{prefix}{name}",
            )


_FORBIDDEN_STATEMENT_CHARS = set("<>\\'\"*")


def check_statement_descriptor(value: str | None, param: str) -> None:
    """At least one letter, none of ``< > \\ ' " *``."""
    if value is None:
        return
    if set(value) & _FORBIDDEN_STATEMENT_CHARS or not any(ch.isalpha() for ch in value):
        raise StripeError(
            "The statement descriptor must contain at least one letter and may not include any of the "
            "characters <, >, \\, ', \" or *.",
            param=param,
        )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """``tax_details`` as stored: a cleared (``""``) ``tax_code`` is ``None``."""
    details = values.get("tax_details")
    if isinstance(details, dict):
        values["tax_details"] = {key: (None if item is UNSET else item) for key, item in details.items()}
    return values


def new_product_id() -> str:
    return new_id("prod", 14)


class ProductStore(ResourceStore[Product]):
    """The account's products (a deleted product is gone: retrieving it is a 404).

    No ``id_prefixes``: products may have caller-chosen ids, so ``expand`` asks this store whatever
    the id looks like.
    """

    kind: ClassVar[str] = "product"

    def check_new_id(self, product_id: str | None, *, param: str = "id") -> None:
        """Refuse a caller-chosen id another product already has (before anything is written)."""
        if product_id is not None and product_id in self.table:
            raise StripeError("Product already exists.", code="resource_already_exists", param=param)

    def create(
        self,
        *,
        name: str,
        now: int,
        product_id: str | None = None,
        metadata: dict[str, str] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Product:
        """A new product; ``fields`` are the optional attributes (validated by the caller)."""
        self.check_new_id(product_id)
        values = copy.deepcopy(_plain(dict(fields or {})))
        values.pop("name", None)
        product = Product(
            id=product_id or new_product_id(),
            created=now,
            updated=now,
            livemode=self.account.livemode,
            name=name,
            metadata=dict(metadata or {}),
            **values,
        )
        return self.table.add(product.id, product)

    def require(self, object_id: str, *, param: str = "product", status: int = 400) -> Product:
        """The product named in a parameter (Stripe's 400 "No such product" when unknown)."""
        found = self.table.get(object_id)
        if found is None:
            raise resource_missing("product", object_id, param=param, status=status)
        return found

    def update(self, product: Product, changes: dict[str, Any], *, now: int) -> dict[str, Any]:
        """Apply ``changes`` (attribute -> value); returns the previous values of what changed."""
        previous: dict[str, Any] = {}
        before = product.render()
        for key, value in _plain(dict(changes)).items():
            setattr(product, key, copy.deepcopy(value))
        after = product.render()
        previous = {key: before[key] for key in after if key != "updated" and before[key] != after[key]}
        if previous:
            previous["updated"] = before["updated"]
            product.updated = now
        return previous

    def delete(self, product: Product) -> None:
        self.table.remove(product.id)
